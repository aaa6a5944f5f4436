//! Runs the built `crm-server` binary on MongoDB as an operator would:
//! `migrate` and `migrate --status`, `serve` with `/health/ready` checking
//! the migrations, and the JWT secret MongoDB requires. Each test uses a
//! fresh database on the server `CRM_TEST_MONGO_URI` names (skipped, with
//! a line saying so, without it).
#![allow(
    clippy::unwrap_used,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{KillOnDrop, free_port};
use common::store::{DropDatabase, mongo_uri, new_database_name, with_database};
use mongodb::bson::{Document, doc};

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");
const SECRET: &str = "a-jwt-secret-shared-by-every-instance-0123";
const PASSWORD: &str = "binary-admin-password";
const MIGRATIONS: [&str; 13] = [
    "0001_identity",
    "0002_customers",
    "0003_tickets",
    "0004_interactions",
    "0005_session_checks",
    "0006_email",
    "0007_reports",
    "0008_list_indexes",
    "0009_interaction_counters",
    "0010_ticket_counters",
    "0011_customer_counters",
    "0012_journey_repeats",
    "0013_email_counters",
];

/// The binary with a clean environment, on `database_url`, with the secret.
fn command(database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CRM_DATABASE_URL", database_url)
        .env("CRM_JWT_SECRET", SECRET)
        .env("CRM_LOG", "warn")
        .env("CRM_LOG_FORMAT", "json");
    command
}

/// A fresh database on the test server: its URL and the guard that drops it.
fn fresh_database(test: &str) -> Option<(String, DropDatabase)> {
    let uri = mongo_uri(test)?;
    let name = new_database_name();
    Some((with_database(&uri, &name), DropDatabase { uri, name }))
}

fn stdout_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn migrate_and_status_on_mongodb() {
    let Some((url, _drop)) = fresh_database("binary_mongo::migrate_and_status_on_mongodb") else {
        return;
    };
    let pending = command(&url)
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    assert!(pending.status.success(), "{pending:?}");
    let expected: Vec<String> = MIGRATIONS.iter().map(|m| format!("{m}  pending")).collect();
    assert_eq!(stdout_lines(&pending), expected);

    let migrate = command(&url).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{migrate:?}");
    let expected: Vec<String> = MIGRATIONS.iter().map(|m| format!("applied {m}")).collect();
    assert_eq!(stdout_lines(&migrate), expected);

    let applied = command(&url)
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    assert!(applied.status.success(), "{applied:?}");
    let lines = stdout_lines(&applied);
    assert_eq!(lines.len(), MIGRATIONS.len(), "{lines:?}");
    for (line, migration) in lines.iter().zip(MIGRATIONS) {
        assert!(
            line.starts_with(&format!("{migration}  applied 2")),
            "{line}"
        );
    }

    let again = command(&url).arg("migrate").output().unwrap();
    assert!(again.status.success(), "{again:?}");
    assert_eq!(stdout_lines(&again), ["no pending migrations"]);
}

/// Several instances must sign and check each other's tokens: without a
/// configured secret the server refuses to start, with status 2 and one
/// line naming the setting, before it connects to anything.
#[test]
fn mongodb_without_a_jwt_secret_exits_2_naming_the_setting() {
    for url in [
        "mongodb://127.0.0.1:1/crm",
        "mongodb+srv://crm:password@cluster.example.invalid/crm",
    ] {
        for subcommand in ["serve", "migrate"] {
            let output = command(url)
                .env_remove("CRM_JWT_SECRET")
                .arg(subcommand)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(2), "{output:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                stderr.trim_end(),
                "crm-server: configuration error: CRM_JWT_SECRET: must be set when the store is MongoDB"
            );
            assert!(!stderr.contains("password"), "the URL is never shown");
        }
    }
}

/// An unreachable server is a failure (1), not a configuration error.
#[test]
fn an_unreachable_mongodb_exits_1() {
    let output = command("mongodb://127.0.0.1:1/crm?serverSelectionTimeoutMS=500")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot reach MongoDB"),
        "{output:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_mongodb_is_ready_only_while_every_migration_is_applied() {
    let Some((url, drop)) = fresh_database(
        "binary_mongo::serve_on_mongodb_is_ready_only_while_every_migration_is_applied",
    ) else {
        return;
    };
    let port = free_port();
    let mut child = KillOnDrop(
        command(&url)
            .arg("serve")
            .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
            .env("CRM_BOOTSTRAP_ADMIN_EMAIL", "root@example.com")
            .env("CRM_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let ready = loop {
        if let Ok(response) = client.get(format!("{base}/health/ready")).send().await {
            break response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["store"], "ok");

    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"email": "root@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    // As if a newer migration had been rolled back by hand: not ready, and
    // the answer names the migration.
    let database = mongodb::Client::with_uri_str(&drop.uri)
        .await
        .unwrap()
        .database(&drop.name);
    database
        .collection::<Document>("schema_migrations")
        .delete_one(doc! { "_id": 5_i64 })
        .await
        .unwrap();
    let not_ready = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_ready.status(), 503);
    let body: serde_json::Value = not_ready.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    let store = body["checks"]["store"].as_str().unwrap();
    assert!(
        store.contains("pending") && store.contains("0005_session_checks"),
        "{store}"
    );

    // `migrate` from another process puts it right.
    let migrate = command(&url).arg("migrate").output().unwrap();
    assert_eq!(stdout_lines(&migrate), ["applied 0005_session_checks"]);
    let ready = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.0.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}
