//! `/api/customers/{customer_id}/interactions` and `/timeline`: a customer's history.

use actix_web::{HttpResponse, get, web};
use crm_interactions::{HistoryEntry, HistoryFilter, Sources};
use crm_kernel::{CustomerId, Timestamp, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::InteractionBody;
use super::request::{direction, kind, status};
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::fields::timestamp;
use crate::http::pagination::{ListBody, ListKey, PageParams, paginate, scope};
use crate::state::AppState;

/// One entry of a customer's history. Every entry has `date_time` and
/// `description`; interaction entries also carry the interaction's fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryBody {
    /// `interaction`, `ticket`, `status_change` or `email`.
    #[schema(example = "interaction")]
    pub source: String,
    /// The id of the record in its context (a UUID, or a number for status changes).
    pub id: String,
    /// When it happened (UTC).
    pub date_time: Timestamp,
    /// What it was.
    pub description: String,
    /// Its status in its context (`completed`, `open`, the new lifecycle status…).
    pub status: Option<String>,
    /// For interactions: the interaction.
    pub interaction: Option<InteractionBody>,
}

impl From<HistoryEntry> for HistoryEntryBody {
    fn from(entry: HistoryEntry) -> Self {
        Self {
            source: entry.source.as_str().to_owned(),
            id: entry.id,
            date_time: entry.at,
            description: entry.description,
            status: entry.status,
            interaction: entry.interaction.map(InteractionBody::from),
        }
    }
}

impl ListKey for HistoryEntryBody {
    const KEY: &'static str = "interactions";
    const SCHEMA: &'static str = "CustomerInteractions";
    const DESCRIPTION: &'static str = "A customer's interactions (original contract: `{\"interactions\": [{\"date_time\", \"description\", …}]}`).";
    const ITEMS: &'static str = "Newest first by default.";
}

/// A customer's interactions (original contract: `{"interactions": [{"date_time", "description", …}]}`).
pub type CustomerInteractions = ListBody<HistoryEntryBody>;

/// Names the second list of history entries: the full timeline.
#[derive(Debug)]
pub enum TimelineKey {}

impl ListKey for TimelineKey {
    const KEY: &'static str = "timeline";
    const SCHEMA: &'static str = "Timeline";
    const DESCRIPTION: &'static str = "A customer's full merged timeline.";
    const ITEMS: &'static str =
        "Interactions, tickets, status changes and emails, newest first by default.";
}

/// A customer's full merged timeline.
pub type Timeline = ListBody<HistoryEntryBody, TimelineKey>;

/// Filters of a customer's history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only interactions of this kind.
    #[param(value_type = Option<crm_interactions::InteractionKind>)]
    pub kind: Option<String>,
    /// Only interactions in this status.
    #[param(value_type = Option<crm_interactions::InteractionStatus>)]
    pub status: Option<String>,
    /// At or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// Merge other events in: any of `tickets`, `emails`, `status_changes`, comma-separated.
    #[param(example = "tickets,status_changes")]
    pub include: Option<String>,
    /// `-date_time` (newest first, the default) or `date_time`.
    #[param(value_type = Option<String>, pattern = "^-?date_time$")]
    pub sort: Option<String>,
}

async fn history<K>(
    caller: Caller,
    state: &AppState,
    customer: CustomerId,
    page: &PageParams,
    params: &HistoryParams,
    everything: bool,
) -> Result<ListBody<HistoryEntryBody, K>, ApiError> {
    let mut errors = ValidationErrors::new();
    let sources = if everything {
        Sources::ALL
    } else {
        let names = params.include.as_deref().unwrap_or_default().split(',');
        errors
            .check("include", Sources::with_extras(names))
            .unwrap_or(Sources::INTERACTIONS)
    };
    let filter = HistoryFilter {
        sources,
        kind: kind(&mut errors, params.kind.as_deref()),
        status: status(&mut errors, params.status.as_deref()),
        from: timestamp(&mut errors, "from", params.from.as_deref()),
        to: timestamp(&mut errors, "to", params.to.as_deref()),
        direction: direction(&mut errors, params.sort.as_deref()),
    };
    let scope = scope(
        &format!("history|{customer}|{everything}"),
        &(
            &params.kind,
            &params.status,
            &params.from,
            &params.to,
            &params.include,
            &params.sort,
        ),
    );
    paginate(state, page, &scope, errors, |state, page| async move {
        state
            .interactions
            .history(&caller.0, customer, &filter, &page)
            .await
    })
    .await
}

/// A customer's interactions, newest first.
///
/// With `include`, tickets, emails and lifecycle status changes are merged
/// in as entries of the same list (each with `date_time` and `description`).
/// Customers see their own history without staff-only notes.
#[utoipa::path(
    tag = "interactions",
    params(PageParams, HistoryParams),
    responses((status = 200, description = "One page of the customer's history", body = CustomerInteractions))
)]
#[get("/api/customers/{customer_id}/interactions")]
pub async fn customer_interactions(
    caller: Caller,
    state: web::Data<AppState>,
    customer: web::Path<CustomerId>,
    page: web::Query<PageParams>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let interactions: CustomerInteractions =
        history(caller, &state, *customer, &page, &params, false).await?;
    Ok(HttpResponse::Ok().json(interactions))
}

/// A customer's full timeline: interactions, tickets, status changes and emails.
#[utoipa::path(
    tag = "interactions",
    params(PageParams, HistoryParams),
    responses((status = 200, description = "One page of the merged timeline", body = Timeline))
)]
#[get("/api/customers/{customer_id}/timeline")]
pub async fn customer_timeline(
    caller: Caller,
    state: web::Data<AppState>,
    customer: web::Path<CustomerId>,
    page: web::Query<PageParams>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let timeline: Timeline = history(caller, &state, *customer, &page, &params, true).await?;
    Ok(HttpResponse::Ok().json(timeline))
}
