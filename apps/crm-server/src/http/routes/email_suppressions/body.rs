//! What `/api/email-suppressions` answers.

use crm_email::{Suppression, SuppressionReason};
use crm_kernel::{CustomerId, RecipientId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

/// An address that is not written to.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionBody {
    /// The address.
    pub email: String,
    /// `hard_bounce` or `opt_out`.
    pub reason: SuppressionReason,
    /// The customer who had the address then.
    pub customer_id: Option<CustomerId>,
    /// The recipient whose bounce or opt-out put it here.
    pub recipient_id: Option<RecipientId>,
    /// For bounces: the reported status and diagnostic.
    pub detail: Option<String>,
    /// Since when.
    pub created_at: Timestamp,
}

impl From<Suppression> for SuppressionBody {
    fn from(s: Suppression) -> Self {
        Self {
            email: s.address.as_str().to_owned(),
            reason: s.reason,
            customer_id: s.customer_id,
            recipient_id: s.recipient_id,
            detail: s.detail,
            created_at: s.created_at,
        }
    }
}

impl ListKey for SuppressionBody {
    const KEY: &'static str = "suppressions";
    const SCHEMA: &'static str = "SuppressionList";
    const DESCRIPTION: &'static str = "One page of the suppression list.";
    const ITEMS: &'static str = "The suppressed addresses, newest first.";
}

/// One page of the suppression list.
pub type SuppressionList = ListBody<SuppressionBody>;
