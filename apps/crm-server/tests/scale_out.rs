//! Scale-out shown: two `crm-server serve` processes on one MongoDB
//! database, sharing nothing but the database and the JWT secret, used
//! concurrently by one client. What must happen once happens once: the
//! bootstrap admin is created once although both start together, a
//! refresh token is rotated once (and the race is treated as the reuse it
//! is), an idempotent ticket is raised once, and the two mail workers
//! racing on one outbox hand every recipient to a real SMTP server
//! (aiosmtpd) once.
//!
//! Needs the MongoDB test server (`CRM_TEST_MONGO_URI`), and for mail the
//! SMTP test server's python (`CRM_TEST_SMTP_PYTHON`); skipped, with a line
//! saying so, without them.
#![allow(
    clippy::unwrap_used,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::mail::{Copy, all_status};
use common::process::{KillOnDrop, free_port};
use common::store::{DropDatabase, Store, mongo_uri, new_database_name, with_database};
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Answer, TestApp, token};
use crm_testkit::smtp::{SmtpServer, python_or_skip};
use reqwest::Method;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");
const SECRET: &str = "one-jwt-secret-shared-by-both-instances-0123";

/// Two instances serving one database, each with a client, and the guard
/// that drops the database once both are gone.
struct Cluster {
    apps: [TestApp; 2],
    // Fields drop in order: the processes stop before the database goes.
    _instances: [KillOnDrop; 2],
    _database: DropDatabase,
}

/// Starts `crm-server serve` on `url`, with the bootstrap admin and the
/// `extra` variables.
fn start(url: &str, port: u16, extra: &[(&str, String)]) -> KillOnDrop {
    KillOnDrop(
        Command::new(BIN)
            .env_clear()
            .envs(extra.iter().map(|(name, value)| (*name, value.as_str())))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CRM_DATABASE_URL", url)
            .env("CRM_JWT_SECRET", SECRET)
            .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
            .env("CRM_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("CRM_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CRM_LOG", "warn")
            .env("CRM_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    )
}

/// Two instances started at the same moment on a fresh database, both
/// ready, with the `extra` variables; `None` (after a `SKIPPED` line)
/// without a MongoDB server.
async fn cluster(test: &str, extra: &[(&str, String)]) -> Option<Cluster> {
    let uri = mongo_uri(test)?;
    let name = new_database_name();
    let url = with_database(&uri, &name);
    let database = DropDatabase { uri, name };
    let ports = [free_port(), free_port()];
    let mut instances = ports.map(|port| start(&url, port, extra));
    let apps = ports.map(|port| TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        running: None,
        dir: tempfile::tempdir().unwrap(),
        store: Store::Mongo,
    });
    for (app, instance) in apps.iter().zip(&mut instances) {
        let started = Instant::now();
        loop {
            if let Ok(response) = app
                .client
                .get(format!("{}/health/ready", app.base))
                .send()
                .await
                && response.status() == 200
            {
                break;
            }
            assert!(
                instance.0.try_wait().unwrap().is_none(),
                "an instance exited while starting (both create the bootstrap admin)"
            );
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "an instance did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Some(Cluster {
        apps,
        _instances: instances,
        _database: database,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_rotate_a_refresh_token_once_and_raise_an_idempotent_ticket_once() {
    let Some(cluster) = cluster(
        "scale_out::two_instances_rotate_a_refresh_token_once_and_raise_an_idempotent_ticket_once",
        &[],
    )
    .await
    else {
        return;
    };
    let [a, b] = &cluster.apps;

    // Both started on the empty database with the bootstrap admin: one
    // created it, the other found it. Tokens of either work on both.
    let admin = a.admin_token().await;
    let admins = b
        .get("/api/users?role=admin", Some(&admin))
        .await
        .expect(200);
    assert_eq!(admins.body["users"].as_array().unwrap().len(), 1);

    // --- a refresh token presented to both instances at once -----------
    let login = b.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    let attempts = (0..10).map(|n| {
        let app = if n % 2 == 0 { a } else { b };
        app.post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": refresh }),
        )
    });
    let answers: Vec<Answer> = futures_util::future::join_all(attempts).await;
    let rotated: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert_eq!(rotated.len(), 1, "exactly one rotation: {answers:#?}");
    for refused in answers.iter().filter(|a| a.status != 200) {
        assert_eq!(refused.status, 401, "{:#}", refused.body);
    }
    // The losers presented a token that was rotated: a copy. The whole
    // sign-in ends, on both instances, the winner's new tokens included.
    let winner = rotated[0];
    for app in [a, b] {
        app.get("/api/me", Some(&token(winner)))
            .await
            .expect_problem(401);
        app.post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": winner.body["refresh_token"] }),
        )
        .await
        .expect_problem(401);
    }
    // Other sign-ins are untouched.
    a.get("/api/me", Some(&admin)).await.expect(200);
    b.get("/api/me", Some(&admin)).await.expect(200);

    // --- one idempotency key sent to both instances at once -------------
    let (_, customer) = a.customer_account("ada@example.com").await;
    let body = json!({ "issue": "Please call me back" });
    let raises = (0..10).map(|n| {
        let app = if n % 2 == 0 { a } else { b };
        app.call_with(
            Method::POST,
            "/api/tickets",
            Some(&customer),
            &[("idempotency-key", "scale-out-1")],
            Some(body.clone()),
        )
    });
    let answers = futures_util::future::join_all(raises).await;
    let ids: HashSet<&str> = answers
        .iter()
        .map(|answer| {
            assert_eq!(answer.status, 201, "{:#}", answer.body);
            answer.body["ticket_id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one ticket: {ids:?}");
    let replayed = answers
        .iter()
        .filter(|answer| answer.header("idempotent-replayed") == Some("true"))
        .count();
    assert_eq!(replayed, 9, "one raise, nine replays");
    for app in [a, b] {
        let tickets = app.get("/api/tickets", Some(&admin)).await.expect(200);
        assert_eq!(tickets.body["tickets"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_mail_workers_send_each_recipient_once() {
    const TEST: &str = "scale_out::two_mail_workers_send_each_recipient_once";
    let Some(python) = python_or_skip(TEST) else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let smtp = (
        "CRM_SMTP_URL",
        format!("smtp://127.0.0.1:{}?tls=none", server.port),
    );
    let Some(cluster) = cluster(TEST, &[smtp]).await else {
        return;
    };
    let [a, b] = &cluster.apps;
    let admin = a.admin_token().await;

    // One message queued through each instance (so each worker is told),
    // both due in a moment: then both workers wake and claim together.
    let send_at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let mut addresses = Vec::new();
    let mut emails = Vec::new();
    for (n, app) in [a, b].into_iter().enumerate() {
        let to: Vec<String> = (0..25)
            .map(|i| format!("race{n}-{i}@example.org"))
            .collect();
        addresses.extend(to.clone());
        let answer = app
            .send_email(
                &admin,
                json!({"to": to, "subject": "Race", "body": "Go: https://shop.example.com/", "send_at": send_at}),
            )
            .await;
        emails.push(answer["email_id"].as_str().unwrap().to_owned());
    }
    for email in &emails {
        b.wait_for(&admin, email, |e| all_status(e, "sent")).await;
    }
    // Nothing more arrives after the last one settled.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let received = server.received();
    let mut recipients: Vec<String> = received.iter().flat_map(|r| r.rcpt_tos.clone()).collect();
    recipients.sort();
    addresses.sort();
    assert_eq!(recipients, addresses, "every recipient exactly once");
    let copies: Vec<Copy> = received
        .iter()
        .map(|r| Copy::parse(&r.data, None))
        .collect();
    let mut ids: Vec<&str> = copies.iter().map(|c| c.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), addresses.len(), "no Message-ID twice");
    // A copy's tracking links are built on the public URL of the instance
    // that sent it: both workers took part.
    for app in [a, b] {
        let sent = copies.iter().filter(|c| c.html.contains(&app.base)).count();
        assert!(sent > 0, "the worker of {} sent nothing", app.base);
    }
}
