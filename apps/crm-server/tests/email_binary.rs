//! The built `crm-server` binary: killed between queueing a message and
//! sending it, it sends the message once after a restart (on SQLite, a
//! temporary file, and on MongoDB, a fresh database on the server
//! `CRM_TEST_MONGO_URI` names; skipped, with a line saying so, without it);
//! and its outbox gauge reads 0 once a backlog is sent.
#![allow(clippy::unwrap_used, reason = "a scenario test fails by panicking")]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{KillOnDrop, free_port};
use common::store::{MONGO_JWT_SECRET, mongo_uri, new_database_name, with_database};
use crm_testkit::smtp::{SmtpServer, python_or_skip};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");
const PASSWORD: &str = "binary-admin-password";

/// `crm-server serve` on `database_url` (a MongoDB one also gets the JWT
/// secret that store requires).
fn start(database_url: &str, port: u16, smtp_port: u16) -> KillOnDrop {
    let mut command = Command::new(BIN);
    command.env_clear();
    if database_url.starts_with("mongodb") {
        command.env("CRM_JWT_SECRET", MONGO_JWT_SECRET);
    }
    command
        .arg("serve")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CRM_DATABASE_URL", database_url)
        .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "CRM_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp_port}?tls=none"),
        )
        .env("CRM_BOOTSTRAP_ADMIN_EMAIL", "root@example.com")
        .env("CRM_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
        .env("CRM_LOG", "warn")
        .env("CRM_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(KillOnDrop)
        .unwrap()
}

async fn ready(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    while client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn token(client: &reqwest::Client, base: &str) -> String {
    let login: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": "root@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_server_killed_between_queueing_and_sending_sends_after_restart() {
    let test = "a_server_killed_between_queueing_and_sending_sends_after_restart";
    let Some(python) = python_or_skip(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crm.db").display());
    killed_between_queueing_and_sending(&python, &url).await;
}

#[tokio::test]
async fn a_server_killed_between_queueing_and_sending_sends_after_restart_on_mongodb() {
    let test = "a_server_killed_between_queueing_and_sending_sends_after_restart_on_mongodb";
    let (Some(python), Some(uri)) = (python_or_skip(test), mongo_uri(test)) else {
        return;
    };
    let name = new_database_name();
    let _drop = common::store::DropDatabase {
        uri: uri.clone(),
        name: name.clone(),
    };
    killed_between_queueing_and_sending(&python, &with_database(&uri, &name)).await;
}

/// A message to 35 recipients is sent in batches; once the last is sent the
/// `email_outbox_depth` gauge of `/metrics` reads 0 (the worker counts the
/// queue at most once a second while full batches keep coming, and always
/// after a round short of a batch).
#[tokio::test]
async fn the_outbox_depth_gauge_settles_at_zero_once_a_backlog_is_sent() {
    let test = "the_outbox_depth_gauge_settles_at_zero_once_a_backlog_is_sent";
    let Some(python) = python_or_skip(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crm.db").display());
    let smtp = SmtpServer::start(&python, None);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let server = start(&url, port, smtp.port);
    ready(&client, &base).await;
    let admin = token(&client, &base).await;
    let to: Vec<String> = (0..35).map(|i| format!("reader{i}@example.org")).collect();
    let answer = client
        .post(format!("{base}/api/emails"))
        .bearer_auth(&admin)
        .json(&json!({"to": to, "subject": "News", "body": "Hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let started = Instant::now();
    while smtp.received().len() < 35 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "only {} of 35 sent",
            smtp.received().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    loop {
        let metrics = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let depth: f64 = metrics
            .lines()
            .find_map(|line| line.strip_prefix("email_outbox_depth "))
            .expect("the gauge is in /metrics")
            .trim()
            .parse()
            .unwrap();
        if depth < 0.5 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the gauge still reads {depth} with every recipient sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
    assert_eq!(smtp.received().len(), 35, "each recipient sent once");
}

/// Queues a message due in two seconds, kills the server at once, then
/// starts another on the same database: the message goes out once.
async fn killed_between_queueing_and_sending(python: &str, database_url: &str) {
    let smtp = SmtpServer::start(python, None);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let first = start(database_url, port, smtp.port);
    ready(&client, &base).await;
    let admin = token(&client, &base).await;
    let send_at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let answer = client
        .post(format!("{base}/api/emails"))
        .bearer_auth(&admin)
        .json(&json!({"to": "later@example.org", "subject": "Later", "body": "Hi", "send_at": send_at}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let email_id = answer.json::<Value>().await.unwrap()["email_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Killed at once: no graceful stop, nothing sent yet.
    drop(first);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        smtp.received().is_empty(),
        "nothing was sent by the dead server"
    );

    let second = start(database_url, port, smtp.port);
    ready(&client, &base).await;
    let started = Instant::now();
    while smtp.received().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never sent after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let admin = token(&client, &base).await;
    let email: Value = client
        .get(format!("{base}/api/emails/{email_id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), 1, "sent once");
    assert_eq!(smtp.received()[0].rcpt_tos, ["later@example.org"]);
    assert!(["sending", "sent"].contains(&email["recipients"][0]["status"].as_str().unwrap()));
    drop(second);
}
