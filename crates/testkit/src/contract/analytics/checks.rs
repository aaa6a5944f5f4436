//! The checks of the analytics contract.

use crm_analytics::plan::CountRequest;
use crm_analytics::ports::{InteractionSource, LifecycleSource, TicketSource};
use crm_analytics::reference;
use crm_analytics::{Granularity, ReportScope, ReportZone, period::periods};
use crm_customers::Customer;
use crm_customers::LifecycleStatus::{Churned, Customer as Won, Lead, Prospect};
use crm_customers::ports::CustomerRepository;
use crm_kernel::{Timestamp, Visibility};

use super::AnalyticsStore;
use super::world::{World, random_world, write_history};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("instant")
}

fn request(
    from: &str,
    to: &str,
    granularity: Granularity,
    zone: &str,
    scope: ReportScope,
) -> CountRequest {
    let zone = ReportZone::parse(zone).expect("zone");
    let periods = periods(at(from), at(to), granularity, zone, 1000).expect("periods");
    CountRequest::new(&periods, scope)
}

/// Every port's answer equals the reference recount of the world's records.
async fn assert_recount<S: AnalyticsStore + ?Sized>(
    store: &S,
    world: &World,
    request: &CountRequest,
    what: &str,
) {
    let interactions = reference::interaction_counts(&world.interaction_records(), request);
    let got = InteractionSource::interaction_counts(store, request)
        .await
        .expect("interaction counts");
    assert_eq!(
        got, interactions,
        "interaction counts equal a recount: {what}"
    );
    let tickets = reference::ticket_counts(&world.ticket_records(), request);
    let got = TicketSource::ticket_counts(store, request)
        .await
        .expect("ticket counts");
    assert_eq!(got, tickets, "ticket counts equal a recount: {what}");
    let lifecycle = reference::lifecycle_counts(&world.change_records(), request);
    let got = LifecycleSource::lifecycle_counts(store, request)
        .await
        .expect("lifecycle counts");
    assert_eq!(got, lifecycle, "lifecycle counts equal a recount: {what}");
}

fn scopes(world: &World) -> Vec<(&'static str, ReportScope)> {
    let agent = |companies: Vec<_>| ReportScope {
        visibility: Visibility::Agent {
            company_ids: companies,
            owner_id: world.owners[1],
        },
        owner_id: None,
        company_id: None,
    };
    vec![
        ("everything", ReportScope::all()),
        (
            "one owner",
            ReportScope {
                owner_id: Some(world.owners[0]),
                ..ReportScope::all()
            },
        ),
        (
            "one company",
            ReportScope {
                company_id: Some(world.companies[1]),
                ..ReportScope::all()
            },
        ),
        (
            "an agent",
            agent(vec![world.companies[0], world.companies[2]]),
        ),
        ("an agent without companies", agent(Vec::new())),
        (
            "an agent's view of one company",
            ReportScope {
                company_id: Some(world.companies[0]),
                ..agent(vec![world.companies[0]])
            },
        ),
    ]
}

/// A store without records answers zeros, one entry per period.
pub async fn analytics_counts_are_zero_on_an_empty_store<S: AnalyticsStore + ?Sized>(store: &S) {
    let request = request(
        "2026-03-01T00:00:00Z",
        "2026-03-08T10:30:00Z",
        Granularity::Day,
        "Asia/Kolkata",
        ReportScope::all(),
    );
    let interactions = InteractionSource::interaction_counts(store, &request)
        .await
        .expect("interactions");
    assert!(
        interactions.is_empty(),
        "no interaction counts: {interactions:?}"
    );
    let tickets = TicketSource::ticket_counts(store, &request)
        .await
        .expect("tickets");
    assert_eq!(
        tickets,
        reference::ticket_counts(&[], &request),
        "zero tickets, one entry per period"
    );
    let lifecycle = LifecycleSource::lifecycle_counts(store, &request)
        .await
        .expect("lifecycle");
    assert_eq!(
        lifecycle,
        reference::lifecycle_counts(&[], &request),
        "zero lifecycle figures"
    );
    assert_eq!(lifecycle.periods.len(), 8);
}

/// After a random sequence of customers created, reassigned, erased and
/// moved through their lifecycle, interactions recorded and changed, and
/// tickets raised, answered, resolved, reopened and closed, every count
/// equals a recount from the records, for every granularity, in zones whose
/// days start at UTC midnight, on another hour and on a half hour, over
/// whole days and over a range given to the millisecond, for every kind of scope.
pub async fn analytics_counts_equal_a_recount_after_random_writes<S: AnalyticsStore + ?Sized>(
    store: &S,
) {
    let world = random_world(store, 20_261_125, 260).await;
    assert!(world.interactions.len() > 20 && world.tickets.len() > 5 && world.changes.len() > 40);
    for (name, scope) in scopes(&world) {
        for zone in ["UTC", "Europe/Berlin", "Asia/Kolkata"] {
            for granularity in Granularity::ALL {
                let whole = request(
                    "2026-01-01T00:00:00Z",
                    "2027-01-01T00:00:00Z",
                    granularity,
                    zone,
                    scope.clone(),
                );
                assert_recount(
                    store,
                    &world,
                    &whole,
                    &format!("{name}, {zone}, {granularity}"),
                )
                .await;
            }
            let odd = request(
                "2026-02-03T10:17:23.456Z",
                "2026-07-05T08:05:30.001Z",
                Granularity::Week,
                zone,
                scope.clone(),
            );
            assert_recount(store, &world, &odd, &format!("{name}, {zone}, odd bounds")).await;
        }
    }
}

/// A customer's new owner or company takes its counts along.
pub async fn analytics_counts_follow_a_reassigned_customer<S: AnalyticsStore + ?Sized>(store: &S) {
    let world = random_world(store, 7, 120).await;
    let before = |owner| ReportScope {
        owner_id: Some(owner),
        ..ReportScope::all()
    };
    let (customer, _) = world
        .customers
        .iter()
        .find(|(c, erased)| !erased && world.interactions.iter().any(|i| i.customer_id == c.id))
        .expect("a customer with interactions");
    let moved = Customer {
        owner_id: Some(world.owners[2]),
        company_id: Some(world.companies[2]),
        version: customer.version.next(),
        ..customer.clone()
    };
    CustomerRepository::update(store, &moved, customer.version, None)
        .await
        .expect("reassign");
    let mut after = World {
        owners: world.owners.clone(),
        companies: world.companies.clone(),
        customers: world.customers.clone(),
        interactions: world.interactions.clone(),
        tickets: world.tickets.clone(),
        changes: world.changes.clone(),
        now: world.now,
    };
    for (c, _) in &mut after.customers {
        if c.id == moved.id {
            *c = moved.clone();
        }
    }
    for owner in after.owners.clone() {
        let whole = request(
            "2025-12-01T00:00:00Z",
            "2026-09-01T00:00:00Z",
            Granularity::Month,
            "UTC",
            before(owner),
        );
        assert_recount(store, &after, &whole, "after the reassignment").await;
    }
}

/// A customer who is a lead twice in one period (qualified, won, churned
/// and a lead again, then once more) counts once among the period's leads,
/// prospects and conversions, while each of its steps counts in the
/// durations; the figures equal the recount at every granularity.
pub async fn analytics_a_customer_who_is_a_lead_twice_counts_once<S: AnalyticsStore + ?Sized>(
    store: &S,
) {
    let may = |day: u32, hour: u32| at(&format!("2026-05-{day:02}T{hour:02}:00:00Z"));
    let mut world = World::default();
    let twice = [
        (Lead, may(2, 9)),
        (Prospect, may(4, 9)),
        (Won, may(6, 9)),
        (Churned, may(10, 9)),
        (Lead, may(12, 9)),
        (Prospect, may(13, 9)),
        (Won, may(20, 9)),
        (Churned, may(25, 9)),
        (Lead, may(28, 9)),
    ];
    let once = [(Lead, at("2026-04-20T00:00:00Z")), (Prospect, may(15, 0))];
    write_history(store, &mut world, &twice).await;
    write_history(store, &mut world, &once).await;
    for zone in ["UTC", "Asia/Kolkata"] {
        for granularity in Granularity::ALL {
            let request = request(
                "2026-04-01T00:00:00Z",
                "2026-07-01T00:00:00Z",
                granularity,
                zone,
                ReportScope::all(),
            );
            assert_recount(store, &world, &request, &format!("{zone}, {granularity}")).await;
        }
    }
    let request = request(
        "2026-05-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
        Granularity::Month,
        "UTC",
        ReportScope::all(),
    );
    let got = LifecycleSource::lifecycle_counts(store, &request)
        .await
        .expect("lifecycle counts");
    let may = &got.periods[0];
    assert_eq!(
        (may.leads, may.prospects, may.converted),
        (2, 2, 1),
        "two customers were leads and were qualified in May, one of them converted (twice)"
    );
    assert_eq!(
        (
            may.lead_to_prospect.count(),
            may.prospect_to_customer.count()
        ),
        (3, 2),
        "every qualification and conversion of May counts in the durations"
    );
    assert_eq!(got.total, *may, "the range is May");
}
