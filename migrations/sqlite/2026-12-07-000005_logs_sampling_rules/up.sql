-- Log sampling rules (spec logs.md §4; PostHog's LogsExclusionRule) and their hourly
-- kept/dropped counters. Same conventions as the platform tables: BIGINT microseconds,
-- TEXT UUIDs, JSON as TEXT. A team is a row of `projects`.

CREATE TABLE logs_sampling_rules (
    id TEXT PRIMARY KEY NOT NULL,
    team_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    priority BIGINT NOT NULL,
    rule_type TEXT NOT NULL,
    scope_service TEXT,
    scope_path_pattern TEXT,
    scope_attribute_filters TEXT NOT NULL,
    config TEXT NOT NULL,
    -- +1 on every update and reorder; the ingest cache compares it.
    version BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The list and the evaluator's walk order.
CREATE INDEX logs_sampling_rules_team_order ON logs_sampling_rules (team_id, priority, created_at);

-- Records and bytes each rule kept and dropped, one row per rule and hour, added to by
-- every server (the API sums the last 24 rows).
CREATE TABLE logs_sampling_rule_counters (
    rule_id TEXT NOT NULL REFERENCES logs_sampling_rules(id) ON DELETE CASCADE,
    hour_us BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    kept_records BIGINT NOT NULL,
    kept_bytes BIGINT NOT NULL,
    dropped_records BIGINT NOT NULL,
    dropped_bytes BIGINT NOT NULL,
    PRIMARY KEY (rule_id, hour_us)
);
CREATE INDEX logs_sampling_rule_counters_team_hour ON logs_sampling_rule_counters (team_id, hour_us);
