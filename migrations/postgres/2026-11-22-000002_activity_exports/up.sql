-- Activity log entries and asynchronous export jobs. Same conventions as the platform
-- tables: BIGINT microseconds, TEXT UUIDs, JSON as TEXT.

-- No foreign key to organizations or projects: entries outlive the objects they describe
-- (deleting an organization keeps its history). A deleted user only loses the link.
CREATE TABLE activity_log (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT,
    team_id BIGINT,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    scope TEXT NOT NULL,
    activity TEXT NOT NULL,
    item_id TEXT,
    detail TEXT,
    client TEXT,
    is_system BOOLEAN NOT NULL,
    was_impersonated BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
-- Keyset lists of a project / an organization, newest first.
CREATE INDEX activity_log_team_created ON activity_log (team_id, created_at DESC, id DESC);
CREATE INDEX activity_log_org_created ON activity_log (organization_id, created_at DESC, id DESC);
-- History of one object.
CREATE INDEX activity_log_team_scope_item ON activity_log (team_id, scope, item_id);
CREATE INDEX activity_log_org_scope_created ON activity_log (organization_id, scope, created_at DESC);
-- Organization-level rows (no project), listed together with a project's rows.
CREATE INDEX activity_log_org_level ON activity_log (organization_id, created_at DESC, id DESC)
    WHERE team_id IS NULL;
-- ON DELETE SET NULL of a user, without scanning the table.
CREATE INDEX activity_log_user ON activity_log (user_id);

-- No foreign keys: a job is removed (with its file) by the expiry sweep.
CREATE TABLE exports (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    team_id BIGINT,
    created_by BIGINT,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    params TEXT NOT NULL,
    filename TEXT NOT NULL,
    state TEXT NOT NULL,
    path TEXT,
    "rows" BIGINT,
    bytes BIGINT,
    error TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX exports_state_created ON exports (state, created_at);
CREATE INDEX exports_expires ON exports (expires_at);
