//! Conversion and the funnel from lead journeys, for the stores.
//!
//! A store keeps one [`JourneyRecord`] per change to `lead` (ADR 0012) and
//! answers [`crate::LifecycleSource`] exactly as [`crate::reference`]
//! defines the figures, in one of two ways:
//!
//! - it reads the journeys that [touch](JourneyRecord::touches) the range
//!   (an indexed read) and [`add_journeys`] computes the leads, prospects
//!   and conversions of the range and of every period in one pass;
//! - or it counts journeys begun and qualified per bucket
//!   ([`JourneyFlow`]) and reads only the journeys qualified in the range
//!   and those of customers with several journeys: [`add_leads_from_flows`]
//!   gives the leads (journeys begun before a span's end less those
//!   qualified before its start, corrected to distinct customers) and
//!   [`add_qualified`] the rest. Customers still leads, whose journeys
//!   touch every later range, are then counted, never read.

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
///
/// It is [`add_leads`] and [`add_qualified`] over the same journeys.
pub fn add_journeys(
    counts: &mut LifecycleCounts,
    journeys: &[JourneyRecord],
    request: &CountRequest,
) {
    add_leads(counts, journeys, request);
    add_qualified(counts, journeys, request);
}

/// Adds the leads of `journeys` (distinct customers with a journey that
/// touches each span) to `counts`, over the whole range and every period
/// of `request`. `counts.periods` must have one entry per period.
pub fn add_leads(counts: &mut LifecycleCounts, journeys: &[JourneyRecord], request: &CountRequest) {
    let Some(range) = request.range() else {
        return;
    };
    let periods = &request.periods;
    let relevant: Vec<&JourneyRecord> = journeys.iter().filter(|j| j.touches(range)).collect();
    let customers: HashSet<CustomerId> = relevant.iter().map(|j| j.customer).collect();
    counts.total.leads += len(&customers);
    // Leads per period: for each customer, the union of the period ranges
    // in which one of its journeys was a lead, added to a difference array
    // (the ranges sorted by customer and start, then merged per customer).
    let mut lead_ranges: Vec<(CustomerId, usize, usize)> = relevant
        .iter()
        .filter_map(|journey| {
            let (first, last) = lead_periods(journey, periods);
            (first < last).then_some((journey.customer, first, last))
        })
        .collect();
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
}

/// Adds the prospects, conversions and step durations of `journeys` to
/// `counts`, over the whole range and every period of `request`. Only
/// journeys qualified in the range count for them (a conversion in a span
/// needs its qualification in the span too), so a store may pass those
/// only. `counts.periods` must have one entry per period.
pub fn add_qualified(
    counts: &mut LifecycleCounts,
    journeys: &[JourneyRecord],
    request: &CountRequest,
) {
    let Some(range) = request.range() else {
        return;
    };
    let periods = &request.periods;
    let mut total = Qualified::default();
    let mut prospects = HashSet::new();
    let mut converted = HashSet::new();
    for journey in journeys {
        let Some(prospect_at) = journey.prospect_at else {
            continue;
        };
        total.add(&mut counts.total, journey, range);
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
    counts.total.prospects += len(&total.prospects);
    counts.total.converted += len(&total.converted);
    for (p, _) in prospects {
        counts.periods[p].prospects += 1;
    }
    for (p, _) in converted {
        counts.periods[p].converted += 1;
    }
}

/// A qualified journey of a customer with no other journey: what
/// [`add_qualified_single`] needs (no customer, since it is its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SingleQualified {
    /// The change to `lead`.
    pub lead_at: Timestamp,
    /// The change to `prospect` that followed it.
    pub prospect_at: Timestamp,
    /// The change to `customer` that followed the qualification.
    pub customer_at: Option<Timestamp>,
}

/// [`add_qualified`] for journeys of customers that have no other journey
/// (a store knows them: they are not flagged `repeat`): each journey is its
/// own customer, so prospects and conversions are counted without telling
/// customers apart. The journeys of customers with several go to
/// [`add_qualified`], which counts each customer once.
pub fn add_qualified_single(
    counts: &mut LifecycleCounts,
    journeys: impl IntoIterator<Item = SingleQualified>,
    request: &CountRequest,
) {
    let Some(range) = request.range() else {
        return;
    };
    let periods = &request.periods;
    // The durations are gathered and counted at once per histogram (one
    // sort each, [`DurationHistogram::record_all`]): a range of years
    // qualifies tens of thousands of journeys.
    let mut to_prospect_total = Vec::new();
    let mut to_customer_total = Vec::new();
    let mut to_prospect = vec![Vec::new(); periods.len()];
    let mut to_customer = vec![Vec::new(); periods.len()];
    for journey in journeys {
        let prospect_at = journey.prospect_at;
        if !range.contains(prospect_at) {
            continue;
        }
        let lead_to_prospect = prospect_at.since(journey.lead_at).as_secs();
        counts.total.prospects += 1;
        to_prospect_total.push(lead_to_prospect);
        let converted_at = journey.customer_at.filter(|c| range.contains(*c));
        if let Some(customer_at) = converted_at {
            counts.total.converted += 1;
            to_customer_total.push(customer_at.since(prospect_at).as_secs());
        }
        if let Some(p) = request.period_of(prospect_at) {
            let span = &mut counts.periods[p];
            span.prospects += 1;
            to_prospect[p].push(lead_to_prospect);
            if let Some(customer_at) = converted_at
                && periods[p].contains(customer_at)
            {
                span.converted += 1;
                to_customer[p].push(customer_at.since(prospect_at).as_secs());
            }
        }
    }
    counts.total.lead_to_prospect.record_all(to_prospect_total);
    counts
        .total
        .prospect_to_customer
        .record_all(to_customer_total);
    for ((span, prospect), customer) in counts.periods.iter_mut().zip(to_prospect).zip(to_customer)
    {
        span.lead_to_prospect.record_all(prospect);
        span.prospect_to_customer.record_all(customer);
    }
}

/// Journeys begun (`lead_at`) and qualified (`prospect_at`) in a stretch of
/// time, as a store counts them per bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JourneyFlow {
    /// Journeys whose `lead_at` is in the stretch.
    pub begun: i64,
    /// Journeys whose `prospect_at` is in the stretch.
    pub qualified: i64,
}

/// Adds the leads of the range and of every period of `request` to `counts`
/// from counts of journeys instead of the journeys themselves.
///
/// A journey touches `[s, e)` when `lead_at < e` and it was not qualified
/// before `s`, so the journeys touching a span are those begun before `e`
/// less those qualified before `s` (a journey qualified before `s` began
/// before it). `lead_in` is the flow before the first period (from 1970,
/// [`CountRequest::lead_in`]), `flows` the flow of each period; the periods
/// must follow each other without gaps, as [`crate::period::periods`] makes
/// them. That counts journeys; `leads` counts customers, so `repeat` must
/// hold every journey that touches the range of the customers in scope with
/// more than one journey (the only ones a customer can be counted twice
/// for): their journeys are taken away and their customers added.
/// `counts.periods` must have one entry per period, as must `flows`.
pub fn add_leads_from_flows(
    counts: &mut LifecycleCounts,
    lead_in: JourneyFlow,
    flows: &[JourneyFlow],
    repeat: &[JourneyRecord],
    request: &CountRequest,
) {
    if request.range().is_none() {
        return;
    }
    let (mut total, mut periods) = touching_from_flows(lead_in, flows);
    let (repeat_total, repeat_periods) = journeys_touching(repeat, request);
    total -= repeat_total;
    for (n, taken) in periods.iter_mut().zip(repeat_periods) {
        *n -= taken;
    }
    counts.total.leads += u64::try_from(total).unwrap_or(0);
    for (span, n) in counts.periods.iter_mut().zip(periods) {
        span.leads += u64::try_from(n).unwrap_or(0);
    }
    add_leads(counts, repeat, request);
}

/// The journeys touching the whole range and each period, from the flows
/// before the first period and of each period (see [`add_leads_from_flows`]).
#[must_use]
pub fn touching_from_flows(lead_in: JourneyFlow, flows: &[JourneyFlow]) -> (i64, Vec<i64>) {
    let mut begun_before_end = lead_in.begun;
    let mut qualified_before_start = lead_in.qualified;
    let mut periods = Vec::with_capacity(flows.len());
    for flow in flows {
        begun_before_end += flow.begun;
        periods.push(begun_before_end - qualified_before_start);
        qualified_before_start += flow.qualified;
    }
    (begun_before_end - lead_in.qualified, periods)
}

/// The journeys (not customers) of `journeys` that touch the whole range
/// and each period of `request`.
#[must_use]
pub fn journeys_touching(journeys: &[JourneyRecord], request: &CountRequest) -> (i64, Vec<i64>) {
    let periods = &request.periods;
    let range = request.range();
    let mut delta = vec![0_i64; periods.len() + 1];
    let mut total = 0_i64;
    for journey in journeys {
        if range.is_some_and(|range| journey.touches(range)) {
            total += 1;
        }
        let (first, last) = lead_periods(journey, periods);
        if first < last {
            delta[first] += 1;
            delta[last] -= 1;
        }
    }
    let mut running = 0_i64;
    let counts = delta[..periods.len()]
        .iter()
        .map(|d| {
            running += d;
            running
        })
        .collect();
    (total, counts)
}

/// The periods `[first, last)` (indexes in `periods`, sorted and disjoint)
/// that `journey` touches: from the first that ends after `lead_at` to the
/// last that starts at or before `prospect_at` (or the last period).
fn lead_periods(journey: &JourneyRecord, periods: &[Span]) -> (usize, usize) {
    let first = periods.partition_point(|p| p.end <= journey.lead_at);
    let last = journey
        .prospect_at
        .map_or(periods.len(), |p| periods.partition_point(|s| s.start <= p));
    (first, last)
}

/// The distinct customers qualified and converted in one span.
#[derive(Default)]
struct Qualified {
    prospects: HashSet<CustomerId>,
    converted: HashSet<CustomerId>,
}

impl Qualified {
    /// Records `journey`'s qualification and conversion in `span`, if they
    /// are in it, and their durations in `counts`.
    fn add(&mut self, counts: &mut LifecycleSpanCounts, journey: &JourneyRecord, span: Span) {
        let Some(prospect_at) = journey.prospect_at else {
            return;
        };
        if span.contains(prospect_at) {
            self.prospects.insert(journey.customer);
            counts
                .lead_to_prospect
                .record(prospect_at.since(journey.lead_at).as_secs());
        }
        if let Some(customer_at) = journey.customer_at
            && span.contains(customer_at)
            && prospect_at >= span.start
        {
            self.converted.insert(journey.customer);
            counts
                .prospect_to_customer
                .record(customer_at.since(prospect_at).as_secs());
        }
    }
}

fn len(set: &HashSet<CustomerId>) -> u64 {
    u64::try_from(set.len()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
