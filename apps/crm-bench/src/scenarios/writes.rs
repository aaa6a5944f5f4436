//! The scenarios that write: creating customers, tickets and interactions,
//! resolving tickets, reports (read from counters the writes keep), mail,
//! tracking and sign-in.

use std::sync::Arc;

use crm_email::{TokenClaim, TokenKey, TokenPurpose};
use hyper::Method;
use serde_json::json;

use super::{Ceiling, Scenario, ahead, http_ticket_pool, pick, report_range};
use crate::client::{Load, Req, Walk};
use crate::load::{Facts, STAFF_PASSWORD};

/// The writing scenarios, with the agent's token.
#[allow(
    clippy::too_many_lines,
    reason = "the list of scenarios, one per block"
)]
pub fn http(facts: &Arc<Facts>, token: Option<&str>) -> Vec<Scenario> {
    let token = token.map(str::to_owned);
    let load = |make: crate::client::MakeRequest, expect: u16| Load {
        make,
        read: None,
        expect,
        token: token.clone(),
    };
    let mut list = Vec::new();
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "POST /api/customers",
        ceiling: Ceiling::Store("create customer"),
        load: load(
            Box::new(move |w: &mut Walk, shared| {
                let n = shared.next();
                Req::json(
                    Method::POST,
                    "/api/customers",
                    &json!({
                        "first_name": "Bench",
                        "last_name": format!("Customer{n}"),
                        "email": format!("http.{n}@new.bench.example.com"),
                        "company_id": pick(&f.companies, n + w.conn),
                        "tags": ["trial"],
                    }),
                )
            }),
            201,
        ),
        connections: None,
    });
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "POST /api/tickets",
        ceiling: Ceiling::Store("raise ticket"),
        load: load(
            Box::new(move |w: &mut Walk, _| {
                Req::json(
                    Method::POST,
                    "/api/tickets",
                    &json!({
                        "customer_id": pick(&f.customers, w.n * 31 + w.conn),
                        "issue": "The export to CSV fails for large reports",
                        "priority": "high",
                    }),
                )
            }),
            201,
        ),
        connections: None,
    });
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "POST /api/interactions (organizer with none)",
        ceiling: Ceiling::Store("schedule: organizer with none"),
        load: load(
            Box::new(move |w: &mut Walk, shared| {
                let n = shared.next();
                Req::json(
                    Method::POST,
                    "/api/interactions",
                    &json!({
                        "customer_id": pick(&f.customers, n + w.conn),
                        "date_time": ahead(n).to_rfc3339(),
                        "duration_minutes": 45,
                        "kind": "meeting",
                        "description": "Quarterly review",
                        "organizer_id": f.idle_agent,
                    }),
                )
            }),
            201,
        ),
        connections: None,
    });
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "POST /api/interactions (200,000-interaction organizer)",
        ceiling: Ceiling::Store("schedule: heavy organizer"),
        load: load(
            Box::new(move |w: &mut Walk, shared| {
                let n = shared.next();
                Req::json(
                    Method::POST,
                    "/api/interactions",
                    &json!({
                        "customer_id": pick(&f.customers, n + w.conn),
                        "date_time": ahead(n + 1_000_003).to_rfc3339(),
                        "duration_minutes": 45,
                        "kind": "meeting",
                        "description": "Quarterly review",
                    }),
                )
            }),
            201,
        ),
        connections: None,
    });
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "PATCH /api/tickets/{id}/resolve",
        ceiling: Ceiling::Store("resolve ticket"),
        load: load(
            Box::new(move |_, shared| {
                let pool = http_ticket_pool(&f);
                let n = usize::try_from(shared.next()).unwrap_or(usize::MAX);
                let id = pool.get(n).or(pool.last()).copied();
                Req::get(String::new())
                    .with_patch(id.map(|id| format!("/api/tickets/{id}/resolve")))
            }),
            200,
        ),
        connections: None,
    });
    let f = Arc::clone(facts);
    list.push(Scenario {
        name: "POST /api/emails",
        ceiling: Ceiling::Store("send email"),
        load: load(
            Box::new(move |w: &mut Walk, _| {
                Req::json(
                    Method::POST,
                    "/api/emails",
                    &json!({
                        "to": [{"customer_id": pick(&f.customers, w.n * 17 + w.conn)}],
                        "subject": "Your offer",
                        "body": "Hello,\n\nyour offer: https://shop.example.com/offer\n\nBest regards",
                    }),
                )
            }),
            202,
        ),
        connections: None,
    });
    let (whole, month) = (report_range(true), report_range(false));
    list.push(Scenario {
        name: "GET /api/reports, whole range (3 years by month)",
        ceiling: Ceiling::Store("report: whole range"),
        load: load(
            Box::new(move |_, _| Req::get(format!("/api/reports?{whole}"))),
            200,
        ),
        connections: Some(1),
    });
    list.push(Scenario {
        name: "GET /api/reports, one month (by day)",
        ceiling: Ceiling::Store("report: one month"),
        load: load(
            Box::new(move |_, _| Req::get(format!("/api/reports?{month}"))),
            200,
        ),
        connections: Some(1),
    });
    let month = report_range(false);
    list.push(Scenario {
        name: "chart image (PNG, one month; cached render)",
        // Its store call is the month's interaction counts alone (the image
        // is cached): no in-process twin; the whole report is not its ceiling.
        ceiling: Ceiling::None,
        load: load(
            Box::new(move |_, _| {
                Req::get(format!(
                    "/api/reports/charts/interactions-by-kind.png?{month}"
                ))
            }),
            200,
        ),
        connections: None,
    });
    if let Ok(key) = TokenKey::derive(crate::wiring::JWT_SECRET.as_bytes()) {
        let tokens: Vec<String> = facts
            .recipients
            .iter()
            .map(|recipient| {
                key.sign(TokenClaim {
                    recipient: *recipient,
                    purpose: TokenPurpose::Open,
                })
            })
            .collect();
        if !tokens.is_empty() {
            list.push(Scenario {
                name: "GET /t/o/{token} (tracking pixel)",
                ceiling: Ceiling::Fixed,
                load: Load {
                    make: Box::new(move |w: &mut Walk, _| {
                        let n = usize::try_from(w.n * 64 + w.conn).unwrap_or(0) % tokens.len();
                        Req::get(format!("/t/o/{}", tokens[n]))
                    }),
                    read: None,
                    expect: 200,
                    token: None,
                },
                connections: None,
            });
        }
    }
    let email = facts.agent_email.clone();
    list.push(Scenario {
        name: "POST /api/auth/login (argon2id, slow on purpose)",
        ceiling: Ceiling::None,
        load: Load {
            make: Box::new(move |_, _| {
                Req::json(
                    Method::POST,
                    "/api/auth/login",
                    &json!({"email": email, "password": STAFF_PASSWORD}),
                )
            }),
            read: None,
            expect: 200,
            token: None,
        },
        connections: Some(4),
    });
    list
}
