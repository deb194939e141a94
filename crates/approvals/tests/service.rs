//! The use-case scenarios of `approvals::testsuite::service` on the in-memory store
//! (`memory::<area>::<case>`); store-sql runs the same ones on SQLite and PostgreSQL.

use std::sync::Arc;

use approvals::memory::MemoryApprovals;
use approvals::testsuite::service::{Logged, People, ServiceHarness, Stage};
use uuid::Uuid;

struct Memory {
    stage: Stage,
}

impl Memory {
    fn new() -> Self {
        let (org, team, team2) = (Uuid::new_v4(), 1, 2);
        // Only this organization and its projects exist, as on a database.
        let repo = Arc::new(MemoryApprovals::knowing(&[(org, team), (org, team2)]));
        let stored = repo.clone();
        let activity = Box::new(move || stored.audit().iter().map(Logged::from).collect());
        let people = People { admin: 1, requester: 2, approver: 3, approver2: 4, outsider: 5 };
        Self { stage: Stage { repo, org, team, team2, people, activity } }
    }
}

impl ServiceHarness for Memory {
    fn stage(&self) -> &Stage {
        &self.stage
    }
}

approvals::approval_service_suite!(memory, Memory::new());
