-- A trigram full-text index serves search_text (case-insensitive substring of the detail)
-- without reading every row. It keeps its own copy of (id, detail), kept in step by
-- triggers; entries are only ever inserted, so deletes (a scan here) are rare.
CREATE VIRTUAL TABLE activity_log_search USING fts5(
    id UNINDEXED,
    detail,
    tokenize = 'trigram case_sensitive 0'
);
INSERT INTO activity_log_search (id, detail) SELECT id, detail FROM activity_log WHERE detail IS NOT NULL;
CREATE TRIGGER activity_log_search_insert AFTER INSERT ON activity_log WHEN new.detail IS NOT NULL
BEGIN
    INSERT INTO activity_log_search (id, detail) VALUES (new.id, new.detail);
END;
CREATE TRIGGER activity_log_search_delete AFTER DELETE ON activity_log
BEGIN
    DELETE FROM activity_log_search WHERE id = old.id;
END;
CREATE TRIGGER activity_log_search_update AFTER UPDATE OF detail ON activity_log
BEGIN
    DELETE FROM activity_log_search WHERE id = old.id;
    INSERT INTO activity_log_search (id, detail) SELECT new.id, new.detail WHERE new.detail IS NOT NULL;
END;
-- Counting a scope over a date range reads only this index.
CREATE INDEX activity_log_team_scope_time ON activity_log (team_id, scope, created_at DESC);
