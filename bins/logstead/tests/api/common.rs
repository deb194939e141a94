//! Test harness: the real `App` (same `app::build` as `main`) over a fresh database per
//! test, on SQLite or PostgreSQL.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use logstead::state::{AppState, ServerSettings, SystemClock};
use orgs::service::{self, Actor, Bootstrap, KeyInput, MemberTarget, OrgRef};
use orgs::{Level, OrgId, User};
use serde_json::Value;
pub use store_sql::Backend;
use store_sql::testing::TestDb;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

pub struct TestApp<S> {
    pub svc: S,
    pub state: AppState,
    pub boot: Bootstrap,
    /// The bootstrap owner's all-scopes key.
    pub key: String,
    _db: TestDb,
    _dir: DataDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// Every error body has exactly PostHog's four keys.
    pub fn assert_error(&self, status: u16, kind: &str, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let obj = self.body.as_object().unwrap_or_else(|| panic!("not an object: {}", self.text));
        let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["attr", "code", "detail", "type"], "{}", self.text);
        assert_eq!(self.body["type"], kind, "{}", self.text);
        assert_eq!(self.body["code"], code, "{}", self.text);
        self
    }
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        &self.body
    }
}

pub fn settings(data_dir: std::path::PathBuf) -> ServerSettings {
    ServerSettings {
        jwt_secret: SECRET.to_vec(),
        session_ttl_secs: 3600,
        max_body_bytes: 64 * 1024,
        data_dir,
        max_ingest_bytes: 1 << 20,
        site_url: "http://logstead.test".into(),
        alerts: logstead::config::AlertSettings::default(),
    }
}

/// A data directory removed with the test.
pub struct DataDir(pub std::path::PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn start(
    backend: Backend,
) -> TestApp<impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>> {
    start_with(backend, |_| {}).await
}

/// `start`, with the state adjusted (server settings) before the app is built.
pub async fn start_with(
    backend: Backend,
    configure: impl FnOnce(&mut AppState),
) -> TestApp<impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>> {
    let db = TestDb::new(backend);
    let dir = DataDir(std::env::temp_dir().join(format!("logstead-api-{}", uuid::Uuid::new_v4())));
    let (logs, _) = log_store::EmbeddedStore::open(&dir.0.join("logs")).unwrap();
    let mut state =
        AppState::new(db.pool.clone(), Arc::new(logs), settings(dir.0.clone()), Arc::new(SystemClock));
    configure(&mut state);
    let boot = service::bootstrap(&*state.repos, state.now()).unwrap().expect("empty database bootstraps");
    let svc = test::init_service(logstead::app::build(state.clone())).await;
    let key = boot.personal_api_key.clone();
    TestApp { svc, state, boot, key, _db: db, _dir: dir }
}

impl<S, B> TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    pub async fn raw(&self, req: test::TestRequest) -> Resp {
        let res = test::call_service(&self.svc, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut req = test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(path)
            .insert_header(("host", "logstead.test"));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.raw(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(token), Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call("DELETE", path, Some(token), None).await
    }

    pub fn org(&self) -> OrgId {
        self.boot.organization.id
    }
    pub fn project(&self) -> i64 {
        self.boot.project.id.0
    }

    /// A user in the bootstrap organization at `level`, with a key of `scopes`.
    pub fn member(&self, email: &str, level: Level, scopes: &[&str]) -> (User, String) {
        self.member_of(self.org(), email, level, scopes)
    }

    pub fn member_of(&self, org: OrgId, email: &str, level: Level, scopes: &[&str]) -> (User, String) {
        let repos = &*self.state.repos;
        let owner = Actor::session(self.boot.user.clone());
        let target = MemberTarget {
            email: email.into(),
            password: Some("password123".into()),
            first_name: "Test".into(),
            last_name: email.into(),
            level,
        };
        let (_, user) =
            service::add_member(repos, &owner, OrgRef::Id(org), target, self.state.now()).unwrap();
        let key = self.key_for(&user, scopes);
        (user, key)
    }

    pub fn key_for(&self, user: &User, scopes: &[&str]) -> String {
        let actor = Actor::session(user.clone());
        let input = KeyInput {
            label: "test".into(),
            scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
            ..KeyInput::default()
        };
        service::create_key(&*self.state.repos, &actor, input, self.state.now()).unwrap().value
    }

    /// A second organization owned by a new user (not a member of the bootstrap org).
    pub fn other_org(&self, email: &str) -> (User, String, OrgId, i64) {
        let repos = &*self.state.repos;
        let now = self.state.now();
        let user = service::create_user(repos, email, "password123", "Other", "", now).unwrap();
        let actor = Actor::session(user.clone());
        let input = service::OrgInput { name: Some(format!("Org of {email}")), ..Default::default() };
        let view = service::create_organization(repos, &actor, input, now).unwrap();
        let key = self.key_for(&user, &["*"]);
        (user, key, view.organization.id, view.projects[0].id.0)
    }
}

/// Runs each `async fn name(app) { ... }` once on SQLite and once on PostgreSQL, as
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! dual {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        mod sqlite {
            use super::*;
            $( #[actix_web::test] async fn $name() { let $app = common::start(common::Backend::Sqlite).await; $body } )*
        }
        mod postgres {
            use super::*;
            $( #[actix_web::test] async fn $name() { let $app = common::start(common::Backend::Postgres).await; $body } )*
        }
    };
}

impl<S> TestApp<S> {
    /// A key stored directly (bypassing the 10-keys limit), for tables of cases.
    pub fn raw_key(&self, user: &User, scopes: &[String]) -> String {
        let value = auth_scopes::generate_personal_key();
        let key = orgs::PersonalApiKey {
            id: auth_scopes::generate_key_id(),
            user_id: user.id,
            label: "raw".into(),
            mask_value: auth_scopes::mask_value(&value),
            secure_value: auth_scopes::secure_value(&value),
            scopes: scopes.to_vec(),
            scoped_teams: None,
            scoped_organizations: None,
            created_at: self.state.now(),
            last_used_at: None,
            last_rolled_at: None,
        };
        self.state.repos.create_key(&key, &[]).unwrap();
        value
    }
}
