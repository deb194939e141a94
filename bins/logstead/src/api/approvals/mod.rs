//! Approval policies (`approval_policies/`) and change requests (`change_requests/`),
//! spec platform.md §4.6 and §5.3. Handlers authorize and make one `ApprovalService` call.

pub mod dto;
