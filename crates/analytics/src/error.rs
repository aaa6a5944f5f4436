//! The analytics context's errors. The server maps each variant to one HTTP status.

use crm_kernel::{BackendError, ValidationErrors};

use crate::chart::RenderError;

/// Everything an analytics use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// A report parameter is invalid; every invalid one is named. (400)
    #[error("invalid report parameters: {0}")]
    Validation(ValidationErrors),
    /// Reports are for staff only. (403)
    #[error("reports are for staff only")]
    Forbidden,
    /// A store failed, or answered against its port's contract. (500)
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The chart renderer failed. (500)
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl From<ValidationErrors> for AnalyticsError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
