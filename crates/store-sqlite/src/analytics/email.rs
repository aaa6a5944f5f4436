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

/// The recipients sent to in `[?1, ?2)`, each with each of its events (or
/// once with NULLs when it has none), the event's kind and class as flags:
/// one index seek per recipient (`LEFT JOIN`: the recipient is the outer
/// loop) instead of a subquery per figure and recipient. The customer (`c`,
/// absent for an address that matched none) is joined for the scope.
pub(super) const RECIPIENTS: &str = "SELECT 0, r.rowid, r.sent_at, r.status = 'bounced', \
       e.kind = 'opened' AND e.class = 'human', e.kind = 'opened', \
       e.kind = 'clicked' AND e.class = 'human', e.kind = 'clicked', e.kind = 'replied', \
       e.kind = 'opened' AND e.class <> 'human', e.kind = 'clicked' AND e.class <> 'human' \
     FROM email_recipients r LEFT JOIN email_events e ON e.recipient_id = r.id \
     LEFT JOIN customers c ON c.id = r.customer_id \
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
    let mut rows = read(
        conn,
        &format!("{RECIPIENTS} AND {condition}"),
        params,
        &mut |_, row| {
            // A flag of the event: NULL (no event, or no class) is not true.
            let flag = |i: usize| -> rusqlite::Result<u64> {
                Ok(u64::from(row.get::<_, Option<bool>>(i)?.unwrap_or(false)))
            };
            Ok((
                row.get::<_, i64>(1)?,
                instant(row, 2, "email_recipients.sent_at")?,
                EmailPeriodCounts {
                    sent: 1,
                    bounced: flag(3)?,
                    opened_human: flag(4)?,
                    opened_any: flag(5)?,
                    clicked_human: flag(6)?,
                    clicked_any: flag(7)?,
                    replied: flag(8)?,
                    machine_opens: flag(9)?,
                    machine_clicks: flag(10)?,
                },
            ))
        },
    )?;
    // One recipient's rows together (they arrive so; sorted to be sure),
    // then each recipient once: flags "at least once", machine hits summed.
    rows.sort_by_key(|(recipient, _, _)| *recipient);
    let mut recipients: Vec<(i64, crm_kernel::Timestamp, EmailPeriodCounts)> = Vec::new();
    for (recipient, sent_at, event) in rows {
        match recipients.last_mut() {
            Some((last, _, counts)) if *last == recipient => {
                counts.opened_human |= event.opened_human;
                counts.opened_any |= event.opened_any;
                counts.clicked_human |= event.clicked_human;
                counts.clicked_any |= event.clicked_any;
                counts.replied |= event.replied;
                counts.machine_opens += event.machine_opens;
                counts.machine_clicks += event.machine_clicks;
            }
            _ => recipients.push((recipient, sent_at, event)),
        }
    }
    for (_, sent_at, counts) in recipients {
        if let Some(p) = request.period_of(sent_at) {
            periods[p] = periods[p].plus(&counts);
        }
    }
    Ok(periods)
}
