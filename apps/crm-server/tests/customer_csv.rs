//! CSV import and export of customers over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::fmt::Write as _;

use common::spawn_app;
use serde_json::json;

const BAD_AND_GOOD: &str = "\u{feff}first_name,last_name,email,status,tags\n\
Ada,Lovelace,ada@example.com,lead,vip;news\n\
,Nameless,nameless@example.com,lead,\n\
Bob,Bad,not-an-email,won,\n\
Cy,Twice,ada@example.com,,\n\
Dee,Fine,dee@example.com,customer,\n";

async fn count(app: &common::TestApp, admin: &str) -> usize {
    app.get("/api/customers?limit=200", Some(admin)).await.body["customers"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_csv_with_bad_rows_gets_a_row_level_report() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    // Atomic: nothing is written.
    let atomic = app
        .post_raw(
            "/api/customers/import?atomic=true",
            Some(&admin),
            "text/csv",
            BAD_AND_GOOD.as_bytes().to_vec(),
        )
        .await
        .expect(200);
    assert_eq!(atomic.body["committed"], false);
    assert_eq!(count(&app, &admin).await, 0);

    // Dry run: validated, nothing written.
    let dry = app
        .post_raw(
            "/api/customers/import?dry_run=true",
            Some(&admin),
            "text/csv",
            BAD_AND_GOOD.as_bytes().to_vec(),
        )
        .await
        .expect(200);
    assert_eq!(dry.body["created"], 2);
    assert_eq!(count(&app, &admin).await, 0);

    // Default: the valid rows are written, every bad one reported by line and field.
    let report = app
        .post_raw(
            "/api/customers/import",
            Some(&admin),
            "text/csv",
            BAD_AND_GOOD.as_bytes().to_vec(),
        )
        .await
        .expect(200);
    assert_eq!(report.body["created"], 2);
    assert_eq!(report.body["committed"], true);
    let errors: Vec<(u64, String)> = report.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "first_name".into()),
            (4, "email".into()),
            (4, "status".into()),
            (5, "email".into())
        ]
    );
    assert_eq!(count(&app, &admin).await, 2);

    // Upsert updates by email through the lifecycle rules.
    let upsert = "first_name,last_name,email,status\nAda,King,ADA@example.com,prospect\nDee,Fine,dee@example.com,lead\n";
    let report = app
        .post_raw(
            "/api/customers/import?upsert=true",
            Some(&admin),
            "text/csv",
            upsert.as_bytes().to_vec(),
        )
        .await
        .expect(200);
    assert_eq!(report.body["updated"], 1);
    assert_eq!(report.body["errors"][0]["row"], 3);
    assert_eq!(report.body["errors"][0]["field"], "status");
    let ada = app.get("/api/customers?q=ada", Some(&admin)).await.body["customers"][0].clone();
    assert_eq!(ada["last_name"], "King");
    assert_eq!(ada["status"], "prospect");
    assert_eq!(ada["tags"], json!(["news", "vip"]));
}

#[tokio::test]
async fn import_refuses_bad_headers_types_and_callers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let header = app
        .post_raw(
            "/api/customers/import",
            Some(&admin),
            "text/csv",
            b"first_name,colour\nA,red\n".to_vec(),
        )
        .await
        .expect_problem(400);
    assert_eq!(header.error_fields(), vec!["header", "header"]);
    app.post_raw(
        "/api/customers/import",
        Some(&admin),
        "application/json",
        b"{}".to_vec(),
    )
    .await
    .expect_problem(400);
    let (_, agent) = app.agent_of(&admin, "agent@example.com", &[]).await;
    app.post_raw(
        "/api/customers/import",
        Some(&agent),
        "text/csv",
        b"first_name,last_name\nA,B\n".to_vec(),
    )
    .await
    .expect_problem(403);
    app.post_raw(
        "/api/customers/import?atomic=maybe",
        Some(&admin),
        "text/csv",
        b"first_name,last_name\nA,B\n".to_vec(),
    )
    .await
    .expect_problem(400);
}

#[tokio::test]
async fn export_streams_the_filtered_list_as_csv() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut csv = String::from("first_name,last_name,email,status,notes\n");
    for n in 0..450 {
        let status = if n % 3 == 0 { "prospect" } else { "lead" };
        writeln!(
            csv,
            "F{n},\"Last, {n}\",e{n}@example.com,{status},\"multi\nline\""
        )
        .unwrap();
    }
    app.post_raw(
        "/api/customers/import",
        Some(&admin),
        "text/csv",
        csv.into_bytes(),
    )
    .await
    .expect(200);

    let response = app
        .client
        .get(format!(
            "{}/api/customers/export.csv?status=prospect",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_ref());
    assert_eq!(reader.headers().unwrap().get(0), Some("customer_id"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 150);
    assert!(rows.iter().all(|r| &r[7] == "prospect"));
    assert!(
        rows.iter()
            .all(|r| r[2].starts_with("Last, ") && &r[8] == "multi\nline")
    );

    let (_, token) = app.customer_account("c@example.com").await;
    app.get("/api/customers/export.csv", Some(&token))
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn exported_cells_cannot_run_as_formulas_and_the_export_imports_back_unchanged() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.post(
        "/api/auth/signup",
        None,
        json!({"first_name": "=HYPERLINK(\"http://evil.example\",\"x\")", "last_name": "+cmd",
               "email": "evil@example.com", "password": common::PASSWORD, "phone": "+49 30 1234567"}),
    )
    .await
    .expect(201);
    app.customer(
        &admin,
        json!({"first_name": "@SUM(A1)", "last_name": "-2+3", "notes": "'quoted already",
               "email": "plain@example.com", "tags": ["vip"]}),
    )
    .await;

    let export = app
        .client
        .get(format!("{}/api/customers/export.csv?sort=name", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(export.as_ref());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    // No cell starts with a character a spreadsheet reads as a formula.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {row:?}"
            );
        }
    }
    let evil = rows.iter().find(|r| &r[3] == "evil@example.com").unwrap();
    assert_eq!(&evil[1], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(&evil[2], "'+cmd");
    assert!(evil[4].starts_with("'+49"), "{:?}", &evil[4]);

    // The export, as it is, imports into another CRM and reads back the same.
    let other = spawn_app().await;
    let other_admin = other.admin_token().await;
    let report = other
        .post_raw(
            "/api/customers/import",
            Some(&other_admin),
            "text/csv",
            export.to_vec(),
        )
        .await
        .expect(200);
    assert_eq!(report.body["created"], 2, "{:#}", report.body);
    let imported = other
        .get("/api/customers?sort=name&limit=10", Some(&other_admin))
        .await
        .expect(200)
        .body["customers"]
        .clone();
    let original = app
        .get("/api/customers?sort=name&limit=10", Some(&admin))
        .await
        .expect(200)
        .body["customers"]
        .clone();
    for field in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "notes",
        "tags",
        "status",
    ] {
        let pick = |list: &serde_json::Value| -> Vec<serde_json::Value> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|c| c[field].clone())
                .collect()
        };
        assert_eq!(pick(&imported), pick(&original), "{field}");
    }
}
