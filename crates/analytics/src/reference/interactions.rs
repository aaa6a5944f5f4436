//! Interactions counted from records.

use std::collections::BTreeMap;

use super::InteractionRecord;
use crate::counts::InteractionCount;
use crate::plan::CountRequest;

/// For every period: the interactions of customers in scope whose start is
/// in it, per kind and current status; zero counts left out, ordered by
/// period, kind and status.
#[must_use]
pub fn interaction_counts(
    records: &[InteractionRecord],
    request: &CountRequest,
) -> Vec<InteractionCount> {
    let mut counts = BTreeMap::new();
    for record in records {
        if !request.scope.includes(&record.customer) {
            continue;
        }
        if let Some(period) = request.period_of(record.date_time) {
            *counts
                .entry((period, record.kind, record.status))
                .or_insert(0) += 1;
        }
    }
    counts
        .into_iter()
        .map(|((period, kind, status), count)| InteractionCount {
            period,
            kind,
            status,
            count,
        })
        .collect()
}
