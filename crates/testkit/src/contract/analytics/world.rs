//! A store filled by a random sequence of writes, and the records the
//! writes left, from which `crm_analytics::reference` recounts every figure.

use std::time::Duration;

use crm_analytics::reference::{
    InteractionRecord, StatusChangeRecord, TicketRecord, TicketTransition,
};
use crm_analytics::{CustomerRef, InteractionKind as Kind, InteractionStatus as Status};
use crm_customers::Customer;
use crm_customers::LifecycleStatus::{self, Churned, Customer as Won, Lead, Prospect};
use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_identity::ports::UserRepository;
use crm_interactions::ports::InteractionRepository;
use crm_interactions::{Interaction, InteractionKind, InteractionStatus};
use crm_kernel::{CompanyId, CustomerId, PrincipalId, Timestamp, UserId};
use crm_tickets::Ticket;
use crm_tickets::TicketStatus::{Closed, InProgress, Open, Reopened, Resolved};
use crm_tickets::ports::TicketRepository;

use super::AnalyticsStore;
use crate::builders::{
    comment, company, customer, interaction_at, next_revision, password_hash, raised_event,
    staff_user, status_change, ticket, ticket_event,
};

/// A small deterministic generator: a failing sequence replays from its seed.
#[derive(Debug)]
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    pub(super) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// What the writes left in the store.
#[derive(Debug, Default)]
pub(super) struct World {
    pub(super) owners: Vec<UserId>,
    pub(super) companies: Vec<CompanyId>,
    pub(super) customers: Vec<(Customer, bool)>,
    pub(super) interactions: Vec<Interaction>,
    pub(super) tickets: Vec<(Ticket, Vec<(TicketTransition, Timestamp)>)>,
    pub(super) changes: Vec<(CustomerId, LifecycleStatus, Timestamp)>,
    pub(super) now: Option<Timestamp>,
}

impl World {
    /// The customer as reports see it: its current owner and company.
    pub(super) fn customer_ref(&self, id: CustomerId) -> CustomerRef {
        let (c, _) = self
            .customers
            .iter()
            .find(|(c, _)| c.id == id)
            .unwrap_or_else(|| panic!("customer {id} is in the world"));
        CustomerRef {
            id,
            company_id: c.company_id,
            owner_id: c.owner_id,
        }
    }

    pub(super) fn interaction_records(&self) -> Vec<InteractionRecord> {
        self.interactions
            .iter()
            .map(|i| InteractionRecord {
                customer: self.customer_ref(i.customer_id),
                kind: Kind::parse(i.kind.as_str()).expect("the kinds agree"),
                status: Status::parse(i.status.as_str()).expect("the statuses agree"),
                date_time: i.date_time,
            })
            .collect()
    }

    pub(super) fn ticket_records(&self) -> Vec<TicketRecord> {
        self.tickets
            .iter()
            .map(|(t, transitions)| TicketRecord {
                customer: self.customer_ref(t.customer_id),
                created_at: t.created_at,
                first_response_at: t.first_response_at,
                transitions: transitions.clone(),
            })
            .collect()
    }

    pub(super) fn change_records(&self) -> Vec<StatusChangeRecord> {
        self.changes
            .iter()
            .map(|&(id, to, at)| StatusChangeRecord {
                customer: self.customer_ref(id),
                to: crm_analytics::LifecycleStatus::parse(to.as_str()).expect("the statuses agree"),
                at,
            })
            .collect()
    }
}

/// Fills `store` with `steps` random writes from 2026-01-01 on, time moving
/// forward a few hours to days (to the millisecond) between them.
pub(super) async fn random_world<S: AnalyticsStore + ?Sized>(
    store: &S,
    seed: u64,
    steps: usize,
) -> World {
    let mut rng = Lcg(seed);
    let mut world = World::default();
    let mut now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").expect("instant");
    for _ in 0..3 {
        let user = staff_user();
        UserRepository::insert(store, &user, &password_hash())
            .await
            .expect("staff");
        world.owners.push(user.id);
        let item = company();
        CompanyRepository::insert(store, &item)
            .await
            .expect("company");
        world.companies.push(item.id);
    }
    for step in 0..steps {
        now = now.plus(Duration::from_millis(
            (rng.below(60 * 60 * 60) as u64) * 1000 + rng.below(1000) as u64,
        ));
        let op = if step < 8 { 0 } else { rng.below(10) };
        match op {
            0 | 1 => new_customer(store, &mut world, &mut rng, now).await,
            2 => status(store, &mut world, &mut rng, now).await,
            3 => reassign(store, &mut world, &mut rng).await,
            4 if rng.below(4) == 0 => erase(store, &mut world, &mut rng, now).await,
            4 | 5 => new_interaction(store, &mut world, &mut rng, now).await,
            6 => change_interaction(store, &mut world, &mut rng, now).await,
            7 => raise(store, &mut world, &mut rng, now).await,
            _ => work_ticket(store, &mut world, &mut rng, now).await,
        }
    }
    world.now = Some(now);
    world
}

/// Writes a customer (no owner, no company) with the status `history`
/// (oldest first; the first entry is its creation) through the customers
/// port, and records it in `world`.
pub(super) async fn write_history<S: AnalyticsStore + ?Sized>(
    store: &S,
    world: &mut World,
    history: &[(LifecycleStatus, Timestamp)],
) {
    let (&(first, created), rest) = history.split_first().expect("a first status");
    let mut current = Customer {
        status: first,
        owner_id: None,
        company_id: None,
        created_at: created,
        updated_at: created,
        ..customer()
    };
    let change = status_change(current.id, None, first, created, actor());
    CustomerRepository::insert(store, &current, &change)
        .await
        .expect("insert customer");
    world.changes.push((current.id, first, created));
    for &(to, at) in rest {
        let next = Customer {
            status: to,
            updated_at: at,
            version: current.version.next(),
            ..current.clone()
        };
        let change = status_change(current.id, Some(current.status), to, at, actor());
        CustomerRepository::update(store, &next, current.version, Some(&change))
            .await
            .expect("status change");
        world.changes.push((current.id, to, at));
        current = next;
    }
    world.customers.push((current, false));
}

fn live(world: &World, rng: &mut Lcg) -> Option<usize> {
    let live: Vec<usize> = (0..world.customers.len())
        .filter(|&i| !world.customers[i].1)
        .collect();
    (!live.is_empty()).then(|| live[rng.below(live.len())])
}

fn maybe<T: Copy>(rng: &mut Lcg, items: &[T]) -> Option<T> {
    (rng.below(4) > 0).then(|| rng.pick(items))
}

async fn new_customer<S: AnalyticsStore + ?Sized>(
    s: &S,
    w: &mut World,
    rng: &mut Lcg,
    now: Timestamp,
) {
    let item = Customer {
        status: rng.pick(&[Lead, Lead, Lead, Prospect, Won]),
        owner_id: maybe(rng, &w.owners),
        company_id: maybe(rng, &w.companies),
        created_at: now,
        updated_at: now,
        ..customer()
    };
    let change = status_change(item.id, None, item.status, now, actor());
    CustomerRepository::insert(s, &item, &change)
        .await
        .expect("insert customer");
    w.changes.push((item.id, item.status, now));
    w.customers.push((item, false));
}

async fn status<S: AnalyticsStore + ?Sized>(s: &S, w: &mut World, rng: &mut Lcg, now: Timestamp) {
    let Some(i) = live(w, rng) else { return };
    let current = w.customers[i].0.clone();
    let to = match current.status {
        Lead => Prospect,
        Prospect => Won,
        Won => Churned,
        Churned => rng.pick(&[Lead, Won]),
    };
    let next = Customer {
        status: to,
        updated_at: now,
        version: current.version.next(),
        ..current.clone()
    };
    let change = status_change(current.id, Some(current.status), to, now, actor());
    CustomerRepository::update(s, &next, current.version, Some(&change))
        .await
        .expect("status change");
    w.changes.push((current.id, to, now));
    w.customers[i].0 = next;
}

async fn reassign<S: AnalyticsStore + ?Sized>(s: &S, w: &mut World, rng: &mut Lcg) {
    let Some(i) = live(w, rng) else { return };
    let current = w.customers[i].0.clone();
    let next = Customer {
        owner_id: maybe(rng, &w.owners),
        company_id: maybe(rng, &w.companies),
        version: current.version.next(),
        ..current.clone()
    };
    CustomerRepository::update(s, &next, current.version, None)
        .await
        .expect("reassign customer");
    w.customers[i].0 = next;
}

async fn erase<S: AnalyticsStore + ?Sized>(s: &S, w: &mut World, rng: &mut Lcg, now: Timestamp) {
    let Some(i) = live(w, rng) else { return };
    CustomerRepository::erase(s, w.customers[i].0.id, now)
        .await
        .expect("erase customer");
    w.customers[i].1 = true;
}

fn when(rng: &mut Lcg, now: Timestamp) -> Timestamp {
    let minutes = i64::try_from(rng.below(40 * 24 * 60)).expect("small") - 20 * 24 * 60;
    let shift = minutes * 60_000 + i64::try_from(rng.below(60_000)).expect("small");
    Timestamp::from_millis(now.as_millis() + shift).expect("instant")
}

async fn new_interaction<S: AnalyticsStore + ?Sized>(
    s: &S,
    w: &mut World,
    rng: &mut Lcg,
    now: Timestamp,
) {
    let Some(i) = live(w, rng) else { return };
    let item = interaction_at(
        w.customers[i].0.id,
        rng.pick(&InteractionKind::ALL),
        rng.pick(&InteractionStatus::ALL),
        when(rng, now),
        30,
    );
    InteractionRepository::insert(s, std::slice::from_ref(&item))
        .await
        .expect("insert interaction");
    w.interactions.push(item);
}

async fn change_interaction<S: AnalyticsStore + ?Sized>(
    s: &S,
    w: &mut World,
    rng: &mut Lcg,
    now: Timestamp,
) {
    if w.interactions.is_empty() {
        return;
    }
    let i = rng.below(w.interactions.len());
    let current = w.interactions[i].clone();
    let mut next = next_revision(&current);
    match rng.below(3) {
        0 => next.kind = rng.pick(&InteractionKind::ALL),
        1 => next.status = rng.pick(&InteractionStatus::ALL),
        _ => {
            next.date_time = when(rng, now);
            next.end_time = Some(next.date_time.plus(Duration::from_mins(30)));
        }
    }
    InteractionRepository::update(s, &next, current.version)
        .await
        .expect("update interaction");
    w.interactions[i] = next;
}

async fn raise<S: AnalyticsStore + ?Sized>(s: &S, w: &mut World, rng: &mut Lcg, now: Timestamp) {
    let Some(i) = live(w, rng) else { return };
    let item = Ticket {
        created_at: now,
        updated_at: now,
        ..ticket(w.customers[i].0.id)
    };
    TicketRepository::insert(s, &item, &raised_event(&item, actor()), None)
        .await
        .expect("raise ticket");
    w.tickets.push((item, Vec::new()));
}

async fn work_ticket<S: AnalyticsStore + ?Sized>(
    s: &S,
    w: &mut World,
    rng: &mut Lcg,
    now: Timestamp,
) {
    if w.tickets.is_empty() {
        return;
    }
    let i = rng.below(w.tickets.len());
    let (current, _) = w.tickets[i].clone();
    if current.first_response_at.is_none() && rng.below(2) == 0 {
        let answer = current.first_response(now).expect("not answered yet");
        let answered = current
            .with_first_response(answer)
            .expect("the first answer is recorded");
        let reply = crm_tickets::Comment {
            created_at: now,
            ..comment(current.id, actor())
        };
        TicketRepository::add_comment(s, &reply, Some(answer))
            .await
            .expect("first response");
        w.tickets[i].0 = answered;
        return;
    }
    let to = match current.status {
        Open | Reopened => rng.pick(&[InProgress, Resolved]),
        InProgress => Resolved,
        Resolved => rng.pick(&[Reopened, Closed]),
        Closed => return,
    };
    let next = current.transitioned(to, now);
    let event = ticket_event(current.id, Some(current.status), to, now, actor());
    TicketRepository::update(s, &next, current.version, Some(&event))
        .await
        .expect("ticket transition");
    let transition = match to {
        Resolved => TicketTransition::Resolved,
        Reopened => TicketTransition::Reopened,
        Open | InProgress | Closed => TicketTransition::Other,
    };
    w.tickets[i].1.push((transition, now));
    w.tickets[i].0 = next;
}

fn actor() -> PrincipalId {
    PrincipalId::User(UserId::new())
}
