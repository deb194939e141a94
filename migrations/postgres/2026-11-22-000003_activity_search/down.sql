DROP INDEX IF EXISTS activity_log_team_scope_time;
DROP INDEX IF EXISTS activity_log_detail_trgm;
