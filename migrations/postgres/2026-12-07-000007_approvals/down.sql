DROP TABLE scheduled_jobs;
DROP TABLE change_request_votes;
DROP TABLE change_requests;
DROP TABLE approval_policies;
DROP TABLE role_memberships;
DROP TABLE roles;
