DROP TABLE server_leases;
