-- Saved logs views (spec logs.md §5). Same conventions as the platform tables: BIGINT
-- microseconds, TEXT UUIDs, JSON as TEXT. A team is a row of `projects`.

CREATE TABLE logs_views (
    id TEXT PRIMARY KEY NOT NULL,
    team_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- 8 random characters of [A-Za-z0-9]; every API lookup is by (team_id, short_id).
    short_id TEXT NOT NULL,
    name TEXT NOT NULL,
    filters TEXT NOT NULL,
    pinned BOOLEAN NOT NULL,
    -- The ordered `columns` list as JSON; NULL: the client's default set. (Not named
    -- `columns`: diesel's table! macro generates a module of that name.)
    column_config TEXT,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Bumped by every edit; an edit based on an older read conflicts.
    version BIGINT NOT NULL,
    UNIQUE (team_id, short_id)
);
-- The API list, newest first.
CREATE INDEX logs_views_team_created ON logs_views (team_id, created_at DESC);
CREATE INDEX logs_views_created_by ON logs_views (created_by);
