//! What every report aggregation shares: the time range of a request, the
//! index of the period an instant falls in (computed by the database), the
//! report's scope as a condition on a record's copies of its customer's
//! company and owner, and reading the counts back.

use crm_analytics::{CountRequest, ReportScope};
use crm_kernel::{BackendError, Timestamp, Visibility};
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::counters::Family;
use crate::bson::convert::date;
use crate::bson::keyset::all_of;
use crate::bson::visibility::{CustomerFields, ON_RECORDS, visible};

/// `{field: {$gte: start, $lt: end}}`.
pub(crate) fn within(field: &str, start: Timestamp, end: Timestamp) -> Document {
    doc! { field: { "$gte": date(start), "$lt": date(end) } }
}

/// The conjunction of `conditions`: one document when no two of them name
/// the same field, else `$and`. Every planner reads the flat form as one
/// index range; the test server's picks no index under `$and`.
pub(crate) fn conjunction(conditions: Vec<Document>) -> Document {
    let mut merged = Document::new();
    for condition in &conditions {
        for (field, value) in condition {
            if merged.contains_key(field) {
                return all_of(conditions);
            }
            merged.insert(field.clone(), value.clone());
        }
    }
    merged
}

/// The conditions that keep the records of customers in `scope`, on their
/// copies of the customer's company and owner; `None` when it keeps none.
pub(crate) fn in_scope(scope: &ReportScope) -> Option<Vec<Document>> {
    in_scope_on(scope, ON_RECORDS)
}

/// [`in_scope`] on the fields `fields`.
fn in_scope_on(scope: &ReportScope, fields: CustomerFields) -> Option<Vec<Document>> {
    let mut conditions = vec![visible(&scope.visibility, fields)?];
    if let Some(owner) = scope.owner_id {
        conditions.push(doc! { fields.owner: owner.to_string() });
    }
    if let Some(company) = scope.company_id {
        conditions.push(doc! { fields.company: company.to_string() });
    }
    conditions.retain(|condition| !condition.is_empty());
    Some(conditions)
}

/// Which counters answer for a scope.
#[derive(Debug, PartialEq)]
pub(crate) enum CounterScope {
    /// Every customer, unfiltered: the totals.
    Everything,
    /// The per company and owner counters that meet these conditions.
    Keyed(Vec<Document>),
    /// Nobody's records.
    Nothing,
}

/// The company and owner in a per-key counter's `_id` (counters know no
/// customer: a customer's own scope is no report scope).
const ON_COUNTERS: CustomerFields = CustomerFields {
    id: "customer",
    company: "c",
    owner: "o",
};

impl CounterScope {
    /// The counters of `scope`; an error for a customer's own scope, which
    /// the domain never asks reports for (customers get none).
    pub(crate) fn of(scope: &ReportScope) -> Result<Self, BackendError> {
        if matches!(scope.visibility, Visibility::Own(_)) {
            return Err(BackendError::msg(
                "a customer's own records are no report scope",
            ));
        }
        Ok(match in_scope_on(scope, ON_COUNTERS) {
            None => Self::Nothing,
            Some(conditions) if conditions.is_empty() => Self::Everything,
            Some(conditions) => Self::Keyed(conditions),
        })
    }

    /// The counter collection of `family` that answers this scope, with
    /// the conditions on its counters; `None` for nobody's records.
    pub(crate) fn on(self, family: &Family) -> Option<(&'static str, Vec<Document>)> {
        match self {
            Self::Nothing => None,
            Self::Everything => Some((family.totals, Vec::new())),
            Self::Keyed(conditions) => Some((family.keyed, conditions)),
        }
    }
}

/// The expression of the index of the period of `request` the instant in
/// `field` falls in (`-1` between two periods that do not touch). The
/// record must lie in the request's range. A tree of comparisons on the
/// periods' starts: about log2(periods) of them per record.
pub(crate) fn period_index(field: &str, request: &CountRequest) -> Bson {
    // Every interval of the range, by its start: a period, or a gap (-1).
    let mut starts: Vec<(Timestamp, i32)> = Vec::with_capacity(request.periods.len());
    let mut previous_end = None;
    for (index, period) in request.periods.iter().enumerate() {
        if let Some(end) = previous_end
            && end < period.start
        {
            starts.push((end, -1));
        }
        starts.push((period.start, i32::try_from(index).unwrap_or(i32::MAX)));
        previous_end = Some(period.end);
    }
    let path = format!("${field}");
    tree(&path, &starts)
}

fn tree(path: &str, starts: &[(Timestamp, i32)]) -> Bson {
    match starts {
        [] => Bson::Int32(-1),
        [(_, index)] => Bson::Int32(*index),
        _ => {
            let (earlier, later) = starts.split_at(starts.len() / 2);
            let boundary = date(later[0].0);
            Bson::Document(doc! { "$cond": [
                { "$lt": [path, boundary] },
                tree(path, earlier),
                tree(path, later),
            ] })
        }
    }
}

/// Whole minutes from `start` to `end` (both field paths), never negative:
/// what duration histograms count.
pub(crate) fn minutes_between(end: &str, start: &str) -> Document {
    doc! { "$max": [0, { "$floor": { "$divide": [{ "$subtract": [end, start] }, 60_000] } }] }
}

/// `1` where `condition` holds, else `0` (to sum).
pub(crate) fn one_if(condition: Document) -> Document {
    doc! { "$cond": [condition, 1, 0] }
}

/// A count or sum as the database answers it (an integer or, after a
/// division, a whole double), as a non-negative integer.
pub(crate) fn count_of(value: Option<&Bson>, what: &str) -> Result<u64, BackendError> {
    let number = match value {
        None | Some(Bson::Null) => Some(0),
        Some(Bson::Int32(n)) => u64::try_from(*n).ok(),
        Some(Bson::Int64(n)) => u64::try_from(*n).ok(),
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a whole, non-negative count; checked below"
        )]
        Some(Bson::Double(n)) if *n >= 0.0 && n.fract() == 0.0 && *n < 9.0e15 => Some(*n as u64),
        Some(_) => None,
    };
    number.ok_or_else(|| BackendError::msg(format!("the report count {what} is {value:?}")))
}

/// The period index a group was counted under; `None` for a gap.
pub(crate) fn period_of(value: Option<&Bson>, request: &CountRequest) -> Option<usize> {
    let index = match value {
        Some(Bson::Int32(n)) => usize::try_from(*n).ok()?,
        Some(Bson::Int64(n)) => usize::try_from(*n).ok()?,
        _ => return None,
    };
    (index < request.periods.len()).then_some(index)
}

/// For the builders' tests: a request for `days` consecutive UTC days from
/// day `first` after the epoch, one period each, over `scope` (with the
/// lead-in from the epoch).
#[cfg(test)]
pub(crate) fn days_request(first: i64, days: i64, scope: ReportScope) -> CountRequest {
    let at = |day: i64| Timestamp::from_millis(day * 86_400_000).expect("an instant");
    let periods: Vec<crm_analytics::Span> = (first..first + days)
        .map(|day| crm_analytics::Span {
            start: at(day),
            end: at(day + 1),
        })
        .collect();
    let lead_in = crm_analytics::plan::slice(
        0,
        crm_analytics::Span {
            start: at(0),
            end: at(first),
        },
    );
    CountRequest {
        slices: periods
            .iter()
            .enumerate()
            .flat_map(|(i, span)| crm_analytics::plan::slice(i, *span))
            .collect(),
        periods,
        lead_in,
        scope,
    }
}

#[cfg(test)]
mod tests {
    use crm_analytics::Span;
    use crm_kernel::{CompanyId, CustomerId, UserId};

    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_millis(minute * 60_000).unwrap()
    }

    fn request(bounds: &[(i64, i64)]) -> CountRequest {
        CountRequest {
            periods: bounds
                .iter()
                .map(|&(start, end)| Span {
                    start: at(start),
                    end: at(end),
                })
                .collect(),
            slices: Vec::new(),
            lead_in: Vec::new(),
            scope: ReportScope::all(),
        }
    }

    #[test]
    fn the_period_index_is_a_tree_of_comparisons_on_the_starts() {
        assert_eq!(period_index("at", &request(&[(0, 10)])), Bson::Int32(0));
        assert_eq!(
            period_index("at", &request(&[(0, 10), (10, 20), (20, 30)])),
            Bson::Document(doc! { "$cond": [
                { "$lt": ["$at", date(at(10))] },
                0,
                { "$cond": [{ "$lt": ["$at", date(at(20))] }, 1, 2] },
            ] })
        );
        // A gap between periods is an interval of its own, index -1.
        assert_eq!(
            period_index("at", &request(&[(0, 10), (15, 20)])),
            Bson::Document(doc! { "$cond": [
                { "$lt": ["$at", date(at(10))] },
                0,
                { "$cond": [{ "$lt": ["$at", date(at(15))] }, -1, 1] },
            ] })
        );
    }

    /// The tree finds the period of every instant of the range, as
    /// `CountRequest::period_of` does (evaluated here by walking it).
    #[test]
    fn the_tree_agrees_with_period_of() {
        fn eval(node: &Bson, minute: i64) -> i32 {
            match node {
                Bson::Int32(n) => *n,
                Bson::Document(d) => {
                    let branches = d.get_array("$cond").unwrap();
                    let test = branches[0].as_document().unwrap().get_array("$lt").unwrap();
                    let bound = test[1].as_datetime().unwrap().timestamp_millis() / 60_000;
                    eval(&branches[if minute < bound { 1 } else { 2 }], minute)
                }
                other => panic!("{other:?}"),
            }
        }
        let bounds: Vec<(i64, i64)> = (0..37).map(|i| (i * 7, i * 7 + 5 + i % 3)).collect();
        let request = request(&bounds);
        let tree = period_index("at", &request);
        // Records are matched to the range first: every minute of it.
        let end = bounds.last().unwrap().1;
        for minute in 0..end {
            let expected = request
                .period_of(at(minute))
                .map_or(-1, |p| i32::try_from(p).unwrap());
            assert_eq!(eval(&tree, minute), expected, "minute {minute}");
        }
    }

    #[test]
    fn the_scope_is_a_condition_on_the_copies() {
        assert_eq!(in_scope(&ReportScope::all()), Some(Vec::new()));
        let (owner, company, agent) = (UserId::new(), CompanyId::new(), UserId::new());
        let scope = ReportScope {
            visibility: Visibility::Agent {
                company_ids: Vec::new(),
                owner_id: agent,
            },
            owner_id: Some(owner),
            company_id: Some(company),
        };
        assert_eq!(
            in_scope(&scope),
            Some(vec![
                doc! { "customer_owner_id": agent.to_string() },
                doc! { "customer_owner_id": owner.to_string() },
                doc! { "customer_company_id": company.to_string() },
            ])
        );
        let nothing = ReportScope {
            visibility: Visibility::Nothing,
            ..ReportScope::all()
        };
        assert_eq!(in_scope(&nothing), None);
    }

    #[test]
    fn a_conjunction_is_flat_unless_two_conditions_share_a_field() {
        assert_eq!(
            conjunction(vec![doc! { "a": 1 }, doc! { "b": 2, "c": 3 }]),
            doc! { "a": 1, "b": 2, "c": 3 }
        );
        assert_eq!(
            conjunction(vec![doc! { "a": 1 }, doc! { "a": 2 }]),
            doc! { "$and": [{ "a": 1 }, { "a": 2 }] }
        );
        assert_eq!(conjunction(Vec::new()), doc! {});
    }

    #[test]
    fn the_counters_of_a_scope() {
        assert_eq!(
            CounterScope::of(&ReportScope::all()).unwrap(),
            CounterScope::Everything
        );
        let (owner, agent, company) = (UserId::new(), UserId::new(), CompanyId::new());
        let filtered = ReportScope {
            owner_id: Some(owner),
            ..ReportScope::all()
        };
        assert_eq!(
            CounterScope::of(&filtered).unwrap(),
            CounterScope::Keyed(vec![doc! { "o": owner.to_string() }])
        );
        let agents = ReportScope {
            visibility: Visibility::Agent {
                company_ids: vec![company],
                owner_id: agent,
            },
            ..ReportScope::all()
        };
        assert_eq!(
            CounterScope::of(&agents).unwrap(),
            CounterScope::Keyed(vec![doc! { "$or": [
                { "c": { "$in": [company.to_string()] } },
                { "o": agent.to_string() },
            ] }])
        );
        let nothing = ReportScope {
            visibility: Visibility::Nothing,
            ..ReportScope::all()
        };
        assert_eq!(CounterScope::of(&nothing).unwrap(), CounterScope::Nothing);
        let own = ReportScope {
            visibility: Visibility::Own(CustomerId::new()),
            ..ReportScope::all()
        };
        assert!(CounterScope::of(&own).is_err());
    }

    #[test]
    fn counts_are_read_from_integers_and_whole_doubles() {
        assert_eq!(count_of(Some(&Bson::Int32(3)), "n").unwrap(), 3);
        assert_eq!(count_of(Some(&Bson::Int64(4)), "n").unwrap(), 4);
        assert_eq!(count_of(Some(&Bson::Double(180.0)), "n").unwrap(), 180);
        assert_eq!(count_of(None, "n").unwrap(), 0);
        assert!(count_of(Some(&Bson::Double(1.5)), "n").is_err());
        assert!(count_of(Some(&Bson::Int32(-1)), "n").is_err());
    }
}
