//! Conversion and the funnel, counted by the database: one aggregation over
//! some of the lead journeys (changes to `lead`, carrying `prospect_at` and
//! `customer_at`) that touch the range: those qualified in it, and every
//! journey of a customer with several (flagged `repeat`), read through
//! `customer_status_changes_journeys` and
//! `customer_status_changes_repeat_journeys`
//! (ADR 0015, "Lead journeys").
//!
//! `leads` counts the customers who were a lead in a period. The journeys
//! touching each period come from the customer counters' flows (begun
//! before its end less qualified before its start,
//! `crm_analytics::touching_from_flows`), so the customers still leads are
//! never read; only customers with several journeys can be counted twice
//! there, so their journeys are taken away and the customers added, both
//! counted here.
//!
//! The database groups the journeys by customer, so that the distinct
//! counts (`leads`, `prospects`, `converted`) count each customer once, and
//! turns each customer into a few *events* that it then counts: the server
//! gets one count per event kind, period and duration, never a journey.
//!
//! - A customer flagged `repeat` with one journey here is a lead in periods
//!   `[f, l)` (`f` = the periods that end before `lead_at`, `l` = the
//!   periods that start before or at `prospect_at`, all of them for a
//!   journey not qualified): two events, `from` at `f` and `until` at `l`,
//!   added up into a running total by [`read`]. With several journeys it
//!   gives an `in` event per period of the union of their ranges, so that
//!   it counts once where they overlap. Each of its journeys also gives
//!   `journey_from` and `journey_until` (and `journey_total`), which take
//!   the flows' count of that journey away.
//! - `prospect` and `converted` events per distinct period of the customer;
//!   `lead_to_prospect` and `prospect_to_customer` per journey, with the
//!   whole minutes of the step; and the same over the whole range.
//!
//! The definitions are those of `crm_analytics::counts::LifecycleSpanCounts`;
//! the contract suite checks the answer against the reference recount.

use crm_analytics::{CountRequest, JourneyFlow, LifecycleCounts, Span, touching_from_flows};
use crm_kernel::{BackendError, Timestamp};
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::query::{
    conjunction, count_of, in_scope, minutes_between, period_index, period_of,
};
use crate::bson::convert::date;

/// The events a customer's journeys give (see the module's documentation).
mod event {
    pub(super) const FROM: &str = "from";
    pub(super) const UNTIL: &str = "until";
    pub(super) const IN: &str = "in";
    pub(super) const LEAD_TOTAL: &str = "lead_total";
    pub(super) const PROSPECT: &str = "prospect";
    pub(super) const PROSPECT_TOTAL: &str = "prospect_total";
    pub(super) const CONVERTED: &str = "converted";
    pub(super) const CONVERTED_TOTAL: &str = "converted_total";
    pub(super) const LEAD_TO_PROSPECT: &str = "lead_to_prospect";
    pub(super) const LEAD_TO_PROSPECT_TOTAL: &str = "lead_to_prospect_total";
    pub(super) const PROSPECT_TO_CUSTOMER: &str = "prospect_to_customer";
    pub(super) const PROSPECT_TO_CUSTOMER_TOTAL: &str = "prospect_to_customer_total";
    pub(super) const JOURNEY_FROM: &str = "journey_from";
    pub(super) const JOURNEY_UNTIL: &str = "journey_until";
    pub(super) const JOURNEY_TOTAL: &str = "journey_total";
}

/// The aggregation on `customer_status_changes` counting the lead journeys
/// of customers in scope qualified in the range, and those touching it of
/// customers with several; `None` when nothing can count.
pub(crate) fn pipeline(request: &CountRequest) -> Option<Vec<Document>> {
    let range = request.range()?;
    let scope = in_scope(&request.scope)?;
    let (start, end) = (date(range.start), date(range.end));
    let branches = [
        doc! { "to": "lead", "repeat": true, "at": { "$lt": end }, "prospect_at": Bson::Null },
        doc! { "to": "lead", "repeat": true, "at": { "$lt": end }, "prospect_at": { "$gte": start } },
        doc! { "to": "lead", "prospect_at": { "$gte": start, "$lt": end } },
    ];
    let branches: Vec<Document> = branches
        .into_iter()
        .map(|branch| {
            let mut conditions = vec![branch];
            conditions.extend(scope.iter().cloned());
            conjunction(conditions)
        })
        .collect();
    Some(vec![
        doc! { "$match": { "$or": branches } },
        doc! { "$group": {
            "_id": "$customer_id",
            "j": { "$push": journey_fields(request, range) },
            "k": { "$sum": 1 },
            "r": { "$max": { "$cond": [{ "$eq": ["$repeat", true] }, 1, 0] } },
        } },
        doc! { "$project": { "_id": 0, "e": customer_events() } },
        doc! { "$unwind": "$e" },
        doc! { "$group": { "_id": "$e", "n": { "$sum": 1 } } },
    ])
}

/// What the events need of one journey (a change to `lead` in scope that
/// touches the range), computed by the database:
/// - `f`, `l`: the periods `[f, l)` in which it was a lead;
/// - `pp`: the period of its qualification (`-1` when outside every period);
///   `pr`: qualified in the range; `m1`: minutes from lead to prospect;
/// - `cv`: the period of its conversion when the qualification is in that
///   same period (`-1` otherwise); `ct`: converted in the range after a
///   qualification in it; `m2`: minutes from prospect to customer.
fn journey_fields(request: &CountRequest, range: Span) -> Document {
    let (starts, ends): (Vec<Timestamp>, Vec<Timestamp>) =
        request.periods.iter().map(|p| (p.start, p.end)).unzip();
    let all = i32::try_from(request.periods.len()).unwrap_or(i32::MAX);
    let qualified = within_range("$prospect_at", range);
    let converted = doc! { "$and": [qualified.clone(), within_range("$customer_at", range)] };
    let prospect_period = period_index("prospect_at", request);
    doc! {
        "f": rank("$at", &ends),
        "l": { "$cond": [
            { "$eq": [{ "$ifNull": ["$prospect_at", Bson::Null] }, Bson::Null] },
            all,
            rank("$prospect_at", &starts),
        ] },
        "pp": { "$cond": [qualified.clone(), prospect_period.clone(), -1] },
        "pr": qualified,
        "m1": minutes_between("$prospect_at", "$at"),
        "cv": { "$cond": [
            { "$and": [
                converted.clone(),
                { "$eq": [period_index("customer_at", request), prospect_period] },
            ] },
            period_index("customer_at", request),
            -1,
        ] },
        "ct": converted,
        "m2": minutes_between("$customer_at", "$prospect_at"),
    }
}

/// `range.start ≤ path < range.end`, as an expression.
fn within_range(path: &str, range: Span) -> Document {
    doc! { "$and": [
        { "$gte": [path, date(range.start)] },
        { "$lt": [path, date(range.end)] },
    ] }
}

/// The expression of how many of `bounds` (in order) are at or before the
/// instant at `path`: a tree of comparisons, about log2(bounds) per journey.
pub(crate) fn rank(path: &str, bounds: &[Timestamp]) -> Bson {
    fn tree(path: &str, bounds: &[Timestamp], before: usize) -> Bson {
        if bounds.is_empty() {
            return Bson::Int32(i32::try_from(before).unwrap_or(i32::MAX));
        }
        let middle = bounds.len() / 2;
        Bson::Document(doc! { "$cond": [
            { "$lt": [path, date(bounds[middle])] },
            tree(path, &bounds[..middle], before),
            tree(path, &bounds[middle + 1..], before + middle + 1),
        ] })
    }
    tree(path, bounds, 0)
}

/// The events of one customer's group (`j`: its journeys, `k`: how many).
fn customer_events() -> Document {
    let journeys = |condition: Document, fields: Document| each_journey(condition.into(), fields);
    let periods_where = |field: &str, what: &str| -> Document {
        let path = format!("$$j.{field}");
        doc! { "$map": {
            "input": { "$setUnion": [{ "$filter": {
                "input": { "$map": { "input": "$j", "as": "j", "in": path } },
                "cond": { "$gte": ["$$this", 0] },
            } }] },
            "in": { "w": what, "p": "$$this" },
        } }
    };
    let once_if_any = |flag: &str, what: &str| -> Document {
        let path = format!("$$j.{flag}");
        doc! { "$cond": [
            { "$in": [true, { "$map": { "input": "$j", "as": "j", "in": path } }] },
            [{ "w": what }],
            [],
        ] }
    };
    doc! { "$concatArrays": [
        { "$cond": [
            { "$eq": ["$r", 1] },
            { "$concatArrays": [lead_events(), [{ "w": event::LEAD_TOTAL }], journey_lead_events()] },
            [],
        ] },
        periods_where("pp", event::PROSPECT),
        once_if_any("pr", event::PROSPECT_TOTAL),
        periods_where("cv", event::CONVERTED),
        once_if_any("ct", event::CONVERTED_TOTAL),
        journeys(
            doc! { "$gte": ["$$j.pp", 0] },
            doc! { "w": event::LEAD_TO_PROSPECT, "p": "$$j.pp", "m": "$$j.m1" },
        ),
        journeys(
            doc! { "$eq": ["$$j.pr", true] },
            doc! { "w": event::LEAD_TO_PROSPECT_TOTAL, "m": "$$j.m1" },
        ),
        journeys(
            doc! { "$gte": ["$$j.cv", 0] },
            doc! { "w": event::PROSPECT_TO_CUSTOMER, "p": "$$j.cv", "m": "$$j.m2" },
        ),
        journeys(
            doc! { "$eq": ["$$j.ct", true] },
            doc! { "w": event::PROSPECT_TO_CUSTOMER_TOTAL, "m": "$$j.m2" },
        ),
    ] }
}

/// The periods in which a customer was a lead: `from` and `until` for one
/// journey, `in` per period of the union of the ranges of several.
fn lead_events() -> Document {
    doc! { "$cond": [
        { "$eq": ["$k", 1] },
        { "$let": {
            "vars": { "only": { "$arrayElemAt": ["$j", 0] } },
            "in": { "$cond": [
                { "$lt": ["$$only.f", "$$only.l"] },
                [
                    { "w": event::FROM, "p": "$$only.f" },
                    { "w": event::UNTIL, "p": "$$only.l" },
                ],
                [],
            ] },
        } },
        { "$map": {
            "input": { "$reduce": {
                "input": "$j",
                "initialValue": [],
                "in": { "$setUnion": ["$$value", { "$range": ["$$this.f", "$$this.l"] }] },
            } },
            "in": { "w": event::IN, "p": "$$this" },
        } },
    ] }
}

/// `fields` of each journey of the customer's group (`$$j`) that meets
/// `condition`.
fn each_journey(condition: Bson, fields: Document) -> Document {
    doc! { "$map": {
        "input": { "$filter": { "input": "$j", "as": "j", "cond": condition } },
        "as": "j",
        "in": fields,
    } }
}

/// Per journey of a customer with several: `journey_from` and
/// `journey_until` at the bounds of its periods as a lead, and
/// `journey_total`, to take away from the flows' counts.
fn journey_lead_events() -> Document {
    let leads = Bson::Document(doc! { "$lt": ["$$j.f", "$$j.l"] });
    doc! { "$concatArrays": [
        each_journey(leads.clone(), doc! { "w": event::JOURNEY_FROM, "p": "$$j.f" }),
        each_journey(leads, doc! { "w": event::JOURNEY_UNTIL, "p": "$$j.l" }),
        each_journey(Bson::Boolean(true), doc! { "w": event::JOURNEY_TOTAL }),
    ] }
}

/// Adds the counted events (`groups`) to `counts` (whose `periods` has one
/// entry per period of `request`), with the leads of the flows: `lead_in`
/// before the first period and `flows` in each.
pub(crate) fn read(
    groups: &[Document],
    request: &CountRequest,
    counts: &mut LifecycleCounts,
    (lead_in, flows): (JourneyFlow, &[JourneyFlow]),
) -> Result<(), BackendError> {
    let (mut total_leads, touching) = touching_from_flows(lead_in, flows);
    let mut running = vec![0_i64; request.periods.len() + 1];
    for group in groups {
        let key = group
            .get_document("_id")
            .map_err(|_| BackendError::msg("a journey count without its key"))?;
        let what = key
            .get_str("w")
            .map_err(|_| BackendError::msg(format!("a journey count of nothing: {key}")))?;
        let n = count_of(group.get("n"), what)?;
        let minutes = || count_of(key.get("m"), "minutes");
        let total = &mut counts.total;
        let signed = || i64::try_from(n).map_err(BackendError::new);
        match what {
            event::LEAD_TOTAL => total_leads += signed()?,
            event::JOURNEY_TOTAL => total_leads -= signed()?,
            event::PROSPECT_TOTAL => total.prospects += n,
            event::CONVERTED_TOTAL => total.converted += n,
            event::LEAD_TO_PROSPECT_TOTAL => total.lead_to_prospect.add_bucket(minutes()?, n),
            event::PROSPECT_TO_CUSTOMER_TOTAL => {
                total.prospect_to_customer.add_bucket(minutes()?, n);
            }
            event::FROM | event::JOURNEY_UNTIL => {
                running[bound_of(key.get("p"), request)?] += signed()?;
            }
            event::UNTIL | event::JOURNEY_FROM => {
                running[bound_of(key.get("p"), request)?] -= signed()?;
            }
            _ => {
                let Some(p) = period_of(key.get("p"), request) else {
                    return Err(BackendError::msg(format!(
                        "a journey count of no period: {key}"
                    )));
                };
                let span = &mut counts.periods[p];
                match what {
                    event::IN => span.leads += n,
                    event::PROSPECT => span.prospects += n,
                    event::CONVERTED => span.converted += n,
                    event::LEAD_TO_PROSPECT => span.lead_to_prospect.add_bucket(minutes()?, n),
                    event::PROSPECT_TO_CUSTOMER => {
                        span.prospect_to_customer.add_bucket(minutes()?, n);
                    }
                    _ => {
                        return Err(BackendError::msg(format!(
                            "an unknown journey count: {key}"
                        )));
                    }
                }
            }
        }
    }
    let fewer = || BackendError::msg("fewer leads than none: the flows and the journeys disagree");
    let mut change = 0_i64;
    for ((span, delta), journeys) in counts.periods.iter_mut().zip(running).zip(touching) {
        change += delta;
        span.leads += u64::try_from(journeys + change).map_err(|_| fewer())?;
    }
    counts.total.leads += u64::try_from(total_leads).map_err(|_| fewer())?;
    Ok(())
}

/// The index of a period boundary (`0..=periods`) an event was counted at.
fn bound_of(value: Option<&Bson>, request: &CountRequest) -> Result<usize, BackendError> {
    let index = match value {
        Some(Bson::Int32(n)) => usize::try_from(*n).ok(),
        Some(Bson::Int64(n)) => usize::try_from(*n).ok(),
        _ => None,
    };
    index
        .filter(|&i| i <= request.periods.len())
        .ok_or_else(|| BackendError::msg(format!("a journey count at no boundary: {value:?}")))
}

#[cfg(test)]
mod tests;
