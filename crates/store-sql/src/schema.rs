// One schema for both backends: only portable types (BigInt, Integer, Text, Bool).
// `tests/schema_matches.rs` proves it matches the migrations on SQLite and PostgreSQL.

diesel::table! {
    users (id) {
        id -> BigInt,
        uuid -> Text,
        email -> Text,
        first_name -> Text,
        last_name -> Text,
        password_hash -> Text,
        is_active -> Bool,
        current_organization_id -> Nullable<Text>,
        current_project_id -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        enforce_2fa -> Nullable<Bool>,
        members_can_invite -> Nullable<Bool>,
        members_can_use_personal_api_keys -> Bool,
        allow_publicly_shared_resources -> Bool,
        is_ai_data_processing_approved -> Nullable<Bool>,
        default_anonymize_ips -> Bool,
        default_experiment_stats_method -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    organization_memberships (id) {
        id -> Text,
        organization_id -> Text,
        user_id -> BigInt,
        level -> Integer,
        joined_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        uuid -> Text,
        organization_id -> Text,
        name -> Text,
        api_token -> Text,
        timezone -> Text,
        retention_days -> Integer,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    personal_api_keys (id) {
        id -> Text,
        user_id -> BigInt,
        label -> Text,
        mask_value -> Text,
        secure_value -> Text,
        scopes -> Text,
        scoped_teams -> Nullable<Text>,
        scoped_organizations -> Nullable<Text>,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        last_rolled_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    activity_log (id) {
        id -> Text,
        organization_id -> Nullable<Text>,
        team_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        scope -> Text,
        activity -> Text,
        item_id -> Nullable<Text>,
        detail -> Nullable<Text>,
        client -> Nullable<Text>,
        is_system -> Bool,
        was_impersonated -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    exports (id) {
        id -> BigInt,
        uuid -> Text,
        organization_id -> Text,
        team_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        kind -> Text,
        format -> Text,
        params -> Text,
        filename -> Text,
        state -> Text,
        path -> Nullable<Text>,
        rows -> Nullable<BigInt>,
        bytes -> Nullable<BigInt>,
        error -> Nullable<Text>,
        created_at -> BigInt,
        started_at -> Nullable<BigInt>,
        finished_at -> Nullable<BigInt>,
        expires_at -> BigInt,
    }
}

diesel::table! {
    logs_alerts (id) {
        id -> Text,
        team_id -> BigInt,
        name -> Text,
        enabled -> Bool,
        filters -> Text,
        threshold_count -> BigInt,
        threshold_operator -> Text,
        window_minutes -> BigInt,
        evaluation_periods -> BigInt,
        datapoints_to_alarm -> BigInt,
        cooldown_minutes -> BigInt,
        snooze_until -> Nullable<BigInt>,
        schedule_restriction -> Nullable<Text>,
        state -> Text,
        next_check_at -> Nullable<BigInt>,
        last_checked_at -> Nullable<BigInt>,
        last_notified_at -> Nullable<BigInt>,
        consecutive_failures -> BigInt,
        last_error_message -> Nullable<Text>,
        first_enabled_at -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        claimed_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    logs_alert_events (id) {
        id -> Text,
        alert_id -> Text,
        team_id -> BigInt,
        kind -> Text,
        created_at -> BigInt,
        result_count -> Nullable<BigInt>,
        threshold_breached -> Bool,
        state_before -> Text,
        state_after -> Text,
        error_message -> Nullable<Text>,
        query_duration_ms -> Nullable<BigInt>,
        inputs -> Nullable<Text>,
    }
}

diesel::table! {
    integrations (id) {
        id -> BigInt,
        team_id -> BigInt,
        kind -> Text,
        config -> Text,
        sensitive_config -> Text,
        created_at -> BigInt,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    logs_alert_destinations (id) {
        id -> Text,
        group_id -> Text,
        team_id -> BigInt,
        alert_id -> Text,
        kind -> Text,
        dtype -> Text,
        enabled -> Bool,
        slack_integration_id -> Nullable<BigInt>,
        slack_channel_id -> Nullable<Text>,
        slack_channel_name -> Nullable<Text>,
        webhook_url -> Nullable<Text>,
        signing_secret -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Nullable<BigInt>,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    logs_alert_deliveries (id) {
        id -> Text,
        team_id -> BigInt,
        alert_id -> Text,
        event_id -> Text,
        destination_id -> Text,
        dtype -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    logs_views (id) {
        id -> Text,
        team_id -> BigInt,
        short_id -> Text,
        name -> Text,
        filters -> Text,
        pinned -> Bool,
        column_config -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    logs_sampling_rules (id) {
        id -> Text,
        team_id -> BigInt,
        name -> Text,
        enabled -> Bool,
        priority -> BigInt,
        rule_type -> Text,
        scope_service -> Nullable<Text>,
        scope_path_pattern -> Nullable<Text>,
        scope_attribute_filters -> Text,
        config -> Text,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    logs_sampling_rule_counters (rule_id, hour_us) {
        rule_id -> Text,
        hour_us -> BigInt,
        team_id -> BigInt,
        kept_records -> BigInt,
        kept_bytes -> BigInt,
        dropped_records -> BigInt,
        dropped_bytes -> BigInt,
    }
}

diesel::table! {
    roles (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    role_memberships (id) {
        id -> Text,
        role_id -> Text,
        user_id -> BigInt,
        joined_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    approval_policies (id) {
        id -> Text,
        organization_id -> Text,
        team_id -> Nullable<BigInt>,
        action_key -> Text,
        conditions -> Text,
        approver_config -> Text,
        allow_self_approve -> Bool,
        bypass_org_membership_levels -> Text,
        bypass_roles -> Text,
        expires_after_us -> BigInt,
        enabled -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    change_requests (id) {
        id -> Text,
        organization_id -> Text,
        team_id -> Nullable<BigInt>,
        policy_id -> Nullable<Text>,
        action_key -> Text,
        action_version -> Integer,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        intent -> Text,
        intent_display -> Text,
        policy_snapshot -> Text,
        validation_status -> Text,
        validation_errors -> Nullable<Text>,
        validated_at -> Nullable<BigInt>,
        state -> Text,
        created_by -> BigInt,
        applied_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        expires_at -> BigInt,
        applied_at -> Nullable<BigInt>,
        apply_error -> Text,
        result_data -> Nullable<Text>,
    }
}

diesel::table! {
    change_request_votes (id) {
        id -> Text,
        change_request_id -> Text,
        created_by -> BigInt,
        decision -> Text,
        reason -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    scheduled_jobs (name) {
        name -> Text,
        due_at -> BigInt,
    }
}

diesel::table! {
    server_leases (name) {
        name -> Text,
        holder -> Text,
        host -> Text,
        data_dir -> Text,
        acquired_at -> BigInt,
        heartbeat_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::joinable!(organization_memberships -> organizations (organization_id));
diesel::joinable!(organization_memberships -> users (user_id));
diesel::joinable!(projects -> organizations (organization_id));
diesel::joinable!(personal_api_keys -> users (user_id));
diesel::joinable!(activity_log -> users (user_id));
diesel::joinable!(logs_alerts -> projects (team_id));
diesel::joinable!(logs_alert_events -> logs_alerts (alert_id));
diesel::joinable!(logs_alert_destinations -> logs_alerts (alert_id));
diesel::joinable!(logs_alert_deliveries -> logs_alerts (alert_id));
diesel::joinable!(integrations -> projects (team_id));
diesel::joinable!(logs_sampling_rules -> projects (team_id));
diesel::joinable!(logs_sampling_rule_counters -> logs_sampling_rules (rule_id));
diesel::joinable!(logs_views -> projects (team_id));
diesel::joinable!(roles -> organizations (organization_id));
diesel::joinable!(role_memberships -> roles (role_id));
diesel::joinable!(role_memberships -> users (user_id));
diesel::joinable!(change_request_votes -> change_requests (change_request_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    organizations,
    organization_memberships,
    projects,
    personal_api_keys,
    activity_log,
    exports,
    logs_alerts,
    logs_alert_events,
    logs_alert_destinations,
    logs_alert_deliveries,
    integrations,
    logs_sampling_rules,
    logs_sampling_rule_counters,
    logs_views,
    roles,
    role_memberships,
    approval_policies,
    change_requests,
    change_request_votes,
    scheduled_jobs,
    server_leases,
);
