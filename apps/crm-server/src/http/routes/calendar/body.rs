//! What the calendar routes answer in JSON.

use serde::Serialize;
use utoipa::ToSchema;

/// A new calendar feed URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedBody {
    /// Subscribe to this URL in a calendar app. Keep it secret.
    pub url: String,
    /// The token inside the URL.
    pub token: String,
}
