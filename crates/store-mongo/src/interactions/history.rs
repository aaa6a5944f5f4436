//! A customer's history: [`HistoryQuery`] as one aggregation over the
//! interactions, tickets, status-change and (for staff) email collections
//! ([`history_pipeline`](crate::interactions::history_pipeline)).

use async_trait::async_trait;
use crm_customers::LifecycleStatus;
use crm_interactions::ports::{HistoryQuery, StoreError};
use crm_interactions::{HistoryEntry, HistoryFilter, HistorySource, InteractionStatus};
use crm_kernel::{CustomerId, Page, PageRequest};
use crm_tickets::TicketStatus;
use mongodb::bson::Document;

use crate::bson::convert::Fields;
use crate::bson::keyset::page_of;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, InteractionDbError};
use crate::db::ops::aggregate_all;
use crate::interactions::docs::read_interaction;
use crate::interactions::history_pipeline::{self, history_plan, is_null};

/// Where history entries come from, named in errors.
const HISTORY: &str = "history";

fn read_entry(document: &Document) -> Result<HistoryEntry, CorruptData> {
    let fields = Fields::of(HISTORY, document);
    let source = match fields.text("source")? {
        "interaction" => HistorySource::Interaction,
        "ticket" => HistorySource::Ticket,
        "status_change" => HistorySource::StatusChange,
        "email" => HistorySource::Email,
        other => return Err(fields.corrupt("source", format!("unknown source `{other}`"))),
    };
    let (description, status, interaction) = match source {
        HistorySource::Email => {
            let (description, status) = crate::email::history::describe(document)?;
            return Ok(HistoryEntry {
                source,
                id: fields.text("entry_id")?.to_owned(),
                at: fields.time("at")?,
                description,
                status: Some(status),
                interaction: None,
            });
        }
        HistorySource::Interaction => {
            let interaction = document
                .get_document("interaction")
                .map_err(|error| fields.corrupt("interaction", error))?;
            (
                fields.text("description")?.to_owned(),
                fields.named("status", InteractionStatus::parse)?.as_str(),
                Some(read_interaction(interaction)?),
            )
        }
        HistorySource::Ticket => (
            fields.text("description")?.to_owned(),
            fields.named("status", TicketStatus::parse)?.as_str(),
            None,
        ),
        HistorySource::StatusChange => {
            let to = fields.named("status", LifecycleStatus::parse)?;
            let description = if is_null(document.get("from")) {
                format!("Status set to {to}")
            } else {
                let from = fields.named("from", LifecycleStatus::parse)?;
                format!("Status changed from {from} to {to}")
            };
            (description, to.as_str(), None)
        }
    };
    Ok(HistoryEntry {
        source,
        id: fields.text("entry_id")?.to_owned(),
        at: fields.time("at")?,
        description,
        status: Some(status.to_owned()),
        interaction,
    })
}

#[async_trait]
impl HistoryQuery for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %customer))]
    async fn history(
        &self,
        customer: CustomerId,
        filter: &HistoryFilter,
        include_staff_only: bool,
        page: &PageRequest,
    ) -> Result<Page<HistoryEntry>, StoreError> {
        let Some((collection, pipeline)) =
            history_plan(customer, filter, include_staff_only, page)?
        else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let documents = aggregate_all(&self.collection(collection), pipeline, None)
            .await
            .map_err(InteractionDbError::from)?;
        let order = history_pipeline::order(filter.direction);
        Ok(page_of(HISTORY, &documents, page.limit, &order, read_entry)
            .map_err(InteractionDbError::from)?)
    }
}
