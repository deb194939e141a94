//! Approval policies and change requests (spec `platform.md` §4–5): a policy says that an
//! action in a project needs approval and who approves; a gated write becomes a change
//! request that approvers vote on, and that is replayed as the requester at quorum.
//!
//! - `model`: the stored policy, change request and vote.
//! - `duration`, `validate`: policy input and every message of §4.2.
//! - `conditions`: when a policy applies to an intent (§4.4).
//! - `machine`: the change-request state machine and the caller's computed fields (§5.1–5.2).
//! - `registry`: gated actions (detect, intent, validate, display) and their appliers,
//!   which the embedding service implements; `actions` holds Logstead's own.
//! - `gate`: what a resource's write calls after its own validation (§4.5).
//! - `service`: the use cases over `repo::ApprovalRepo` and `repo::Directory`.
//!
//! Pure: no I/O of its own, and time is always passed in.

pub mod actions;
pub mod conditions;
pub mod duration;
pub mod error;
pub mod gate;
pub mod machine;
pub mod model;
pub mod registry;
pub mod repo;
pub mod service;
pub mod validate;

#[cfg(feature = "testing")]
pub mod memory;
#[cfg(feature = "testing")]
pub mod testsuite;

pub use error::ApprovalError;
pub use gate::{Gate, GateReply, Gated, Who};
pub use model::{ApproverConfig, ChangeRequest, Decision, Policy, State, ValidationStatus, Vote};
pub use registry::{Applied, Applier, ApplyError, GatedAction, Op, Proposal, Registry};
pub use repo::{ApprovalRepo, Directory, RoleInfo};
