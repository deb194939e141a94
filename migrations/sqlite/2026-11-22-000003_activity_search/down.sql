DROP INDEX activity_log_team_scope_time;
DROP TRIGGER activity_log_search_update;
DROP TRIGGER activity_log_search_delete;
DROP TRIGGER activity_log_search_insert;
DROP TABLE activity_log_search;
