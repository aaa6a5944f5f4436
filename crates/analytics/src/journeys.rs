//! Conversion and the funnel from lead journeys, for the stores.
//!
//! A store keeps one [`JourneyRecord`] per change to `lead` (ADR 0012) and
//! answers [`crate::LifecycleSource`] by reading the journeys that
//! [touch](JourneyRecord::touches) the range (an indexed read), then
//! [`add_journeys`] computes the leads, prospects and conversions of the
//! range and of every period exactly as [`crate::reference`] defines them,
//! in one pass over those journeys.

use std::collections::HashSet;

use crm_kernel::{CustomerId, Timestamp};

use crate::counts::{LifecycleCounts, LifecycleSpanCounts};
use crate::plan::{CountRequest, Span};

/// A lead journey: becoming a lead, the qualification right after it and
/// the conversion right after that (when they happened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JourneyRecord {
    /// Whose journey.
    pub customer: CustomerId,
    /// The change to `lead`.
    pub lead_at: Timestamp,
    /// The change to `prospect` that followed it.
    pub prospect_at: Option<Timestamp>,
    /// The change to `customer` that followed the qualification.
    pub customer_at: Option<Timestamp>,
}

impl JourneyRecord {
    /// Whether the journey counts for some span of `range`: it was a lead at
    /// some time in the range (which every qualification and conversion
    /// counted in the range implies). Stores read exactly these.
    #[must_use]
    pub fn touches(&self, range: Span) -> bool {
        self.lead_at < range.end && self.prospect_at.is_none_or(|p| p >= range.start)
    }
}

/// Adds the leads, prospects, conversions and step durations of `journeys`
/// (those of customers in scope; others that do not touch the range are
/// ignored) to `counts`, over the whole range and every period of
/// `request`. `counts.periods` must have one entry per period.
pub fn add_journeys(
    counts: &mut LifecycleCounts,
    journeys: &[JourneyRecord],
    request: &CountRequest,
) {
    let Some(range) = request.range() else {
        return;
    };
    let periods = &request.periods;
    let relevant: Vec<&JourneyRecord> = journeys.iter().filter(|j| j.touches(range)).collect();
    add_span(&mut counts.total, &relevant, range);
    // Leads per period: for each customer, the union of the period ranges
    // in which one of its journeys was a lead, added to a difference array
    // (the ranges sorted by customer and start, then merged per customer).
    let mut lead_ranges: Vec<(CustomerId, usize, usize)> = Vec::with_capacity(relevant.len());
    let mut prospects = HashSet::new();
    let mut converted = HashSet::new();
    for journey in &relevant {
        let first = periods.partition_point(|p| p.end <= journey.lead_at);
        let last = journey
            .prospect_at
            .map_or(periods.len(), |p| periods.partition_point(|s| s.start <= p));
        if first < last {
            lead_ranges.push((journey.customer, first, last));
        }
        let Some(prospect_at) = journey.prospect_at else {
            continue;
        };
        if let Some(p) = request.period_of(prospect_at) {
            prospects.insert((p, journey.customer));
            counts.periods[p]
                .lead_to_prospect
                .record(prospect_at.since(journey.lead_at).as_secs());
        }
        if let Some(customer_at) = journey.customer_at
            && let Some(p) = request.period_of(customer_at)
            && prospect_at >= periods[p].start
        {
            converted.insert((p, journey.customer));
            counts.periods[p]
                .prospect_to_customer
                .record(customer_at.since(prospect_at).as_secs());
        }
    }
    let mut delta = vec![0_i64; periods.len() + 1];
    lead_ranges.sort_unstable();
    let mut merged: Option<(CustomerId, usize, usize)> = None;
    for (customer, start, end) in lead_ranges {
        match &mut merged {
            Some((current, _, last_end)) if *current == customer && start <= *last_end => {
                *last_end = (*last_end).max(end);
            }
            _ => {
                if let Some((_, start, end)) = merged.replace((customer, start, end)) {
                    delta[start] += 1;
                    delta[end] -= 1;
                }
            }
        }
    }
    if let Some((_, start, end)) = merged {
        delta[start] += 1;
        delta[end] -= 1;
    }
    let mut running = 0_i64;
    for (p, span) in counts.periods.iter_mut().enumerate() {
        running += delta[p];
        span.leads += u64::try_from(running).unwrap_or(0);
    }
    for (p, _) in prospects {
        counts.periods[p].prospects += 1;
    }
    for (p, _) in converted {
        counts.periods[p].converted += 1;
    }
}

/// Leads, prospects and conversions of one span, from journeys that touch it.
fn add_span(counts: &mut LifecycleSpanCounts, journeys: &[&JourneyRecord], span: Span) {
    let mut leads = HashSet::new();
    let mut prospects = HashSet::new();
    let mut converted = HashSet::new();
    for journey in journeys.iter().filter(|j| j.touches(span)) {
        leads.insert(journey.customer);
        let Some(prospect_at) = journey.prospect_at else {
            continue;
        };
        if span.contains(prospect_at) {
            prospects.insert(journey.customer);
            counts
                .lead_to_prospect
                .record(prospect_at.since(journey.lead_at).as_secs());
        }
        if let Some(customer_at) = journey.customer_at
            && span.contains(customer_at)
            && prospect_at >= span.start
        {
            converted.insert(journey.customer);
            counts
                .prospect_to_customer
                .record(customer_at.since(prospect_at).as_secs());
        }
    }
    let len = |set: &HashSet<CustomerId>| u64::try_from(set.len()).unwrap_or(u64::MAX);
    counts.leads += len(&leads);
    counts.prospects += len(&prospects);
    counts.converted += len(&converted);
}

#[cfg(test)]
mod tests;
