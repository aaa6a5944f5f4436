//! # crm-testkit
//!
//! What the CRM's tests share (a dev-only crate, never published):
//!
//! - [`builders`]: valid domain objects for tests (`staff_user()`,
//!   `customer_account()`, `session_for(…)`, …), unique where uniqueness
//!   matters (emails, token hashes), so tests do not collide;
//! - [`contract`]: the port contract suites every store adapter must pass.
//!   A store runs a suite with one macro line, e.g.
//!   [`identity_contract_tests!`], [`customers_contract_tests!`],
//!   [`tickets_contract_tests!`], [`interactions_contract_tests!`] or
//!   [`analytics_contract_tests!`]; a
//!   behaviour one store has and another lacks is a bug in one of them.

pub mod builders;
pub mod contract;
pub mod smtp;
