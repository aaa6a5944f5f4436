//! The store-only phase: each scenario's store call made in-process
//! through the same services the handlers call (no HTTP, no token), with
//! the load generator's concurrency, for the ceilings of the HTTP figures
//! and for the scaling curve (cost against data size).

mod measure;

use std::sync::Arc;

use crm_customers::{
    CustomerQuery, CustomerService, CustomerSort, LifecycleStatus, NewCustomer, Tags,
};
use crm_interactions::ports::InteractionRepository;
use crm_interactions::{
    Attendees, End, HistoryFilter, InteractionKind, InteractionService, NewInteraction, Sources,
};
use crm_kernel::{
    CursorPosition, EmailAddress, Limit, LongText, PageRequest, PersonName, Principal, PrincipalId,
    Role,
};
use crm_tickets::{NewTicket, Priority, TicketService};
use serde::Serialize;

use crate::client::{Figures, Plan};
use crate::error::BenchError;
use crate::load::Facts;
use crate::scenarios::{HISTORY_PAGE, ahead};
use measure::{EXHAUSTED, Op, measure};

/// One store operation's figures.
#[derive(Debug, Clone, Serialize)]
pub struct StoreFigures {
    /// The operation.
    pub name: &'static str,
    /// Its figures.
    pub figures: Figures,
}

/// The services of the phase.
struct Services {
    /// The interactions port (the overlap check is a store call).
    store: Arc<dyn InteractionRepository>,
    customers: CustomerService,
    interactions: InteractionService,
    tickets: TicketService,
    agent: Principal,
    /// Where the deep page of the list starts.
    deep: Option<CursorPosition>,
    /// Where the 20th page of the history starts.
    history_20: Option<CursorPosition>,
}

fn page(after: Option<CursorPosition>) -> PageRequest {
    PageRequest {
        limit: Limit::parse(Some(50)).unwrap_or_default(),
        after,
    }
}

fn list_query(text: Option<String>) -> CustomerQuery {
    let mut query = CustomerQuery {
        text,
        ..CustomerQuery::default()
    };
    if query.text.is_none() {
        query.status = Some(LifecycleStatus::Customer);
        query.sort = CustomerSort::parse("-last_interaction").unwrap_or(query.sort);
    } else {
        query.sort = query.default_sort();
    }
    query
}

/// The position after walking `pages` pages of the customer list (or of
/// the heavy customer's history), in-process.
async fn customer_cursor(s: &Services, pages: u32) -> Option<CursorPosition> {
    let mut after = None;
    for _ in 0..pages {
        let next = s
            .customers
            .list_customers(&s.agent, &list_query(None), &page(after))
            .await
            .ok()?
            .next;
        after = Some(next?);
    }
    after
}

async fn history_cursor(s: &Services, facts: &Facts, pages: u32) -> Option<CursorPosition> {
    let mut after = None;
    for _ in 0..pages {
        let next = s
            .interactions
            .history(
                &s.agent,
                facts.heavy_customer,
                &HistoryFilter::default(),
                &page(after),
            )
            .await
            .ok()?
            .next;
        after = Some(next?);
    }
    after
}

/// Runs every store operation.
#[allow(
    clippy::too_many_lines,
    reason = "the list of operations, one per block"
)]
pub async fn run(
    database: &crate::database::Database,
    facts: &Arc<Facts>,
    deep_pages: u32,
    plan: Plan,
) -> Result<Vec<StoreFigures>, BenchError> {
    let settings = crate::wiring::settings(database)?;
    let stores = database.stores();
    let mut services = Services {
        store: Arc::clone(&stores.interactions),
        customers: crm_server::wiring::customer_service(&stores, &settings),
        interactions: crm_server::wiring::interaction_service(&stores, &settings),
        tickets: crm_server::wiring::ticket_service(&stores, &settings),
        agent: Principal {
            id: PrincipalId::User(facts.agent),
            role: Role::Agent,
            company_ids: Vec::new(),
        },
        deep: None,
        history_20: None,
    };
    services.deep = customer_cursor(&services, deep_pages).await;
    services.history_20 = history_cursor(&services, facts, HISTORY_PAGE - 1).await;
    let s = Arc::new(services);
    let mut ops: Vec<(&'static str, Op)> = Vec::new();
    // Operations measured one call at a time, as their HTTP scenarios are.
    let mut one_at_a_time: Vec<&'static str> = Vec::new();
    macro_rules! op {
        ($name:expr, |$s:ident, $f:ident, $n:ident| $body:expr) => {{
            let s = Arc::clone(&s);
            let f = Arc::clone(facts);
            let op: Op = Arc::new(move |$n: u64| {
                let $s = Arc::clone(&s);
                let $f = Arc::clone(&f);
                Box::pin(async move { $body.map(|_| ()).map_err(|e| e.to_string()) })
            });
            ops.push(($name, op));
        }};
    }
    let index = |n: u64, len: usize| usize::try_from(n).unwrap_or(0) % len.max(1);
    op!("get customer", |s, f, n| s
        .customers
        .get_customer(&s.agent, f.customers[index(n * 7_919, f.customers.len())])
        .await);
    op!("list: first page", |s, f, n| {
        let _ = (&f, n);
        s.customers
            .list_customers(&s.agent, &list_query(None), &page(None))
            .await
    });
    op!("list: deep page by cursor", |s, f, n| {
        let _ = (&f, n);
        s.customers
            .list_customers(&s.agent, &list_query(None), &page(s.deep.clone()))
            .await
    });
    op!("q= name prefix", |s, f, n| {
        let prefix = f.prefixes[index(n, f.prefixes.len())].clone();
        s.customers
            .list_customers(&s.agent, &list_query(Some(prefix)), &page(None))
            .await
    });
    op!("history: first page", |s, f, n| {
        let _ = n;
        s.interactions
            .history(
                &s.agent,
                f.heavy_customer,
                &HistoryFilter::default(),
                &page(None),
            )
            .await
    });
    op!("history: 20th page", |s, f, n| {
        let _ = n;
        s.interactions
            .history(
                &s.agent,
                f.heavy_customer,
                &HistoryFilter::default(),
                &page(s.history_20.clone()),
            )
            .await
    });
    op!("timeline: first page", |s, f, n| {
        let _ = n;
        let filter = HistoryFilter {
            sources: Sources::ALL,
            ..HistoryFilter::default()
        };
        s.interactions
            .history(&s.agent, f.heavy_customer, &filter, &page(None))
            .await
    });
    op!("overlap check: heavy organizer", |s, f, n| {
        let at = ahead(n);
        s.store
            .overlapping(f.agent, at, at.plus(std::time::Duration::from_mins(45)))
            .await
    });
    op!("overlap check: organizer with none", |s, f, n| {
        let at = ahead(n);
        s.store
            .overlapping(
                f.idle_agent,
                at,
                at.plus(std::time::Duration::from_mins(45)),
            )
            .await
    });
    op!("create customer", |s, f, n| {
        let new = NewCustomer {
            first_name: PersonName::parse("Store").map_err(|e| e.to_string())?,
            last_name: PersonName::parse(&format!("Customer{n}")).map_err(|e| e.to_string())?,
            email: EmailAddress::parse(&format!(
                "store.{n}.{}@new.bench.example.com",
                std::process::id()
            ))
            .ok(),
            phone: None,
            company_id: Some(f.companies[index(n, f.companies.len())]),
            status: None,
            notes: None,
            owner_id: None,
            tags: Tags::default(),
            source: None,
        };
        s.customers
            .create_customer(&s.agent, new)
            .await
            .map_err(|e| e.to_string())
    });
    op!("raise ticket", |s, f, n| {
        let new = NewTicket {
            customer_id: Some(f.customers[index(n * 31, f.customers.len())]),
            issue: LongText::parse("The export to CSV fails").map_err(|e| e.to_string())?,
            subject: None,
            priority: Some(Priority::High),
            channel: None,
        };
        s.tickets
            .raise(&s.agent, new, None)
            .await
            .map_err(|e| e.to_string())
    });
    for (name, organizer, offset) in [
        (
            "schedule: organizer with none",
            Some(facts.idle_agent),
            3_000_017,
        ),
        ("schedule: heavy organizer", None, 5_000_011),
    ] {
        op!(name, |s, f, n| {
            let new = NewInteraction {
                customer_id: f.customers[index(n, f.customers.len())],
                kind: Some(InteractionKind::Meeting),
                date_time: ahead(n + offset),
                end: Some(End::Minutes(45)),
                time_zone: None,
                location: None,
                meeting_url: None,
                description: LongText::parse("Quarterly review").map_err(|e| e.to_string())?,
                outcome: None,
                organizer_id: organizer,
                attendees: Attendees::default(),
                status: None,
                repeat_weekly: 0,
            };
            s.interactions
                .schedule(&s.agent, new)
                .await
                .map_err(|e| e.to_string())
        });
    }
    let email = crate::wiring::email_service(database, Arc::new(crm_kernel::SystemClock))?;
    let email = Arc::new(email);
    {
        let email = Arc::clone(&email);
        let f = Arc::clone(facts);
        let agent = s.agent.clone();
        let op: Op = Arc::new(move |n: u64| {
            let email = Arc::clone(&email);
            let f = Arc::clone(&f);
            let agent = agent.clone();
            Box::pin(async move {
                let new = crm_email::NewEmail::new(
                    vec![crm_email::RecipientInput::customer(
                        f.customers[usize::try_from(n * 17).unwrap_or(0) % f.customers.len()],
                    )],
                    crm_email::NewContent::Written {
                        subject: crm_email::Subject::parse("Your offer")
                            .map_err(|e| e.to_string())?,
                        text: crm_email::TextBody::parse(
                            "Hello,\n\nyour offer: https://shop.example.com/offer",
                        )
                        .map_err(|e| e.to_string())?,
                        html: None,
                    },
                    None,
                )
                .map_err(|e| e.to_string())?;
                email
                    .send(&agent, new, None)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        });
        ops.push(("send email", op));
    }
    let analytics = Arc::new(
        crm_server::wiring::analytics_service(&stores, &settings)
            .map_err(|e| BenchError::Server(e.to_string()))?,
    );
    for (name, whole) in [("report: whole range", true), ("report: one month", false)] {
        let analytics = Arc::clone(&analytics);
        let agent = s.agent.clone();
        let op: Op = Arc::new(move |_n: u64| {
            let analytics = Arc::clone(&analytics);
            let agent = agent.clone();
            Box::pin(async move {
                let mut params = crm_analytics::ReportParams::default();
                for pair in crate::scenarios::report_range(whole).split('&') {
                    match pair.split_once('=') {
                        Some(("from", v)) => params.from = Some(v.to_owned()),
                        Some(("to", v)) => params.to = Some(v.to_owned()),
                        Some(("granularity", v)) => params.granularity = Some(v.to_owned()),
                        _ => {}
                    }
                }
                let query = crm_analytics::ReportQuery::parse(
                    &params,
                    crm_kernel::Clock::now(&crm_kernel::SystemClock),
                )
                .map_err(|e| e.to_string())?;
                analytics
                    .report(&agent, &query)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        });
        ops.push((name, op));
        one_at_a_time.push(name);
    }
    op!("resolve ticket", |s, f, n| {
        let pool = &f.open_tickets[f.open_tickets.len() * 3 / 4..];
        let id = pool[index(n, pool.len()).min(pool.len().saturating_sub(1))];
        if usize::try_from(n).unwrap_or(usize::MAX) >= pool.len() {
            return Err(EXHAUSTED.to_owned());
        }
        s.tickets
            .resolve(&s.agent, id)
            .await
            .map_err(|e| e.to_string())
    });
    let mut figures = Vec::new();
    for (name, op) in ops {
        tracing::info!(operation = name, "store phase");
        let plan = if one_at_a_time.contains(&name) {
            single(plan)
        } else {
            plan
        };
        figures.push(StoreFigures {
            name,
            figures: measure(op, plan).await,
        });
    }
    Ok(figures)
}

/// `plan` with one call in flight and a window three times as long (up to
/// 3 s), as the HTTP scenarios with one connection: a report takes long
/// enough that 32 of them at once on 2 cores finish no call inside the
/// measured window (the in-process report rows used to show 0 calls).
fn single(plan: Plan) -> Plan {
    Plan {
        connections: 1,
        measure: plan
            .measure
            .max(plan.measure.min(std::time::Duration::from_secs(1)) * 3),
        ..plan
    }
}
