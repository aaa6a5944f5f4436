//! Interactions over HTTP: the original contract, scheduling rules,
//! `last_interaction`, histories, timelines and calendars.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::str::FromStr;

use common::spawn_app;
use icalendar::{Component, EventLike};
use reqwest::Method;
use serde_json::json;

const PAST: &str = "2026-01-15T10:00:00+01:00";
const FUTURE: &str = "2030-03-25T09:00:00+01:00";

async fn setup(app: &common::TestApp) -> (String, String) {
    let admin = app.admin_token().await;
    let customer = app
        .customer(
            &admin,
            json!({"first_name": "Ada", "last_name": "Lovelace"}),
        )
        .await;
    (admin, customer["customer_id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_original_contract_holds() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;
    let scheduled = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": FUTURE, "description": "Quarterly review"}),
        )
        .await
        .expect(201);
    assert_eq!(scheduled.body["message"], "Interaction scheduled");
    assert_eq!(scheduled.body["kind"], "meeting");
    assert_eq!(scheduled.body["status"], "scheduled");
    assert_eq!(scheduled.body["date_time"], "2030-03-25T08:00:00.000Z");
    let id = scheduled.body["interaction_id"].as_str().unwrap();
    assert_eq!(
        scheduled.header("location"),
        Some(format!("/api/interactions/{id}").as_str())
    );

    let history = app
        .get(
            &format!("/api/customers/{customer}/interactions"),
            Some(&admin),
        )
        .await
        .expect(200);
    let entries = history.body["interactions"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["date_time"], "2030-03-25T08:00:00.000Z");
    assert_eq!(entries[0]["description"], "Quarterly review");
}

#[tokio::test]
async fn scheduling_rules_time_zones_and_conflicts() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;

    // A weekly 09:00 Berlin meeting across the DST change stays at 09:00 local.
    let series = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": "2030-03-27T09:00:00+01:00", "time_zone": "Europe/Berlin",
                   "duration_minutes": 60, "description": "Stand-up", "repeat_weekly": 1}),
        )
        .await
        .expect(201);
    let occurrences = series.body["series"].as_array().unwrap();
    assert_eq!(occurrences.len(), 2);
    assert_eq!(occurrences[0]["date_time"], "2030-03-27T08:00:00.000Z");
    assert_eq!(occurrences[1]["date_time"], "2030-04-03T07:00:00.000Z");
    assert_eq!(
        occurrences[1]["local_date_time"],
        "2030-04-03T09:00:00+02:00"
    );
    assert_eq!(occurrences[1]["duration_minutes"], 60);
    assert!(series.body["conflicts"].as_array().unwrap().is_empty());

    // An overlapping meeting of the same organizer is allowed and reported.
    let overlapping = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": "2030-03-27T08:30:00Z", "duration_minutes": 30,
                   "description": "Clash", "attendees": [{"email": "guest@example.com"}]}),
        )
        .await
        .expect(201);
    let conflicts = overlapping.body["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0]["conflicting_id"],
        occurrences[0]["interaction_id"]
    );

    // A meeting in the past is recorded as completed.
    let past = app
        .post("/api/interactions", Some(&admin), json!({"customer_id": customer, "date_time": PAST, "description": "Lunch", "kind": "call"}))
        .await
        .expect(201);
    assert_eq!(past.body["status"], "completed");

    // Rules refused with the field named.
    for (body, field) in [
        (
            json!({"customer_id": customer, "date_time": FUTURE, "description": "x", "end_time": "2030-03-25T07:00:00Z"}),
            "end_time",
        ),
        (
            json!({"customer_id": customer, "date_time": "next tuesday", "description": "x"}),
            "date_time",
        ),
        (
            json!({"customer_id": customer, "date_time": FUTURE, "description": "x", "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
        (
            json!({"customer_id": customer, "date_time": FUTURE, "description": "x", "attendees": [{}]}),
            "attendees[0]",
        ),
        (
            json!({"customer_id": customer, "date_time": FUTURE, "description": "x", "kind": "party"}),
            "kind",
        ),
    ] {
        let answer = app
            .post("/api/interactions", Some(&admin), body.clone())
            .await
            .expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{body}");
    }
    // Linking to an unknown customer is 404.
    app.post(
        "/api/interactions",
        Some(&admin),
        json!({"customer_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b", "date_time": FUTURE, "description": "x"}),
    )
    .await
    .expect_problem(404);
}

#[tokio::test]
async fn complete_cancel_and_last_interaction() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;
    let customer_path = format!("/api/customers/{customer}");
    assert!(app.get(&customer_path, Some(&admin)).await.body["last_interaction"].is_null());

    let future = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": FUTURE, "description": "Demo"}),
        )
        .await
        .expect(201)
        .body;
    // None completed yet: the latest interaction counts.
    assert_eq!(
        app.get(&customer_path, Some(&admin)).await.body["last_interaction"],
        future["date_time"]
    );

    let past = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": PAST, "description": "Intro call"}),
        )
        .await
        .expect(201)
        .body;
    // A completed one wins over a later scheduled one.
    assert_eq!(
        app.get(&customer_path, Some(&admin)).await.body["last_interaction"],
        past["date_time"]
    );

    let id = future["interaction_id"].as_str().unwrap();
    let completed = app
        .post(
            &format!("/api/interactions/{id}/complete"),
            Some(&admin),
            json!({"outcome": "Signed"}),
        )
        .await
        .expect(200);
    assert_eq!(completed.body["status"], "completed");
    assert_eq!(completed.body["outcome"], "Signed");
    assert_eq!(
        app.get(&customer_path, Some(&admin)).await.body["last_interaction"],
        future["date_time"]
    );

    // Completing twice, or a cancelled one, is a conflict.
    app.post(
        &format!("/api/interactions/{id}/complete"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect_problem(409);
    let other = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": FUTURE, "description": "Follow-up"}),
        )
        .await
        .expect(201)
        .body;
    let other_id = other["interaction_id"].as_str().unwrap();
    app.post(
        &format!("/api/interactions/{other_id}/cancel"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect(200);
    let refused = app
        .post(
            &format!("/api/interactions/{other_id}/complete"),
            Some(&admin),
            json!({}),
        )
        .await
        .expect_problem(409);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("`cancelled` to `completed`")
    );

    // The customers list sorts by last_interaction.
    let quiet = app
        .customer(&admin, json!({"first_name": "Quiet", "last_name": "One"}))
        .await;
    let sorted = app
        .get("/api/customers?sort=-last_interaction", Some(&admin))
        .await
        .expect(200);
    let order: Vec<&str> = sorted.body["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        vec![customer.as_str(), quiet["customer_id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn customers_see_their_history_without_staff_notes_and_timelines_merge() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (customer, token) = app.customer_account("ada@example.com").await;
    app.patch(
        &format!("/api/customers/{customer}"),
        Some(&admin),
        json!({"status": "prospect"}),
    )
    .await
    .expect(200);
    app.post(
        "/api/interactions",
        Some(&admin),
        json!({"customer_id": customer, "date_time": PAST, "description": "Met at fair"}),
    )
    .await
    .expect(201);
    let note = app
        .post("/api/interactions", Some(&admin), json!({"customer_id": customer, "date_time": PAST, "kind": "note", "description": "Price sensitive"}))
        .await
        .expect(201)
        .body;
    app.post(
        "/api/tickets",
        Some(&token),
        json!({"issue": "Where is my invoice?"}),
    )
    .await
    .expect(201);

    let staff_view = app
        .get(
            &format!("/api/customers/{customer}/interactions"),
            Some(&admin),
        )
        .await
        .expect(200);
    assert_eq!(staff_view.body["interactions"].as_array().unwrap().len(), 2);
    let own_view = app
        .get(
            &format!("/api/customers/{customer}/interactions"),
            Some(&token),
        )
        .await
        .expect(200);
    let descriptions: Vec<&str> = own_view.body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert_eq!(descriptions, vec!["Met at fair"]);
    app.get(
        &format!(
            "/api/interactions/{}",
            note["interaction_id"].as_str().unwrap()
        ),
        Some(&token),
    )
    .await
    .expect_problem(404);

    // Merged: newest first across kinds.
    let merged = app
        .get(
            &format!("/api/customers/{customer}/interactions?include=tickets,status_changes"),
            Some(&admin),
        )
        .await
        .expect(200);
    let sources: Vec<&str> = merged.body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 5, "{sources:?}"); // 2 interactions, 1 ticket, 2 status changes
    let times: Vec<&str> = merged.body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date_time"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert!(
        sources.contains(&"ticket")
            && sources.contains(&"status_change")
            && sources.contains(&"interaction")
    );

    let timeline = app
        .get(
            &format!("/api/customers/{customer}/timeline?sort=date_time"),
            Some(&admin),
        )
        .await
        .expect(200);
    let entries = timeline.body["timeline"].as_array().unwrap();
    assert_eq!(entries.first().unwrap()["source"], "interaction"); // January 2026 comes first
    app.get(
        &format!("/api/customers/{customer}/interactions?include=gossip"),
        Some(&admin),
    )
    .await
    .expect_problem(400);

    // Other customers' histories are invisible.
    let (_, other) = app.customer_account("bob@example.com").await;
    app.get(
        &format!("/api/customers/{customer}/interactions"),
        Some(&other),
    )
    .await
    .expect_problem(404);
}

#[tokio::test]
async fn ics_output_parses_back() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;
    let scheduled = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": "2030-03-27T09:00:00+01:00", "time_zone": "Europe/Berlin",
                   "duration_minutes": 45, "description": "Review, budget; next steps", "location": "Room 1",
                   "attendees": [{"email": "guest@example.com"}]}),
        )
        .await
        .expect(201);
    let id = scheduled.body["interaction_id"].as_str().unwrap();
    let response = app
        .client
        .get(format!("{}/api/interactions/{id}.ics", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = response.text().await.unwrap();
    let calendar = icalendar::Calendar::from_str(&text).unwrap();
    // Long lines are folded (RFC 5545 3.1); compare the unfolded text.
    let text = text.replace("\r\n ", "");
    let event = calendar
        .components
        .iter()
        .find_map(|c| c.as_event())
        .unwrap();
    assert_eq!(event.get_uid(), Some(format!("{id}@crm").as_str()));
    assert_eq!(event.get_description(), Some("Review, budget; next steps"));
    assert_eq!(event.get_location(), Some("Room 1"));
    assert!(
        text.contains("DTSTART;TZID=Europe/Berlin:20300327T090000"),
        "{text}"
    );
    assert!(
        text.contains("BEGIN:VTIMEZONE") && text.contains("TZID:Europe/Berlin"),
        "{text}"
    );
    assert!(
        text.to_lowercase().contains("mailto:guest@example.com"),
        "{text}"
    );
    assert!(
        text.to_lowercase().contains("mailto:admin@example.com"),
        "organizer: {text}"
    );

    // The feed URL works without a bearer header and stops working when
    // rotated. It covers 30 days back to a year ahead: only next week's meeting.
    let next_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    app.post(
        "/api/interactions",
        Some(&admin),
        json!({"customer_id": customer, "date_time": next_week, "description": "Soon"}),
    )
    .await
    .expect(201);
    let feed = app
        .post("/api/me/calendar-feed", Some(&admin), json!({}))
        .await
        .expect(201);
    let url = feed.body["url"].as_str().unwrap().to_owned();
    let body = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed = icalendar::Calendar::from_str(&body).unwrap();
    assert_eq!(
        parsed
            .components
            .iter()
            .filter(|c| c.as_event().is_some())
            .count(),
        1
    );
    app.post("/api/me/calendar-feed", Some(&admin), json!({}))
        .await
        .expect(201);
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    let (_, customer_token) = app.customer_account("c@example.com").await;
    app.post("/api/me/calendar-feed", Some(&customer_token), json!({}))
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn list_filters_and_mine() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;
    let (agent_id, agent) = app.agent_of(&admin, "agent@example.com", &[]).await;
    app.patch(
        &format!("/api/customers/{customer}"),
        Some(&admin),
        json!({"owner_id": agent_id}),
    )
    .await
    .expect(200);
    app.post("/api/interactions", Some(&agent), json!({"customer_id": customer, "date_time": FUTURE, "description": "Mine", "kind": "call"}))
        .await
        .expect(201);
    app.post(
        "/api/interactions",
        Some(&admin),
        json!({"customer_id": customer, "date_time": PAST, "description": "Theirs"}),
    )
    .await
    .expect(201);
    let mine = app
        .get("/api/interactions?mine=true", Some(&agent))
        .await
        .expect(200);
    let descriptions: Vec<&str> = mine.body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["description"].as_str().unwrap())
        .collect();
    assert_eq!(descriptions, vec!["Mine"]);
    let calls = app
        .get("/api/interactions?kind=call", Some(&admin))
        .await
        .expect(200);
    assert_eq!(calls.body["interactions"].as_array().unwrap().len(), 1);
    let oldest_first = app
        .get("/api/interactions?sort=date_time", Some(&admin))
        .await
        .expect(200);
    assert_eq!(
        oldest_first.body["interactions"][0]["description"],
        "Theirs"
    );
    app.call(
        Method::GET,
        "/api/interactions?status=done",
        Some(&admin),
        None,
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn erasing_a_customer_keeps_its_tickets_and_interactions_anonymised() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (customer, token) = app.customer_account("gone@example.com").await;
    let ticket = app
        .post(
            "/api/tickets",
            Some(&token),
            json!({"issue": "My phone number is +44 20 7946 0958"}),
        )
        .await
        .expect(201)
        .body;
    let ticket_id = ticket["ticket_id"].as_str().unwrap();
    app.post(
        &format!("/api/tickets/{ticket_id}/comments"),
        Some(&token),
        json!({"body": "I live at 1 Road"}),
    )
    .await
    .expect(201);
    let meeting = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": PAST, "description": "Visited at home", "location": "1 Road",
                   "attendees": [{"email": "spouse@example.com"}]}),
        )
        .await
        .expect(201)
        .body;

    app.delete(&format!("/api/customers/{customer}"), Some(&admin))
        .await
        .expect(204);

    let kept = app
        .get(&format!("/api/tickets/{ticket_id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(kept.body["issue"], "(erased)");
    assert_eq!(kept.body["subject"], "(erased)");
    assert_eq!(kept.body["status"], "open");
    let comments = app
        .get(&format!("/api/tickets/{ticket_id}/comments"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(comments.body["comments"][0]["body"], "(erased)");
    let tickets = app
        .get("/api/tickets?q=phone", Some(&admin))
        .await
        .expect(200);
    assert!(tickets.body["tickets"].as_array().unwrap().is_empty());
    let interaction = app
        .get(
            &format!(
                "/api/interactions/{}",
                meeting["interaction_id"].as_str().unwrap()
            ),
            Some(&admin),
        )
        .await;
    // The interaction's customer is erased: it is no longer shown, and nothing personal remains in it.
    interaction.expect_problem(404);
}

#[tokio::test]
async fn dates_outside_the_years_1900_to_9998_are_a_400_never_a_500() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;
    for (body, field) in [
        (
            json!({"customer_id": customer, "date_time": "9999-12-31T23:59:00Z", "duration_minutes": 30, "description": "x"}),
            "date_time",
        ),
        (
            json!({"customer_id": customer, "date_time": "9998-12-31T23:59:00Z", "duration_minutes": 30, "description": "x"}),
            "end_time",
        ),
        (
            json!({"customer_id": customer, "date_time": "1899-01-01T00:00:00Z", "description": "x"}),
            "date_time",
        ),
    ] {
        let refused = app
            .post("/api/interactions", Some(&admin), body)
            .await
            .expect_problem(400);
        assert_eq!(refused.error_fields(), vec![field]);
    }

    let scheduled = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": FUTURE, "duration_minutes": 30, "description": "x"}),
        )
        .await
        .expect(201);
    let id = scheduled.body["interaction_id"]
        .as_str()
        .or_else(|| scheduled.body["interactions"][0]["interaction_id"].as_str())
        .unwrap()
        .to_owned();
    let moved = app
        .call(
            Method::PATCH,
            &format!("/api/interactions/{id}"),
            Some(&admin),
            Some(json!({"date_time": "9999-12-31T23:59:00Z"})),
        )
        .await
        .expect_problem(400);
    assert_eq!(moved.error_fields(), vec!["date_time"]);
}

#[tokio::test]
async fn a_weekly_series_that_would_run_past_9998_is_refused_not_cut_short() {
    let app = spawn_app().await;
    let (admin, customer) = setup(&app).await;
    let refused = app
        .post(
            "/api/interactions",
            Some(&admin),
            json!({"customer_id": customer, "date_time": "9998-12-01T10:00:00Z", "duration_minutes": 30,
                   "description": "x", "repeat_weekly": 52}),
        )
        .await
        .expect_problem(400);
    assert_eq!(refused.error_fields(), vec!["repeat_weekly"]);
    // Nothing of the series was stored.
    let history = app
        .get(
            &format!("/api/customers/{customer}/interactions"),
            Some(&admin),
        )
        .await
        .expect(200);
    assert_eq!(history.body["interactions"].as_array().unwrap().len(), 0);
}
