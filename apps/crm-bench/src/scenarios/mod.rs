//! The HTTP scenarios of the issue, as load-generator scenarios, in the
//! order they run (reads first, then writes (`writes.rs`), then mail, then
//! sign-in).

mod writes;

use std::sync::Arc;

use bytes::Bytes;
use crm_kernel::Clock as _;
use crm_kernel::{SystemClock, Timestamp};
use hyper::Method;
use serde::Deserialize;

use crate::client::{Load, Req, Walk};
use crate::load::Facts;

/// What a scenario's figures are held against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ceiling {
    /// The bare SQLite primary-key read served by the same HTTP stack.
    BareRow,
    /// The HTTP stack with the token check and the in-process store call
    /// named (`1 / (1/fixed + 1/store)`).
    Store(&'static str),
    /// The HTTP stack answering a fixed document (no store call to add).
    Fixed,
    /// None (sign-in is slow on purpose).
    None,
}

/// One HTTP scenario.
pub struct Scenario {
    /// Its name in the report.
    pub name: &'static str,
    /// What it is held against.
    pub ceiling: Ceiling,
    /// The requests.
    pub load: Load,
    /// Connections, when not the plan's.
    pub connections: Option<u64>,
}

/// Pages of a walk by cursor.
pub const WALK_PAGES: u32 = 5;
/// The page of the history read by cursor.
pub const HISTORY_PAGE: u32 = 20;

#[derive(Deserialize)]
struct NextCursor {
    next_cursor: Option<String>,
}

/// The `next_cursor` of a list answer.
pub fn next_cursor(body: &Bytes) -> Option<String> {
    serde_json::from_slice::<NextCursor>(body)
        .ok()
        .and_then(|n| n.next_cursor)
}

/// The customer list of the walk: a filter and the last-interaction order.
pub const LIST: &str = "/api/customers?status=customer&sort=-last_interaction&limit=50";

fn pick<T: Copy>(items: &[T], n: u64) -> T {
    let index =
        usize::try_from(n.wrapping_mul(2_654_435_761) % items.len().max(1) as u64).unwrap_or(0);
    items[index]
}

/// An instant a year or two ahead, different for each `n`, on whole minutes.
pub fn ahead(n: u64) -> Timestamp {
    let now = SystemClock.now().as_millis();
    let minutes = i64::try_from(n.wrapping_mul(7_919) % 525_600).unwrap_or(0);
    let at = now + 400 * 86_400_000 + minutes * 60_000;
    Timestamp::from_millis(at - at % 60_000).unwrap_or_else(|| SystemClock.now())
}

/// The scenarios, given the agent's token and cursors found beforehand
/// (`deep_list`: a page deep in the list; `history_20`: the 20th page of
/// the heavy customer's history).
#[allow(
    clippy::too_many_lines,
    reason = "the list of scenarios, one per block"
)]
pub fn http(
    facts: &Arc<Facts>,
    token: &str,
    deep_list: Option<String>,
    history_20: Option<String>,
) -> Vec<Scenario> {
    let token = Some(token.to_owned());
    let load = |make: crate::client::MakeRequest, expect: u16| Load {
        make,
        read: None,
        expect,
        token: token.clone(),
    };
    let mut list = Vec::new();
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "GET /api/customers/{id}",
        ceiling: Ceiling::BareRow,
        load: load(
            Box::new(move |w: &mut Walk, _| {
                Req::get(format!(
                    "/api/customers/{}",
                    pick(&f.customers, w.n + w.conn * 977)
                ))
            }),
            200,
        ),
        connections: None,
    });
    list.push(Scenario {
        name: "list: first page (status, -last_interaction)",
        ceiling: Ceiling::Store("list: first page"),
        load: load(Box::new(|_, _| Req::get(LIST)), 200),
        connections: None,
    });
    list.push(Scenario {
        name: "list: 5 pages walked by cursor",
        ceiling: Ceiling::Store("list: deep page by cursor"),
        load: Load {
            make: Box::new(|w: &mut Walk, _| match (&w.cursor, w.step) {
                (Some(cursor), step) if step < WALK_PAGES => {
                    Req::get(format!("{LIST}&cursor={cursor}"))
                }
                _ => {
                    w.step = 0;
                    Req::get(LIST)
                }
            }),
            read: Some(Box::new(|w: &mut Walk, body: &Bytes| {
                w.cursor = next_cursor(body);
                w.step += 1;
            })),
            expect: 200,
            token: token.clone(),
        },
        connections: None,
    });
    if let Some(cursor) = deep_list {
        list.push(Scenario {
            name: "list: a deep page by cursor",
            ceiling: Ceiling::Store("list: deep page by cursor"),
            load: load(
                Box::new(move |_, _| Req::get(format!("{LIST}&cursor={cursor}"))),
                200,
            ),
            connections: None,
        });
    }
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "q= name prefix (4 letters)",
        ceiling: Ceiling::Store("q= name prefix"),
        load: load(
            Box::new(move |w: &mut Walk, _| {
                Req::get(format!(
                    "/api/customers?q={}&limit=50",
                    pick(
                        &f.prefixes.iter().map(String::as_str).collect::<Vec<_>>(),
                        w.n + w.conn
                    )
                ))
            }),
            200,
        ),
        connections: None,
    });
    let heavy = facts.heavy_customer;
    list.push(Scenario {
        name: "history: first page (10,000-interaction customer)",
        ceiling: Ceiling::Store("history: first page"),
        load: load(
            Box::new(move |_, _| Req::get(format!("/api/customers/{heavy}/interactions?limit=50"))),
            200,
        ),
        connections: None,
    });
    if let Some(cursor) = history_20 {
        list.push(Scenario {
            name: "history: 20th page by cursor",
            ceiling: Ceiling::Store("history: 20th page"),
            load: load(
                Box::new(move |_, _| {
                    Req::get(format!(
                        "/api/customers/{heavy}/interactions?limit=50&cursor={cursor}"
                    ))
                }),
                200,
            ),
            connections: None,
        });
    }
    list.push(Scenario {
        name: "timeline: first page (same customer)",
        ceiling: Ceiling::Store("timeline: first page"),
        load: load(
            Box::new(move |_, _| Req::get(format!("/api/customers/{heavy}/timeline?limit=50"))),
            200,
        ),
        connections: None,
    });
    list.extend(writes::http(facts, token.as_deref()));
    list
}

/// The query of a report over the whole data set (three years, by month)
/// or over the last month (by day).
pub fn report_range(whole: bool) -> String {
    let today = chrono::Utc::now().date_naive();
    if whole {
        let from = today - chrono::Days::new(3 * 365 + 1);
        format!("from={from}&to={today}&granularity=month")
    } else {
        let from = today - chrono::Days::new(29);
        format!("from={from}&to={today}")
    }
}

/// The open tickets the HTTP phase resolves (the first three quarters;
/// the store-only phase resolves the rest).
pub fn http_ticket_pool(facts: &Facts) -> &[crm_kernel::TicketId] {
    let split = facts.open_tickets.len() * 3 / 4;
    &facts.open_tickets[..split]
}

impl Req {
    fn with_patch(self, path: Option<String>) -> Self {
        Self {
            method: Method::PATCH,
            path: path.unwrap_or(self.path),
            body: None,
        }
    }
}
