//! What `DELETE /api/email-suppressions` reads.

use crm_kernel::EmailAddress;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::ApiError;

/// Which address to lift.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiftParams {
    /// The suppressed address (any case).
    #[param(example = "ann@example.com")]
    pub email: String,
}

impl LiftParams {
    /// The address to lift; a malformed one is a 400 naming `email`.
    pub fn address(&self) -> Result<EmailAddress, ApiError> {
        EmailAddress::parse(&self.email).map_err(|e| ApiError::invalid_field("email", e))
    }
}
