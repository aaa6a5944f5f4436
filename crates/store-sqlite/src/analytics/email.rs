//! `EmailSource`: delivery and engagement of the recipients sent to in each
//! period. An indexed aggregation, not counters: the recipients whose
//! `sent_at` is in the range (`email_recipients_by_sent_at`), each with its
//! events read by recipient (`email_events_by_recipient`). Opens and clicks
//! are `opened` and `clicked` events; `human` is the email context's
//! classification of a hit (others are privacy proxies and scanners);
//! honeypot hits are neither opens nor clicks.

use crm_analytics::{CountRequest, EmailPeriodCounts};
use crm_kernel::BackendError;
use rusqlite::Connection;
use rusqlite::types::Value;

use super::query::{instant, read};
use super::scope::customer_condition;

/// The recipients sent to in `[?1, ?2)` and what became of each; the
/// customer (`c`, absent for an address that matched none) for the scope.
pub(super) const RECIPIENTS: &str = "SELECT 0, r.sent_at, r.status = 'bounced', \
       EXISTS (SELECT 1 FROM email_events e WHERE e.recipient_id = r.id \
               AND e.kind = 'opened' AND e.class = 'human'), \
       EXISTS (SELECT 1 FROM email_events e WHERE e.recipient_id = r.id AND e.kind = 'opened'), \
       EXISTS (SELECT 1 FROM email_events e WHERE e.recipient_id = r.id \
               AND e.kind = 'clicked' AND e.class = 'human'), \
       EXISTS (SELECT 1 FROM email_events e WHERE e.recipient_id = r.id AND e.kind = 'clicked'), \
       EXISTS (SELECT 1 FROM email_events e WHERE e.recipient_id = r.id AND e.kind = 'replied'), \
       (SELECT count(*) FROM email_events e WHERE e.recipient_id = r.id \
               AND e.kind = 'opened' AND e.class <> 'human'), \
       (SELECT count(*) FROM email_events e WHERE e.recipient_id = r.id \
               AND e.kind = 'clicked' AND e.class <> 'human') \
     FROM email_recipients r LEFT JOIN customers c ON c.id = r.customer_id \
     WHERE r.sent_at >= ?1 AND r.sent_at < ?2";

/// The email figures of the recipients in scope, per period of sending.
pub(crate) fn email_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<Vec<EmailPeriodCounts>, BackendError> {
    let mut periods = vec![EmailPeriodCounts::default(); request.periods.len()];
    let Some(range) = request.range() else {
        return Ok(periods);
    };
    let Some((condition, scope_params)) = customer_condition(&request.scope)? else {
        return Ok(periods);
    };
    // Recipients matched to no customer count only in a report over everything.
    let condition = if request.scope.includes_unlinked() {
        format!("(r.customer_id IS NULL OR ({condition}))")
    } else {
        format!("r.customer_id IS NOT NULL AND {condition}")
    };
    let mut params = vec![
        Value::Text(range.start.to_rfc3339()),
        Value::Text(range.end.to_rfc3339()),
    ];
    params.extend(scope_params);
    let rows = read(
        conn,
        &format!("{RECIPIENTS} AND {condition}"),
        params,
        &mut |_, row| {
            let sent_at = instant(row, 1, "email_recipients.sent_at")?;
            let flag =
                |i: usize| -> rusqlite::Result<u64> { Ok(u64::from(row.get::<_, bool>(i)?)) };
            let n = |i: usize| -> rusqlite::Result<u64> {
                Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
            };
            Ok((
                sent_at,
                EmailPeriodCounts {
                    sent: 1,
                    bounced: flag(2)?,
                    opened_human: flag(3)?,
                    opened_any: flag(4)?,
                    clicked_human: flag(5)?,
                    clicked_any: flag(6)?,
                    replied: flag(7)?,
                    machine_opens: n(8)?,
                    machine_clicks: n(9)?,
                },
            ))
        },
    )?;
    for (sent_at, counts) in rows {
        if let Some(p) = request.period_of(sent_at) {
            periods[p] = periods[p].plus(&counts);
        }
    }
    Ok(periods)
}
