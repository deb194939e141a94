-- Times are BIGINT microseconds since the Unix epoch (UTC) on both backends, so one diesel
-- schema serves SQLite and PostgreSQL. See docs/decisions/0001-portable-sql-types.md.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    uuid TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    current_organization_id TEXT,
    current_project_id BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    enforce_2fa BOOLEAN,
    members_can_invite BOOLEAN,
    members_can_use_personal_api_keys BOOLEAN NOT NULL,
    allow_publicly_shared_resources BOOLEAN NOT NULL,
    is_ai_data_processing_approved BOOLEAN,
    default_anonymize_ips BOOLEAN NOT NULL,
    default_experiment_stats_method TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE organization_memberships (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level INTEGER NOT NULL,
    joined_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX organization_memberships_user ON organization_memberships (user_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    uuid TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    api_token TEXT NOT NULL UNIQUE,
    timezone TEXT NOT NULL,
    retention_days INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX projects_organization ON projects (organization_id, id);

CREATE TABLE personal_api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    mask_value TEXT NOT NULL,
    secure_value TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    scoped_teams TEXT,
    scoped_organizations TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    last_rolled_at BIGINT
);
CREATE INDEX personal_api_keys_user ON personal_api_keys (user_id);
