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

diesel::joinable!(organization_memberships -> organizations (organization_id));
diesel::joinable!(organization_memberships -> users (user_id));
diesel::joinable!(projects -> organizations (organization_id));
diesel::joinable!(personal_api_keys -> users (user_id));
diesel::joinable!(activity_log -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    organizations,
    organization_memberships,
    projects,
    personal_api_keys,
    activity_log,
    exports,
);
