//! Helpers of the email tests: waiting for the worker, reading the copies
//! it wrote, posting inbound mail.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

use super::TestApp;

/// The inbound secret the email tests configure.
pub const INBOUND_SECRET: &str = "inbound-test-secret";

/// One recipient's copy as the worker wrote or sent it.
#[derive(Debug, Clone)]
pub struct Copy {
    pub raw: Vec<u8>,
    pub return_path: String,
    pub message_id: String,
    pub reply_to: String,
    pub list_unsubscribe: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Copy {
    pub fn parse(raw: &[u8], return_path: Option<String>) -> Self {
        let message = MessageParser::default().parse(raw).expect("a message");
        let header = |name: &str| {
            message
                .headers_raw()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        Self {
            raw: raw.to_vec(),
            return_path: return_path
                .unwrap_or_else(|| header("Return-Path"))
                .trim_matches(['<', '>'])
                .to_owned(),
            message_id: message.message_id().unwrap_or_default().to_owned(),
            reply_to: header("Reply-To"),
            list_unsubscribe: header("List-Unsubscribe")
                .trim_matches(['<', '>'])
                .to_owned(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message.body_text(0).unwrap_or_default().into_owned(),
            html: message.body_html(0).unwrap_or_default().into_owned(),
        }
    }

    /// Every `href`/`src` URL of the HTML part, in order.
    pub fn urls(&self) -> Vec<String> {
        let mut urls = Vec::new();
        for marker in ["href=\"", "src=\""] {
            let mut rest = self.html.as_str();
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                if let Some(end) = rest.find('"') {
                    urls.push(rest[..end].replace("&amp;", "&"));
                }
            }
        }
        urls
    }

    /// The path of the first URL containing `part` (`/t/o/`, `/t/c/`).
    pub fn paths(&self, part: &str) -> Vec<String> {
        self.urls()
            .into_iter()
            .filter_map(|u| u.find(part).map(|at| u[at..].to_owned()))
            .collect()
    }

    /// The token of `local+TOKEN@domain` in `address`.
    pub fn plus_token(address: &str) -> String {
        let address = address.trim_matches(['<', '>']);
        let local = address.split('@').next().unwrap_or_default();
        local
            .split_once('+')
            .map(|(_, t)| t.to_owned())
            .unwrap_or_default()
    }

    pub fn domain(address: &str) -> String {
        address
            .trim_matches(['<', '>'])
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// A header's raw value.
    pub fn header_value(&self, name: &str) -> Option<String> {
        let message = MessageParser::default().parse(&self.raw)?;
        message
            .headers_raw()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    }

    pub fn part_types(&self) -> Vec<String> {
        let message = MessageParser::default().parse(&self.raw).expect("message");
        message
            .parts
            .iter()
            .filter_map(|p| {
                p.content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
            })
            .collect()
    }
}

impl TestApp {
    /// Sends `body` as `token` and returns the 202 answer's body.
    pub async fn send_email(&self, token: &str, body: Value) -> Value {
        self.post("/api/emails", Some(token), body)
            .await
            .expect(202)
            .body
    }

    /// Waits until every recipient of the message is settled (or `until`
    /// says so) and returns the message.
    pub async fn wait_for(
        &self,
        token: &str,
        email_id: &str,
        until: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        loop {
            let email = self
                .get(&format!("/api/emails/{email_id}"), Some(token))
                .await
                .expect(200)
                .body;
            if until(&email) {
                return email;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "never happened: {email:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until every recipient is `sent` and returns the message.
    pub async fn wait_sent(&self, token: &str, email_id: &str) -> Value {
        self.wait_for(token, email_id, |e| all_status(e, "sent"))
            .await
    }

    /// The copy the file mailer wrote for `recipient_id`.
    pub fn written_copy(&self, recipient_id: &str) -> Copy {
        let path = self
            .dir
            .path()
            .join("outbox")
            .join(format!("{recipient_id}.eml"));
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Copy::parse(&raw, None)
    }

    /// Posts a raw message to the inbound webhook with the test secret.
    pub async fn inbound(&self, raw: &str) -> super::Answer {
        let request = self
            .client
            .post(format!("{}/api/emails/inbound", self.base))
            .header("x-crm-inbound-secret", INBOUND_SECRET)
            .header("content-type", "message/rfc822")
            .body(raw.replace('\n', "\r\n"));
        super::answer(request.send().await.expect("sent")).await
    }
}

/// Whether every recipient of `email` has `status`.
pub fn all_status(email: &Value, status: &str) -> bool {
    email["recipients"]
        .as_array()
        .is_some_and(|rs| !rs.is_empty() && rs.iter().all(|r| r["status"] == status))
}

/// A message to one address.
pub fn simple(to: &str) -> Value {
    json!({
        "to": to,
        "subject": "Your offer",
        "body": "Hello,\n\nyour offer is here: https://shop.example.com/offer?id=7\n\nand the terms: https://shop.example.com/terms\n\nBye"
    })
}

pub fn outbox_exists(dir: &Path) -> bool {
    dir.join("outbox").exists()
}
