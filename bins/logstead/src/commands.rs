//! What each subcommand does.

use std::sync::Arc;

use orgs::service::{self, Actor, KeyInput, MemberTarget, OrgRef};
use orgs::{Level, OrgId, OrgRepo, Repos};
use store_sql::secrets::SecretBox;

use crate::app;
use crate::config::Config;
use crate::state::{AppState, Clock, ServerSettings, SystemClock};

mod secrets;
pub use secrets::rotate_secrets_key;

pub type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Connects, migrates and seals secrets still stored in plain text: every command that
/// touches the database starts here.
fn open_store(config: &Config) -> Result<(store_sql::DbPool, Arc<SecretBox>), AnyError> {
    let pool = connect(config, config.db_pool_size)?;
    let applied = store_sql::migrate(&pool)?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    let secrets = Arc::new(config.secrets()?);
    secrets::seal_plain_secrets(&pool, &secrets)?;
    crate::files::tighten(&config.data_dir, &crate::files::sqlite_files(&config.database_url));
    Ok((pool, secrets))
}

/// The data directory (0700) and, on SQLite, the database file (0600) are created before
/// SQLite would create the file world-readable.
fn connect(config: &Config, pool_size: u32) -> Result<store_sql::DbPool, AnyError> {
    config.ensure_data_dir()?;
    crate::files::create_sqlite_file(&config.database_url)?;
    Ok(store_sql::connect(&config.database_url, pool_size)?)
}

fn keyed_store(config: &Config) -> Result<store_sql::SqlStore, AnyError> {
    let (pool, secrets) = open_store(config)?;
    Ok(store_sql::SqlStore::with_secrets(pool, secrets))
}

pub fn migrate(config: &Config) -> Result<(), AnyError> {
    let pool = connect(config, 1)?;
    let applied = store_sql::migrate(&pool)?;
    let secrets = Arc::new(config.secrets()?);
    let sealed = secrets::seal_plain_secrets(&pool, &secrets)?;
    crate::files::tighten(&config.data_dir, &crate::files::sqlite_files(&config.database_url));
    println!("{applied} migration(s) applied; the database is up to date.");
    if sealed > 0 {
        println!("{sealed} secret(s) stored in plain text are now encrypted.");
    }
    Ok(())
}

pub async fn serve(config: Config) -> Result<(), AnyError> {
    let (pool, secrets) = open_store(&config)?;
    let settings = ServerSettings {
        jwt_secret: config.jwt_secret()?,
        session_ttl_secs: config.session_ttl_secs,
        max_body_bytes: config.max_body_bytes,
        data_dir: config.data_dir.clone(),
        max_ingest_bytes: config.max_ingest_bytes,
        site_url: config.site_url.clone(),
        alerts: config.alerts.clone(),
    };
    // Refuses to start when another server serves the embedded log store on this database.
    let (logs, lease, embedded) = crate::lease::open_log_store(&config, &pool).await?;
    let mut state = AppState::with_secrets(pool, secrets, logs, settings, Arc::new(SystemClock));
    if let Some(store) = &embedded {
        state.metrics.watch_store(store);
    }
    state.ingest = config.ingest_options();
    state.api_only = config.api_only;
    state.explain = Arc::new(crate::explain::Explainer::new(&config.explain));
    state.set_login(config.login);
    let state = AppState { identity_keys: Arc::new(config.logs.identity_keys.clone()), ..state };
    let state = AppState {
        approval_settings: approvals::service::ApprovalSettings { enabled: config.approvals.enabled },
        ..state
    };
    let repos = state.repos.clone();
    let now = state.now();
    if let Some(b) = actix_web::web::block(move || service::bootstrap(&*repos, now)).await?? {
        print_first_start(&config, &b);
    }
    // Exports (their files go to this data dir), retention, alert checks and sampling
    // counts need the log store: only its server runs them.
    if !config.api_only {
        actix_web::rt::spawn(crate::worker::run(state.clone()));
        actix_web::rt::spawn(crate::retention::run(state.clone()));
        actix_web::rt::spawn(crate::alerts::run_scheduler(state.clone()));
        actix_web::rt::spawn(crate::sampling::run_flusher(state.clone()));
    }
    actix_web::rt::spawn(crate::alerts::run_delivery(state.clone()));
    actix_web::rt::spawn(crate::approval_jobs::run(state.clone(), config.approvals.job_every_secs));
    let server = actix_web::HttpServer::new(move || app::build(state.clone()))
        .workers(config.workers)
        .bind(config.bind)?
        .run();
    if let Some(lease) = &lease {
        lease.spawn_heartbeat(server.handle());
    }
    // Printed only once the socket is bound, so whoever waits for it can connect.
    tracing::info!(bind = %config.bind, database = store_sql::Backend::of_url(&config.database_url).name(), "listening");
    let only = if config.api_only { ", API only: log routes answer 503" } else { "" };
    println!(
        "Logstead listening on {} (API docs: {}{}{only})",
        config.site_url,
        config.site_url,
        app::DOCS_PATH
    );
    let served = server.await;
    if let Some(lease) = lease {
        if lease.lost() {
            return Err("another server took the embedded log store's lease; this one stopped".into());
        }
        actix_web::web::block(move || lease.release()).await?;
    }
    Ok(served?)
}

fn print_first_start(config: &Config, b: &service::Bootstrap) {
    let site = &config.site_url;
    println!(
        "\n=== Logstead first start: these secrets are shown once ===\n\
         owner login:        {email} / {password}\n\
         organization:       {org} ({org_id})\n\
         project:            {project} (id {project_id})\n\
         project token:      {token}   (ingestion, phc_)\n\
         personal API key:   {key}   (all scopes, phx_)\n\
         API:                {site}/api/\n\
         API docs:           {site}{docs}\n\
         try:                curl -H \"Authorization: Bearer {key}\" {site}/api/organizations/\n\
         ==========================================================\n",
        email = b.user.email,
        password = b.password,
        org = b.organization.name,
        org_id = b.organization.id,
        project = b.project.name,
        project_id = b.project.id.0,
        token = b.project.api_token,
        key = b.personal_api_key,
        docs = app::DOCS_PATH,
    );
}

fn user_actor(repos: &dyn Repos, email: &str) -> Result<Actor, AnyError> {
    let (user, _) = repos
        .user_by_email(&email.trim().to_lowercase())?
        .ok_or_else(|| format!("no user with email {email}"))?;
    Ok(Actor::cli(user))
}

pub fn create_key(config: &Config, email: &str, scopes: Vec<String>, label: String) -> Result<(), AnyError> {
    let store = keyed_store(config)?;
    let actor = user_actor(&store, email)?;
    let input = KeyInput { label, scopes: Some(scopes), ..KeyInput::default() };
    let created = service::create_key(&store, &actor, input, SystemClock.now())?;
    println!("{}", created.value);
    eprintln!(
        "Key {} created for {email} with scopes {}; it is not shown again.",
        created.key.id,
        created.key.scopes.join(",")
    );
    Ok(())
}

pub struct NewUserArgs {
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub organization: Option<String>,
    pub level: i32,
}

/// Creates the user; with an organization, adds them at `level` as that organization's
/// first owner would (the CLI acts with full rights on the machine it runs on).
pub fn create_user(config: &Config, args: NewUserArgs) -> Result<(), AnyError> {
    let store = keyed_store(config)?;
    let now = SystemClock.now();
    let level = Level::from_i32(args.level).ok_or("level must be 1, 8 or 15")?;
    let Some(org) = args.organization else {
        let user = service::create_user(
            &store,
            &args.email,
            &args.password,
            &args.first_name,
            &args.last_name,
            now,
        )?;
        println!("created user {} ({})", user.email, user.uuid);
        return Ok(());
    };
    let org_id = OrgId(uuid::Uuid::parse_str(&org).map_err(|_| "organization must be a UUID")?);
    let owner = store
        .members(org_id, orgs::PageReq { limit: 1000, offset: 0 })?
        .items
        .into_iter()
        .find(|(m, _)| m.level == Level::Owner)
        .ok_or("organization not found or has no owner")?;
    let actor = Actor::cli(owner.1);
    let target = MemberTarget {
        email: args.email,
        password: Some(args.password),
        first_name: args.first_name,
        last_name: args.last_name,
        level,
    };
    let (m, user) = service::add_member(&store, &actor, OrgRef::Id(org_id), target, now)?;
    println!("user {} ({}) is a member of {} at level {}", user.email, user.uuid, org_id, m.level.as_i32());
    Ok(())
}
