//! Bad input always gets a clear 4xx problem naming the field, never a 5xx.

mod common;

use common::{PASSWORD, spawn_app};
use serde_json::json;

#[tokio::test]
async fn malformed_bodies_name_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let signup = "/api/auth/signup";
    let json = "application/json";

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (json, b"{\"first_name\": ".to_vec(), "body"),
        (json, b"not json".to_vec(), "body"),
        (json, b"".to_vec(), "body"),
        (json, b"[1,2]".to_vec(), "body"),
        ("text/plain", br#"{"first_name":"A"}"#.to_vec(), "Content-Type"),
        (
            json,
            serde_json::to_vec(&json!({"first_name": "A", "last_name": "B", "email": "a@example.com", "password": PASSWORD, "admin": true})).unwrap(),
            "admin",
        ),
        (
            json,
            serde_json::to_vec(&json!({"first_name": "A", "last_name": "B", "password": PASSWORD})).unwrap(),
            "email",
        ),
        (
            json,
            serde_json::to_vec(&json!({"first_name": 7, "last_name": "B", "email": "a@example.com", "password": PASSWORD})).unwrap(),
            "first_name",
        ),
        (
            json,
            serde_json::to_vec(&json!({"first_name": "A".repeat(201), "last_name": "B", "email": "a@example.com", "password": PASSWORD})).unwrap(),
            "first_name",
        ),
        (
            json,
            serde_json::to_vec(&json!({"first_name": "A", "last_name": "B", "email": "not-an-email", "password": PASSWORD})).unwrap(),
            "email",
        ),
        (
            json,
            serde_json::to_vec(&json!({"first_name": "A", "last_name": "B", "email": "a@example.com", "password": "short"})).unwrap(),
            "password",
        ),
        (
            json,
            serde_json::to_vec(&json!({"first_name": "A", "last_name": "B", "email": "a@example.com", "password": PASSWORD, "phone": "12"})).unwrap(),
            "phone",
        ),
    ];
    for (content_type, body, field) in cases {
        let answer = app
            .post_raw(signup, None, content_type, body.clone())
            .await
            .expect_problem(400);
        assert_eq!(
            answer.error_fields(),
            vec![field],
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert!(
            !answer.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }

    // Every invalid field is reported at once.
    let many = app
        .post(
            signup,
            None,
            json!({"first_name": " ", "last_name": "", "email": "x", "password": "short"}),
        )
        .await
        .expect_problem(400);
    assert_eq!(
        many.error_fields(),
        vec!["first_name", "last_name", "email", "password"]
    );

    // Patch: wrong types, nulls for required fields, unknown enum values, bad ids.
    let user = app.create_user(&admin, "u@example.com", "agent").await;
    let path = format!("/api/users/{}", user["user_id"].as_str().unwrap());
    for (body, field) in [
        (json!({"name": null}), "name"),
        (json!({"role": "owner"}), "role"),
        (json!({"company_ids": ["x"]}), "company_ids[0]"),
        (json!({"notes": "x".repeat(10_001)}), "notes"),
        (json!({"status": 3}), "status"),
    ] {
        let answer = app
            .patch(&path, Some(&admin), body.clone())
            .await
            .expect_problem(400);
        assert_eq!(answer.error_fields(), vec![field], "{body}");
    }
    // None of the refused patches changed the user.
    let unchanged = app.get(&path, Some(&admin)).await.expect(200);
    assert_eq!(unchanged.body, user);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app().await;
    // The test app's limit is 64 KiB.
    let big = json!({"first_name": "A".repeat(70_000), "last_name": "B", "email": "a@example.com", "password": PASSWORD});
    let answer = app
        .post("/api/auth/signup", None, big)
        .await
        .expect_problem(413);
    assert_eq!(answer.body["type"], "/problems/payload-too-large");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_json() {
    let app = spawn_app().await;
    let answer = app.get("/api/nothing-here", None).await.expect_problem(404);
    assert_eq!(answer.body["type"], "/problems/not-found");
    app.get("/nope", None).await.expect_problem(404);
    app.delete("/api/auth/login", None)
        .await
        .expect_problem(404);
}

#[tokio::test]
async fn request_ids_are_echoed_and_named_in_problems() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/api/me", app.base))
        .header("x-request-id", "client-chosen-id-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-chosen-id-42");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["request_id"], "client-chosen-id-42");

    let generated = app.get("/health/live", None).await.expect(200);
    assert_eq!(generated.header("x-request-id").unwrap().len(), 36);
}

#[tokio::test]
async fn a_malformed_id_in_any_path_names_its_segment() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (path, field) in [
        ("/api/users/not-an-id", "user_id"),
        ("/api/companies/42", "company_id"),
        ("/api/companies/42/customers", "company_id"),
        ("/api/customers/x/status-history", "customer_id"),
        ("/api/customers/x/tickets", "customer_id"),
        ("/api/customers/x/timeline", "customer_id"),
        ("/api/tickets/x/comments", "ticket_id"),
        ("/api/interactions/x", "interaction_id"),
        ("/api/interactions/x.ics", "interaction_id"),
    ] {
        let answer = app.get(path, Some(&admin)).await.expect_problem(400);
        assert_eq!(answer.body["type"], "/problems/validation", "{path}");
        assert_eq!(answer.error_fields(), vec![field], "{path}");
        assert_eq!(answer.body["errors"][0]["message"], "is not a valid id");
    }
    // Without a token the answer is still 401, whatever the id.
    app.get("/api/customers/x", None).await.expect_problem(401);
}

#[tokio::test]
async fn the_document_describes_every_path_id_as_a_uuid() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.expect(200).body;
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        // The only path parameters that are not ids are the signed tokens
        // of the links inside messages (`/t/o/{token}`, …), which the
        // email issue prescribes, and the names of reports and charts
        // (`/api/reports/{name}`, a closed list checked below).
        let (names, others): (Vec<&str>, Vec<&str>) =
            names.into_iter().partition(|name| name.ends_with("_id"));
        let (report_names, tokens): (Vec<&str>, Vec<&str>) = others
            .into_iter()
            .partition(|name| *name == "name" && path.starts_with("/api/reports/"));
        for token in tokens {
            assert!(
                token == "token" && path.starts_with("/t/"),
                "{path}: {token} is neither an id nor a link token"
            );
        }
        let names: Vec<&str> = names.into_iter().chain(report_names).collect();
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array();
            for name in &names {
                let parameter = parameters
                    .and_then(|ps| ps.iter().find(|p| p["name"] == *name && p["in"] == "path"))
                    .unwrap_or_else(|| panic!("{method} {path} does not describe {name}"));
                assert_eq!(parameter["required"], true, "{method} {path}");
                assert_eq!(parameter["schema"]["type"], "string", "{method} {path}");
                if name.ends_with("_id") {
                    assert_eq!(parameter["schema"]["format"], "uuid", "{method} {path}");
                    seen += 1;
                } else {
                    // A name, not an id (a report or chart): one of a closed list.
                    let values = parameter["schema"]["enum"].as_array();
                    assert!(
                        values.is_some_and(|v| !v.is_empty()),
                        "{method} {path} {name}"
                    );
                }
            }
        }
    }
    assert!(seen >= 27, "only {seen} path ids described");
}

/// Every string query parameter of every list the document describes, sent
/// with control characters: a 400 naming the parameter or a 2xx, never a 5xx.
#[tokio::test]
async fn control_characters_in_any_query_parameter_are_never_a_server_error() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let company = app.company(&admin, "Acme").await;
    app.customer(&admin, json!({"first_name": "Carl", "last_name": "Lee"}))
        .await;
    let doc = app.get("/openapi.json", None).await.expect(200).body;
    let mut probed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let path = path.replace("{company_id}", &company);
        if path.contains('{') || path.starts_with("/api/calendar.ics") {
            continue;
        }
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for parameter in parameters {
            if parameter["in"] != "query" || parameter["schema"]["type"] != "string" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap();
            // Parameters that are documented but not read here: the
            // export's page parameters (it always runs to the last page),
            // and a signed link's credential beside a bearer token (the
            // token is the credential; without one they are probed below).
            let unread = (path == "/api/customers/export.csv"
                && ["limit", "cursor"].contains(&name))
                || ["by", "exp", "sig"].contains(&name);
            if unread {
                continue;
            }
            for bad in ["carl%00", "carl%0Alee", "%01", "%7F"] {
                let answer = app.get(&format!("{path}?{name}={bad}"), Some(&admin)).await;
                assert!(
                    answer.status.is_client_error(),
                    "GET {path}?{name}={bad}: {} {:#}",
                    answer.status,
                    answer.body
                );
                if answer.status == 400 {
                    assert_eq!(answer.error_fields(), vec![name.to_owned()], "{path}");
                }
                probed += 1;
            }
        }
    }
    // Without a bearer token a signed link's credential is read, and
    // refused with a control character in any part of it.
    let me = app.get("/api/me", Some(&admin)).await.expect(200).body;
    let someone = me["user_id"].as_str().unwrap().to_owned();
    for (by, exp, sig) in [
        ("carl%00", "9999999999", "AAAAAAAAAAAAAAAAAAAAAA"),
        (someone.as_str(), "99%0A99", "AAAAAAAAAAAAAAAAAAAAAA"),
        (someone.as_str(), "9999999999", "AAAA%7FAAAAAAAAAAAAAAAAA"),
    ] {
        app.get(&format!("/api/reports?by={by}&exp={exp}&sig={sig}"), None)
            .await
            .expect_problem(401);
    }
    assert!(
        probed > 40,
        "only {probed} probes: the document lost its parameters?"
    );
    // The search parameter refuses them outright, on every list that has one.
    for path in [
        "/api/customers",
        "/api/customers/export.csv",
        "/api/companies",
        "/api/users",
        "/api/tickets",
        &format!("/api/companies/{company}/customers"),
    ] {
        let refused = app
            .get(&format!("{path}?q=carl%00"), Some(&admin))
            .await
            .expect_problem(400);
        assert_eq!(refused.error_fields(), vec!["q"], "{path}");
        assert_eq!(
            refused.body["errors"][0]["message"],
            "must not contain control characters"
        );
    }
}

/// Requests the HTTP parser itself refuses (before any of our code runs):
/// actix-web answers them with an empty 400 or 431 and closes the connection.
/// We cannot make those bodies problem+json (docs/security.md says why), but
/// each must be a 4xx, and the server must go on serving.
#[tokio::test]
async fn requests_the_http_parser_refuses_are_4xx_and_harmless() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app().await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut long_url = b"GET /api/customers?q=".to_vec();
    long_url.extend(std::iter::repeat_n(b'a', 100_000));
    long_url.extend(b" HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut many_headers = b"GET /health/live HTTP/1.1\r\nHost: x\r\n".to_vec();
    for n in 0..200 {
        many_headers.extend(format!("X-H{n}: v\r\n").as_bytes());
    }
    many_headers.extend(b"\r\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a 100 KB URL", long_url, "400"),
        (
            "a folded header",
            b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n".to_vec(),
            "400",
        ),
        (
            "Content-Length with Transfer-Encoding",
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            "400",
        ),
        (
            "a raw 0xFF byte in the query",
            b"GET /api/customers?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "400",
        ),
        ("200 headers", many_headers, "431"),
    ];
    for (case, request, status) in cases {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(&request).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut answer),
        )
        .await;
        let head = String::from_utf8_lossy(&answer);
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} ")),
            "{case}: {head}"
        );
        app.get("/health/live", None).await.expect(200);
    }
}
