//! What the calendar routes accept.

use crm_interactions::FeedToken;
use crm_kernel::ValidationErrors;
use serde::Deserialize;
use utoipa::IntoParams;

/// The secret calendar feed URL.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The feed token from `POST /api/me/calendar-feed`.
    pub token: Option<String>,
}

impl FeedParams {
    /// The feed token of the URL; a missing or malformed one is an error
    /// against `token`.
    pub fn token(&self) -> Result<FeedToken, ValidationErrors> {
        let token = self.token.as_deref().unwrap_or_default();
        FeedToken::parse(token).map_err(|error| ValidationErrors::single("token", error))
    }
}
