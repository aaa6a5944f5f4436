//! Tickets over HTTP: the original contract, the customer and staff flows,
//! visibility, the state machine and idempotent raising.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::collections::HashSet;

use common::{spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

fn statuses(events: &Value) -> Vec<(Option<String>, String)> {
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().map(str::to_owned),
                e["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_original_contract_holds() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(&admin, json!({"first_name": "A", "last_name": "B"}))
        .await;
    let customer_id = customer["customer_id"].as_str().unwrap();

    let raised = app
        .post(
            "/api/tickets",
            Some(&admin),
            json!({"customer_id": customer_id, "issue": "The invoice is wrong"}),
        )
        .await
        .expect(201);
    assert_eq!(raised.body["message"], "Ticket raised successfully");
    let id = raised.body["ticket_id"].as_str().unwrap().to_owned();
    assert_eq!(
        raised.header("location"),
        Some(format!("/api/tickets/{id}").as_str())
    );
    assert_eq!(raised.body["customer_id"], customer_id);
    assert_eq!(raised.body["issue"], "The invoice is wrong");
    assert_eq!(raised.body["subject"], "The invoice is wrong");
    assert_eq!(raised.body["status"], "open");
    assert_eq!(raised.body["priority"], "normal");
    assert_eq!(raised.body["channel"], "api");

    let resolved = app
        .call(
            Method::PATCH,
            &format!("/api/tickets/{id}/resolve"),
            Some(&admin),
            None,
        )
        .await
        .expect(200);
    assert_eq!(resolved.body["message"], "Ticket marked as resolved");
    assert_eq!(resolved.body["status"], "resolved");
    assert!(resolved.body["resolution_seconds"].is_u64());
}

#[tokio::test]
async fn customer_raises_comments_resolves_reopens_and_resolves_again() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (me, token) = app.customer_account("ada@example.com").await;

    let raised = app
        .post(
            "/api/tickets",
            Some(&token),
            json!({"issue": "Cannot log in\nSince yesterday"}),
        )
        .await
        .expect(201);
    let id = raised.body["ticket_id"].as_str().unwrap().to_owned();
    assert_eq!(raised.body["customer_id"], me.as_str());
    assert_eq!(raised.body["subject"], "Cannot log in");
    assert_eq!(raised.body["channel"], "portal");

    app.post(
        &format!("/api/tickets/{id}/comments"),
        Some(&token),
        json!({"body": "Any news?"}),
    )
    .await
    .expect(201);
    // A customer cannot write staff-only notes, nor change priority or assignee.
    app.post(
        &format!("/api/tickets/{id}/comments"),
        Some(&token),
        json!({"body": "x", "internal": true}),
    )
    .await
    .expect_problem(403);
    let refused = app
        .patch(
            &format!("/api/tickets/{id}"),
            Some(&token),
            json!({"priority": "urgent"}),
        )
        .await
        .expect_problem(403);
    assert_eq!(refused.error_fields(), vec!["priority"]);

    let path = |action: &str| format!("/api/tickets/{id}/{action}");
    app.call(Method::PATCH, &path("resolve"), Some(&token), None)
        .await
        .expect(200);
    app.post(&path("reopen"), Some(&token), json!({}))
        .await
        .expect(200);
    app.call(Method::PATCH, &path("resolve"), Some(&token), None)
        .await
        .expect(200);
    // A customer cannot close.
    app.post(&path("close"), Some(&token), json!({}))
        .await
        .expect_problem(403);

    let events = app.get(&path("events"), Some(&token)).await.expect(200);
    assert_eq!(
        statuses(&events.body),
        vec![
            (None, "open".to_owned()),
            (Some("open".to_owned()), "resolved".to_owned()),
            (Some("resolved".to_owned()), "reopened".to_owned()),
            (Some("reopened".to_owned()), "resolved".to_owned()),
        ]
    );
    assert!(
        events.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_kind"] == "customer")
    );

    // The customer's tickets, seen by the customer and by staff.
    let mine = app.get("/api/tickets", Some(&token)).await.expect(200);
    assert_eq!(mine.body["tickets"].as_array().unwrap().len(), 1);
    let theirs = app
        .get(&format!("/api/customers/{me}/tickets"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(theirs.body["tickets"][0]["ticket_id"], id.as_str());
}

#[tokio::test]
async fn staff_work_a_ticket_and_response_metrics_are_recorded() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (agent_id, agent) = app.agent_of(&admin, "agent@example.com", &[]).await;
    let (customer_id, customer) = app.customer_account("c@example.com").await;
    app.patch(
        &format!("/api/customers/{customer_id}"),
        Some(&admin),
        json!({"owner_id": agent_id}),
    )
    .await
    .expect(200);

    let id = app
        .post(
            "/api/tickets",
            Some(&customer),
            json!({"issue": "Broken", "priority": "high"}),
        )
        .await
        .expect(201)
        .body["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/tickets/{id}");
    let assigned = app
        .patch(
            &path,
            Some(&agent),
            json!({"assignee_id": agent_id, "status": "in_progress", "subject": "Broken widget"}),
        )
        .await
        .expect(200);
    assert_eq!(assigned.body["status"], "in_progress");
    assert_eq!(assigned.body["assignee_id"], agent_id.as_str());
    assert!(assigned.body["first_response_at"].is_null());

    app.post(
        &format!("{path}/comments"),
        Some(&agent),
        json!({"body": "Checking internally", "internal": true}),
    )
    .await
    .expect(201);
    let unanswered = app.get(&path, Some(&agent)).await.expect(200);
    assert!(
        unanswered.body["first_response_at"].is_null(),
        "internal notes are no response"
    );
    app.post(
        &format!("{path}/comments"),
        Some(&agent),
        json!({"body": "We are on it"}),
    )
    .await
    .expect(201);
    let answered = app.get(&path, Some(&agent)).await.expect(200);
    assert!(answered.body["first_response_at"].is_string());
    assert!(answered.body["first_response_seconds"].is_u64());

    // The customer sees the public comment only; staff see both.
    let seen = app
        .get(&format!("{path}/comments"), Some(&customer))
        .await
        .expect(200);
    let bodies: Vec<&str> = seen.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["We are on it"]);
    let all = app
        .get(&format!("{path}/comments"), Some(&agent))
        .await
        .expect(200);
    assert_eq!(all.body["comments"].as_array().unwrap().len(), 2);

    app.call(
        Method::PATCH,
        &format!("{path}/resolve"),
        Some(&agent),
        None,
    )
    .await
    .expect(200);
    let closed = app
        .post(&format!("{path}/close"), Some(&agent), json!({}))
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "closed");
    assert!(closed.body["closed_at"].is_string());

    // Filters.
    let high = app
        .get("/api/tickets?priority=high&status=closed", Some(&admin))
        .await
        .expect(200);
    assert_eq!(high.body["tickets"].as_array().unwrap().len(), 1);
    let mine = app
        .get(
            &format!("/api/tickets?assignee_id={agent_id}&q=WIDGET"),
            Some(&admin),
        )
        .await
        .expect(200);
    assert_eq!(mine.body["tickets"].as_array().unwrap().len(), 1);
    let none = app
        .get("/api/tickets?status=open", Some(&admin))
        .await
        .expect(200);
    assert!(none.body["tickets"].as_array().unwrap().is_empty());
    // Unknown assignees are refused.
    app.patch(
        &path,
        Some(&admin),
        json!({"assignee_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"}),
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn invalid_transitions_are_409_never_silent() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(&admin, json!({"first_name": "A", "last_name": "B"}))
        .await;
    let id = app
        .post(
            "/api/tickets",
            Some(&admin),
            json!({"customer_id": customer["customer_id"], "issue": "x"}),
        )
        .await
        .expect(201)
        .body["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = |action: &str| format!("/api/tickets/{id}/{action}");

    let early = app
        .post(&path("close"), Some(&admin), json!({}))
        .await
        .expect_problem(409);
    assert!(
        early.body["detail"]
            .as_str()
            .unwrap()
            .contains("`open` to `closed`")
    );
    app.post(&path("reopen"), Some(&admin), json!({}))
        .await
        .expect_problem(409);
    app.call(Method::PATCH, &path("resolve"), Some(&admin), None)
        .await
        .expect(200);
    let twice = app
        .call(Method::PATCH, &path("resolve"), Some(&admin), None)
        .await
        .expect_problem(409);
    let detail = twice.body["detail"].as_str().unwrap();
    assert!(detail.contains("`resolved` to `resolved`"), "{detail}");
    app.post(&path("close"), Some(&admin), json!({}))
        .await
        .expect(200);
    app.call(Method::PATCH, &path("resolve"), Some(&admin), None)
        .await
        .expect_problem(409);
    app.post(&path("reopen"), Some(&admin), json!({}))
        .await
        .expect_problem(409);
    let events = app.get(&path("events"), Some(&admin)).await.expect(200);
    assert_eq!(events.body["events"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn foreign_tickets_are_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, ada) = app.customer_account("ada@example.com").await;
    let (bob_id, bob) = app.customer_account("bob@example.com").await;
    let id = app
        .post("/api/tickets", Some(&ada), json!({"issue": "Mine"}))
        .await
        .expect(201)
        .body["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/tickets/{id}");

    app.get(&path, Some(&bob)).await.expect_problem(404);
    app.get(&format!("{path}/comments"), Some(&bob))
        .await
        .expect_problem(404);
    app.post(
        &format!("{path}/comments"),
        Some(&bob),
        json!({"body": "hi"}),
    )
    .await
    .expect_problem(404);
    app.call(Method::PATCH, &format!("{path}/resolve"), Some(&bob), None)
        .await
        .expect_problem(404);
    assert!(
        app.get("/api/tickets", Some(&bob)).await.body["tickets"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A customer raising for another customer: 404, nothing created.
    app.post(
        "/api/tickets",
        Some(&ada),
        json!({"customer_id": bob_id, "issue": "Theirs"}),
    )
    .await
    .expect_problem(404);
    // An agent outside the customer's companies does not see it either.
    let (_, agent) = app.agent_of(&admin, "agent@example.com", &[]).await;
    app.get(&path, Some(&agent)).await.expect_problem(404);
    app.post(
        "/api/tickets",
        Some(&agent),
        json!({"customer_id": bob_id, "issue": "x"}),
    )
    .await
    .expect_problem(404);
    app.post(
        "/api/tickets",
        Some(&admin),
        json!({"customer_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b", "issue": "x"}),
    )
    .await
    .expect_problem(404);
    let all = app.get("/api/tickets", Some(&admin)).await.expect(200);
    assert_eq!(all.body["tickets"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn idempotent_retries_create_one_ticket_even_concurrently() {
    let app = spawn_app().await;
    let (_, token) = app.customer_account("ada@example.com").await;
    let body = json!({"issue": "Please call me back"});
    let requests = (0..10).map(|_| {
        app.call_with(
            Method::POST,
            "/api/tickets",
            Some(&token),
            &[("idempotency-key", "retry-42")],
            Some(body.clone()),
        )
    });
    let answers = futures_util::future::join_all(requests).await;
    let ids: HashSet<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status.as_u16(), 201, "{:#}", a.body);
            assert_eq!(a.body["message"], "Ticket raised successfully");
            a.body["ticket_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    let replayed = answers
        .iter()
        .filter(|a| a.header("idempotent-replayed") == Some("true"))
        .count();
    assert_eq!(replayed, 9);
    assert_eq!(
        app.get("/api/tickets", Some(&token)).await.body["tickets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let conflict = app
        .call_with(
            Method::POST,
            "/api/tickets",
            Some(&token),
            &[("idempotency-key", "retry-42")],
            Some(json!({"issue": "Something else"})),
        )
        .await
        .expect_problem(409);
    assert_eq!(conflict.body["type"], "/problems/idempotency-key-reused");
    app.call_with(
        Method::POST,
        "/api/tickets",
        Some(&token),
        &[("idempotency-key", "")],
        Some(body),
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn customers_may_reopen_only_within_the_window() {
    let app = spawn_app_with(|o| o.ticket_reopen_window = Some("1s".into())).await;
    let admin = app.admin_token().await;
    let (_, token) = app.customer_account("ada@example.com").await;
    let id = app
        .post("/api/tickets", Some(&token), json!({"issue": "x"}))
        .await
        .expect(201)
        .body["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(
        Method::PATCH,
        &format!("/api/tickets/{id}/resolve"),
        Some(&token),
        None,
    )
    .await
    .expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let late = app
        .post(
            &format!("/api/tickets/{id}/reopen"),
            Some(&token),
            json!({}),
        )
        .await
        .expect_problem(403);
    assert_eq!(late.body["type"], "/problems/reopen-window-closed");
    app.post(
        &format!("/api/tickets/{id}/reopen"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn bad_ticket_input_names_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (body, field) in [
        (json!({"issue": ""}), "issue"),
        (json!({"issue": "x", "priority": "whenever"}), "priority"),
        (json!({"issue": "x", "subject": "s".repeat(201)}), "subject"),
        (json!({"issue": "x"}), "customer_id"),
    ] {
        let answer = app
            .post("/api/tickets", Some(&admin), body.clone())
            .await
            .expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{body}");
    }
    for (query, field) in [
        ("status=done", "status"),
        ("sort=age", "sort"),
        ("from=today", "from"),
    ] {
        let answer = app
            .get(&format!("/api/tickets?{query}"), Some(&admin))
            .await
            .expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{query}");
    }
}

/// Adding a comment never conflicts: of 128 staff comments sent at once on
/// a ticket nobody has answered yet, each is stored and answered 201, and
/// the first response is the earliest of them.
#[tokio::test]
async fn concurrent_comments_are_all_stored() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(&admin, json!({"first_name": "A", "last_name": "B"}))
        .await;
    let id = app
        .post(
            "/api/tickets",
            Some(&admin),
            json!({"customer_id": customer["customer_id"], "issue": "Many answers"}),
        )
        .await
        .expect(201)
        .body["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/tickets/{id}/comments");
    // Open the connections first, so that the comments leave together.
    let ticket_path = format!("/api/tickets/{id}");
    let warm = (0..128).map(|_| app.get(&ticket_path, Some(&admin)));
    futures_util::future::join_all(warm).await;

    let sent =
        (0..128).map(|n| app.post(&path, Some(&admin), json!({"body": format!("answer {n}")})));
    let answers = futures_util::future::join_all(sent).await;
    let refused: Vec<_> = answers.iter().filter(|a| a.status != 201).collect();
    assert!(
        refused.is_empty(),
        "{} refused: {refused:#?}",
        refused.len()
    );

    let stored = app
        .get(&format!("{path}?limit=200"), Some(&admin))
        .await
        .expect(200);
    let comments = stored.body["comments"].as_array().unwrap();
    let bodies: HashSet<&str> = comments
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 128, "every comment is stored once");
    let earliest = comments
        .iter()
        .map(|c| c["created_at"].as_str().unwrap())
        .min()
        .unwrap();
    let ticket = app
        .get(&format!("/api/tickets/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(ticket.body["first_response_at"], earliest);
    assert!(ticket.body["first_response_seconds"].is_u64());
}
