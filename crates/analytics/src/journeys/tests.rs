//! Journeys give the reference figures, for random histories in every zone and granularity.

use crm_kernel::{CustomerId, Timestamp};

use super::add_journeys;
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
                let mut got = LifecycleCounts {
                    total: LifecycleSpanCounts::default(),
                    periods: vec![LifecycleSpanCounts::default(); periods.len()],
                };
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
