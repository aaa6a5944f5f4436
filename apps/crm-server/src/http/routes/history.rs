//! `/api/customers/{customer_id}/interactions` and `/timeline`: a customer's history.

use actix_web::{HttpResponse, get, web};
use crm_interactions::{HistoryEntry, HistoryFilter, Sources};
use crm_kernel::{CustomerId, Timestamp, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::customers::CustomerPath;
use super::interactions::{InteractionBody, direction, kind, status};
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::fields::timestamp;
use crate::http::pagination;
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

/// A customer's interactions (original contract: `{"interactions": [{"date_time", "description", …}]}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerInteractions {
    /// Newest first by default.
    pub interactions: Vec<HistoryEntryBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A customer's full merged timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Interactions, tickets, status changes and emails, newest first by default.
    pub timeline: Vec<HistoryEntryBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and page of a customer's history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
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

async fn history(
    caller: &Caller,
    state: &AppState,
    customer: CustomerId,
    params: &HistoryParams,
    everything: bool,
) -> Result<(Vec<HistoryEntryBody>, Option<String>), ApiError> {
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
    let scope = pagination::scope(
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
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;
    let entries = state
        .interactions
        .history(&caller.0, customer, &filter, &page)
        .await?;
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &entries);
    Ok((
        entries
            .items
            .into_iter()
            .map(HistoryEntryBody::from)
            .collect(),
        next_cursor,
    ))
}

/// A customer's interactions, newest first.
///
/// With `include`, tickets, emails and lifecycle status changes are merged
/// in as entries of the same list (each with `date_time` and `description`).
/// Customers see their own history without staff-only notes.
#[utoipa::path(
    tag = "interactions",
    params(CustomerPath, HistoryParams),
    responses((status = 200, description = "One page of the customer's history", body = CustomerInteractions))
)]
#[get("/api/customers/{customer_id}/interactions")]
pub async fn customer_interactions(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let (interactions, next_cursor) = history(&caller, &state, path.id()?, &params, false).await?;
    Ok(HttpResponse::Ok().json(CustomerInteractions {
        interactions,
        next_cursor,
    }))
}

/// A customer's full timeline: interactions, tickets, status changes and emails.
#[utoipa::path(
    tag = "interactions",
    params(CustomerPath, HistoryParams),
    responses((status = 200, description = "One page of the merged timeline", body = Timeline))
)]
#[get("/api/customers/{customer_id}/timeline")]
pub async fn customer_timeline(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CustomerPath>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let (timeline, next_cursor) = history(&caller, &state, path.id()?, &params, true).await?;
    Ok(HttpResponse::Ok().json(Timeline {
        timeline,
        next_cursor,
    }))
}
