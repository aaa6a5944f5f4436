//! Events: [`EventLog`] on `email_events`. Hits carry their minute, and a
//! unique index keeps one hit per recipient, kind, link and minute.

use async_trait::async_trait;
use crm_email::ports::{EventLog, StoreError};
use crm_email::{Classification, EmailEvent, EventKind, HitClass, HitDetails, Reason};
use crm_kernel::{CustomerId, EmailEventId, EmailId, RecipientId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};

use crate::db::error::EmailDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{CorruptData, decode, decode_opt, timestamp};
use crate::email::rows::{RowError, opt_string, opt_text, text};

/// The columns of an event.
const EVENT_COLUMNS: &str = "id, email_id, recipient_id, customer_id, kind, at, link, url, \
     class, reasons, seconds_since_delivery, head, user_agent, detail";

#[async_trait]
impl EventLog for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %event.recipient_id, kind = %event.kind))]
    async fn record_hit(
        &self,
        event: &EmailEvent,
        reclassify: &[(EmailEventId, Classification)],
    ) -> Result<bool, StoreError> {
        let event = event.clone();
        let reclassify = reclassify.to_vec();
        let recorded = self
            .write(move |tx| {
                if !append(tx, &event)? {
                    return Ok(false);
                }
                let mut statement = tx.prepare_cached(
                    "UPDATE email_events SET class = ?1, reasons = ?2 \
                     WHERE id = ?3 AND class IS NOT NULL",
                )?;
                for (id, classification) in &reclassify {
                    statement.execute(params![
                        classification.class.as_str(),
                        reasons(classification),
                        id.to_string()
                    ])?;
                }
                Ok::<_, EmailDbError>(true)
            })
            .await?;
        Ok(recorded)
    }

    async fn recent_hits(
        &self,
        recipient: RecipientId,
        since: Timestamp,
    ) -> Result<Vec<EmailEvent>, StoreError> {
        let events = self
            .read(move |conn| {
                events_where(
                    conn,
                    "recipient_id = ?1 AND minute IS NOT NULL AND at >= ?2",
                    &[recipient.to_string(), since.to_rfc3339()],
                )
            })
            .await?;
        Ok(events)
    }

    async fn events(&self, email: EmailId) -> Result<Vec<EmailEvent>, StoreError> {
        let events = self
            .read(move |conn| events_where(conn, "email_id = ?1", &[email.to_string()]))
            .await?;
        Ok(events)
    }
}

/// Appends an event in the caller's transaction; for a hit, `false` when
/// the recipient has one of that kind and link in that minute already.
pub(crate) fn append(conn: &Connection, event: &EmailEvent) -> Result<bool, EmailDbError> {
    let hit = event.hit.as_ref();
    let minute = hit.map(|_| event.at.as_millis().div_euclid(60_000));
    let values = vec![
        text(event.id),
        text(event.email_id),
        text(event.recipient_id),
        opt_text(event.customer_id),
        Value::Text(event.kind.as_str().to_owned()),
        Value::Text(event.at.to_rfc3339()),
        event
            .link
            .map_or(Value::Null, |l| Value::Integer(i64::from(l))),
        opt_string(event.url.as_deref()),
        opt_string(hit.map(|h| h.classification.class.as_str())),
        opt_string(hit.map(|h| reasons(&h.classification)).as_deref()),
        hit.and_then(|h| h.seconds_since_delivery)
            .map_or(Value::Null, |s| {
                Value::Integer(i64::try_from(s).unwrap_or(i64::MAX))
            }),
        hit.map_or(Value::Null, |h| Value::Integer(i64::from(h.head))),
        opt_string(hit.and_then(|h| h.user_agent.as_deref())),
        opt_string(event.detail.as_deref()),
        minute.map_or(Value::Null, Value::Integer),
    ];
    let changed = conn
        .prepare_cached(&format!(
            "INSERT INTO email_events ({EVENT_COLUMNS}, minute) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        ))?
        .execute(params_from_iter(values))?;
    Ok(changed == 1)
}

fn reasons(classification: &Classification) -> String {
    classification
        .reasons
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The events matching `condition`, oldest first.
pub(crate) fn events_where(
    conn: &Connection,
    condition: &str,
    params: &[String],
) -> Result<Vec<EmailEvent>, EmailDbError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM email_events WHERE {condition} ORDER BY at, id");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_and_then(params_from_iter(params), read_event)?;
    let mut events = Vec::new();
    for row in rows {
        events.push(row?);
    }
    Ok(events)
}

fn read_event(row: &Row<'_>) -> Result<EmailEvent, RowError> {
    let id: String = row.get(0)?;
    let email_id: String = row.get(1)?;
    let recipient_id: String = row.get(2)?;
    let customer_id: Option<String> = row.get(3)?;
    let kind: String = row.get(4)?;
    let at: String = row.get(5)?;
    let link: Option<i64> = row.get(6)?;
    let class: Option<String> = row.get(8)?;
    let hit = match class {
        None => None,
        Some(class) => {
            let reasons: Option<String> = row.get(9)?;
            let seconds: Option<i64> = row.get(10)?;
            let head: Option<i64> = row.get(11)?;
            Some(HitDetails {
                classification: Classification {
                    class: decode("email_events.class", &class, |c| {
                        HitClass::parse(c).ok_or("unknown class")
                    })?,
                    reasons: parse_reasons(reasons.as_deref().unwrap_or_default())?,
                },
                seconds_since_delivery: seconds.and_then(|s| u64::try_from(s).ok()),
                head: head.unwrap_or_default() != 0,
                user_agent: row.get(12)?,
            })
        }
    };
    Ok(EmailEvent {
        id: decode("email_events.id", &id, EmailEventId::parse)?,
        email_id: decode("email_events.email_id", &email_id, EmailId::parse)?,
        recipient_id: decode(
            "email_events.recipient_id",
            &recipient_id,
            RecipientId::parse,
        )?,
        customer_id: decode_opt(
            "email_events.customer_id",
            customer_id.as_deref(),
            CustomerId::parse,
        )?,
        kind: decode("email_events.kind", &kind, |k| {
            EventKind::parse(k).ok_or("unknown kind")
        })?,
        at: timestamp("email_events.at", &at)?,
        link: link
            .map(|l| u16::try_from(l).map_err(|e| CorruptData::new("email_events.link", e)))
            .transpose()?,
        url: row.get(7)?,
        hit,
        detail: row.get(13)?,
    })
}

fn parse_reasons(text: &str) -> Result<Vec<Reason>, CorruptData> {
    text.split(',')
        .filter(|r| !r.is_empty())
        .map(|r| {
            decode("email_events.reasons", r, |r| {
                Reason::parse(r).ok_or("unknown reason")
            })
        })
        .collect()
}
