//! Optimistic concurrency over HTTP, the same on every versioned resource
//! (customers, companies, tickets, interactions): a change without
//! `If-Match` applies to the latest version however many clients race it;
//! a change with a stale `If-Match` is 412 with the current `ETag`.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use common::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// One versioned resource: where it lives and which text field a test changes.
struct Resource {
    name: &'static str,
    path: String,
    field: &'static str,
}

/// A customer, a company, a ticket and an interaction, created by `admin`.
async fn resources(app: &TestApp, admin: &str) -> Vec<Resource> {
    let customer = app
        .customer(admin, json!({"first_name": "Ada", "last_name": "Lovelace"}))
        .await;
    let customer_id = customer["customer_id"].as_str().unwrap();
    let company_id = app.company(admin, "Acme").await;
    let ticket = app
        .post(
            "/api/tickets",
            Some(admin),
            json!({"customer_id": customer_id, "issue": "Broken"}),
        )
        .await
        .expect(201);
    let interaction = app
        .post(
            "/api/interactions",
            Some(admin),
            json!({"customer_id": customer_id, "date_time": "2030-03-25T08:00:00Z", "description": "Review"}),
        )
        .await
        .expect(201);
    vec![
        Resource {
            name: "customer",
            path: format!("/api/customers/{customer_id}"),
            field: "notes",
        },
        Resource {
            name: "company",
            path: format!("/api/companies/{company_id}"),
            field: "notes",
        },
        Resource {
            name: "ticket",
            path: format!(
                "/api/tickets/{}",
                ticket.body["ticket_id"].as_str().unwrap()
            ),
            field: "subject",
        },
        Resource {
            name: "interaction",
            path: format!(
                "/api/interactions/{}",
                interaction.body["interaction_id"].as_str().unwrap()
            ),
            field: "description",
        },
    ]
}

/// The resource's version, checking that its `ETag` says the same.
async fn version(app: &TestApp, admin: &str, resource: &Resource) -> u64 {
    let answer = app.get(&resource.path, Some(admin)).await.expect(200);
    let version = answer.body["version"].as_u64().unwrap();
    assert_eq!(
        answer.header("etag"),
        Some(format!("\"{version}\"").as_str()),
        "{}: GET carries the ETag",
        resource.name
    );
    version
}

#[tokio::test]
async fn parallel_changes_without_if_match_all_apply_to_the_latest_version() {
    const CLIENTS: u64 = 16;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for resource in resources(&app, &admin).await {
        let before = version(&app, &admin, &resource).await;
        // Open the connections first, so that the changes leave together.
        let warm = (0..CLIENTS).map(|_| app.get(&resource.path, Some(&admin)));
        futures_util::future::join_all(warm).await;

        let values: Vec<String> = (0..CLIENTS)
            .map(|n| format!("{} change {n}", resource.name))
            .collect();
        let changes = values
            .iter()
            .map(|value| app.patch(&resource.path, Some(&admin), json!({resource.field: value})));
        let answers = futures_util::future::join_all(changes).await;
        let refused: Vec<_> = answers.iter().filter(|a| a.status != 200).collect();
        assert!(
            refused.is_empty(),
            "{}: {} of {CLIENTS} refused: {refused:#?}",
            resource.name,
            refused.len()
        );

        let after = app.get(&resource.path, Some(&admin)).await.expect(200);
        assert_eq!(
            after.body["version"].as_u64().unwrap(),
            before + CLIENTS,
            "{}: every change applied",
            resource.name
        );
        let last = after.body[resource.field].as_str().unwrap();
        assert!(
            values.iter().any(|v| v == last),
            "{}: the record holds one of the changes, not {last:?}",
            resource.name
        );
    }
}

#[tokio::test]
async fn a_stale_if_match_is_412_with_the_current_etag_on_every_resource() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for resource in resources(&app, &admin).await {
        let name = resource.name;
        let seen = version(&app, &admin, &resource).await;
        let tag = format!("\"{seen}\"");

        // Someone else changes it.
        let other = app
            .patch(
                &resource.path,
                Some(&admin),
                json!({resource.field: "changed by someone else"}),
            )
            .await
            .expect(200);
        let current = format!("\"{}\"", seen + 1);
        assert_eq!(
            other.header("etag"),
            Some(current.as_str()),
            "{name}: PATCH carries the ETag"
        );

        // A change based on the version seen before is refused, and changes nothing.
        let stale = app
            .call_with(
                Method::PATCH,
                &resource.path,
                Some(&admin),
                &[("if-match", tag.as_str())],
                Some(json!({resource.field: "based on an old read"})),
            )
            .await
            .expect_problem(412);
        assert_eq!(
            stale.body["type"], "/problems/precondition-failed",
            "{name}"
        );
        assert_eq!(
            stale.header("etag"),
            Some(current.as_str()),
            "{name}: the current ETag"
        );
        let unchanged = app.get(&resource.path, Some(&admin)).await.expect(200);
        assert_eq!(
            unchanged.body[resource.field], "changed by someone else",
            "{name}: nothing changed"
        );

        // With the current ETag it applies.
        let fresh = app
            .call_with(
                Method::PATCH,
                &resource.path,
                Some(&admin),
                &[("if-match", current.as_str())],
                Some(json!({resource.field: "based on the latest read"})),
            )
            .await
            .expect(200);
        assert_eq!(
            fresh.header("etag"),
            Some(format!("\"{}\"", seen + 2).as_str()),
            "{name}"
        );
        assert_eq!(
            fresh.body[resource.field], "based on the latest read",
            "{name}"
        );
    }
}

/// Parallel changes that all name the same, current version: exactly one
/// applies, the others are 412 (never 409), whatever the resource.
#[tokio::test]
async fn parallel_changes_with_one_if_match_let_exactly_one_win() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for resource in resources(&app, &admin).await {
        let seen = version(&app, &admin, &resource).await;
        let tag = format!("\"{seen}\"");
        let bodies: Vec<Value> = (0..8)
            .map(|n| json!({resource.field: format!("racer {n}")}))
            .collect();
        let headers = [("if-match", tag.as_str())];
        let changes = bodies.iter().map(|body| {
            app.call_with(
                Method::PATCH,
                &resource.path,
                Some(&admin),
                &headers,
                Some(body.clone()),
            )
        });
        let answers = futures_util::future::join_all(changes).await;
        let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{}: {statuses:?}",
            resource.name
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 412),
            "{}: {statuses:?}",
            resource.name
        );
        assert_eq!(
            version(&app, &admin, &resource).await,
            seen + 1,
            "{}",
            resource.name
        );
    }
}
