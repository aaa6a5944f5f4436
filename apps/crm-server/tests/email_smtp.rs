//! Email against a real SMTP server (aiosmtpd on a loopback port): what it
//! receives from the running app, and the faults the outbox must survive.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::mail::{Copy, all_status, simple};
use common::spawn_app_with;
use crm_email::WorkerId;
use crm_kernel::SystemClock;
use crm_server::config::Settings;
use crm_server::mail::setup::{email_service, email_settings, mailer};
use crm_testkit::smtp::{SmtpServer, python_or_skip};
use serde_json::json;

fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}?tls=none")
}

#[tokio::test]
async fn the_smtp_server_receives_the_tracked_message_with_every_header() {
    let Some(python) =
        python_or_skip("the_smtp_server_receives_the_tracked_message_with_every_header")
    else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let app = spawn_app_with(|o| {
        o.smtp_url = Some(smtp_url(server.port));
        o.mail_from = Some("CRM <crm@crm.example.com>".into());
    })
    .await;
    let admin = app.admin_token().await;
    let answer = app.send_email(&admin, simple("ann@example.org")).await;
    let email_id = answer["email_id"].as_str().unwrap();
    let email = app.wait_sent(&admin, email_id).await;
    let recipient = &email["recipients"][0];
    let received = server.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.rcpt_tos, ["ann@example.org"]);
    assert!(
        got.mail_from.starts_with("bounce+") && got.mail_from.ends_with("@crm.example.com"),
        "VERP return path: {}",
        got.mail_from
    );
    let copy = Copy::parse(&got.data, Some(got.mail_from.clone()));
    assert_eq!(
        copy.header_value("From").unwrap(),
        "Administrator <crm@crm.example.com>"
    );
    assert_eq!(copy.header_value("To").unwrap(), "ann@example.org");
    assert_eq!(copy.subject, "Your offer");
    assert_eq!(
        format!("<{}>", copy.message_id),
        recipient["message_id"].as_str().unwrap()
    );
    assert!(copy.reply_to.starts_with("reply+") && copy.reply_to.ends_with("@crm.example.com"));
    assert!(
        copy.list_unsubscribe
            .starts_with(&format!("{}/t/u/", app.base)),
        "{}",
        copy.list_unsubscribe
    );
    assert_eq!(
        copy.header_value("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(
        copy.part_types()[1..],
        ["text/plain", "text/html"],
        "both parts"
    );
    assert!(
        copy.text.contains("https://shop.example.com/offer?id=7"),
        "the text keeps the real link"
    );
    let pixel = copy.paths("/t/o/");
    assert_eq!(pixel.len(), 1, "one tracking image");
    assert!(
        copy.urls()
            .iter()
            .any(|u| u.starts_with(&format!("{}/t/o/", app.base)))
    );
    assert_eq!(
        copy.paths("/t/c/").len(),
        3,
        "two rewritten links and the honeypot"
    );
    assert!(!copy.urls().iter().any(|u| u.contains("shop.example.com")));
    assert_eq!(recipient["attempts"], 1);
    assert!(recipient["sent_at"].is_string());
}

#[tokio::test]
async fn smtp_down_at_send_time_sends_exactly_once_after_it_returns() {
    let Some(python) = python_or_skip("smtp_down_at_send_time_sends_exactly_once_after_it_returns")
    else {
        return;
    };
    let port = {
        let probe = SmtpServer::start(&python, None);
        probe.port
    };
    let app = spawn_app_with(|o| {
        o.smtp_url = Some(smtp_url(port));
        o.mail_retry_delay = Some("1s".into());
    })
    .await;
    let admin = app.admin_token().await;
    let answer = app.send_email(&admin, simple("patient@example.org")).await;
    let email_id = answer["email_id"].as_str().unwrap();
    let failed_once = app
        .wait_for(&admin, email_id, |e| {
            e["recipients"][0]["last_error"].is_object()
        })
        .await;
    assert_eq!(
        failed_once["recipients"][0]["status"], "queued",
        "a connection error is retried"
    );
    let server = SmtpServer::start_on(&python, None, port);
    let sent = app.wait_sent(&admin, email_id).await;
    assert!(sent["recipients"][0]["attempts"].as_u64().unwrap() >= 2);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(server.received().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn a_550_at_rcpt_fails_the_recipient_at_once_with_the_reply() {
    let Some(python) = python_or_skip("a_550_at_rcpt_fails_the_recipient_at_once_with_the_reply")
    else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let app = spawn_app_with(|o| {
        o.smtp_url = Some(smtp_url(server.port));
        o.mail_retry_delay = Some("1s".into());
    })
    .await;
    let admin = app.admin_token().await;
    let answer = app
        .send_email(&admin, json!({"to": ["reject-me@example.org", "fine@example.org"], "subject": "Hi", "body": "Hello"}))
        .await;
    let email_id = answer["email_id"].as_str().unwrap();
    let email = app
        .wait_for(&admin, email_id, |e| {
            e["recipients"][0]["status"] == "failed" && e["recipients"][1]["status"] == "sent"
        })
        .await;
    let failed = &email["recipients"][0];
    assert_eq!(failed["last_error"]["code"], 550);
    assert_eq!(failed["last_error"]["enhanced"], "5.1.1");
    assert_eq!(failed["attempts"], 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = app
        .get(&format!("/api/emails/{email_id}"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(
        later["recipients"][0]["attempts"], 1,
        "no retry after a 5xx"
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_tos, ["fine@example.org"]);
}

#[tokio::test]
async fn two_workers_racing_on_one_outbox_send_each_recipient_once() {
    let Some(python) = python_or_skip("two_workers_racing_on_one_outbox_send_each_recipient_once")
    else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let app = spawn_app_with(|o| o.smtp_url = Some(smtp_url(server.port))).await;
    let admin = app.admin_token().await;
    // Two more server instances on the same database file, each with its
    // own store connections, mailer and worker id, scheduled mail between them.
    let path = app.dir.path().join("crm.db");
    let settings = Settings::load(
        None,
        &crm_server::cli::Overrides {
            database_url: Some(format!("sqlite://{}", path.display())),
            smtp_url: Some(smtp_url(server.port)),
            ..Default::default()
        },
        false,
    )
    .unwrap();
    let secret = crm_auth::JwtSecret::new(vec![7; 32]).unwrap();
    let instance = || async {
        let store = Arc::new(crm_store_sqlite::SqliteStore::open(&path).await.unwrap());
        email_service(
            &store,
            email_settings(&settings, &secret, &app.base).unwrap(),
            mailer(&settings).unwrap(),
            Arc::new(SystemClock),
        )
    };
    let (one, two) = (instance().await, instance().await);
    let send_at = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let mut addresses = Vec::new();
    for n in 0..4 {
        let to: Vec<String> = (0..10)
            .map(|i| format!("race{n}-{i}@example.org"))
            .collect();
        addresses.extend(to.clone());
        app.send_email(
            &admin,
            json!({"to": to, "subject": "Race", "body": "Go", "send_at": send_at}),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let race = |service: crm_email::EmailService| async move {
        let stop = AtomicBool::new(false);
        let worker = WorkerId::new();
        let mut sent = 0;
        for _ in 0..100 {
            let report = service.dispatch_due(worker, &stop).await.unwrap();
            sent += report.sent;
            if report.claimed == 0 {
                break;
            }
        }
        sent
    };
    let (a, b) = tokio::join!(race(one), race(two));
    // The app's own worker may have taken part too.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = server.received();
    let mut ids: Vec<String> = received
        .iter()
        .map(|r| Copy::parse(&r.data, None).message_id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        received.len(),
        addresses.len(),
        "every recipient once ({a} + {b} by the racing workers)"
    );
    assert_eq!(ids.len(), addresses.len(), "no Message-ID twice");
    let listed = app
        .get("/api/emails?limit=10", Some(&admin))
        .await
        .expect(200)
        .body;
    assert!(
        listed["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| all_status(e, "sent"))
    );
}
