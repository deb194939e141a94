//! The `ApprovalRepo` conformance suite on the in-memory store.

use std::sync::Arc;

use approvals::ApprovalRepo;
use approvals::memory::MemoryApprovals;
use approvals::testsuite::{Fixture, Harness};
use uuid::Uuid;

struct Memory {
    repo: Arc<MemoryApprovals>,
    fixture: Fixture,
}

impl Memory {
    fn new() -> Self {
        let (org, other_org) = (Uuid::new_v4(), Uuid::new_v4());
        let repo = Arc::new(MemoryApprovals::knowing(&[(org, 1), (org, 2), (other_org, 3)]));
        let stored = repo.clone();
        let activity = Box::new(move || stored.audit().into_iter().map(|e| e.id).collect());
        let fixture =
            Fixture { org, team: 1, team2: 2, other_org, other_team: 3, users: [7, 8, 9], activity };
        Self { repo, fixture }
    }
}

impl Harness for Memory {
    fn repo(&self) -> &dyn ApprovalRepo {
        self.repo.as_ref()
    }
    fn fixture(&self) -> &Fixture {
        &self.fixture
    }
}

approvals::approval_repo_conformance_suite!(memory, Memory::new());
