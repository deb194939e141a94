//! The activity entries of change requests: one per creation, vote, apply, expiry and
//! staleness, written in the same transaction as the change. The verb says what happened
//! (`created`, `approved`, `rejected`, `canceled`, `applied`, `apply_failed`, `expired`,
//! `marked_stale`); `detail.changes` diffs the request's fields and its votes.

use activity_log::audit::{Author, Place, What, entry, one};
use activity_log::{ActivityEntry, Client};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::model::{ChangeRequest, REQUEST_SCOPE, Vote};

/// What an entry diffs: the request's audited fields and its votes.
fn snapshot(r: &ChangeRequest, votes: &[Vote]) -> Value {
    let mut v = r.audit();
    let votes: Vec<Value> = votes
        .iter()
        .map(|v| json!({"user_id": v.created_by, "decision": v.decision.as_str(), "reason": v.reason}))
        .collect();
    if let Some(m) = v.as_object_mut() {
        m.insert("votes".into(), Value::Array(votes));
    }
    v
}

/// `votes` with `vote` replacing the same user's or appended (as the store writes it).
fn with_vote(votes: &[Vote], vote: Option<&Vote>) -> Vec<Vote> {
    let mut out = votes.to_vec();
    if let Some(vote) = vote {
        match out.iter_mut().find(|v| v.created_by == vote.created_by) {
            Some(slot) => *slot = vote.clone(),
            None => out.push(vote.clone()),
        }
    }
    out
}

fn place(r: &ChangeRequest) -> Place {
    Place { org: Some(r.organization_id), team: r.team_id }
}

/// The author of a background job's entries: no user, `is_system`.
fn author_or_system(author: Option<Author>) -> Author {
    author.unwrap_or(Author { user_id: 0, client: Client::System })
}

fn finish(e: Option<ActivityEntry>, verb: &str, system: bool) -> Vec<ActivityEntry> {
    one(e.map(|mut e| {
        e.activity = verb.to_string();
        if system {
            e.user_id = None;
        }
        e
    }))
}

pub(super) fn created(author: Author, r: &ChangeRequest, now: OffsetDateTime) -> Vec<ActivityEntry> {
    let what = What::Created(snapshot(r, &r.votes));
    one(entry(author, place(r), REQUEST_SCOPE, r.id.to_string(), &r.display_name(), what, now))
}

/// `before` as locked, `after` as it will be stored, `vote` the vote written with it;
/// `author` None for a background job.
pub(super) fn changed(
    author: Option<Author>,
    verb: &str,
    before: &ChangeRequest,
    after: &ChangeRequest,
    vote: Option<&Vote>,
    now: OffsetDateTime,
) -> Vec<ActivityEntry> {
    let what =
        What::Updated(snapshot(before, &before.votes), snapshot(after, &with_vote(&before.votes, vote)));
    let e = entry(
        author_or_system(author),
        place(after),
        REQUEST_SCOPE,
        after.id.to_string(),
        &after.display_name(),
        what,
        now,
    );
    finish(e, verb, author.is_none())
}
