//! Journeys give the reference figures, for random histories in every zone and granularity.

use crm_kernel::{CustomerId, Timestamp};

use super::{
    JourneyFlow, JourneyRecord, SingleQualified, add_journeys, add_leads_from_flows, add_qualified,
    add_qualified_single, journeys_touching, touching_from_flows,
};
use crate::counts::{LifecycleCounts, LifecycleSpanCounts};
use crate::plan::CountRequest;
use crate::reference::{StatusChangeRecord, journeys, lifecycle_counts};
use crate::scope::{CustomerRef, ReportScope};
use crate::vocabulary::LifecycleStatus::{self, Churned, Customer, Lead, Prospect};
use crate::{Granularity, ReportZone, period::periods};

/// A small deterministic generator (tests need no `rand`).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 33) % below
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

/// Histories that follow the lifecycle rules, a few hours to weeks apart.
fn histories(seed: u64) -> Vec<StatusChangeRecord> {
    let mut rng = Lcg(seed);
    let start = at("2025-12-01T00:00:00Z").as_millis();
    let mut changes = Vec::new();
    for _ in 0..60 {
        let customer = CustomerRef {
            id: CustomerId::new(),
            company_id: None,
            owner_id: None,
        };
        let mut now = start + i64::try_from(rng.next(90 * 86_400_000)).unwrap();
        let mut status = [Lead, Lead, Prospect, Customer][usize::try_from(rng.next(4)).unwrap()];
        for _ in 0..=rng.next(8) {
            changes.push(StatusChangeRecord {
                customer,
                to: status,
                at: Timestamp::from_millis(now).unwrap(),
            });
            now += i64::try_from(rng.next(20 * 86_400_000) + 1).unwrap();
            status = next(status, rng.next(2) == 0);
        }
    }
    changes
}

fn next(status: LifecycleStatus, coin: bool) -> LifecycleStatus {
    match status {
        Lead => Prospect,
        Customer => Churned,
        Churned if coin => Lead,
        Prospect | Churned => Customer,
    }
}

fn journey_part(c: &LifecycleSpanCounts) -> LifecycleSpanCounts {
    LifecycleSpanCounts {
        leads: c.leads,
        prospects: c.prospects,
        converted: c.converted,
        lead_to_prospect: c.lead_to_prospect.clone(),
        prospect_to_customer: c.prospect_to_customer.clone(),
        ..LifecycleSpanCounts::default()
    }
}

#[test]
fn journeys_give_the_reference_leads_prospects_and_conversions() {
    for seed in 1..=6 {
        let changes = histories(seed);
        let all_journeys = journeys(&changes);
        for zone in ["UTC", "Europe/Berlin", "Asia/Kolkata"] {
            for granularity in Granularity::ALL {
                let periods = periods(
                    at("2026-01-10T05:00:00Z"),
                    at("2026-03-20T00:00:00Z"),
                    granularity,
                    ReportZone::parse(zone).unwrap(),
                    1000,
                )
                .unwrap();
                let request = CountRequest::new(&periods, ReportScope::all());
                let expected = lifecycle_counts(&changes, &request);
                let mut got = LifecycleCounts::zeros(periods.len());
                add_journeys(&mut got, &all_journeys, &request);
                assert_eq!(
                    got.total,
                    journey_part(&expected.total),
                    "{seed} {zone} {granularity}"
                );
                let want: Vec<_> = expected.periods.iter().map(journey_part).collect();
                assert_eq!(got.periods, want, "{seed} {zone} {granularity}");
                assert!(expected.total.leads > 0 && expected.total.converted > 0);
            }
        }
    }
}

/// What a store counts: the journeys begun and qualified before the first
/// period and in each period.
fn flows(journeys: &[JourneyRecord], request: &CountRequest) -> (JourneyFlow, Vec<JourneyFlow>) {
    let first = request.range().unwrap().start;
    let mut lead_in = JourneyFlow::default();
    let mut flows = vec![JourneyFlow::default(); request.periods.len()];
    for journey in journeys {
        if journey.lead_at < first {
            lead_in.begun += 1;
        } else if let Some(p) = request.period_of(journey.lead_at) {
            flows[p].begun += 1;
        }
        match journey.prospect_at {
            Some(at) if at < first => lead_in.qualified += 1,
            Some(at) => {
                if let Some(p) = request.period_of(at) {
                    flows[p].qualified += 1;
                }
            }
            None => {}
        }
    }
    (lead_in, flows)
}

/// The journeys of customers with more than one journey.
fn repeat_journeys(journeys: &[JourneyRecord]) -> Vec<JourneyRecord> {
    journeys
        .iter()
        .filter(|j| journeys.iter().filter(|o| o.customer == j.customer).count() > 1)
        .copied()
        .collect()
}

#[test]
fn flows_repeat_journeys_and_qualified_journeys_give_the_reference_figures() {
    for seed in 1..=6 {
        let changes = histories(seed);
        let all_journeys = journeys(&changes);
        let repeat = repeat_journeys(&all_journeys);
        assert!(!repeat.is_empty(), "some customers have several journeys");
        for zone in ["UTC", "Europe/Berlin", "Asia/Kolkata"] {
            for granularity in Granularity::ALL {
                let periods = periods(
                    at("2026-01-10T05:00:00Z"),
                    at("2026-03-20T00:00:00Z"),
                    granularity,
                    ReportZone::parse(zone).unwrap(),
                    1000,
                )
                .unwrap();
                let request = CountRequest::new(&periods, ReportScope::all());
                let range = request.range().unwrap();
                let expected = lifecycle_counts(&changes, &request);
                let (lead_in, period_flows) = flows(&all_journeys, &request);
                let qualified: Vec<JourneyRecord> = all_journeys
                    .iter()
                    .filter(|j| j.prospect_at.is_some_and(|p| range.contains(p)))
                    .copied()
                    .collect();
                let mut got = LifecycleCounts::zeros(periods.len());
                add_leads_from_flows(&mut got, lead_in, &period_flows, &repeat, &request);
                let mut split = got.clone();
                add_qualified(&mut got, &qualified, &request);
                let what = format!("{seed} {zone} {granularity}");
                assert_eq!(got.total, journey_part(&expected.total), "{what}");
                let want: Vec<_> = expected.periods.iter().map(journey_part).collect();
                assert_eq!(got.periods, want, "{what}");
                // The same, with the qualified journeys of customers with
                // one journey counted without telling customers apart, and
                // the repeat journeys (all that touch the range) as they are.
                let single: Vec<SingleQualified> = qualified
                    .iter()
                    .filter(|j| !repeat.contains(j))
                    .map(|j| SingleQualified {
                        lead_at: j.lead_at,
                        prospect_at: j.prospect_at.unwrap(),
                        customer_at: j.customer_at,
                    })
                    .collect();
                assert!(
                    !single.is_empty() && single.len() < qualified.len(),
                    "{what}"
                );
                add_qualified_single(&mut split, single.iter().copied(), &request);
                add_qualified(&mut split, &repeat, &request);
                assert_eq!(split, got, "{what}: single and repeat journeys apart");
                // Without the correction, a customer with two open journeys
                // would count twice somewhere.
                let (journeys_total, _) = touching_from_flows(lead_in, &period_flows);
                assert!(journeys_total >= i64::try_from(expected.total.leads).unwrap());
            }
        }
    }
}

fn journey(customer: CustomerId, lead: &str, prospect: Option<&str>) -> JourneyRecord {
    JourneyRecord {
        customer,
        lead_at: at(lead),
        prospect_at: prospect.map(at),
        customer_at: None,
    }
}

/// Three UTC days of March 2026.
fn three_days() -> CountRequest {
    let periods = periods(
        at("2026-03-01T00:00:00Z"),
        at("2026-03-04T00:00:00Z"),
        Granularity::Day,
        ReportZone::UTC,
        10,
    )
    .unwrap();
    CountRequest::new(&periods, ReportScope::all())
}

#[test]
fn journeys_touching_a_span_are_those_begun_before_its_end_less_those_qualified_before_its_start() {
    // Two journeys open since before the range; one begun on day 0 and
    // qualified on day 1 (a lead on both days); one begun on day 2.
    let lead_in = JourneyFlow {
        begun: 5,
        qualified: 3,
    };
    let flows = [
        JourneyFlow {
            begun: 1,
            qualified: 0,
        },
        JourneyFlow {
            begun: 0,
            qualified: 1,
        },
        JourneyFlow {
            begun: 1,
            qualified: 0,
        },
    ];
    assert_eq!(touching_from_flows(lead_in, &flows), (4, vec![3, 3, 3]));
    assert_eq!(
        touching_from_flows(JourneyFlow::default(), &[]),
        (0, Vec::new())
    );
}

#[test]
fn journeys_touching_counts_journeys_and_the_correction_counts_customers() {
    let request = three_days();
    let twice = CustomerId::new();
    let once = CustomerId::new();
    let repeat = [
        // Qualified before the range: touches nothing.
        journey(twice, "2026-02-01T00:00:00Z", Some("2026-02-02T00:00:00Z")),
        // A lead from day 0 to its qualification on day 1.
        journey(twice, "2026-03-01T10:00:00Z", Some("2026-03-02T10:00:00Z")),
        // Again a lead from day 1 on, never qualified.
        journey(twice, "2026-03-02T12:00:00Z", None),
    ];
    assert_eq!(journeys_touching(&repeat, &request), (2, vec![1, 2, 1]));
    let single = journey(once, "2026-03-03T08:00:00Z", None);
    let all: Vec<JourneyRecord> = repeat.iter().copied().chain([single]).collect();
    let request_flows = flows(&all, &request);
    let mut got = LifecycleCounts::zeros(3);
    add_leads_from_flows(
        &mut got,
        request_flows.0,
        &request_flows.1,
        &repeat,
        &request,
    );
    let leads: Vec<u64> = got.periods.iter().map(|p| p.leads).collect();
    assert_eq!((got.total.leads, leads), (2, vec![1, 1, 2]));
}
