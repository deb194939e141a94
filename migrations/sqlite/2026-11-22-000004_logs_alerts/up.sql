-- Log alerts, their events, notification destinations, Slack integrations and the
-- notification delivery queue. Same conventions as the platform tables: BIGINT
-- microseconds, TEXT UUIDs, JSON as TEXT. A team is a row of `projects`.

CREATE TABLE logs_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    team_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    filters TEXT NOT NULL,
    threshold_count BIGINT NOT NULL,
    threshold_operator TEXT NOT NULL,
    window_minutes BIGINT NOT NULL,
    evaluation_periods BIGINT NOT NULL,
    datapoints_to_alarm BIGINT NOT NULL,
    cooldown_minutes BIGINT NOT NULL,
    snooze_until BIGINT,
    schedule_restriction TEXT,
    state TEXT NOT NULL,
    next_check_at BIGINT,
    last_checked_at BIGINT,
    last_notified_at BIGINT,
    consecutive_failures BIGINT NOT NULL,
    last_error_message TEXT,
    first_enabled_at BIGINT,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Bumped by every user edit; a check of an older version is discarded.
    version BIGINT NOT NULL,
    -- A scheduler's claim; free when NULL or in the past.
    claimed_until BIGINT
);
-- The scheduler's due-alert claim.
CREATE INDEX logs_alerts_due ON logs_alerts (enabled, next_check_at);
-- The API list, newest first.
CREATE INDEX logs_alerts_team_created ON logs_alerts (team_id, created_at DESC);
CREATE INDEX logs_alerts_created_by ON logs_alerts (created_by);

CREATE TABLE logs_alert_events (
    id TEXT PRIMARY KEY NOT NULL,
    alert_id TEXT NOT NULL REFERENCES logs_alerts(id) ON DELETE CASCADE,
    team_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    result_count BIGINT,
    threshold_breached BOOLEAN NOT NULL,
    state_before TEXT NOT NULL,
    state_after TEXT NOT NULL,
    error_message TEXT,
    query_duration_ms BIGINT,
    inputs TEXT
);
CREATE INDEX logs_alert_events_alert_created ON logs_alert_events (alert_id, created_at DESC, id DESC);
-- The 90-day retention sweep.
CREATE INDEX logs_alert_events_created ON logs_alert_events (created_at);

CREATE TABLE integrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    team_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    sensitive_config TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX integrations_team ON integrations (team_id, id);
CREATE INDEX integrations_created_by ON integrations (created_by);

-- One row per (destination, notification kind); soft-deleted. No foreign key to
-- integrations: a deleted Slack connection makes deliveries fail, visibly.
CREATE TABLE logs_alert_destinations (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL,
    team_id BIGINT NOT NULL,
    alert_id TEXT NOT NULL REFERENCES logs_alerts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    dtype TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    slack_integration_id BIGINT,
    slack_channel_id TEXT,
    slack_channel_name TEXT,
    webhook_url TEXT,
    signing_secret TEXT,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    deleted_at BIGINT
);
CREATE INDEX logs_alert_destinations_alert ON logs_alert_destinations (alert_id, created_at);
CREATE INDEX logs_alert_destinations_created_by ON logs_alert_destinations (created_by);

-- No foreign keys to events or destinations: a delivery outlives a pruned event, and
-- destinations are only soft-deleted.
CREATE TABLE logs_alert_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    team_id BIGINT NOT NULL,
    alert_id TEXT NOT NULL REFERENCES logs_alerts(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    dtype TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL
);
-- The delivery worker's claim.
CREATE INDEX logs_alert_deliveries_status_next ON logs_alert_deliveries (status, next_attempt_at);
CREATE INDEX logs_alert_deliveries_event ON logs_alert_deliveries (event_id);
CREATE INDEX logs_alert_deliveries_alert ON logs_alert_deliveries (alert_id);
