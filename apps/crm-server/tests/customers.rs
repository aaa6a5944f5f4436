//! Customers over HTTP: records, lifecycle, permissions, search, pagination.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::fmt::Write as _;

use std::collections::HashSet;

use common::{PASSWORD, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<String> {
    page["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn staff_create_read_update_and_list_customers_with_every_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let acme = app.company(&admin, "Acme Ltd").await;
    let (agent_id, _) = app.agent_of(&admin, "agent@example.com", &[]).await;

    let created = app
        .post(
            "/api/customers",
            Some(&admin),
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com", "phone": "+44 20 7946 0958",
                   "company_id": acme, "status": "prospect", "notes": "Met at the fair", "owner_id": agent_id,
                   "tags": ["VIP", "newsletter"], "source": "fair 2026"}),
        )
        .await
        .expect(201);
    let id = created.body["customer_id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/customers/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    for key in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "status",
        "notes",
        "created_at",
        "updated_at",
        "customer_id",
        "last_interaction",
        "company_id",
        "owner_id",
        "tags",
        "source",
    ] {
        assert!(created.body.get(key).is_some(), "missing {key}");
    }
    assert_eq!(created.body["company"], "Acme Ltd");
    assert_eq!(created.body["email"], "Ada@example.com");
    assert_eq!(created.body["phone"], "+442079460958");
    assert_eq!(created.body["tags"], json!(["newsletter", "vip"]));
    assert!(created.body["last_interaction"].is_null());

    let path = format!("/api/customers/{id}");
    assert_eq!(
        app.get(&path, Some(&admin)).await.expect(200).body,
        created.body
    );

    let updated = app
        .patch(
            &path,
            Some(&admin),
            json!({"status": "customer", "notes": null, "tags": ["gold"]}),
        )
        .await
        .expect(200);
    assert_eq!(updated.body["status"], "customer");
    assert!(updated.body["notes"].is_null());
    assert_eq!(updated.body["tags"], json!(["gold"]));
    assert_eq!(updated.header("etag"), Some("\"2\""));

    // The history records both statuses, with time and actor.
    let history = app
        .get(&format!("{path}/status-history"), Some(&admin))
        .await
        .expect(200);
    let changes = history.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert!(changes[0]["from"].is_null());
    assert_eq!(changes[0]["to"], "prospect");
    assert_eq!(
        (changes[1]["from"].as_str(), changes[1]["to"].as_str()),
        (Some("prospect"), Some("customer"))
    );
    assert_eq!(changes[1]["actor_kind"], "user");
    assert_eq!(changes[1]["at"], updated.body["updated_at"]);

    let list = app
        .get("/api/customers?status=customer", Some(&admin))
        .await
        .expect(200);
    assert_eq!(ids(&list.body), vec![id.clone()]);
    let by_tag = app
        .get("/api/customers?tag=GOLD", Some(&admin))
        .await
        .expect(200);
    assert_eq!(ids(&by_tag.body), vec![id.clone()]);
    let by_owner = app
        .get(&format!("/api/customers?owner_id={agent_id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(ids(&by_owner.body), vec![id.clone()]);
    let by_company = app
        .get(&format!("/api/companies/{acme}/customers"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(ids(&by_company.body), vec![id.clone()]);
    let none = app
        .get(
            "/api/customers?created_from=2100-01-01T00:00:00Z",
            Some(&admin),
        )
        .await
        .expect(200);
    assert!(ids(&none.body).is_empty());
}

#[tokio::test]
async fn invalid_transitions_are_409_naming_both_states() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(&admin, json!({"first_name": "A", "last_name": "B"}))
        .await;
    let path = format!(
        "/api/customers/{}",
        customer["customer_id"].as_str().unwrap()
    );
    let refused = app
        .patch(&path, Some(&admin), json!({"status": "churned"}))
        .await
        .expect_problem(409);
    assert_eq!(refused.body["type"], "/problems/invalid-transition");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("lead") && detail.contains("churned"),
        "{detail}"
    );
    // Nothing was recorded.
    let history = app
        .get(&format!("{path}/status-history"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(history.body["changes"].as_array().unwrap().len(), 1);
    // The lifecycle, and re-engagement after churn.
    for status in ["prospect", "customer", "churned", "lead"] {
        app.patch(&path, Some(&admin), json!({"status": status}))
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn stale_if_match_is_412_and_current_if_match_passes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(&admin, json!({"first_name": "A", "last_name": "B"}))
        .await;
    let path = format!(
        "/api/customers/{}",
        customer["customer_id"].as_str().unwrap()
    );
    app.call_with(
        Method::PATCH,
        &path,
        Some(&admin),
        &[("if-match", "\"1\"")],
        Some(json!({"first_name": "C"})),
    )
    .await
    .expect(200);
    let stale = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&admin),
            &[("if-match", "\"1\"")],
            Some(json!({"first_name": "D"})),
        )
        .await
        .expect_problem(412);
    assert_eq!(stale.header("etag"), Some("\"2\""));
    assert_eq!(app.get(&path, Some(&admin)).await.body["first_name"], "C");
    app.call_with(
        Method::PATCH,
        &path,
        Some(&admin),
        &[("if-match", "nonsense")],
        Some(json!({"first_name": "D"})),
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn duplicate_emails_are_409_naming_the_existing_customer_when_visible() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let first = app
        .customer(
            &admin,
            json!({"first_name": "A", "last_name": "B", "email": "dup@example.com"}),
        )
        .await;
    let duplicate = app
        .post(
            "/api/customers",
            Some(&admin),
            json!({"first_name": "C", "last_name": "D", "email": "DUP@example.com"}),
        )
        .await
        .expect_problem(409);
    assert_eq!(duplicate.body["existing_id"], first["customer_id"]);

    // An agent who cannot see the first customer learns nothing about it.
    let (_, agent) = app.agent_of(&admin, "agent@example.com", &[]).await;
    let hidden = app
        .post(
            "/api/customers",
            Some(&agent),
            json!({"first_name": "C", "last_name": "D", "email": "dup@example.com"}),
        )
        .await
        .expect_problem(409);
    assert!(hidden.body.get("existing_id").is_none());

    // Staff emails are taken too.
    app.post(
        "/api/customers",
        Some(&admin),
        json!({"first_name": "C", "last_name": "D", "email": "admin@example.com"}),
    )
    .await
    .expect_problem(409);
}

#[tokio::test]
async fn agents_see_their_companies_and_their_own_customers_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mine = app.company(&admin, "Mine Inc").await;
    let theirs = app.company(&admin, "Theirs Inc").await;
    let (agent_id, agent) = app.agent_of(&admin, "agent@example.com", &[&mine]).await;

    let in_company = app
        .customer(
            &admin,
            json!({"first_name": "In", "last_name": "Company", "company_id": mine}),
        )
        .await;
    let outside = app
        .customer(
            &admin,
            json!({"first_name": "Out", "last_name": "Side", "company_id": theirs}),
        )
        .await;
    let owned = app
        .customer(&agent, json!({"first_name": "Own", "last_name": "Ed"}))
        .await;
    assert_eq!(owned["owner_id"], agent_id.as_str());

    let outside_path = format!(
        "/api/customers/{}",
        outside["customer_id"].as_str().unwrap()
    );
    app.get(&outside_path, Some(&agent))
        .await
        .expect_problem(404);
    app.patch(&outside_path, Some(&agent), json!({"first_name": "X"}))
        .await
        .expect_problem(404);
    app.get(&format!("{outside_path}/status-history"), Some(&agent))
        .await
        .expect_problem(404);
    app.get(&format!("/api/companies/{theirs}"), Some(&agent))
        .await
        .expect_problem(404);
    app.get(&format!("/api/companies/{mine}"), Some(&agent))
        .await
        .expect(200);

    let visible: HashSet<String> = ids(&app
        .get("/api/customers", Some(&agent))
        .await
        .expect(200)
        .body)
    .into_iter()
    .collect();
    let expected: HashSet<String> = [&in_company, &owned]
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(visible, expected);
    let companies = app.get("/api/companies", Some(&agent)).await.expect(200);
    assert_eq!(companies.body["companies"].as_array().unwrap().len(), 1);

    // An agent cannot create customers outside its sight, erase, or manage companies.
    app.post(
        "/api/customers",
        Some(&agent),
        json!({"first_name": "X", "last_name": "Y", "company_id": theirs, "owner_id": null}),
    )
    .await
    .expect(201); // it owns what it creates
    let admin_id = app.get("/api/me", Some(&admin)).await.body["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        "/api/customers",
        Some(&agent),
        json!({"first_name": "X", "last_name": "Y", "company_id": theirs, "owner_id": admin_id}),
    )
    .await
    .expect_problem(403);
    let in_path = format!(
        "/api/customers/{}",
        in_company["customer_id"].as_str().unwrap()
    );
    app.delete(&in_path, Some(&agent)).await.expect_problem(403);
    app.post("/api/companies", Some(&agent), json!({"name": "New"}))
        .await
        .expect_problem(403);
    app.patch(
        &format!("/api/companies/{mine}"),
        Some(&agent),
        json!({"name": "New"}),
    )
    .await
    .expect_problem(403);

    // With CRM_AGENTS_SEE_ALL, agents see everyone.
    let open = spawn_app_with(|o| o.agents_see_all = Some("true".into())).await;
    let open_admin = open.admin_token().await;
    let customer = open
        .customer(&open_admin, json!({"first_name": "A", "last_name": "B"}))
        .await;
    let (_, open_agent) = open.agent_of(&open_admin, "agent@example.com", &[]).await;
    open.get(
        &format!(
            "/api/customers/{}",
            customer["customer_id"].as_str().unwrap()
        ),
        Some(&open_agent),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn customers_see_and_edit_only_their_own_record() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (me, token) = app.customer_account("ada@example.com").await;
    let (other, _) = app.customer_account("bob@example.com").await;

    // Sign-up created the full customer record, as a lead.
    let own = app
        .get(&format!("/api/customers/{me}"), Some(&token))
        .await
        .expect(200);
    assert_eq!(own.body["status"], "lead");
    assert_eq!(own.body["email"], "ada@example.com");
    let history = app
        .get(&format!("/api/customers/{me}/status-history"), Some(&token))
        .await
        .expect(200);
    assert_eq!(history.body["changes"][0]["actor_kind"], "customer");

    app.get(&format!("/api/customers/{other}"), Some(&token))
        .await
        .expect_problem(404);
    app.patch(
        &format!("/api/customers/{other}"),
        Some(&token),
        json!({"first_name": "X"}),
    )
    .await
    .expect_problem(404);
    app.get("/api/customers", Some(&token))
        .await
        .expect_problem(403);
    app.get("/api/companies", Some(&token))
        .await
        .expect_problem(403);

    let refused = app
        .patch(
            &format!("/api/customers/{me}"),
            Some(&token),
            json!({"status": "customer", "notes": "x", "owner_id": null}),
        )
        .await
        .expect_problem(403);
    let mut fields = refused.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["notes", "owner_id", "status"]);

    // Staff notes are never shown to the customer.
    app.patch(
        &format!("/api/customers/{me}"),
        Some(&admin),
        json!({"notes": "Prefers calls"}),
    )
    .await
    .expect(200);
    let own = app
        .get(&format!("/api/customers/{me}"), Some(&token))
        .await
        .expect(200);
    assert!(own.body["notes"].is_null());

    // Changing the email changes the sign-in email.
    app.patch(
        &format!("/api/customers/{me}"),
        Some(&token),
        json!({"first_name": "Augusta", "email": "augusta@example.com"}),
    )
    .await
    .expect(200);
    app.login("ada@example.com", PASSWORD)
        .await
        .expect_problem(401);
    app.login("augusta@example.com", PASSWORD).await.expect(200);
    app.patch(
        &format!("/api/customers/{me}"),
        Some(&token),
        json!({"email": null}),
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn erasing_a_customer_keeps_an_anonymous_tombstone_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token) = app.customer_account("gone@example.com").await;
    let path = format!("/api/customers/{id}");
    app.patch(&path, Some(&admin), json!({"status": "prospect"}))
        .await
        .expect(200);

    app.delete(&path, Some(&admin)).await.expect(204);
    app.get(&path, Some(&admin)).await.expect_problem(404);
    app.delete(&path, Some(&admin)).await.expect_problem(404);
    app.get("/api/me", Some(&token)).await.expect_problem(401);
    app.login("gone@example.com", PASSWORD)
        .await
        .expect_problem(401);
    assert!(ids(&app.get("/api/customers", Some(&admin)).await.body).is_empty());
    assert!(ids(&app.get("/api/customers?q=gone", Some(&admin)).await.body).is_empty());
    // The email is free again.
    app.customer_account("gone@example.com").await;
}

#[tokio::test]
async fn search_finds_customers_by_a_prefix_of_their_company_name() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let globex = app.company(&admin, "Globex Corporation").await;
    let hit = app
        .customer(
            &admin,
            json!({"first_name": "Hank", "last_name": "Scorpio", "company_id": globex}),
        )
        .await;
    app.customer(
        &admin,
        json!({"first_name": "Homer", "last_name": "Simpson"}),
    )
    .await;

    let found = app
        .get("/api/customers?q=glob", Some(&admin))
        .await
        .expect(200);
    assert_eq!(
        ids(&found.body),
        vec![hit["customer_id"].as_str().unwrap().to_owned()]
    );
    let both = app
        .get("/api/customers?q=h", Some(&admin))
        .await
        .expect(200);
    assert_eq!(ids(&both.body).len(), 2);

    // A renamed company is found by its new name at once.
    app.patch(
        &format!("/api/companies/{globex}"),
        Some(&admin),
        json!({"name": "Initech"}),
    )
    .await
    .expect(200);
    assert_eq!(
        ids(&app.get("/api/customers?q=initech", Some(&admin)).await.body).len(),
        1
    );
    assert!(ids(&app.get("/api/customers?q=globex", Some(&admin)).await.body).is_empty());
    let customer = app
        .get(
            &format!("/api/customers/{}", hit["customer_id"].as_str().unwrap()),
            Some(&admin),
        )
        .await;
    assert_eq!(customer.body["company"], "Initech");

    // Search syntax in the text is harmless.
    for hostile in ["%22", "AND", "*", "NEAR(", "a:b", "%25", "'"] {
        app.get(&format!("/api/customers?q={hostile}"), Some(&admin))
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn paging_250_customers_by_50_while_customers_are_added() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut csv = String::from("first_name,last_name,email\n");
    for n in 0..250 {
        writeln!(csv, "First{n},Last{n},c{n}@example.com").unwrap();
    }
    let report = app
        .post_raw(
            "/api/customers/import",
            Some(&admin),
            "text/csv",
            csv.into_bytes(),
        )
        .await
        .expect(200);
    assert_eq!(report.body["created"], 250);
    let original: HashSet<String> = {
        let mut all = HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = cursor
                .as_ref()
                .map_or("/api/customers?limit=200".to_owned(), |c| {
                    format!("/api/customers?limit=200&cursor={c}")
                });
            let page = app.get(&path, Some(&admin)).await.expect(200);
            all.extend(ids(&page.body));
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break all,
            }
        }
    };
    assert_eq!(original.len(), 250);

    for sort in ["created_at", "-created_at", "name", "-updated_at"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut added = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/customers?limit=50&sort={sort}&cursor={c}"),
                None => format!("/api/customers?limit=50&sort={sort}"),
            };
            let page = app.get(&path, Some(&admin)).await.expect(200);
            let items = ids(&page.body);
            assert!(items.len() <= 50);
            seen.extend(items);
            app.customer(
                &admin,
                json!({"first_name": "Late", "last_name": format!("{sort}{added}")}),
            )
            .await;
            added += 1;
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "duplicates with sort={sort}");
        assert!(
            original.iter().all(|id| unique.contains(id)),
            "missing customers with sort={sort}"
        );
    }
}

#[tokio::test]
async fn bad_customer_input_names_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (json!({"first_name": "", "last_name": "B"}), "first_name"),
        (
            json!({"first_name": "A", "last_name": "B", "email": "x"}),
            "email",
        ),
        (
            json!({"first_name": "A", "last_name": "B", "status": "won"}),
            "status",
        ),
        (
            json!({"first_name": "A", "last_name": "B", "tags": ["a,b"]}),
            "tags",
        ),
        (
            json!({"first_name": "A", "last_name": "B", "company_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"}),
            "company_id",
        ),
        (
            json!({"first_name": "A", "last_name": "B", "owner_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"}),
            "owner_id",
        ),
    ];
    for (body, field) in cases {
        let answer = app
            .post("/api/customers", Some(&admin), body.clone())
            .await
            .expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{body}");
    }
    for (query, field) in [
        ("status=won", "status"),
        ("created_from=yesterday", "created_from"),
        ("sort=age", "sort"),
        ("company_id=x", "company_id"),
    ] {
        let answer = app
            .get(&format!("/api/customers?{query}"), Some(&admin))
            .await
            .expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{query}");
    }
    assert!(ids(&app.get("/api/customers", Some(&admin)).await.body).is_empty());
}

#[tokio::test]
async fn signing_up_with_a_company_links_the_customer_to_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let acme = app.company(&admin, "Acme").await;
    let signed_up = app
        .post(
            "/api/auth/signup",
            None,
            json!({"first_name": "Ada", "last_name": "L", "email": "ada@example.com", "password": PASSWORD, "company_id": acme}),
        )
        .await
        .expect(201);
    let id = signed_up.body["customer_id"].as_str().unwrap();
    let customer = app
        .get(&format!("/api/customers/{id}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(customer.body["company_id"], acme.as_str());
    assert_eq!(customer.body["company"], "Acme");

    let unknown = app
        .post(
            "/api/auth/signup",
            None,
            json!({"first_name": "Bob", "last_name": "B", "email": "bob@example.com", "password": PASSWORD,
                   "company_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"}),
        )
        .await
        .expect_problem(400);
    assert_eq!(unknown.error_fields(), vec!["company_id"]);
    // Nothing was half-created: the email is still free.
    app.login("bob@example.com", PASSWORD)
        .await
        .expect_problem(401);
    app.signup("bob@example.com").await;
}

common::also_on_mongo!(
    staff_create_read_update_and_list_customers_with_every_field,
    invalid_transitions_are_409_naming_both_states,
    stale_if_match_is_412_and_current_if_match_passes,
    duplicate_emails_are_409_naming_the_existing_customer_when_visible,
    agents_see_their_companies_and_their_own_customers_only,
    customers_see_and_edit_only_their_own_record,
    erasing_a_customer_keeps_an_anonymous_tombstone_only,
    search_finds_customers_by_a_prefix_of_their_company_name,
    paging_250_customers_by_50_while_customers_are_added,
    bad_customer_input_names_the_field,
    signing_up_with_a_company_links_the_customer_to_it,
);
