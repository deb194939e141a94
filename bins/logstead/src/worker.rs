//! Background work of the server: the export queue (and, later, other jobs). Jobs are
//! claimed from the database, so several servers sharing PostgreSQL never run one twice.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use activity_log::encode::RowWriter;
use activity_log::{ActivityError, ActivityRow};
use exports::{ExportJob, Format, KIND_ACTIVITY_LOG, KIND_LOGS};
use logs_query::export::{EXPORT_PAGE, ExportPlan, MAX_EXPORT_ROWS, write_csv};
use orgs::service::activity::export_plan;

use crate::state::AppState;

const POLL: Duration = Duration::from_millis(500);
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A job running longer than this is taken to belong to a crashed worker.
const STALE: time::Duration = time::Duration::minutes(30);

pub fn exports_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("exports")
}

/// Runs forever: drains pending exports, and sweeps expired ones once a minute.
pub async fn run(state: AppState) {
    let mut last_sweep: Option<std::time::Instant> = None;
    loop {
        let s = state.clone();
        match actix_web::web::block(move || run_pending_exports(&s)).await {
            Ok(Ok(0)) | Err(_) => actix_web::rt::time::sleep(POLL).await,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, "export worker");
                actix_web::rt::time::sleep(POLL).await;
            }
        }
        if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
            last_sweep = Some(std::time::Instant::now());
            let s = state.clone();
            if let Ok(Err(e)) = actix_web::web::block(move || sweep_expired(&s)).await {
                tracing::warn!(error = %e, "export sweep");
            }
        }
    }
}

/// Runs every pending export; returns how many ran. Blocking (file and database I/O).
pub fn run_pending_exports(state: &AppState) -> Result<usize, exports::ExportError> {
    let mut ran = 0;
    loop {
        let now = state.now();
        let Some(job) = state.exports.claim_export(now, now - STALE)? else { return Ok(ran) };
        ran += 1;
        let started = std::time::Instant::now();
        let written = write_export(state, &job);
        state.metrics.work.export(&job.kind, written.is_ok(), started.elapsed());
        match written {
            Ok((path, rows, bytes)) => {
                state.exports.complete_export(job.id, &path, rows, bytes, state.now())?
            }
            Err(e) => {
                tracing::warn!(job = job.id, error = %e, "export failed");
                state.exports.fail_export(job.id, &e, state.now())?;
            }
        }
    }
}

/// Writes the file next to its final name and renames it when complete, so a download
/// never sees half a file. Returns (file name, rows, bytes).
fn write_export(state: &AppState, job: &ExportJob) -> Result<(String, i64, i64), String> {
    if job.kind != KIND_ACTIVITY_LOG && job.kind != KIND_LOGS {
        return Err(format!("unknown export kind {}", job.kind));
    }
    let dir = exports_dir(&state.settings.data_dir);
    crate::files::create_private_dir_all(&dir).map_err(|e| e.to_string())?;
    let name = format!("{}.{}", job.id, job.format.extension());
    let tmp = dir.join(format!("{name}.tmp"));
    let file = crate::files::create_private(&tmp).map_err(|e| e.to_string())?;
    let out = BufWriter::with_capacity(256 * 1024, file);
    let written =
        if job.kind == KIND_LOGS { write_logs(state, job, out) } else { write_activity(state, job, out) };
    let (rows, out) = match written {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let file = out.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())?;
    let bytes = file.metadata().map_err(|e| e.to_string())?.len();
    std::fs::rename(&tmp, dir.join(&name)).map_err(|e| e.to_string())?;
    Ok((name, rows as i64, bytes as i64))
}

type Out = BufWriter<File>;

fn write_activity(state: &AppState, job: &ExportJob, out: Out) -> Result<(u64, Out), String> {
    let (base, query) = export_plan(job).map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| ActivityError::Storage(e.to_string());
    let mut w = match job.format {
        Format::Csv => RowWriter::csv(out),
        Format::Json => RowWriter::json(out),
    }
    .map_err(|e| e.to_string())?;
    let rows = state
        .activity
        .for_each(&base, &query.filter, query.order, &mut |r: ActivityRow| w.write_row(&r).map_err(io))
        .map_err(|e| e.to_string())?;
    Ok((rows, w.finish().map_err(|e| e.to_string())?))
}

/// Replays the frozen query and window over the log store (CSV only, as PostHog).
fn write_logs(state: &AppState, job: &ExportJob, out: Out) -> Result<(u64, Out), String> {
    let team_id = job.team_id.ok_or("a logs export needs a project")?;
    if job.format != Format::Csv {
        return Err(format!("logs exports are CSV, not {}", job.format.as_str()));
    }
    let plan = ExportPlan::from_params(&job.params).map_err(|e| e.to_string())?;
    let (rows, out) = write_csv(&*state.logs, team_id, &plan, MAX_EXPORT_ROWS, EXPORT_PAGE, out)
        .map_err(|e| e.to_string())?;
    Ok((rows as u64, out))
}

/// Deletes expired jobs and their files.
pub fn sweep_expired(state: &AppState) -> Result<(), exports::ExportError> {
    let dir = exports_dir(&state.settings.data_dir);
    for job in state.exports.expired_exports(state.now())? {
        if let Some(path) = &job.path {
            let _ = std::fs::remove_file(dir.join(path));
        }
        state.exports.delete_export(job.id)?;
    }
    Ok(())
}
