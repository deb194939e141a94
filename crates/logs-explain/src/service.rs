//! The use case: approval → throttle → validate → find the row → cache → explain →
//! validated answer, cached for an hour.

use std::sync::Arc;

use logs_query::LogStore;
use logs_query::timefmt::{format_iso_us, to_us};
use time::OffsetDateTime;

use crate::answer::{Explanation, response_schema};
use crate::cache::{ExplanationCache, cache_key};
use crate::context::LogContext;
use crate::find::find_record;
use crate::model::ChatModel;
use crate::prompt::{SYSTEM, user_message};
use crate::throttle::Throttle;
use crate::{ExplainError, ExplainInput, ExplainRequest, builtin};

/// Who writes explanations.
#[derive(Clone)]
pub enum Provider {
    /// No network: [`builtin::explain`].
    Builtin,
    /// A remote model: it sees only the record's context, wrapped as data.
    Model(Arc<dyn ChatModel>),
}

/// Who asks, in which project, and what the server knows about them.
#[derive(Debug, Clone)]
pub struct Caller {
    pub team_id: i64,
    pub user_id: i64,
    /// The organization's `is_ai_data_processing_approved`.
    pub ai_approved: bool,
    /// Literals that must never reach a model (the project token).
    pub secrets: Vec<String>,
}

/// Cheap to clone; the cache and throttle are shared by every request of a server.
#[derive(Clone)]
pub struct ExplainService {
    pub store: Arc<dyn LogStore>,
    pub provider: Provider,
    pub cache: Arc<ExplanationCache>,
    pub throttle: Arc<Throttle>,
}

impl ExplainService {
    pub fn explain(
        &self,
        caller: &Caller,
        input: &ExplainInput,
        now: OffsetDateTime,
    ) -> Result<Explanation, ExplainError> {
        if !caller.ai_approved {
            return Err(ExplainError::NotApproved);
        }
        let now_us = to_us(now);
        self.throttle
            .check(caller.user_id, now_us)
            .map_err(|retry_after_secs| ExplainError::Throttled { retry_after_secs })?;
        let req = ExplainRequest::parse(input)?;
        let record = find_record(&*self.store, caller.team_id, req.uuid, req.timestamp_us)?
            .ok_or(ExplainError::NotFound)?;
        let key = cache_key(caller.team_id, req.uuid, &format_iso_us(req.timestamp_us));
        if !req.force_refresh
            && let Some(hit) = self.cache.get(&key, now_us)
        {
            return Ok(hit);
        }
        let explanation = match &self.provider {
            Provider::Builtin => {
                builtin::explain(&*self.store, caller.team_id, &record, &caller.secrets, now)?
            }
            Provider::Model(model) => {
                let user = user_message(&LogContext::of(&record, &caller.secrets));
                let raw = model.complete(SYSTEM, &user, &response_schema())?;
                Explanation::from_model(&raw)?
            }
        };
        self.cache.put(key, explanation.clone(), now_us);
        Ok(explanation)
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
