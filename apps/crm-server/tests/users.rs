//! Admin CRUD of staff users over HTTP, with permissions and list features.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::collections::HashSet;

use common::{PASSWORD, spawn_app, token};
use serde_json::json;

#[tokio::test]
async fn admin_creates_reads_updates_and_deletes_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let company = "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b";

    let created = app
        .post(
            "/api/users",
            Some(&admin),
            json!({"name": "  Grace Hopper ", "email": "Grace@Example.com", "phone": "+1 650 253 0000",
                   "role": "agent", "notes": "Night shift", "company_ids": [company, company], "password": PASSWORD}),
        )
        .await
        .expect(201);
    let id = created.body["user_id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/users/{id}").as_str())
    );
    assert_eq!(created.body["name"], "Grace Hopper");
    assert_eq!(created.body["email"], "Grace@example.com");
    assert_eq!(created.body["phone"], "+16502530000");
    assert_eq!(created.body["status"], "active");
    assert_eq!(created.body["company_ids"], json!([company]));
    assert!(created.body.get("password").is_none());

    let path = format!("/api/users/{id}");
    let fetched = app.get(&path, Some(&admin)).await.expect(200);
    assert_eq!(fetched.body, created.body);

    let updated = app
        .patch(
            &path,
            Some(&admin),
            json!({"name": "Grace B. Hopper", "phone": null, "notes": null}),
        )
        .await
        .expect(200);
    assert_eq!(updated.body["name"], "Grace B. Hopper");
    assert!(updated.body["phone"].is_null() && updated.body["notes"].is_null());
    assert_eq!(updated.body["email"], "Grace@example.com");
    assert_eq!(app.get(&path, Some(&admin)).await.body, updated.body);

    // A password change takes effect.
    app.patch(
        &path,
        Some(&admin),
        json!({"password": "another-long-password"}),
    )
    .await
    .expect(200);
    app.login("grace@example.com", PASSWORD)
        .await
        .expect_problem(401);
    app.login("grace@example.com", "another-long-password")
        .await
        .expect(200);

    app.delete(&path, Some(&admin)).await.expect(204);
    app.get(&path, Some(&admin)).await.expect_problem(404);
    app.delete(&path, Some(&admin)).await.expect_problem(404);
    app.login("grace@example.com", "another-long-password")
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn agents_and_customers_get_403_on_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let agent = app.agent_token(&admin, "agent@example.com").await;
    app.signup("customer@example.com").await;
    let customer = token(
        &app.login("customer@example.com", PASSWORD)
            .await
            .expect(200),
    );
    let other = app.create_user(&admin, "other@example.com", "agent").await;
    let other_path = format!("/api/users/{}", other["user_id"].as_str().unwrap());

    for caller in [&agent, &customer] {
        app.get("/api/users", Some(caller))
            .await
            .expect_problem(403);
        app.post(
            "/api/users",
            Some(caller),
            json!({"name": "X", "email": "x@example.com", "role": "admin", "password": PASSWORD}),
        )
        .await
        .expect_problem(403);
        app.get(&other_path, Some(caller)).await.expect_problem(403);
        app.patch(&other_path, Some(caller), json!({"role": "admin"}))
            .await
            .expect_problem(403);
        app.delete(&other_path, Some(caller))
            .await
            .expect_problem(403);
    }
    // Nothing was created or changed by the refused calls.
    app.login("x@example.com", PASSWORD)
        .await
        .expect_problem(401);
    assert_eq!(
        app.get(&other_path, Some(&admin)).await.body["role"],
        "agent"
    );
    // An agent may read its own record.
    let me = app.get("/api/me", Some(&agent)).await.expect(200);
    let own = format!("/api/users/{}", me.body["user_id"].as_str().unwrap());
    app.get(&own, Some(&agent)).await.expect(200);
}

#[tokio::test]
async fn the_last_active_admin_is_protected() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/me", Some(&admin)).await.expect(200);
    let path = format!("/api/users/{}", me.body["user_id"].as_str().unwrap());

    for change in [json!({"status": "disabled"}), json!({"role": "agent"})] {
        let refused = app
            .patch(&path, Some(&admin), change)
            .await
            .expect_problem(409);
        assert_eq!(refused.body["type"], "/problems/last-active-admin");
    }
    app.delete(&path, Some(&admin)).await.expect_problem(409);

    // With a second admin, the first may step down.
    app.create_user(&admin, "second@example.com", "admin").await;
    app.patch(&path, Some(&admin), json!({"role": "agent"}))
        .await
        .expect(200);
}

#[tokio::test]
async fn duplicate_and_unknown_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "dup@example.com", "agent").await;
    let duplicate = app
        .post(
            "/api/users",
            Some(&admin),
            json!({"name": "Dup", "email": "DUP@example.com", "role": "agent", "password": PASSWORD}),
        )
        .await
        .expect_problem(409);
    assert_eq!(duplicate.body["type"], "/problems/duplicate-email");

    let other = app.create_user(&admin, "other@example.com", "agent").await;
    let path = format!("/api/users/{}", other["user_id"].as_str().unwrap());
    app.patch(&path, Some(&admin), json!({"email": "dup@example.com"}))
        .await
        .expect_problem(409);

    let unknown = "/api/users/0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b";
    app.get(unknown, Some(&admin)).await.expect_problem(404);
    app.patch(unknown, Some(&admin), json!({"name": "X"}))
        .await
        .expect_problem(404);
    let bad = app
        .get("/api/users/not-an-id", Some(&admin))
        .await
        .expect_problem(400);
    assert_eq!(bad.error_fields(), vec!["user_id"]);
}

#[tokio::test]
async fn list_filters_sorts_and_paginates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for n in 0..7 {
        let role = if n % 2 == 0 { "agent" } else { "admin" };
        app.create_user(&admin, &format!("user{n}@example.com"), role)
            .await;
    }

    // Walk every page of 3 while users are created between pages: no duplicates, nothing missing.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/users?limit=3&cursor={c}"),
            None => "/api/users?limit=3".to_owned(),
        };
        let page = app.get(&path, Some(&admin)).await.expect(200);
        for user in page.body["users"].as_array().unwrap() {
            seen.push(user["email"].as_str().unwrap().to_owned());
        }
        pages += 1;
        if pages == 1 {
            app.create_user(&admin, "late@example.com", "agent").await;
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "duplicates in {seen:?}");
    assert_eq!(seen.len(), 9, "{seen:?}"); // bootstrap admin + 7 + the late one (sorted last by creation)
    assert_eq!(seen.last().unwrap(), "late@example.com");

    // Filters.
    let agents = app
        .get("/api/users?role=agent&limit=200", Some(&admin))
        .await
        .expect(200);
    assert!(
        agents.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "agent")
    );
    assert_eq!(agents.body["users"].as_array().unwrap().len(), 5);
    let found = app
        .get("/api/users?q=USER3", Some(&admin))
        .await
        .expect(200);
    assert_eq!(found.body["users"].as_array().unwrap().len(), 1);
    assert_eq!(found.body["users"][0]["email"], "user3@example.com");
    let disabled = app
        .get("/api/users?status=disabled", Some(&admin))
        .await
        .expect(200);
    assert!(disabled.body["users"].as_array().unwrap().is_empty());

    // Sort by email descending.
    let sorted = app
        .get("/api/users?sort=-email&limit=200", Some(&admin))
        .await
        .expect(200);
    let emails: Vec<&str> = sorted.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    let mut expected = emails.clone();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(emails, expected);
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        ("/api/users?limit=0", "limit"),
        ("/api/users?limit=201", "limit"),
        ("/api/users?limit=ten", "limit"),
        ("/api/users?role=owner", "role"),
        ("/api/users?status=gone", "status"),
        ("/api/users?sort=password", "sort"),
        ("/api/users?cursor=garbage", "cursor"),
    ];
    for (path, field) in cases {
        let answer = app.get(path, Some(&admin)).await.expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{path}");
    }

    // A cursor that was altered, or that belongs to another query, is refused.
    for n in 0..3 {
        app.create_user(&admin, &format!("u{n}@example.com"), "agent")
            .await;
    }
    let page = app
        .get("/api/users?limit=1", Some(&admin))
        .await
        .expect(200);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    app.get(
        &format!("/api/users?limit=1&cursor={tampered}"),
        Some(&admin),
    )
    .await
    .expect_problem(400);
    app.get(
        &format!("/api/users?limit=1&sort=-email&cursor={cursor}"),
        Some(&admin),
    )
    .await
    .expect_problem(400);
    app.get(&format!("/api/users?limit=1&cursor={cursor}"), Some(&admin))
        .await
        .expect(200);
}

common::also_on_mongo!(
    admin_creates_reads_updates_and_deletes_users,
    agents_and_customers_get_403_on_users,
    the_last_active_admin_is_protected,
    duplicate_and_unknown_users,
    list_filters_sorts_and_paginates,
    bad_list_parameters_are_400_naming_the_parameter,
);
