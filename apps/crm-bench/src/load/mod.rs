//! The bulk loader: generates the data set of a scale and writes it
//! through the store (its bulk path for the large tables, the ports for
//! staff and companies, the email service for emails), with a progress bar
//! per table, then checks the invariants the writes keep.

mod activity;
mod emails;
mod meter;
mod people;
mod skew;
mod target;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_identity::StaffRole;
use crm_kernel::{
    Clock, CompanyId, CustomerId, FixedClock, Principal, PrincipalId, RecipientId, Role,
    SystemClock, TicketId, Timestamp, UserId,
};
use indicatif::ProgressBar;
use serde::Serialize;

use crate::error::BenchError;
use crate::scale::Sizes;
use activity::Parties;
use meter::{Meter, Pipeline};
use skew::{DAY_MS, rng, uniform};

pub use emails::AcceptAll;
pub use people::STAFF_PASSWORD;
pub use target::BulkTarget;

/// Rows per transaction of the bulk path.
const BATCH: usize = 5_000;

/// What the scenarios need to know about the loaded data.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The admin.
    pub admin: UserId,
    /// The agent the bench signs in as: the organizer of the heavy history.
    pub agent: UserId,
    /// Its email.
    pub agent_email: String,
    /// An agent who organises nothing.
    pub idle_agent: UserId,
    /// Customers to read, spread over the whole table.
    pub customers: Vec<CustomerId>,
    /// The customer with the long history.
    pub heavy_customer: CustomerId,
    /// Companies (for new customers).
    pub companies: Vec<CompanyId>,
    /// Tickets that are open or in progress, newest last.
    pub open_tickets: Vec<TicketId>,
    /// Recipients of sent emails (for tracking hits).
    pub recipients: Vec<RecipientId>,
    /// Four-letter prefixes of customers' last names, as people search them.
    pub prefixes: Vec<String>,
}

/// How one table was loaded.
#[derive(Debug, Clone, Serialize)]
pub struct TableLoad {
    /// The table (or record kind).
    pub table: &'static str,
    /// Records written.
    pub rows: u64,
    /// Seconds it took.
    pub seconds: f64,
    /// Records per second over the first tenth of the records.
    pub first_tenth_per_s: f64,
    /// Records per second over the last tenth (equal to the first when the
    /// cost per row does not grow with the data).
    pub last_tenth_per_s: f64,
}

/// The outcome of loading.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    /// Seconds for the whole data set.
    pub seconds: f64,
    /// Per table.
    pub tables: Vec<TableLoad>,
    /// The invariant check after loading.
    pub invariants: InvariantCounts,
}

/// The invariant check's counts, as reported (see each store's
/// `bulk::Invariants`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct InvariantCounts {
    /// Customers checked.
    pub customers: u64,
    /// Customers whose status is not their last status change.
    pub status_not_last_change: u64,
    /// Customers whose `last_interaction` disagrees with their interactions.
    pub stale_last_interaction: u64,
    /// SQLite: customers minus full-text rows; MongoDB: customers whose
    /// search keywords are stale.
    pub search_index_gap: i64,
    /// Tickets checked.
    pub tickets: u64,
    /// Tickets whose status is not their last event.
    pub ticket_status_not_last_event: u64,
}

/// Loads the data set of `sizes` into the (migrated, empty) `database`.
#[allow(clippy::too_many_lines, reason = "the loading story, table by table")]
pub async fn load(
    database: &crate::database::Database,
    sizes: Sizes,
) -> Result<(Facts, Loaded), BenchError> {
    let stores = database.stores();
    let bulk = database.bulk();
    let started = Instant::now();
    let now = SystemClock.now();
    let begin = Timestamp::from_millis(now.as_millis() - 3 * 365 * DAY_MS).unwrap_or(now);
    let mut tables = Vec::new();
    let mut random = rng(1);

    // Staff: an admin and the agents (all with one password hash).
    let hash = people::staff_hash().await?;
    let admin = people::staff(0, StaffRole::Admin, begin)?;
    stores.users.insert(&admin, &hash).await?;
    let mut agents = Vec::new();
    for n in 1..=sizes.agents {
        let agent = people::staff(n, StaffRole::Agent, begin)?;
        stores.users.insert(&agent, &hash).await?;
        agents.push(agent);
    }
    let agent_ids: Vec<UserId> = agents.iter().map(|a| a.id).collect();
    let (heavy_organizer, idle_agent) = (agent_ids[0], agent_ids[1]);
    // Everybody organises but the idle agent; the heavy one is apart.
    let organizers: Vec<UserId> = agent_ids[2..].to_vec();

    let mut meter = Meter::new("companies", u64::from(sizes.companies));
    let mut companies = Vec::new();
    for n in 0..sizes.companies {
        let company = people::company(&mut random, n, begin)?;
        stores.companies.insert(&company).await?;
        companies.push(company.id);
        meter.add(1);
    }
    tables.push(meter.finish());

    // Each batch is written while the next one is generated.
    let mut pipeline = Pipeline::default();

    // Customers, created one after the other over three years.
    let names = people::Names::draw(&mut random);
    let span = now.as_millis() - begin.as_millis();
    let mut meter = Meter::new("customers", u64::from(sizes.customers));
    let mut customers = Vec::with_capacity(sizes.customers as usize);
    let mut prefixes = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    for n in 0..sizes.customers {
        let at = begin.as_millis() + span * i64::from(n) / i64::from(sizes.customers);
        let at = Timestamp::from_millis(at).unwrap_or(begin);
        let history = people::customer(&mut random, &names, n, at, now, &companies, &agent_ids)?;
        customers.push(history.created.0.id);
        if n % 97 == 0 && prefixes.len() < 32 {
            let last = history.created.0.last_name.as_str().to_lowercase();
            prefixes.push(last.chars().take(4).collect());
        }
        batch.push(history);
        if batch.len() == BATCH || n + 1 == sizes.customers {
            let rows = batch.len() as u64;
            let batch = std::mem::take(&mut batch);
            let bulk = Arc::clone(&bulk);
            pipeline
                .submit(&mut meter, rows, async move { bulk.customers(batch).await })
                .await?;
        }
    }
    pipeline.drain(&mut meter).await?;
    tables.push(meter.finish());
    let heavy_customer = customers[customers.len() / 2];

    // Interactions: the heavy customer's, the heavy organizer's (its past
    // only), then the rest with busy customers and organizers more often.
    // Who and when are drawn first, then the interactions are built and
    // written in the order of their start, as a CRM records them over the
    // years: drawn in random order, every insert would land on a random
    // page of the date and organizer indexes and of the report counters,
    // and the cost per row would grow with the table.
    let mut planned: Vec<(Timestamp, Parties)> = (0..sizes.interactions)
        .map(|n| {
            let parties = if n < sizes.heavy_customer {
                Parties {
                    customer: heavy_customer,
                    organizer: Some(organizers[uniform(&mut random, organizers.len())]),
                    past_only: false,
                }
            } else if n < sizes.heavy_customer + sizes.heavy_organizer {
                Parties {
                    customer: activity::busy_customer(&mut random, &customers),
                    organizer: Some(heavy_organizer),
                    past_only: true,
                }
            } else {
                Parties {
                    customer: activity::busy_customer(&mut random, &customers),
                    organizer: (uniform(&mut random, 10) < 8)
                        .then(|| organizers[skew::skewed(&mut random, organizers.len(), 2.0)]),
                    past_only: false,
                }
            };
            (activity::start(&mut random, parties, begin, now), parties)
        })
        .collect();
    planned.sort_by_key(|(at, _)| *at);
    let mut meter = Meter::new("interactions", u64::from(sizes.interactions));
    let mut batch = Vec::with_capacity(BATCH * 4);
    let last = planned.len();
    for (n, (at, parties)) in planned.into_iter().enumerate() {
        batch.push(activity::interaction(&mut random, parties, at, now)?);
        if batch.len() == BATCH * 4 || n + 1 == last {
            let rows = batch.len() as u64;
            let batch = std::mem::take(&mut batch);
            let bulk = Arc::clone(&bulk);
            pipeline
                .submit(
                    &mut meter,
                    rows,
                    async move { bulk.interactions(batch).await },
                )
                .await?;
        }
    }
    pipeline.drain(&mut meter).await?;
    tables.push(meter.finish());

    // Tickets over three years; the newest ones are still open.
    let mut meter = Meter::new("tickets", u64::from(sizes.tickets));
    let mut batch = Vec::with_capacity(BATCH);
    let mut open_tickets = Vec::new();
    let first_open = sizes.tickets - sizes.open_tickets;
    for n in 0..sizes.tickets {
        let at = begin.as_millis() + span * i64::from(n) / i64::from(sizes.tickets);
        let at = Timestamp::from_millis(at).unwrap_or(begin);
        let open = n >= first_open;
        let customer = activity::busy_customer(&mut random, &customers);
        let agent = agent_ids[uniform(&mut random, agent_ids.len())];
        let history = activity::ticket(&mut random, customer, agent, at, now, open)?;
        if open {
            open_tickets.push(history.raised.0.id);
        }
        batch.push(history);
        if batch.len() == BATCH || n + 1 == sizes.tickets {
            let rows = batch.len() as u64;
            let batch = std::mem::take(&mut batch);
            let bulk = Arc::clone(&bulk);
            pipeline
                .submit(&mut meter, rows, async move { bulk.tickets(batch).await })
                .await?;
        }
    }
    pipeline.drain(&mut meter).await?;
    tables.push(meter.finish());

    // Emails through the email service, oldest first.
    let clock = Arc::new(FixedClock::at(begin));
    let service = crate::wiring::email_service(database, clock.clone() as Arc<dyn Clock>)?;
    let sender = Principal {
        id: PrincipalId::User(admin.id),
        role: Role::Admin,
        company_ids: Vec::new(),
    };
    let mut meter = Meter::new("emails", u64::from(sizes.emails));
    let mut recipients = Vec::new();
    let per_batch = 500;
    let mut n = 0;
    while n < sizes.emails {
        let count = per_batch.min(sizes.emails - n);
        let batch: Vec<(CustomerId, Timestamp)> = (n..n + count)
            .map(|k| {
                let at = begin.as_millis() + span * i64::from(k) / i64::from(sizes.emails);
                (
                    customers[uniform(&mut random, customers.len())],
                    Timestamp::from_millis(at).unwrap_or(begin),
                )
            })
            .collect();
        meter.before(u64::from(count));
        let sent = emails::send_batch(&service, &clock, &sender, &batch, &mut random).await?;
        recipients.extend(sent);
        meter.add(u64::from(count));
        n += count;
    }
    tables.push(meter.finish());

    let bar = ProgressBar::new_spinner();
    bar.set_message("merging the search index");
    bar.enable_steady_tick(Duration::from_millis(200));
    bulk.finish().await?;
    bar.set_message("checking invariants");
    let invariants = bulk.invariants().await?;
    bar.finish_and_clear();
    if !target::hold(&invariants) {
        return Err(BenchError::Invariants(format!("{invariants:?}")));
    }
    let seconds = started.elapsed().as_secs_f64();

    let sample_step = (customers.len() / 2_000).max(1);
    let facts = Facts {
        admin: admin.id,
        agent: heavy_organizer,
        agent_email: agents[0].email.as_str().to_owned(),
        idle_agent,
        customers: customers.iter().step_by(sample_step).copied().collect(),
        heavy_customer,
        companies: companies.iter().take(1_000).copied().collect(),
        open_tickets,
        recipients,
        prefixes,
    };
    Ok((
        facts,
        Loaded {
            seconds,
            tables,
            invariants,
        },
    ))
}
