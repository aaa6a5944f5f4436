//! The columns of `emails` and `email_recipients`, and the rows that parse
//! back into [`Email`] and [`Recipient`].

use crm_email::{
    Content, DeliveryError, Email, HtmlBody, Lease, Mailbox, MessageId, Recipient, RecipientStatus,
    SmtpReply, Subject, TextBody, WorkerId,
};
use crm_kernel::{CustomerId, EmailAddress, EmailId, EmailTemplateId, RecipientId, UserId};
use rusqlite::Row;
use rusqlite::types::Value;
use uuid::Uuid;

use crate::db::rows::{CorruptData, decode, decode_opt, timestamp, timestamp_opt};

/// The columns of a message, read as `e`.
pub(crate) const EMAIL_COLUMNS: &str = "e.id, e.from_name, e.from_address, e.sender_id, \
     e.subject, e.text_body, e.html_body, e.html_generated, e.template_id, e.send_at, e.created_at";
/// How many columns [`EMAIL_COLUMNS`] has.
pub(crate) const EMAIL_COLUMN_COUNT: usize = 11;

/// The columns of a recipient, without a table alias (for `RETURNING`).
const RECIPIENT_FIELDS: [&str; 25] = [
    "id",
    "email_id",
    "address",
    "customer_id",
    "message_id",
    "subject",
    "text_body",
    "html_body",
    "html_generated",
    "status",
    "attempts",
    "next_attempt_at",
    "lease_worker",
    "lease_until",
    "error_detail",
    "error_code",
    "error_enhanced",
    "error_text",
    "accepted_code",
    "accepted_enhanced",
    "accepted_text",
    "sent_at",
    "failed_at",
    "bounced_at",
    "updated_at",
];

/// The columns of a recipient, each prefixed by `alias.` (none for "").
pub(crate) fn recipient_columns(alias: &str) -> String {
    RECIPIENT_FIELDS
        .iter()
        .map(|f| {
            if alias.is_empty() {
                (*f).to_owned()
            } else {
                format!("{alias}.{f}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `INSERT` of a recipient: its columns and its position.
pub(crate) fn insert_recipient_sql() -> String {
    format!(
        "INSERT INTO email_recipients ({}, address_key, position) VALUES ({})",
        recipient_columns(""),
        vec!["?"; RECIPIENT_FIELDS.len() + 2].join(", ")
    )
}

/// The values of [`insert_recipient_sql`] (without the two last ones).
pub(crate) fn recipient_values(r: &Recipient) -> Vec<Value> {
    let own = r.content.as_ref();
    let error = r.last_error.as_ref();
    let error_reply = error.and_then(|e| e.reply.as_ref());
    let accepted = r.accepted_reply.as_ref();
    vec![
        text(r.id),
        text(r.email_id),
        Value::Text(r.address.as_str().to_owned()),
        opt_text(r.customer_id),
        Value::Text(r.message_id.as_str().to_owned()),
        opt_string(own.map(|c| c.subject.as_str())),
        opt_string(own.map(|c| c.text.as_str())),
        opt_string(own.map(|c| c.html.as_str())),
        own.map_or(Value::Null, |c| Value::Integer(i64::from(c.html_generated))),
        Value::Text(r.status.as_str().to_owned()),
        Value::Integer(i64::from(r.attempts)),
        Value::Text(r.next_attempt_at.to_rfc3339()),
        opt_text(r.lease.map(|l| l.worker)),
        opt_string(r.lease.map(|l| l.until.to_rfc3339()).as_deref()),
        opt_string(error.map(|e| e.detail.as_str())),
        error_reply.map_or(Value::Null, |r| Value::Integer(i64::from(r.code))),
        opt_string(error_reply.and_then(|r| r.enhanced.as_deref())),
        opt_string(error_reply.map(|r| r.text.as_str())),
        accepted.map_or(Value::Null, |r| Value::Integer(i64::from(r.code))),
        opt_string(accepted.and_then(|r| r.enhanced.as_deref())),
        opt_string(accepted.map(|r| r.text.as_str())),
        opt_string(r.sent_at.map(|t| t.to_rfc3339()).as_deref()),
        opt_string(r.failed_at.map(|t| t.to_rfc3339()).as_deref()),
        opt_string(r.bounced_at.map(|t| t.to_rfc3339()).as_deref()),
        Value::Text(r.updated_at.to_rfc3339()),
    ]
}

/// The `SET` list of an outcome write: every column that changes after the
/// insert, in [`outcome_values`] order.
pub(crate) const OUTCOME_SET: &str = "status = ?, attempts = ?, next_attempt_at = ?, \
     lease_worker = ?, lease_until = ?, error_detail = ?, error_code = ?, error_enhanced = ?, \
     error_text = ?, accepted_code = ?, accepted_enhanced = ?, accepted_text = ?, sent_at = ?, \
     failed_at = ?, bounced_at = ?, updated_at = ?";

/// The values of [`OUTCOME_SET`].
pub(crate) fn outcome_values(r: &Recipient) -> Vec<Value> {
    recipient_values(r).split_off(9)
}

#[allow(clippy::needless_pass_by_value, reason = "ids are small Copy values")]
pub(crate) fn text(value: impl ToString) -> Value {
    Value::Text(value.to_string())
}

pub(crate) fn opt_text(value: Option<impl ToString>) -> Value {
    value.map_or(Value::Null, |v| Value::Text(v.to_string()))
}

pub(crate) fn opt_string(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |v| Value::Text(v.to_owned()))
}

/// The columns of a message, as SQLite values, in [`EMAIL_COLUMNS`] order.
pub(crate) fn email_values(email: &Email) -> Vec<Value> {
    vec![
        text(email.id),
        opt_string(email.from.name()),
        Value::Text(email.from.address().to_owned()),
        text(email.sender_id),
        Value::Text(email.content.subject.as_str().to_owned()),
        Value::Text(email.content.text.as_str().to_owned()),
        Value::Text(email.content.html.as_str().to_owned()),
        Value::Integer(i64::from(email.content.html_generated)),
        opt_text(email.template_id),
        Value::Text(email.send_at.to_rfc3339()),
        Value::Text(email.created_at.to_rfc3339()),
    ]
}

/// Reads a message whose columns start at `at`.
pub(crate) fn read_email(row: &Row<'_>, at: usize) -> Result<Email, RowError> {
    let id: String = row.get(at)?;
    let name: Option<String> = row.get(at + 1)?;
    let address: String = row.get(at + 2)?;
    let sender: String = row.get(at + 3)?;
    let template: Option<String> = row.get(at + 8)?;
    let send_at: String = row.get(at + 9)?;
    let created_at: String = row.get(at + 10)?;
    let mut from = decode("emails.from_address", &address, Mailbox::parse)?;
    if let Some(name) = name {
        from = decode("emails.from_name", &name, |n| from.with_name(n))?;
    }
    Ok(Email {
        id: decode("emails.id", &id, EmailId::parse)?,
        from,
        sender_id: decode("emails.sender_id", &sender, UserId::parse)?,
        content: content(
            &row.get::<_, String>(at + 4)?,
            &row.get::<_, String>(at + 5)?,
            &row.get::<_, String>(at + 6)?,
            row.get(at + 7)?,
        )?,
        template_id: decode_opt(
            "emails.template_id",
            template.as_deref(),
            EmailTemplateId::parse,
        )?,
        send_at: timestamp("emails.send_at", &send_at)?,
        created_at: timestamp("emails.created_at", &created_at)?,
    })
}

fn content(subject: &str, text: &str, html: &str, generated: i64) -> Result<Content, CorruptData> {
    Ok(Content {
        subject: decode("subject", subject, Subject::parse)?,
        text: decode("text_body", text, TextBody::parse)?,
        html: decode("html_body", html, HtmlBody::parse)?,
        html_generated: generated != 0,
    })
}

/// A failure reading a row: SQLite's or the data's.
#[derive(Debug)]
pub(crate) enum RowError {
    Sqlite(rusqlite::Error),
    Corrupt(CorruptData),
}

impl From<rusqlite::Error> for RowError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

impl From<CorruptData> for RowError {
    fn from(error: CorruptData) -> Self {
        Self::Corrupt(error)
    }
}

impl<R> From<RowError> for crate::db::error::DbError<R> {
    fn from(error: RowError) -> Self {
        match error {
            RowError::Sqlite(error) => Self::Sqlite(error),
            RowError::Corrupt(error) => Self::Corrupt(error),
        }
    }
}

fn reply(code: Option<i64>, enhanced: Option<String>, text: Option<String>) -> Option<SmtpReply> {
    let code = u16::try_from(code?).ok()?;
    Some(SmtpReply {
        code,
        enhanced,
        text: text.unwrap_or_default(),
    })
}

/// Reads a recipient whose columns start at `at`.
pub(crate) fn read_recipient(row: &Row<'_>, at: usize) -> Result<Recipient, RowError> {
    let g = |i: usize| at + i;
    let id: String = row.get(g(0))?;
    let email_id: String = row.get(g(1))?;
    let address: String = row.get(g(2))?;
    let customer: Option<String> = row.get(g(3))?;
    let message_id: String = row.get(g(4))?;
    let own_subject: Option<String> = row.get(g(5))?;
    let own_content = match own_subject {
        None => None,
        Some(subject) => Some(content(
            &subject,
            &row.get::<_, Option<String>>(g(6))?.unwrap_or_default(),
            &row.get::<_, Option<String>>(g(7))?.unwrap_or_default(),
            row.get::<_, Option<i64>>(g(8))?.unwrap_or_default(),
        )?),
    };
    let status: String = row.get(g(9))?;
    let attempts: i64 = row.get(g(10))?;
    let next: String = row.get(g(11))?;
    let worker: Option<String> = row.get(g(12))?;
    let until: Option<String> = row.get(g(13))?;
    let lease = match (worker, until) {
        (Some(worker), Some(until)) => Some(Lease {
            worker: decode("email_recipients.lease_worker", &worker, |w| {
                Uuid::parse_str(w).map(WorkerId::from_uuid)
            })?,
            until: timestamp("email_recipients.lease_until", &until)?,
        }),
        _ => None,
    };
    let detail: Option<String> = row.get(g(14))?;
    let last_error = detail.map(|detail| -> rusqlite::Result<DeliveryError> {
        Ok(DeliveryError {
            reply: reply(row.get(g(15))?, row.get(g(16))?, row.get(g(17))?),
            detail,
        })
    });
    let sent_at: Option<String> = row.get(g(21))?;
    let failed_at: Option<String> = row.get(g(22))?;
    let bounced_at: Option<String> = row.get(g(23))?;
    let updated_at: String = row.get(g(24))?;
    Ok(Recipient {
        id: decode("email_recipients.id", &id, RecipientId::parse)?,
        email_id: decode("email_recipients.email_id", &email_id, EmailId::parse)?,
        address: decode("email_recipients.address", &address, EmailAddress::parse)?,
        customer_id: decode_opt(
            "email_recipients.customer_id",
            customer.as_deref(),
            CustomerId::parse,
        )?,
        message_id: decode("email_recipients.message_id", &message_id, |m| {
            MessageId::parse(m).ok_or("not a Message-ID")
        })?,
        content: own_content,
        status: decode("email_recipients.status", &status, |s| {
            RecipientStatus::parse(s).ok_or("unknown status")
        })?,
        attempts: u32::try_from(attempts)
            .map_err(|e| CorruptData::new("email_recipients.attempts", e))?,
        next_attempt_at: timestamp("email_recipients.next_attempt_at", &next)?,
        lease,
        last_error: last_error.transpose()?,
        accepted_reply: reply(row.get(g(18))?, row.get(g(19))?, row.get(g(20))?),
        sent_at: timestamp_opt("email_recipients.sent_at", sent_at.as_deref())?,
        failed_at: timestamp_opt("email_recipients.failed_at", failed_at.as_deref())?,
        bounced_at: timestamp_opt("email_recipients.bounced_at", bounced_at.as_deref())?,
        updated_at: timestamp("email_recipients.updated_at", &updated_at)?,
    })
}
