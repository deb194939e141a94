//! Secrets at rest on SQLite and PostgreSQL: Slack bot tokens and webhook signing secrets
//! are sealed in the database, read back unchanged, rows written in plain text by the
//! previous release keep working and end sealed, and key rotation re-seals everything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use alerts_engine::config::AlertConfig;
use alerts_engine::repo::{Alert, AlertRepo, Destination, DestinationType, NewIntegration};
use diesel::prelude::*;
use serde_json::json;
use store_sql::schema::{integrations as ig, logs_alert_destinations as ds};
use store_sql::secrets::{SecretBox, SecretKey};
use store_sql::testing::{TestDb, TwoTeams, secret_box};
use store_sql::{SealReport, SqlStore, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const TOKEN_JSON: &str = r#"{"access_token":"xoxb-legacy-token"}"#;

fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-11-22 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

fn keyed(db: &TestDb, secrets: Arc<SecretBox>) -> SqlStore {
    SqlStore::with_secrets(db.pool.clone(), secrets)
}

fn new_alert(s: &SqlStore, team: i64) -> Alert {
    let a = Alert::new(
        Uuid::new_v4(),
        team,
        AlertConfig { name: "a".into(), ..AlertConfig::default() },
        None,
        at(0),
    );
    s.create_alert(&a, 100, &[]).expect("create alert")
}

fn webhook(a: &Alert, secret: &str) -> Destination {
    let mut d = Destination::blank(a.team_id, a.id, DestinationType::Webhook, at(1));
    d.id = Uuid::new_v4();
    d.webhook_url = Some("https://example.com/hook".into());
    d.signing_secret = Some(secret.into());
    d
}

/// The stored (raw) column values.
fn raw_tokens(db: &TestDb) -> Vec<String> {
    let mut c = db.pool.get().unwrap();
    ig::table.select(ig::sensitive_config).order_by(ig::id).load(&mut *c).unwrap()
}

fn raw_signing_secrets(db: &TestDb) -> Vec<String> {
    let mut c = db.pool.get().unwrap();
    let v: Vec<Option<String>> =
        ds::table.select(ds::signing_secret).filter(ds::signing_secret.is_not_null()).load(&mut *c).unwrap();
    v.into_iter().flatten().collect()
}

/// What the previous release stored: plain JSON and plain `whsec_` values, written as its
/// rows were (one integration, a live and a soft-deleted webhook, a Slack row without a
/// secret). Returns the alert and the integration id.
fn previous_release_rows(db: &TestDb, fx: &TwoTeams) -> (Alert, i64) {
    let a = new_alert(&fx.s, fx.team);
    let mut c = db.pool.get().unwrap();
    diesel::insert_into(ig::table)
        .values((
            ig::team_id.eq(fx.team),
            ig::kind.eq("slack"),
            ig::config.eq(r#"{"team":{"id":"T1","name":"Acme"}}"#),
            ig::sensitive_config.eq(TOKEN_JSON),
            ig::created_at.eq(1_700_000_000_000_000_i64),
            ig::created_by.eq(Some(fx.user)),
        ))
        .execute(&mut *c)
        .unwrap();
    let integration: i64 = ig::table.select(ig::id).first(&mut *c).unwrap();
    let rows = [
        ("webhook", Some("whsec_legacyLive"), None),
        ("webhook", Some("whsec_legacyDeleted"), Some(1_700_000_000_000_001_i64)),
        ("slack", None, None),
    ];
    for (i, (dtype, secret, deleted_at)) in rows.into_iter().enumerate() {
        diesel::insert_into(ds::table)
            .values((
                ds::id.eq(Uuid::new_v4().hyphenated().to_string()),
                ds::group_id.eq(Uuid::new_v4().hyphenated().to_string()),
                ds::team_id.eq(fx.team),
                ds::alert_id.eq(a.id.hyphenated().to_string()),
                ds::kind.eq("firing"),
                ds::dtype.eq(dtype),
                ds::enabled.eq(true),
                ds::slack_integration_id.eq((dtype == "slack").then_some(integration)),
                ds::slack_channel_id.eq((dtype == "slack").then(|| "C1".to_string())),
                ds::webhook_url.eq((dtype == "webhook").then(|| "https://example.com/h".to_string())),
                ds::signing_secret.eq(secret),
                ds::created_at.eq(1_700_000_000_000_000_i64 + i as i64),
                ds::deleted_at.eq(deleted_at),
            ))
            .execute(&mut *c)
            .unwrap();
    }
    (a, integration)
}

/// Every value the store reads: the integration's token and the live destinations'
/// secrets (sorted).
fn read_back(
    s: &SqlStore,
    team: i64,
    a: &Alert,
    integration: i64,
) -> (serde_json::Value, Vec<Option<String>>) {
    let token = s.integration(team, integration).unwrap().expect("integration").sensitive_config;
    let mut secrets: Vec<_> =
        s.destinations(team, &[a.id]).unwrap().into_iter().map(|d| d.signing_secret).collect();
    secrets.sort();
    (token, secrets)
}

fn all_sealed_with(values: &[String], key: &SecretKey) -> bool {
    values.iter().all(|v| v.starts_with(&format!("enc:v1:{}:", key.id())))
}

both_backends! {
    fn new_secrets_are_sealed_at_rest_and_read_back(db: TestDb) {
        let fx = TwoTeams::new(&db, at(0));
        let secrets = secret_box();
        let s = keyed(&db, secrets.clone());
        let a = new_alert(&s, fx.team);
        let hook = webhook(&a, "whsec_fresh0123456789");
        s.create_destinations(fx.team, a.id, std::slice::from_ref(&hook), &[]).unwrap();
        let created = s
            .create_integration(
                &NewIntegration {
                    team_id: fx.team,
                    kind: "slack".into(),
                    config: json!({"team": {"id": "T1"}}),
                    sensitive_config: json!({"access_token": "xoxb-fresh"}),
                    created_at: at(2),
                    created_by: None,
                },
                &[],
            )
            .unwrap();
        assert_eq!(created.sensitive_config, json!({"access_token": "xoxb-fresh"}));

        let (tokens, hooks) = (raw_tokens(&db), raw_signing_secrets(&db));
        assert!(all_sealed_with(&tokens, secrets.current()), "{tokens:?}");
        assert!(all_sealed_with(&hooks, secrets.current()), "{hooks:?}");
        assert!(!tokens[0].contains("xoxb") && !hooks[0].contains("whsec"));

        assert_eq!(s.destination(hook.id).unwrap(), Some(hook.clone()));
        assert_eq!(s.destinations(fx.team, &[a.id]).unwrap(), vec![hook]);
        assert_eq!(s.integrations(fx.team).unwrap(), vec![created]);
        // A store without the key cannot read them, and says why.
        let err = fx.s.integrations(fx.team).unwrap_err().to_string();
        assert!(err.contains("no secrets key"), "{err}");
    }

    fn rows_of_the_previous_release_read_back_identical_and_end_sealed(db: TestDb) {
        let fx = TwoTeams::new(&db, at(0));
        let (a, integration) = previous_release_rows(&db, &fx);
        let legacy = read_back(&fx.s, fx.team, &a, integration);
        assert_eq!(legacy.0, json!({"access_token": "xoxb-legacy-token"}));
        assert_eq!(legacy.1, vec![None, Some("whsec_legacyLive".to_string())]);

        let secrets = secret_box();
        let s = keyed(&db, secrets.clone());
        assert_eq!(read_back(&s, fx.team, &a, integration), legacy, "plain values read with a key too");

        let report = s.seal_secrets().unwrap();
        assert_eq!(report, SealReport { integrations: 1, destinations: 2 }, "the deleted row too");
        let (tokens, hooks) = (raw_tokens(&db), raw_signing_secrets(&db));
        assert_eq!(hooks.len(), 2);
        assert!(all_sealed_with(&tokens, secrets.current()) && all_sealed_with(&hooks, secrets.current()));
        assert_eq!(read_back(&s, fx.team, &a, integration), legacy, "identical after sealing");
        assert_eq!(s.seal_secrets().unwrap().total(), 0, "idempotent");
        assert_eq!(raw_tokens(&db), tokens, "a second pass rewrites nothing");
    }

    fn rotation_reseals_everything_under_the_new_key(db: TestDb) {
        let fx = TwoTeams::new(&db, at(0));
        let (a, integration) = previous_release_rows(&db, &fx);
        let old = secret_box();
        keyed(&db, old.clone()).seal_secrets().unwrap();
        let want = read_back(&keyed(&db, old.clone()), fx.team, &a, integration);

        let new_key = SecretKey::generate();
        let rotating = keyed(&db, Arc::new(SecretBox::new(new_key.clone()).with_previous(old.current().clone())));
        assert_eq!(rotating.reseal_secrets().unwrap().total(), 3);
        assert!(all_sealed_with(&raw_tokens(&db), &new_key));
        assert!(all_sealed_with(&raw_signing_secrets(&db), &new_key));
        assert_eq!(rotating.reseal_secrets().unwrap().total(), 0, "a rerun finishes with nothing to do");

        let new_only = keyed(&db, Arc::new(SecretBox::new(new_key)));
        assert_eq!(read_back(&new_only, fx.team, &a, integration), want, "the new key alone reads everything");
        let err = keyed(&db, old.clone()).integrations(fx.team).unwrap_err().to_string();
        assert!(err.contains("which this server does not have"), "{err}");
    }

    fn a_key_that_does_not_match_fails_the_pass_and_changes_nothing(db: TestDb) {
        let fx = TwoTeams::new(&db, at(0));
        let (a, integration) = previous_release_rows(&db, &fx);
        // One value sealed by another server's key, the rest still plain.
        let foreign = keyed(&db, Arc::new(SecretBox::new(SecretKey::generate())));
        foreign.create_destinations(fx.team, a.id, &[webhook(&a, "whsec_other")], &[]).unwrap();
        let before = (raw_tokens(&db), raw_signing_secrets(&db));

        let mine = keyed(&db, secret_box());
        let err = mine.seal_secrets().unwrap_err().to_string();
        assert!(err.contains(foreign.secrets().unwrap().current().id()), "names the key: {err}");
        assert_eq!((raw_tokens(&db), raw_signing_secrets(&db)), before, "rolled back");
        assert_eq!(raw_tokens(&db), vec![TOKEN_JSON.to_string()]);
        assert!(mine.integration(fx.team, integration).unwrap().is_some(), "plain rows still read");
    }
}
