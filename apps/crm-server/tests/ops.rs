//! Health, metrics, the OpenAPI document and the docs page.

mod common;

use common::spawn_app;

#[tokio::test]
async fn health_endpoints() {
    let app = spawn_app().await;
    let live = app.get("/health/live", None).await.expect(200);
    assert_eq!(live.body["status"], "ok");
    let ready = app.get("/health/ready", None).await.expect(200);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["checks"]["store"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_per_route_and_status() {
    let app = spawn_app().await;
    app.get("/health/live", None).await.expect(200);
    app.get("/api/me", None).await.expect(401);
    let metrics = app.get("/metrics", None).await.expect(200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(
        text.contains(r#"route="/api/me""#) && text.contains(r#"status="401""#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn invented_methods_and_paths_add_no_metric_series() {
    let app = spawn_app().await;
    for n in 0..50 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}").as_bytes()).unwrap();
        app.client
            .request(method, format!("{}/api/customers/{n}/x{n}", app.base))
            .send()
            .await
            .unwrap();
        app.get(&format!("/no/such/path/{n}"), None)
            .await
            .expect(404);
    }
    let metrics = app.get("/metrics", None).await.expect(200);
    let text = metrics.body.as_str().unwrap();
    assert!(!text.contains("BREW"), "{text}");
    assert!(!text.contains("/no/such/path"), "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    // A hundred odd requests made two series, not one per request. (The
    // recorder is shared by this binary's tests, so count only ours.)
    let series = text
        .lines()
        .filter(|line| {
            line.starts_with("http_requests_total{") && line.contains(r#"route="unmatched""#)
        })
        .count();
    assert_eq!(series, 2, "{text}");
}

#[tokio::test]
async fn security_headers_on_api_answers_and_the_docs_page() {
    let app = spawn_app().await;
    let login = app
        .login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .expect(200);
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let refused = app.get("/api/me", None).await.expect(401);
    assert_eq!(refused.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    let unknown = app.get("/nowhere", None).await.expect(404);
    assert_eq!(unknown.header("x-content-type-options"), Some("nosniff"));

    let docs = app.get("/docs/", None).await.expect(200);
    let csp = docs.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(docs.header("x-frame-options"), Some("DENY"));
    assert_eq!(docs.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn openapi_document_describes_every_route_with_its_errors() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.expect(200).body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/auth/signup", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/refresh", "post"),
        ("/api/auth/logout", "post"),
        ("/api/me", "get"),
        ("/api/users", "get"),
        ("/api/users", "post"),
        ("/api/users/{user_id}", "get"),
        ("/api/users/{user_id}", "patch"),
        ("/api/users/{user_id}", "delete"),
        ("/api/companies", "post"),
        ("/api/companies/{company_id}/customers", "get"),
        ("/api/customers", "get"),
        ("/api/customers/{customer_id}", "patch"),
        ("/api/customers/import", "post"),
        ("/api/customers/export.csv", "get"),
        ("/api/tickets", "post"),
        ("/api/tickets/{ticket_id}/resolve", "patch"),
        ("/api/tickets/{ticket_id}/comments", "post"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} missing");
        assert!(
            operation["responses"]["400"].is_object(),
            "{method} {path} lacks 400"
        );
    }
    let login = &paths["/api/auth/login"]["post"];
    assert!(login["responses"]["429"].is_object());
    assert_eq!(login["security"], serde_json::json!([{}]));
    assert!(paths["/api/users"]["get"]["responses"]["403"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn openapi_unions_are_one_of_named_schemas_with_a_discriminator() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.expect(200).body;
    let schemas = &doc["components"]["schemas"];
    let me = &schemas["MeBody"];
    assert_eq!(me["discriminator"]["propertyName"], "kind");
    let variants = me["oneOf"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    for (kind, name) in [
        ("user", "StaffAccountBody"),
        ("customer", "CustomerAccountBody"),
    ] {
        let target = format!("#/components/schemas/{name}");
        assert_eq!(me["discriminator"]["mapping"][kind], target.as_str());
        assert!(
            variants.iter().any(|v| v["$ref"] == target.as_str()),
            "{name}"
        );
        assert!(schemas[name].is_object(), "{name} is not a named schema");
    }
    // No union anywhere is written as a oneOf of inline allOf compositions.
    for (name, schema) in schemas.as_object().unwrap() {
        for variant in schema["oneOf"].as_array().into_iter().flatten() {
            assert!(
                variant["allOf"].is_null(),
                "{name} has an allOf inside oneOf"
            );
        }
    }
}

#[tokio::test]
async fn docs_page_is_served_offline() {
    let app = spawn_app().await;
    let page = app.get("/docs/", None).await.expect(200);
    assert!(
        page.body.as_str().unwrap().contains("swagger"),
        "{:?}",
        page.body
    );
    let script = app
        .get("/docs/swagger-ui-bundle.js", None)
        .await
        .expect(200);
    assert!(script.body.as_str().unwrap().len() > 100_000);
}
