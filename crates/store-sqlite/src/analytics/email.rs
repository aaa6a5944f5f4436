//! `EmailSource`: delivery and engagement of the recipients sent to in each
//! period, counted at the recipient's `sent_at`.
//!
//! Day and hour slices sum the counters of migration 0011 (`report_emails`
//! per owner and company, `report_email_totals` over every recipient, with
//! months), which triggers keep from each recipient's facts (the view
//! `report_email_facts`) whenever its sending, status, customer or events
//! change, a reclassified hit included. Exact slices (under an hour) read
//! the recipients sent to in them (`email_recipients_by_sent_at`), each
//! with its events (`email_events_by_recipient`), and count each recipient
//! once here, as the view does.
//!
//! Opens and clicks are `opened` and `clicked` events; `human` is the email
//! context's classification of a hit (others are privacy proxies and
//! scanners); honeypot hits are neither opens nor clicks. Recipients matched
//! to no customer count only in a report over everything: they are in the
//! totals and in no row per owner and company, and in an exact slice they
//! pass only the condition of a report over everything (`1`).

use std::ops::Range;

use crm_analytics::{CountRequest, EmailPeriodCounts};
use crm_kernel::BackendError;
use rusqlite::{Connection, Row};

use super::query::{Counters, Slot, counter_rows, exact_rows, total};
use super::scope::CounterScope;
use super::slices::SliceSet;

/// The figures of a period, a counter row or a recipient, in the order of
/// the counter columns: sent, bounced, opened human, opened (any), clicked
/// human, clicked (any), replied, machine opens, machine clicks.
type Figures = [i64; 9];

/// The figures that are "at least once" per recipient (opened … replied).
const ONCE: Range<usize> = 2..7;

/// The figures that count every event (machine opens and clicks).
const EVERY: Range<usize> = 7..9;

pub(super) const COUNTERS: Counters<'static> = Counters {
    table: "report_emails",
    totals: Some("report_email_totals"),
    select: "r.sent, r.bounced, r.opened_human, r.opened_any, r.clicked_human, r.clicked_any, \
             r.replied, r.machine_opens, r.machine_clicks",
};

/// The recipients sent to in each exact slice, each with each of its events
/// (or once with NULLs when it has none) as the figures' flags: the slice's
/// period, the recipient, then [`Figures`] without `sent`. The customer is
/// a `LEFT JOIN`: a recipient matched to none stays for the condition `1`
/// of a report over everything, and fails any condition on the customer.
pub(super) const EXACT: (&str, &str) = (
    "SELECT s.value ->> 0, r.rowid, r.status = 'bounced', \
       e.kind = 'opened' AND e.class = 'human', e.kind = 'opened', \
       e.kind = 'clicked' AND e.class = 'human', e.kind = 'clicked', e.kind = 'replied', \
       e.kind = 'opened' AND e.class <> 'human', e.kind = 'clicked' AND e.class <> 'human' \
     FROM json_each(?1) s \
     CROSS JOIN email_recipients r ON r.sent_at >= s.value ->> 1 AND r.sent_at < s.value ->> 2 \
     LEFT JOIN email_events e ON e.recipient_id = r.id \
     LEFT JOIN customers c ON c.id = r.customer_id WHERE 1",
    "",
);

/// The email figures of the recipients in scope, per period of sending.
pub(crate) fn email_counts(
    conn: &Connection,
    request: &CountRequest,
) -> Result<Vec<EmailPeriodCounts>, BackendError> {
    let slices = SliceSet::new(&request.slices);
    let scope = CounterScope::of(&request.scope)?;
    let mut sums: Vec<Figures> = vec![[0; 9]; request.periods.len()];
    let mut rows = counter_rows(conn, &slices, &scope, &COUNTERS, read_counters)?;
    if let Some(json) = &slices.exact {
        let events = exact_rows(conn, json, &request.scope, EXACT, read_event)?;
        rows.extend(once_per_recipient(events));
    }
    for (period, figures) in rows {
        let sum = sums
            .get_mut(period)
            .ok_or_else(|| BackendError::msg("a counter row of an unknown period"))?;
        for (s, n) in sum.iter_mut().zip(figures) {
            *s += n;
        }
    }
    Ok(sums.into_iter().map(counts).collect())
}

/// A counter row's figures, signed by its slot.
fn read_counters(slot: Slot, row: &Row<'_>) -> rusqlite::Result<(usize, Figures)> {
    let mut figures = [0; 9];
    for (i, n) in figures.iter_mut().enumerate() {
        *n = row.get::<_, i64>(i + 1)? * slot.sign;
    }
    Ok((slot.period, figures))
}

/// A row of [`EXACT`]: its period, its recipient, and the recipient's
/// figures with this one event.
fn read_event(period: usize, row: &Row<'_>) -> rusqlite::Result<(usize, i64, Figures)> {
    let mut figures = [0; 9];
    figures[0] = 1;
    for (i, n) in figures.iter_mut().enumerate().skip(1) {
        // A flag: NULL (no event, or no class) is not true.
        *n = i64::from(row.get::<_, Option<bool>>(i + 1)?.unwrap_or(false));
    }
    Ok((period, row.get(1)?, figures))
}

/// Each recipient's rows as one: sent and bounced once, the flags "at
/// least once", the machine hits summed.
fn once_per_recipient(mut rows: Vec<(usize, i64, Figures)>) -> Vec<(usize, Figures)> {
    rows.sort_unstable_by_key(|&(_, recipient, _)| recipient);
    let mut recipients: Vec<(i64, usize, Figures)> = Vec::new();
    for (period, recipient, event) in rows {
        match recipients.last_mut() {
            Some((last, _, figures)) if *last == recipient => {
                for i in ONCE {
                    figures[i] = figures[i].max(event[i]);
                }
                for i in EVERY {
                    figures[i] += event[i];
                }
            }
            _ => recipients.push((recipient, period, event)),
        }
    }
    recipients
        .into_iter()
        .map(|(_, period, figures)| (period, figures))
        .collect()
}

/// A period's sums as the port's counts.
fn counts(f: Figures) -> EmailPeriodCounts {
    EmailPeriodCounts {
        sent: total(f[0]),
        bounced: total(f[1]),
        opened_human: total(f[2]),
        opened_any: total(f[3]),
        clicked_human: total(f[4]),
        clicked_any: total(f[5]),
        replied: total(f[6]),
        machine_opens: total(f[7]),
        machine_clicks: total(f[8]),
    }
}
