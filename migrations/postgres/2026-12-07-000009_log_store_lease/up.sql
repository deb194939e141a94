-- Leases on server roles that only one server may hold per database (issue 13 §5). Today
-- one: `embedded_log_store`, held by the server that keeps logs in its data directory, so
-- that a second server on the same database refuses to start instead of silently keeping
-- a separate set of logs. Same conventions as the other tables: BIGINT microseconds.
CREATE TABLE server_leases (
    name TEXT PRIMARY KEY NOT NULL,
    -- A random UUID per server process.
    holder TEXT NOT NULL,
    host TEXT NOT NULL,
    data_dir TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    -- Another server may take the lease once this has passed.
    expires_at BIGINT NOT NULL
);
