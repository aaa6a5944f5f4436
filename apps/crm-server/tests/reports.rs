//! Reports over HTTP: the original contract's keys and formats, parameters,
//! permissions, series as JSON and CSV.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use common::{TestApp, spawn_app};
use serde_json::{Value, json};

const MARCH: &str = "from=2026-03-01&to=2026-03-31";

/// A company with an agent, a customer of it walked from lead to customer,
/// a second customer (a lead, of no company), and five interactions in
/// March 2026: three of the first customer, two of the second.
struct World {
    admin: String,
    agent: String,
    company: String,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    let company = app.company(&admin, "Acme").await;
    let (_, agent) = app.agent_of(&admin, "agent@example.com", &[&company]).await;
    let won = app
        .customer(
            &admin,
            json!({"first_name": "Ada", "last_name": "Won", "company_id": company}),
        )
        .await;
    let won = won["customer_id"].as_str().unwrap().to_owned();
    for status in ["prospect", "customer"] {
        app.patch(
            &format!("/api/customers/{won}"),
            Some(&admin),
            json!({"status": status}),
        )
        .await
        .expect(200);
    }
    let lead = app
        .customer(&admin, json!({"first_name": "Bob", "last_name": "Lead"}))
        .await;
    let lead = lead["customer_id"].as_str().unwrap().to_owned();
    for (customer, kind, at) in [
        (&won, "meeting", "2026-03-05T10:00:00Z"),
        (&won, "call", "2026-03-05T11:00:00Z"),
        (&won, "task", "2026-03-20T09:00:00Z"),
        (&lead, "call", "2026-03-06T08:00:00Z"),
        (&lead, "call", "2026-03-31T22:30:00Z"),
    ] {
        app.post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": at, "description": "Talk", "kind": kind}),
        )
        .await
        .expect(201);
    }
    World {
        admin,
        agent,
        company,
    }
}

#[tokio::test]
async fn the_original_contract_holds_with_the_full_report() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body = app
        .get(&format!("/api/reports?{MARCH}"), Some(&w.admin))
        .await
        .expect(200)
        .body;
    assert_eq!(body["total_interactions"], 5, "{body:#}");
    assert!(body["total_interactions"].is_u64());
    let rate = body["conversion_rate"].as_str().unwrap();
    assert!(
        rate.ends_with('%') && rate[..rate.len() - 1].parse::<f64>().is_ok(),
        "{rate}"
    );
    let chart = body["metrics"]["chart"].as_str().unwrap();
    assert!(
        chart.starts_with(&format!(
            "{}/api/reports/charts/interactions-by-kind.png?",
            app.base
        )),
        "{chart}"
    );
    assert!(chart.contains("sig=") && chart.contains("exp=") && chart.contains("by="));
    assert_eq!(body["periods"].as_array().unwrap().len(), 31);
    assert_eq!(body["interactions"]["total"]["by_kind"]["call"], 3);
    assert_eq!(body["interactions"]["per_period"][4]["total"], 2, "5 March");
    assert_eq!(
        body["interactions"]["per_period"][1]["total"], 0,
        "empty days are zeros"
    );
    assert_eq!(body["tz"], "UTC");
    // The changes happened today: over the last 30 days (the default), both
    // customers were leads and one of them became a customer.
    let recent = app
        .get("/api/reports", Some(&w.admin))
        .await
        .expect(200)
        .body;
    assert_eq!(recent["conversion_rate"], "50%");
    assert_eq!(recent["lifecycle"]["conversion"]["total"]["leads"], 2);
    assert_eq!(recent["lifecycle"]["funnel"]["total"]["customers"], 1);
    assert_eq!(recent["lifecycle"]["customers"]["total"]["new"], 2);
    assert_eq!(recent["periods"].as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn the_chart_url_is_on_the_public_url() {
    let app =
        common::spawn_app_with(|o| o.public_url = Some("https://crm.example.com/".into())).await;
    let admin = app.admin_token().await;
    let body = app.get("/api/reports", Some(&admin)).await.expect(200).body;
    let chart = body["metrics"]["chart"].as_str().unwrap();
    assert!(
        chart.starts_with("https://crm.example.com/api/reports/charts/interactions-by-kind.png?"),
        "{chart}"
    );
    let dashboard = body["metrics"]["dashboard"].as_str().unwrap();
    assert!(
        dashboard.starts_with("https://crm.example.com/dashboard?"),
        "{dashboard}"
    );
}

#[tokio::test]
async fn parameters_cut_the_range_in_a_zone_and_filter_by_owner_and_company() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // Tokyo: the interaction at 22:30 UTC on 31 March falls on 1 April.
    let tokyo = app
        .get(
            &format!("/api/reports?{MARCH}&tz=Asia/Tokyo"),
            Some(&w.admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(tokyo["total_interactions"], 4);
    let weeks = app
        .get(
            &format!("/api/reports?{MARCH}&granularity=week"),
            Some(&w.admin),
        )
        .await
        .expect(200)
        .body;
    let labels: Vec<&str> = weeks["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"
        ]
    );
    let months = app
        .get(
            "/api/reports?from=2026-01-01&to=2026-12-31&granularity=month",
            Some(&w.admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(months["periods"].as_array().unwrap().len(), 12);
    assert_eq!(months["interactions"]["per_period"][2]["total"], 5);
    let company = app
        .get(
            &format!("/api/reports?{MARCH}&company_id={}", w.company),
            Some(&w.admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(company["total_interactions"], 3);
    let nobody = app
        .get(
            &format!("/api/reports?{MARCH}&owner_id=0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"),
            Some(&w.admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(nobody["total_interactions"], 0);
    let bad = app
        .get(
            "/api/reports?from=yesterday&granularity=hour&tz=Mars/Olympus&owner_id=x",
            Some(&w.admin),
        )
        .await
        .expect_problem(400);
    assert_eq!(
        bad.error_fields(),
        ["tz", "granularity", "owner_id", "from"]
    );
    app.get(
        "/api/reports?from=2026-03-02&to=2026-03-01T00:00:00Z",
        Some(&w.admin),
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn agents_see_their_customers_and_customers_are_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let agent = app
        .get(&format!("/api/reports?{MARCH}"), Some(&w.agent))
        .await
        .expect(200)
        .body;
    assert_eq!(
        agent["total_interactions"], 3,
        "only the customer of the agent's company"
    );
    let (_, customer) = app.customer_account("someone@example.com").await;
    app.get("/api/reports", Some(&customer))
        .await
        .expect_problem(403);
    app.get("/api/reports/interactions", Some(&customer))
        .await
        .expect_problem(403);
    app.get("/api/reports/charts/ticket-backlog.png", Some(&customer))
        .await
        .expect_problem(403);
    app.get("/api/reports", None).await.expect_problem(401);
}

#[tokio::test]
async fn a_metric_series_comes_as_json_or_csv() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let series = app
        .get(
            &format!("/api/reports/interactions?{MARCH}"),
            Some(&w.admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(series["metric"], "interactions");
    assert_eq!(series["columns"][0], "total");
    let rows = series["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 31);
    assert_eq!(rows[4]["period"], "2026-03-05");
    assert_eq!(rows[4]["total"], 2);
    assert_eq!(rows[4]["meeting"], 1);
    let conversion = app
        .get("/api/reports/conversion", Some(&w.admin))
        .await
        .expect(200)
        .body;
    let last: &Value = conversion["rows"].as_array().unwrap().last().unwrap();
    assert_eq!(last["conversion_rate"], "50%");
    let csv = app
        .call_with(
            reqwest::Method::GET,
            &format!("/api/reports/interactions?{MARCH}"),
            Some(&w.admin),
            &[("accept", "text/csv")],
            None,
        )
        .await
        .expect(200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = csv.body.as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "period,start,end,total,meeting,call,task,note,email,scheduled,completed,cancelled,no_show"
    );
    assert_eq!(lines.len(), 32);
    assert!(
        lines[5].starts_with(
            "2026-03-05,2026-03-05T00:00:00.000Z,2026-03-06T00:00:00.000Z,2,1,1,0,0,0,"
        ),
        "{}",
        lines[5]
    );
    for name in ["customers", "funnel", "tickets", "email"] {
        app.get(&format!("/api/reports/{name}"), Some(&w.admin))
            .await
            .expect(200);
    }
    app.get("/api/reports/revenue", Some(&w.admin))
        .await
        .expect_problem(404);
}
