//! Companies over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use common::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admin_company_crud_and_list() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = app
        .post(
            "/api/companies",
            Some(&admin),
            json!({"name": "Acme Ltd", "address": "1 Road\nTown", "phone": "+49 30 901820", "website": "https://acme.example.com", "notes": "Key account"}),
        )
        .await
        .expect(201);
    let id = created.body["company_id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/companies/{id}").as_str())
    );
    for key in [
        "name",
        "address",
        "phone",
        "created_at",
        "updated_at",
        "company_id",
        "website",
        "notes",
    ] {
        assert!(created.body.get(key).is_some(), "missing {key}");
    }
    assert_eq!(created.body["phone"], "+4930901820");
    assert_eq!(created.body["website"], "https://acme.example.com/");

    let path = format!("/api/companies/{id}");
    assert_eq!(
        app.get(&path, Some(&admin)).await.expect(200).body,
        created.body
    );
    let updated = app
        .patch(
            &path,
            Some(&admin),
            json!({"address": null, "name": "Acme plc"}),
        )
        .await
        .expect(200);
    assert!(updated.body["address"].is_null());
    assert_eq!(updated.body["name"], "Acme plc");
    app.call_with(
        Method::PATCH,
        &path,
        Some(&admin),
        &[("if-match", "\"1\"")],
        Some(json!({"name": "Stale"})),
    )
    .await
    .expect_problem(412);

    for name in ["Beta", "alpha", "Gamma"] {
        app.company(&admin, name).await;
    }
    let list = app
        .get("/api/companies?limit=2", Some(&admin))
        .await
        .expect(200);
    let names: Vec<&str> = list.body["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Acme plc", "alpha"]);
    let cursor = list.body["next_cursor"].as_str().unwrap();
    let next = app
        .get(
            &format!("/api/companies?limit=2&cursor={cursor}"),
            Some(&admin),
        )
        .await
        .expect(200);
    let names: Vec<&str> = next.body["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Beta", "Gamma"]);
    let found = app
        .get("/api/companies?q=gam", Some(&admin))
        .await
        .expect(200);
    assert_eq!(found.body["companies"].as_array().unwrap().len(), 1);

    let bad = app
        .post(
            "/api/companies",
            Some(&admin),
            json!({"name": "X", "website": "ftp://x"}),
        )
        .await
        .expect_problem(400);
    assert_eq!(bad.error_fields(), vec!["website"]);
    app.get(
        "/api/companies/0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
        Some(&admin),
    )
    .await
    .expect_problem(404);
}

#[tokio::test]
async fn deleting_a_company_with_customers_needs_detach() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = app.company(&admin, "Acme").await;
    let customer = app
        .customer(
            &admin,
            json!({"first_name": "A", "last_name": "B", "company_id": id}),
        )
        .await;
    let path = format!("/api/companies/{id}");

    let refused = app.delete(&path, Some(&admin)).await.expect_problem(409);
    assert_eq!(refused.body["type"], "/problems/company-has-customers");
    app.get(&path, Some(&admin)).await.expect(200);

    app.delete(&format!("{path}?detach=true"), Some(&admin))
        .await
        .expect(204);
    app.get(&path, Some(&admin)).await.expect_problem(404);
    let kept = app
        .get(
            &format!(
                "/api/customers/{}",
                customer["customer_id"].as_str().unwrap()
            ),
            Some(&admin),
        )
        .await
        .expect(200);
    assert!(kept.body["company_id"].is_null() && kept.body["company"].is_null());
    assert_eq!(kept.body["first_name"], "A");
}

common::also_on_mongo!(
    admin_company_crud_and_list,
    deleting_a_company_with_customers_needs_detach,
);
