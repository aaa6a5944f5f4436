//! The email entries of a customer's history (read by
//! `interactions::history`): every message to the customer, every reply
//! from it, and every opt-out and hard bounce of its addresses.
//!
//! | entry | table | `at` | description | status | id |
//! | --- | --- | --- | --- | --- | --- |
//! | message | `email_recipients` + `emails` | sent, else due | its subject | the recipient's status | message id |
//! | reply | `inbound_messages` (`reply`) | received | the reply without quotes | `replied` | inbound id |
//! | opt-out, bounce | `email_events` | the event's | `Opted out of email` / `Bounced: <status>` | `unsubscribed` / `bounced` | event id |
//!
//! A message with two recipients linked to the customer is one entry (its
//! first recipient's). Customers never see emails: their own history has
//! no email entries.

use crm_email::RecipientStatus;
use crm_interactions::HistoryFilter;

use crate::db::rows::CorruptData;
use crate::interactions::branch::Branch;
use crate::sql::Filter;

/// The `UNION ALL` branches of the email entries of `customer`, each
/// selecting source, id, at, position, description, status, then `nothing`
/// (the NULL interaction columns).
pub(crate) fn branches(customer: &str, filter: &HistoryFilter, nothing: &str) -> Vec<Branch> {
    let mut branches = Vec::new();

    let at = "coalesce(r.sent_at, e.send_at)";
    let mut messages = Filter::new();
    messages.push_text("r.customer_id = ?", customer);
    messages.condition(
        "r.position = (SELECT min(o.position) FROM email_recipients o \
         WHERE o.email_id = r.email_id AND o.customer_id = r.customer_id)",
    );
    messages.within(at, filter.from, filter.to);
    branches.push(Branch {
        source: "email",
        select: format!(
            "SELECT 'email' AS source, e.id AS id, {at} AS at, 'email:' || e.id AS position, \
             coalesce(r.subject, e.subject) AS description, r.status AS status, {nothing} \
             FROM email_recipients r JOIN emails e ON e.id = r.email_id"
        ),
        conditions: messages,
        key: "coalesce(r.sent_at, e.send_at)",
        id: "e.id",
        integer_id: false,
    });

    let mut replies = Filter::new();
    replies.push_text("m.customer_id = ?", customer);
    replies.condition("m.kind = 'reply'");
    replies.within("m.received_at", filter.from, filter.to);
    branches.push(Branch {
        source: "email",
        select: format!(
            "SELECT 'email' AS source, m.id AS id, m.received_at AS at, \
             'email:' || m.id AS position, \
             coalesce(nullif(m.response, ''), m.subject, 'Reply') AS description, \
             'replied' AS status, {nothing} FROM inbound_messages m"
        ),
        conditions: replies,
        key: "m.received_at",
        id: "m.id",
        integer_id: false,
    });

    let mut events = Filter::new();
    events.push_text("v.customer_id = ?", customer);
    events.condition("v.kind IN ('unsubscribed', 'bounced')");
    events.within("v.at", filter.from, filter.to);
    branches.push(Branch {
        source: "email",
        select: format!(
            "SELECT 'email' AS source, v.id AS id, v.at AS at, 'email:' || v.id AS position, \
             CASE v.kind WHEN 'unsubscribed' THEN 'Opted out of email' \
                  ELSE 'Bounced: ' || coalesce(v.detail, 'undeliverable') END AS description, \
             v.kind AS status, {nothing} FROM email_events v"
        ),
        conditions: events,
        key: "v.at",
        id: "v.id",
        integer_id: false,
    });
    branches
}

/// Checks the status of an email entry: a recipient's status, `replied`,
/// `unsubscribed` or `bounced`.
pub(crate) fn status(text: &str) -> Result<&'static str, CorruptData> {
    if let Some(status) = RecipientStatus::parse(text) {
        return Ok(status.as_str());
    }
    match text {
        "replied" => Ok("replied"),
        "unsubscribed" => Ok("unsubscribed"),
        _ => Err(CorruptData::new(
            "history.status",
            format!("unknown email status `{text}`"),
        )),
    }
}
