//! Inbound mail: [`InboundStore`] on `inbound_messages`, with its effects
//! (event, bounce, suppression) in the same transaction.

use async_trait::async_trait;
use crm_email::ports::{InboundStore, StoreError};
use crm_email::{
    DeliveryReport, EmailEvent, InboundKind, InboundMail, InboundRecord, MatchedBy, MessageId,
    Recipient, RecipientStatus, ReportedRecipient, Suppression,
};
use crm_kernel::{
    CustomerId, EmailId, InboundMessageId, Page, PageRequest, RecipientId, SortDirection,
};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};
use serde_json::{Value as Json, json};

use crate::db::error::EmailDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{CorruptData, decode, decode_opt, timestamp, timestamp_opt};
use crate::email::rows::{RowError, opt_string, opt_text, text};
use crate::email::{events, outbox, suppressions};
use crate::sql::{Filter, Order, PageSelect, Start, keyed, keyed_page};

const INBOUND_COLUMNS: &str = "m.id, m.received_at, m.kind, m.email_id, m.recipient_id, \
     m.customer_id, m.matched_by, m.response, m.bounce, m.message_id, m.in_reply_to, \
     m.reference_ids, m.to_addresses, m.from_address, m.subject, m.text_body, m.sent_date, \
     m.report, m.raw";
const INBOUND_COLUMN_COUNT: usize = 19;

#[async_trait]
impl InboundStore for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(inbound_id = %record.id, kind = %record.kind))]
    async fn store<'a>(
        &self,
        record: &InboundRecord,
        event: Option<&'a EmailEvent>,
        recipient: Option<(&'a Recipient, RecipientStatus)>,
        suppression: Option<&'a Suppression>,
    ) -> Result<bool, StoreError> {
        let record = record.clone();
        let event = event.cloned();
        let recipient = recipient.map(|(r, expected)| (r.clone(), expected));
        let suppression = suppression.cloned();
        let stored = self
            .write(move |tx| {
                if !insert(tx, &record)? {
                    return Ok(false);
                }
                if let Some((next, expected)) = &recipient {
                    outbox::change_status(tx, next, *expected)?;
                }
                if let Some(event) = &event {
                    events::append(tx, event)?;
                }
                if let Some(entry) = &suppression {
                    suppressions::insert(tx, entry)?;
                }
                Ok::<_, EmailDbError>(true)
            })
            .await?;
        Ok(stored)
    }

    async fn of_email(&self, email: EmailId) -> Result<Vec<InboundRecord>, StoreError> {
        let records = self
            .read(move |conn| {
                let sql = format!(
                    "SELECT {INBOUND_COLUMNS} FROM inbound_messages m \
                     WHERE m.email_id = ?1 ORDER BY m.received_at, m.id"
                );
                let mut statement = conn.prepare_cached(&sql)?;
                let rows = statement.query_and_then([email.to_string()], read_record)?;
                let mut all = Vec::new();
                for row in rows {
                    all.push(row?);
                }
                Ok::<_, EmailDbError>(all)
            })
            .await?;
        Ok(records)
    }

    async fn unmatched(&self, page: &PageRequest) -> Result<Page<InboundRecord>, StoreError> {
        let mut filter = Filter::new();
        filter.condition("m.kind = 'unmatched'");
        let plan = PageSelect {
            columns: &format!("{INBOUND_COLUMNS}, m.received_at"),
            from: "inbound_messages m",
            order: Order {
                key: "m.received_at",
                id: "m.id",
                direction: SortDirection::Desc,
            },
        }
        .plan(filter, Start::keyset(page), page.limit);
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, INBOUND_COLUMN_COUNT, |row| {
                    Ok::<_, EmailDbError>(read_record(row)?)
                })
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |r| r.id.to_string()))
    }
}

/// Inserts the record; `false` when one with its `Message-ID` exists.
fn insert(conn: &Connection, record: &InboundRecord) -> Result<bool, EmailDbError> {
    let mail = &record.mail;
    let lines = |ids: &[MessageId]| {
        ids.iter()
            .map(MessageId::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let values = vec![
        text(record.id),
        Value::Text(record.received_at.to_rfc3339()),
        Value::Text(record.kind.as_str().to_owned()),
        opt_text(record.email_id),
        opt_text(record.recipient_id),
        opt_text(record.customer_id),
        opt_string(record.matched_by.map(MatchedBy::as_str)),
        opt_string(record.response.as_deref()),
        opt_string(
            record
                .bounce
                .as_ref()
                .map(|b| block(b).to_string())
                .as_deref(),
        ),
        opt_string(mail.message_id.as_ref().map(MessageId::as_str)),
        Value::Text(lines(&mail.in_reply_to)),
        Value::Text(lines(&mail.references)),
        Value::Text(mail.to.join("\n")),
        opt_string(mail.from.as_deref()),
        opt_string(mail.subject.as_deref()),
        opt_string(mail.text.as_deref()),
        opt_string(mail.date.map(|d| d.to_rfc3339()).as_deref()),
        opt_string(
            mail.report
                .as_ref()
                .map(|r| report(r).to_string())
                .as_deref(),
        ),
        Value::Text(mail.raw.clone()),
    ];
    let columns = INBOUND_COLUMNS.replace("m.", "");
    let changed = conn
        .prepare_cached(&format!(
            "INSERT INTO inbound_messages ({columns}) VALUES ({}) \
             ON CONFLICT (message_id) DO NOTHING",
            vec!["?"; INBOUND_COLUMN_COUNT].join(", ")
        ))?
        .execute(params_from_iter(values))?;
    Ok(changed == 1)
}

fn block(b: &ReportedRecipient) -> Json {
    json!({
        "final_recipient": b.final_recipient,
        "action": b.action,
        "status": b.status,
        "diagnostic": b.diagnostic,
    })
}

fn report(r: &DeliveryReport) -> Json {
    json!({
        "original_message_id": r.original_message_id.as_ref().map(MessageId::as_str),
        "recipients": r.recipients.iter().map(block).collect::<Vec<_>>(),
    })
}

fn read_block(value: &Json) -> ReportedRecipient {
    let field = |name: &str| value.get(name).and_then(Json::as_str).map(str::to_owned);
    ReportedRecipient {
        final_recipient: field("final_recipient"),
        action: field("action"),
        status: field("status"),
        diagnostic: field("diagnostic"),
    }
}

fn json_of(column: &'static str, text: Option<&str>) -> Result<Option<Json>, CorruptData> {
    decode_opt(column, text, |t| serde_json::from_str::<Json>(t))
}

fn ids(text: &str) -> Vec<MessageId> {
    text.lines().filter_map(MessageId::parse).collect()
}

fn read_record(row: &Row<'_>) -> Result<InboundRecord, RowError> {
    let get_opt = |i: usize| row.get::<_, Option<String>>(i);
    let id: String = row.get(0)?;
    let received_at: String = row.get(1)?;
    let kind: String = row.get(2)?;
    let matched_by = get_opt(6)?;
    let bounce = json_of("inbound_messages.bounce", get_opt(8)?.as_deref())?;
    let report = json_of("inbound_messages.report", get_opt(17)?.as_deref())?;
    let in_reply_to: String = row.get(10)?;
    let references: String = row.get(11)?;
    let to: String = row.get(12)?;
    let mail = InboundMail {
        message_id: get_opt(9)?.as_deref().and_then(MessageId::parse),
        in_reply_to: ids(&in_reply_to),
        references: ids(&references),
        from: get_opt(13)?,
        to: to.lines().map(str::to_owned).collect(),
        subject: get_opt(14)?,
        text: get_opt(15)?,
        date: timestamp_opt("inbound_messages.sent_date", get_opt(16)?.as_deref())?,
        report: report.map(|r| DeliveryReport {
            original_message_id: r
                .get("original_message_id")
                .and_then(Json::as_str)
                .and_then(MessageId::parse),
            recipients: r
                .get("recipients")
                .and_then(Json::as_array)
                .map(|blocks| blocks.iter().map(read_block).collect())
                .unwrap_or_default(),
        }),
        raw: row.get(18)?,
    };
    Ok(InboundRecord {
        id: decode("inbound_messages.id", &id, InboundMessageId::parse)?,
        received_at: timestamp("inbound_messages.received_at", &received_at)?,
        kind: decode("inbound_messages.kind", &kind, |k| {
            InboundKind::parse(k).ok_or("unknown kind")
        })?,
        email_id: decode_opt(
            "inbound_messages.email_id",
            get_opt(3)?.as_deref(),
            EmailId::parse,
        )?,
        recipient_id: decode_opt(
            "inbound_messages.recipient_id",
            get_opt(4)?.as_deref(),
            RecipientId::parse,
        )?,
        customer_id: decode_opt(
            "inbound_messages.customer_id",
            get_opt(5)?.as_deref(),
            CustomerId::parse,
        )?,
        matched_by: decode_opt("inbound_messages.matched_by", matched_by.as_deref(), |m| {
            MatchedBy::parse(m).ok_or("unknown match")
        })?,
        response: get_opt(7)?,
        bounce: bounce.as_ref().map(read_block),
        mail,
    })
}
