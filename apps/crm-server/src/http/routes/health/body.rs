//! What the health routes answer.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// Health state and the result of each check.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    /// Each check: `ok` or why it failed.
    pub checks: BTreeMap<String, String>,
}
