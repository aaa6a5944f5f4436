//! Starts the real application on a random port with a fresh SQLite file,
//! and drives it over HTTP as a REST client would.
#![allow(dead_code, clippy::missing_panics_doc)]

pub mod mail;

use crm_server::app::Application;
use crm_server::cli::Overrides;
use crm_server::config::Settings;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "bootstrap-admin-password";
pub const PASSWORD: &str = "a-good-long-password";

/// A running application and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Kept so the database outlives the test.
    pub dir: tempfile::TempDir,
}

/// An answer: status, headers and JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {:#}",
            self.body
        );
        self
    }

    /// Asserts a problem+json answer with this status and returns the first field error's field.
    #[track_caller]
    pub fn expect_problem(self, status: u16) -> Self {
        let this = self.expect(status);
        assert_eq!(
            this.header("content-type"),
            Some("application/problem+json"),
            "{:#}",
            this.body
        );
        assert_eq!(this.body["status"], status);
        assert!(
            this.body["type"].is_string()
                && this.body["title"].is_string()
                && this.body["detail"].is_string()
        );
        assert!(this.body["request_id"].is_string());
        this
    }

    /// The fields named in a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with settings changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Overrides)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut overrides = Overrides {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(format!("sqlite://{}", dir.path().join("crm.db").display())),
        bootstrap_admin_email: Some(ADMIN_EMAIL.into()),
        bootstrap_admin_password: Some(ADMIN_PASSWORD.into()),
        max_body_bytes: Some("65536".into()),
        log: Some("warn".into()),
        ..Overrides::default()
    };
    configure(&mut overrides);
    let settings = Settings::load(None, &overrides, false).expect("settings");
    let application = Application::build(&settings)
        .await
        .expect("application starts");
    let base = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        base,
        client: reqwest::Client::new(),
        dir,
    }
}

impl TestApp {
    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Sends raw bytes with the given content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.expect("request sent")).await
    }

    /// Signs in and returns the whole answer.
    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// The bootstrap admin's access token.
    pub async fn admin_token(&self) -> String {
        token(&self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200))
    }

    /// Creates a staff user as the admin and returns its JSON.
    pub async fn create_user(&self, admin: &str, email: &str, role: &str) -> Value {
        self.post(
            "/api/users",
            Some(admin),
            json!({"name": format!("User {email}"), "email": email, "role": role, "password": PASSWORD}),
        )
        .await
        .expect(201)
        .body
    }

    /// Creates an agent and returns its access token.
    pub async fn agent_token(&self, admin: &str, email: &str) -> String {
        self.create_user(admin, email, "agent").await;
        token(&self.login(email, PASSWORD).await.expect(200))
    }

    /// Signs a customer up and returns the answer body.
    pub async fn signup(&self, email: &str) -> Value {
        self.post(
            "/api/auth/signup",
            None,
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": email, "password": PASSWORD}),
        )
        .await
        .expect(201)
        .body
    }
}

impl TestApp {
    /// Creates a company as `admin` and returns its id.
    pub async fn company(&self, admin: &str, name: &str) -> String {
        self.post("/api/companies", Some(admin), json!({"name": name}))
            .await
            .expect(201)
            .body["company_id"]
            .as_str()
            .expect("company_id")
            .to_owned()
    }

    /// Creates a customer from `body` as `token` and returns its JSON.
    pub async fn customer(&self, token: &str, body: Value) -> Value {
        self.post("/api/customers", Some(token), body)
            .await
            .expect(201)
            .body
    }

    /// Creates an agent assigned to `companies` and returns (user id, token).
    pub async fn agent_of(&self, admin: &str, email: &str, companies: &[&str]) -> (String, String) {
        let user = self
            .post(
                "/api/users",
                Some(admin),
                json!({"name": "Agent", "email": email, "role": "agent", "password": PASSWORD, "company_ids": companies}),
            )
            .await
            .expect(201)
            .body;
        let token = token(&self.login(email, PASSWORD).await.expect(200));
        (user["user_id"].as_str().expect("user_id").to_owned(), token)
    }

    /// Signs a customer up and returns (customer id, access token).
    pub async fn customer_account(&self, email: &str) -> (String, String) {
        let body = self.signup(email).await;
        (
            body["customer_id"]
                .as_str()
                .expect("customer_id")
                .to_owned(),
            body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        )
    }

    /// Sends a request with extra headers.
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request sent")).await
    }
}

/// The access token of a sign-in answer.
pub fn token(answer: &Answer) -> String {
    answer.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub async fn answer(response: Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer {
        status,
        headers,
        body,
    }
}
