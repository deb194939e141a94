-- Organization roles (PostHog's ee RBAC roles), approval policies and change requests
-- (spec platform.md §4–5), and the claim rows of periodic jobs. Same conventions as the
-- platform tables: BIGINT microseconds, TEXT UUIDs, JSON as TEXT.

CREATE TABLE roles (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (organization_id, name)
);

CREATE TABLE role_memberships (
    id TEXT PRIMARY KEY NOT NULL,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (role_id, user_id)
);
CREATE INDEX role_memberships_user ON role_memberships (user_id);

CREATE TABLE approval_policies (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- NULL: organization-wide (organization-level actions such as member level changes).
    team_id BIGINT REFERENCES projects(id) ON DELETE CASCADE,
    action_key TEXT NOT NULL,
    conditions TEXT NOT NULL,
    approver_config TEXT NOT NULL,
    allow_self_approve BOOLEAN NOT NULL,
    bypass_org_membership_levels TEXT NOT NULL,
    bypass_roles TEXT NOT NULL,
    expires_after_us BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One policy per (organization, team, action); COALESCE so that NULL teams collide too.
CREATE UNIQUE INDEX approval_policies_unique ON approval_policies (organization_id, COALESCE(team_id, 0), action_key);

CREATE TABLE change_requests (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    team_id BIGINT REFERENCES projects(id) ON DELETE CASCADE,
    policy_id TEXT REFERENCES approval_policies(id) ON DELETE SET NULL,
    action_key TEXT NOT NULL,
    action_version INTEGER NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    intent TEXT NOT NULL,
    intent_display TEXT NOT NULL,
    policy_snapshot TEXT NOT NULL,
    validation_status TEXT NOT NULL,
    validation_errors TEXT,
    validated_at BIGINT,
    state TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    applied_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    applied_at BIGINT,
    apply_error TEXT NOT NULL,
    result_data TEXT
);
CREATE INDEX change_requests_team_created ON change_requests (team_id, created_at DESC);
CREATE INDEX change_requests_org_created ON change_requests (organization_id, created_at DESC);
-- The duplicate check and the expiry/staleness jobs.
CREATE INDEX change_requests_open ON change_requests (action_key, resource_type, resource_id, state);
CREATE INDEX change_requests_state_expires ON change_requests (state, expires_at);

CREATE TABLE change_request_votes (
    id TEXT PRIMARY KEY NOT NULL,
    change_request_id TEXT NOT NULL REFERENCES change_requests(id) ON DELETE CASCADE,
    created_by BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- One vote per user and request (spec §8).
    UNIQUE (change_request_id, created_by)
);

-- Periodic jobs run once per due time across servers: the server whose UPDATE moves
-- `due_at` forward owns that run.
CREATE TABLE scheduled_jobs (
    name TEXT PRIMARY KEY NOT NULL,
    due_at BIGINT NOT NULL
);
