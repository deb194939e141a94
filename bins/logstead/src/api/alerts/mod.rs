//! Log alerts endpoints (spec §3): CRUD, events and reset, destinations, simulate, and the
//! Slack integrations destinations refer to.

pub mod crud;
pub mod destinations;
pub mod dto;
pub mod input;
pub mod integrations;
pub mod simulate;
