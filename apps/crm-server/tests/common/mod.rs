//! Starts the real application on a random port with a fresh SQLite file
//! (or, for the tests [`also_on_mongo!`] repeats, a fresh MongoDB
//! database), and drives it over HTTP as a REST client would.
#![allow(dead_code, clippy::missing_panics_doc)]

pub mod mail;
pub mod process;
pub mod store;

use crm_server::app::{Application, Stopper};
use crm_server::cli::Overrides;
use crm_server::config::Settings;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "bootstrap-admin-password";
pub const PASSWORD: &str = "a-good-long-password";

/// A running application and a client for it.
///
/// Fields drop in order: the client's connections close, then the app
/// stops (and its MongoDB database is dropped), then its folder goes.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The app serving `base`, stopped when the test ends (`None` for an
    /// app this process did not start).
    pub running: Option<RunningApp>,
    /// Kept so the database outlives the app.
    pub dir: tempfile::TempDir,
    /// The store the app runs on.
    pub store: store::Store,
}

/// An app running on a runtime and thread of its own, so that it can stop
/// gracefully when the test ends even though the test's runtime is then
/// blocked in a `drop`: the mail worker finishes (or gives back) what it
/// is doing and no transaction is left open, then the app's MongoDB
/// database, if any, is dropped.
pub struct RunningApp {
    runtime: tokio::runtime::Handle,
    stopper: Stopper,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        let stopper = self.stopper.clone();
        self.runtime.spawn(async move { stopper.stop().await });
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
            && !std::thread::panicking()
        {
            panic!("the app's thread panicked");
        }
    }
}

/// Repeats the named `#[tokio::test]`s of the file with the app on MongoDB
/// (in a module `on_mongo`); each prints a `SKIPPED` line and checks
/// nothing when `CRM_TEST_MONGO_URI` is not set.
#[allow(unused_macros)]
macro_rules! also_on_mongo {
    ($($test:ident),+ $(,)?) => {
        /// The tests of this file named here, with the app on MongoDB.
        mod on_mongo {
            $(
                #[test]
                fn $test() {
                    $crate::common::store::run_on_mongo(
                        concat!(module_path!(), "::", stringify!($test)),
                        super::$test,
                    );
                }
            )+
        }
    };
}
#[allow(unused_imports)]
pub(crate) use also_on_mongo;

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

/// Starts the app with settings changed by `configure`, on the store of
/// the running test ([`store::current`]).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Overrides)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store::current();
    // With MongoDB there is no data file to keep the `.eml` outbox beside:
    // it goes where the tests read it with SQLite.
    let (database_url, jwt_secret, outbox_dir, database) = match store {
        store::Store::Sqlite => (
            format!("sqlite://{}", dir.path().join("crm.db").display()),
            None,
            None,
            None,
        ),
        store::Store::Mongo => {
            let uri = store::mongo_uri("a test on MongoDB").expect("checked by run_on_mongo");
            let name = store::new_database_name();
            (
                store::with_database(&uri, &name),
                Some(store::MONGO_JWT_SECRET.to_owned()),
                Some(dir.path().join("outbox").display().to_string()),
                Some(store::DropDatabase { uri, name }),
            )
        }
    };
    let mut overrides = Overrides {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database_url),
        jwt_secret,
        outbox_dir,
        bootstrap_admin_email: Some(ADMIN_EMAIL.into()),
        bootstrap_admin_password: Some(ADMIN_PASSWORD.into()),
        max_body_bytes: Some("65536".into()),
        log: Some("warn".into()),
        ..Overrides::default()
    };
    configure(&mut overrides);
    let settings = Settings::load(None, &overrides, false).expect("settings");
    let (started, running) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the app");
        let application = match runtime.block_on(Application::build(&settings)) {
            Ok(application) => application,
            Err(error) => {
                let _ = started.send(Err(error.to_string()));
                return;
            }
        };
        let ready = (
            application.port(),
            application.stopper(),
            runtime.handle().clone(),
        );
        if started.send(Ok(ready)).is_ok() {
            let _ = runtime.block_on(application.run_until_stopped());
        }
        drop(database);
    });
    let (port, stopper, runtime) = running
        .await
        .expect("the app's thread answers")
        .expect("application starts");
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        running: Some(RunningApp {
            runtime,
            stopper,
            thread: Some(thread),
        }),
        dir,
        store,
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
