//! What the calendar routes accept.

use serde::Deserialize;
use utoipa::IntoParams;

/// The secret calendar feed URL.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The feed token from `POST /api/me/calendar-feed`.
    pub token: Option<String>,
}
