//! Lifecycle figures computed from the recorded status history.

use std::collections::{BTreeMap, HashSet};

use crm_kernel::{CustomerId, Timestamp};

use super::StatusChangeRecord;
use crate::counts::{LifecycleCounts, LifecycleSpanCounts};
use crate::journeys::JourneyRecord;
use crate::plan::{CountRequest, Span};
use crate::vocabulary::LifecycleStatus;

/// One customer's history, oldest first.
struct History {
    id: CustomerId,
    changes: Vec<(LifecycleStatus, Timestamp)>,
}

impl History {
    fn journeys(&self) -> Vec<JourneyRecord> {
        let mut out = Vec::new();
        for (i, &(status, at)) in self.changes.iter().enumerate() {
            if status != LifecycleStatus::Lead {
                continue;
            }
            let mut journey = JourneyRecord {
                customer: self.id,
                lead_at: at,
                prospect_at: None,
                customer_at: None,
            };
            let mut rest = self.changes[i + 1..].iter();
            if let Some(&(LifecycleStatus::Prospect, p)) = rest.next() {
                journey.prospect_at = Some(p);
                if let Some(&(LifecycleStatus::Customer, c)) = rest.next() {
                    journey.customer_at = Some(c);
                }
            }
            out.push(journey);
        }
        out
    }
}

/// Every lead journey of the customers of `changes` (in scope or not), per
/// customer in the order of their changes: what a store's journey table holds.
#[must_use]
pub fn journeys(changes: &[StatusChangeRecord]) -> Vec<JourneyRecord> {
    histories(changes.iter())
        .iter()
        .flat_map(History::journeys)
        .collect()
}

fn histories<'a>(changes: impl Iterator<Item = &'a StatusChangeRecord>) -> Vec<History> {
    let mut by_customer: BTreeMap<CustomerId, History> = BTreeMap::new();
    for change in changes {
        by_customer
            .entry(change.customer.id)
            .or_insert_with(|| History {
                id: change.customer.id,
                changes: Vec::new(),
            })
            .changes
            .push((change.to, change.at));
    }
    let mut histories: Vec<History> = by_customer.into_values().collect();
    for history in &mut histories {
        history.changes.sort_by_key(|&(_, at)| at);
    }
    histories
}

/// The lifecycle figures of the whole range and of every period, over the
/// status changes of customers in scope (`changes` in the order they were
/// recorded; changes at the same instant keep that order).
#[must_use]
pub fn lifecycle_counts(changes: &[StatusChangeRecord], request: &CountRequest) -> LifecycleCounts {
    let histories = histories(
        changes
            .iter()
            .filter(|c| request.scope.includes(&c.customer)),
    );
    let total = request
        .range()
        .map(|range| span_counts(&histories, range))
        .unwrap_or_default();
    LifecycleCounts {
        total,
        periods: request
            .periods
            .iter()
            .map(|span| span_counts(&histories, *span))
            .collect(),
    }
}

fn span_counts(histories: &[History], span: Span) -> LifecycleSpanCounts {
    let mut counts = LifecycleSpanCounts::default();
    let mut leads = HashSet::new();
    let mut prospects = HashSet::new();
    let mut converted = HashSet::new();
    for history in histories {
        if history
            .changes
            .first()
            .is_some_and(|&(_, at)| span.contains(at))
        {
            counts.created += 1;
        }
        for &(status, at) in history.changes.iter().skip(1) {
            if !span.contains(at) {
                continue;
            }
            match status {
                LifecycleStatus::Customer => counts.won += 1,
                LifecycleStatus::Churned => counts.churned += 1,
                LifecycleStatus::Lead | LifecycleStatus::Prospect => {}
            }
        }
        for journey in history.journeys() {
            if journey.lead_at < span.end && journey.prospect_at.is_none_or(|p| p >= span.start) {
                leads.insert(history.id);
            }
            let Some(prospect_at) = journey.prospect_at else {
                continue;
            };
            if span.contains(prospect_at) {
                prospects.insert(history.id);
                counts
                    .lead_to_prospect
                    .record(prospect_at.since(journey.lead_at).as_secs());
            }
            if let Some(customer_at) = journey.customer_at
                && span.contains(customer_at)
                && prospect_at >= span.start
            {
                converted.insert(history.id);
                counts
                    .prospect_to_customer
                    .record(customer_at.since(prospect_at).as_secs());
            }
        }
    }
    let len = |set: &HashSet<CustomerId>| u64::try_from(set.len()).unwrap_or(u64::MAX);
    counts.leads = len(&leads);
    counts.prospects = len(&prospects);
    counts.converted = len(&converted);
    counts
}
