//! In-memory `ApprovalRepo` and `Directory` (feature `testing`): the unit tests' store and
//! the reference the SQL stores' conformance suite is compared with.
