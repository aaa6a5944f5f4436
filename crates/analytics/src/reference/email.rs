//! Email delivery and engagement counted from recipients.

use super::RecipientRecord;
use crate::counts::EmailPeriodCounts;
use crate::plan::CountRequest;

/// For every period: the recipients sent to in it, and what became of them;
/// recipients of customers in scope, and, for an unfiltered report over every
/// customer, also recipients matched to no customer.
#[must_use]
pub fn email_counts(records: &[RecipientRecord], request: &CountRequest) -> Vec<EmailPeriodCounts> {
    let mut periods = vec![EmailPeriodCounts::default(); request.periods.len()];
    for r in records {
        let Some(sent_at) = r.sent_at else {
            continue;
        };
        let in_scope = r.customer.map_or_else(
            || request.scope.includes_unlinked(),
            |customer| request.scope.includes(&customer),
        );
        let Some(p) = in_scope.then(|| request.period_of(sent_at)).flatten() else {
            continue;
        };
        let c = &mut periods[p];
        c.sent += 1;
        c.bounced += u64::from(r.bounced);
        c.opened_human += u64::from(r.human_opens > 0);
        c.opened_any += u64::from(r.human_opens + r.machine_opens > 0);
        c.clicked_human += u64::from(r.human_clicks > 0);
        c.clicked_any += u64::from(r.human_clicks + r.machine_clicks > 0);
        c.replied += u64::from(r.replies > 0);
        c.machine_opens += r.machine_opens;
        c.machine_clicks += r.machine_clicks;
    }
    periods
}
