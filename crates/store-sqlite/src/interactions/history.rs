//! A customer's history: [`HistoryQuery`] as one SQL query over the
//! contexts' own tables, nothing copied between them.
//!
//! The query `UNION ALL`s one branch per source the filter names:
//!
//! | source | table | `at` | description | status | id |
//! | --- | --- | --- | --- | --- | --- |
//! | `interaction` | `interactions` | `date_time` | `description` | `status` | interaction id |
//! | `ticket` | `tickets` | `created_at` | `subject` | `status` | ticket id |
//! | `status_change` | `customer_status_changes` | `at` | `Status changed from lead to prospect` (`Status set to lead` for the first) | `to_status` | row id |
//! | `email` | messages, replies, opt-outs and bounces (see `crate::email::history`) | | | | |
//!
//! Interaction rows also carry the interaction itself (its columns are NULL
//! in the other branches). The kind and status filters apply to interaction
//! rows only, `from`/`to` to every row's `at`, and without
//! `include_staff_only` notes are left out.
//!
//! Entries are ordered by (`at`, source, id) in the filter's direction and
//! keyset-paginated on that triple. Email entries are staff-only: without
//! `include_staff_only` they are left out. The cursor's key is `at` (RFC 3339
//! text) and its id `<source>:<id>`. In SQL the pair (source, id) is the
//! text `<source>:<id>`, which sorts like the pair because no source's name
//! is a prefix of another's; a status change's integer id is zero-padded
//! there, so that changes at one instant keep the order they were written in.

use async_trait::async_trait;
use crm_interactions::ports::{HistoryQuery, StoreError};
use crm_interactions::{HistoryEntry, HistoryFilter, HistorySource, InteractionKind};
use crm_kernel::{CursorPosition, CustomerId, Page, PageRequest};
use crm_tickets::TicketStatus;
use rusqlite::Row;
use rusqlite::types::Value;

use crate::customers::rows as customer_rows;
use crate::db::error::InteractionDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{self, CorruptData, decode};
use crate::interactions::branch::Branch;
use crate::interactions::rows::{INTERACTION_COLUMN_COUNT, INTERACTION_COLUMNS, InteractionRow};
use crate::sql::{Filter, ListPlan, Order, PageSelect, Start};

/// The columns every branch selects before the interaction's: source, id,
/// at, sort position, description, status.
const LEADING_COLUMNS: usize = 6;

#[async_trait]
impl HistoryQuery for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %customer))]
    async fn history(
        &self,
        customer: CustomerId,
        filter: &HistoryFilter,
        include_staff_only: bool,
        page: &PageRequest,
    ) -> Result<Page<HistoryEntry>, StoreError> {
        let plan = history_plan(customer, filter, include_staff_only, page);
        let entries = self
            .list_rows(plan, |row| {
                Ok::<_, InteractionDbError>(EntryRow::read(row)?.into_entry()?)
            })
            .await?;
        Ok(Page::from_overfetch(entries, page.limit, |entry| {
            CursorPosition {
                key: Some(entry.at.to_rfc3339()),
                id: format!("{}:{}", entry.source, entry.id),
            }
        }))
    }
}

/// The query of one page of the history, or [`ListPlan::Empty`] when the
/// filter names no source with records.
pub(crate) fn history_plan(
    customer: CustomerId,
    filter: &HistoryFilter,
    include_staff_only: bool,
    page: &PageRequest,
) -> ListPlan {
    let mut branches = Vec::new();
    let customer = customer.to_string();
    let nothing = vec!["NULL"; INTERACTION_COLUMN_COUNT].join(", ");
    if filter.sources.interactions {
        let mut conditions = Filter::new();
        conditions.push_text("i.customer_id = ?", customer.clone());
        if !include_staff_only {
            conditions.push_text("i.kind <> ?", InteractionKind::Note.as_str());
        }
        if let Some(kind) = filter.kind {
            conditions.push_text("i.kind = ?", kind.as_str());
        }
        if let Some(status) = filter.status {
            conditions.push_text("i.status = ?", status.as_str());
        }
        conditions.within("i.date_time", filter.from, filter.to);
        branches.push(Branch {
            source: HistorySource::Interaction.as_str(),
            select: format!(
                "SELECT 'interaction' AS source, i.id AS id, i.date_time AS at, \
                 'interaction:' || i.id AS position, i.description AS description, \
                 i.status AS status, {INTERACTION_COLUMNS} \
                 FROM interactions i"
            ),
            conditions,
            key: "i.date_time",
            id: "i.id",
            integer_id: false,
        });
    }
    if filter.sources.tickets {
        let mut conditions = Filter::new();
        conditions.push_text("t.customer_id = ?", customer.clone());
        conditions.within("t.created_at", filter.from, filter.to);
        branches.push(Branch {
            source: HistorySource::Ticket.as_str(),
            select: format!(
                "SELECT 'ticket' AS source, t.id AS id, t.created_at AS at, \
                 'ticket:' || t.id AS position, t.subject AS description, t.status AS status, \
                 {nothing} FROM tickets t"
            ),
            conditions,
            key: "t.created_at",
            id: "t.id",
            integer_id: false,
        });
    }
    if filter.sources.status_changes {
        let mut conditions = Filter::new();
        conditions.push_text("s.customer_id = ?", customer.clone());
        conditions.within("s.at", filter.from, filter.to);
        branches.push(Branch {
            source: HistorySource::StatusChange.as_str(),
            select: format!(
                "SELECT 'status_change' AS source, CAST(s.id AS TEXT) AS id, s.at AS at, \
                 'status_change:' || printf('%020d', s.id) AS position, \
                 CASE WHEN s.from_status IS NULL THEN 'Status set to ' || s.to_status \
                      ELSE 'Status changed from ' || s.from_status || ' to ' || s.to_status END \
                   AS description, \
                 s.to_status AS status, {nothing} \
                 FROM customer_status_changes s"
            ),
            conditions,
            key: "s.at",
            id: "s.id",
            integer_id: true,
        });
    }
    if filter.sources.emails && include_staff_only {
        branches.extend(crate::email::history::branches(&customer, filter, &nothing));
    }
    if branches.is_empty() {
        return ListPlan::Empty;
    }
    let mut params = Vec::new();
    let mut selects = Vec::new();
    for branch in branches {
        let (sql, values) = branch.limited(filter.direction, page);
        selects.push(sql);
        params.extend(values);
    }
    let start = match &page.after {
        None => Start::First,
        Some(cursor) => Start::After {
            key: Value::Text(cursor.key.clone().unwrap_or_default()),
            id: Value::Text(sort_position(&cursor.id)),
        },
    };
    PageSelect {
        columns: "h.*",
        from: &format!("({}) h", selects.join(" UNION ALL ")),
        order: Order {
            key: "h.at",
            id: "h.position",
            direction: filter.direction,
        },
    }
    .plan(Filter::after_from(params), start, page.limit)
}

/// The SQL sort position of a cursor id `<source>:<id>`: the same text, with
/// a status change's row id zero-padded as the query pads it.
fn sort_position(cursor_id: &str) -> String {
    let prefix = HistorySource::StatusChange.as_str();
    match cursor_id
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|id| id.parse::<i64>().ok())
    {
        Some(id) => format!("{prefix}:{id:020}"),
        None => cursor_id.to_owned(),
    }
}

/// Parses a stored source name.
fn source(text: &str) -> Result<HistorySource, CorruptData> {
    [
        HistorySource::Interaction,
        HistorySource::Ticket,
        HistorySource::StatusChange,
        HistorySource::Email,
    ]
    .into_iter()
    .find(|source| source.as_str() == text)
    .ok_or_else(|| CorruptData::new("history.source", format!("unknown source `{text}`")))
}

/// One row of the history query.
#[derive(Debug)]
struct EntryRow {
    source: String,
    id: String,
    at: String,
    description: String,
    status: String,
    interaction: Option<InteractionRow>,
}

impl EntryRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        let source: String = row.get(0)?;
        let interaction = if source == HistorySource::Interaction.as_str() {
            Some(InteractionRow::read_at(row, LEADING_COLUMNS)?)
        } else {
            None
        };
        Ok(Self {
            source,
            id: row.get(1)?,
            at: row.get(2)?,
            description: row.get(4)?,
            status: row.get(5)?,
            interaction,
        })
    }

    /// The entry, its instant and status parsed by the owning context's
    /// constructors.
    fn into_entry(self) -> Result<HistoryEntry, CorruptData> {
        let source = source(&self.source)?;
        let status = match source {
            HistorySource::Interaction => {
                crate::interactions::rows::status("interactions.status", &self.status)?.as_str()
            }
            HistorySource::Email => crate::email::history::status(&self.status)?,
            HistorySource::Ticket => decode("tickets.status", &self.status, |text| {
                TicketStatus::parse(text).ok_or_else(|| format!("unknown ticket status `{text}`"))
            })?
            .as_str(),
            HistorySource::StatusChange => {
                customer_rows::status("customer_status_changes.to_status", &self.status)?.as_str()
            }
        };
        Ok(HistoryEntry {
            source,
            id: self.id,
            at: rows::timestamp("history.at", &self.at)?,
            description: self.description,
            status: Some(status.to_owned()),
            interaction: self
                .interaction
                .map(InteractionRow::into_interaction)
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use crm_interactions::{InteractionStatus, Sources};
    use crm_kernel::{Limit, SortDirection, Timestamp};

    use super::*;
    use crate::sql::sql_and_params;

    #[test]
    fn interactions_only_by_default() {
        let (sql, params) = sql_and_params(history_plan(
            CustomerId::new(),
            &HistoryFilter::default(),
            true,
            &PageRequest::default(),
        ));
        assert!(!sql.contains("UNION ALL"), "{sql}");
        assert!(!sql.contains("i.kind <> ?"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY h.at DESC, h.position DESC LIMIT ?"),
            "{sql}"
        );
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    }

    #[test]
    fn every_source_and_filter_binds_one_value_per_placeholder() {
        let filter = HistoryFilter {
            sources: Sources::ALL,
            kind: Some(InteractionKind::Call),
            status: Some(InteractionStatus::Completed),
            from: Some(Timestamp::from_millis(0).unwrap()),
            to: Some(Timestamp::from_millis(1).unwrap()),
            direction: SortDirection::Asc,
        };
        let page = PageRequest {
            limit: Limit::parse(Some(3)).unwrap(),
            after: Some(CursorPosition {
                key: Some("2026-01-01T00:00:00.000Z".into()),
                id: "status_change:7".into(),
            }),
        };
        let (sql, params) = sql_and_params(history_plan(CustomerId::new(), &filter, false, &page));
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert_eq!(sql.matches("UNION ALL").count(), 2, "{sql}");
        assert!(sql.contains("WHERE (h.at, h.position) > (?, ?)"), "{sql}");
        assert!(params.contains(&Value::Text(format!("status_change:{:020}", 7))));
        assert_eq!(params.last(), Some(&Value::Integer(4)));
    }

    #[test]
    fn no_source_with_records_is_an_empty_page() {
        let filter = HistoryFilter {
            sources: Sources {
                interactions: false,
                tickets: false,
                status_changes: false,
                emails: true,
            },
            ..HistoryFilter::default()
        };
        // Emails are staff-only: a customer's own history has no source left.
        assert!(matches!(
            history_plan(CustomerId::new(), &filter, false, &PageRequest::default()),
            ListPlan::Empty
        ));
    }

    #[test]
    fn emails_add_three_branches_for_staff() {
        let filter = HistoryFilter {
            sources: Sources::with_extras(["emails"]).unwrap(),
            from: Some(Timestamp::from_millis(0).unwrap()),
            ..HistoryFilter::default()
        };
        let (sql, params) = sql_and_params(history_plan(
            CustomerId::new(),
            &filter,
            true,
            &PageRequest::default(),
        ));
        assert_eq!(sql.matches("UNION ALL").count(), 3, "{sql}");
        assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        assert!(source("email").is_ok());
    }

    #[test]
    fn cursor_ids_map_to_sort_positions() {
        assert_eq!(
            sort_position("status_change:12"),
            "status_change:00000000000000000012"
        );
        assert_eq!(sort_position("ticket:abc"), "ticket:abc");
        assert_eq!(sort_position("status_change:x"), "status_change:x");
        assert!(source("ticket").is_ok());
        assert!(source("fax").is_err());
    }
}
