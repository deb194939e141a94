-- A trigram index serves search_text (detail ILIKE '%text%') without reading every row.
-- pg_trgm is a trusted extension (any role with CREATE on the database may add it); where
-- it is unavailable or not allowed, search still works by scanning, only slower.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS activity_log_detail_trgm ON activity_log USING gin (detail gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm unavailable (%): activity log search_text will scan rows', SQLERRM;
END
$$;
-- Counting a scope over a date range reads only this index.
CREATE INDEX activity_log_team_scope_time ON activity_log (team_id, scope, created_at DESC);
