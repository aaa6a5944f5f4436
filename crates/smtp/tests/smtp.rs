//! `SmtpMailer` against a real SMTP server (aiosmtpd), asserting on what
//! the server received.
#![allow(
    clippy::unwrap_used,
    reason = "tests and their fixtures fail by panicking"
)]

use std::time::Duration;

use crm_email::ports::Mailer;
use crm_email::{
    Content, Email, Outgoing, PublicUrl, Recipient, SendError, Subject, TextBody, TokenKey,
    TokenPurpose, Tracking,
};
use crm_kernel::{EmailAddress, EmailId, Timestamp, UserId};
use crm_smtp::SmtpMailer;
use mail_parser::{MessageParser, MimeHeaders};

use crm_testkit::smtp::{SmtpServer, python_or_skip};

fn key() -> TokenKey {
    TokenKey::new(&[5; 32]).unwrap()
}

/// One recipient's tracked copy of a message with a link.
fn copy(to: &str) -> Outgoing {
    let now = Timestamp::from_millis(1_780_000_000_000).unwrap();
    let email = Email {
        id: EmailId::new(),
        from: crm_email::Mailbox::parse("Bob Smith <crm@example.com>").unwrap(),
        sender_id: UserId::new(),
        content: Content::new(
            Subject::parse("Your offer, Ann").unwrap(),
            TextBody::parse("Hello Ann,\n\nyour offer: https://shop.example.com/offer?id=7\n\nBob")
                .unwrap(),
            None,
        )
        .unwrap(),
        template_id: None,
        send_at: now,
        created_at: now,
    };
    let recipient = Recipient::queued(
        email.id,
        EmailAddress::parse(to).unwrap(),
        None,
        "example.com",
        now,
        now,
    );
    let public_url = PublicUrl::parse("https://crm.example.com").unwrap();
    let key = key();
    let (copy, error) = Outgoing::prepare(
        &email,
        &recipient,
        &Tracking {
            public_url: &public_url,
            key: &key,
        },
        now,
    );
    assert!(error.is_none());
    copy
}

fn mailer(url: &str) -> SmtpMailer {
    SmtpMailer::new(
        &crm_smtp::SmtpUrl::parse(url).unwrap(),
        Duration::from_secs(10),
    )
    .unwrap()
}

fn header(message: &mail_parser::Message<'_>, name: &str) -> String {
    let value = message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_owned());
    value.unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn the_server_receives_both_parts_every_header_and_the_verp_sender() {
    let Some(python) =
        python_or_skip("the_server_receives_both_parts_every_header_and_the_verp_sender")
    else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let copy = copy("ann@example.org");
    let accepted = mailer(&server.url("", "")).send(&copy).await.unwrap();
    let reply = accepted.reply.unwrap();
    assert_eq!(
        (reply.code, reply.text.as_str()),
        (250, "Ok: queued as TEST1")
    );

    let received = server.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(
        got.mail_from, copy.envelope_from,
        "the envelope sender is the VERP bounce address"
    );
    assert!(got.mail_from.starts_with("bounce+") && got.mail_from.ends_with("@example.com"));
    let token = got
        .mail_from
        .trim_start_matches("bounce+")
        .trim_end_matches("@example.com");
    assert_eq!(key().verify(token).unwrap().purpose, TokenPurpose::Bounce);
    assert_eq!(got.rcpt_tos, ["ann@example.org"]);

    let message = MessageParser::default().parse(&got.data).unwrap();
    assert_eq!(header(&message, "From"), "\"Bob Smith\" <crm@example.com>");
    assert_eq!(header(&message, "To"), "ann@example.org");
    assert_eq!(message.subject(), Some("Your offer, Ann"));
    assert_eq!(message.message_id(), Some(copy.message_id.as_str()));
    assert_eq!(
        message.reply_to().unwrap().first().unwrap().address(),
        Some(copy.reply_to.as_str())
    );
    assert_eq!(
        header(&message, "List-Unsubscribe"),
        format!("<{}>", copy.list_unsubscribe)
    );
    assert!(
        copy.list_unsubscribe
            .starts_with("https://crm.example.com/t/u/")
    );
    assert_eq!(
        header(&message, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    assert!(message.date().is_some());

    let content_type = message.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    let text = message.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(
        text.trim_end(),
        "Hello Ann,\n\nyour offer: https://shop.example.com/offer?id=7\n\nBob"
    );
    let html = message.body_html(0).unwrap();
    assert!(html.contains("<p>Hello Ann,</p>"), "{html}");
    assert!(
        html.contains(">https://shop.example.com/offer?id=7</a>"),
        "the link text stays: {html}"
    );
    assert!(
        !html.contains("href=\"https://shop.example.com"),
        "the link is rewritten: {html}"
    );
    assert_eq!(
        html.matches("href=\"https://crm.example.com/t/c/").count(),
        2,
        "the link and the honeypot: {html}"
    );
    assert!(
        html.contains("<img src=\"https://crm.example.com/t/o/"),
        "the pixel: {html}"
    );
}

#[tokio::test]
async fn a_550_at_rcpt_fails_for_good_with_the_reply() {
    let Some(python) = python_or_skip("a_550_at_rcpt_fails_for_good_with_the_reply") else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let result = mailer(&server.url("", ""))
        .send(&copy("reject-me@example.org"))
        .await;
    let Err(SendError::Permanent { reply }) = result else {
        panic!("{result:?}")
    };
    assert_eq!(
        (reply.code, reply.enhanced.as_deref()),
        (550, Some("5.1.1"))
    );
    assert_eq!(
        reply.text,
        "<reject-me@example.org>: Recipient address rejected: User unknown"
    );
    assert!(server.received().is_empty(), "nothing was delivered");

    // The pooled connection stays usable for the next recipient.
    let mailer = mailer(&server.url("", ""));
    assert!(mailer.send(&copy("reject@example.org")).await.is_err());
    mailer.send(&copy("ann@example.org")).await.unwrap();
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_451_at_rcpt_is_transient_with_the_reply() {
    let Some(python) = python_or_skip("a_451_at_rcpt_is_transient_with_the_reply") else {
        return;
    };
    let server = SmtpServer::start(&python, None);
    let result = mailer(&server.url("", ""))
        .send(&copy("busy@example.org"))
        .await;
    let Err(SendError::Transient {
        reply: Some(reply), ..
    }) = result
    else {
        panic!("{result:?}")
    };
    assert_eq!(
        (reply.code, reply.enhanced.as_deref()),
        (451, Some("4.3.0"))
    );
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_server_that_is_down_is_transient_and_the_mail_goes_once_it_is_back() {
    let Some(python) =
        python_or_skip("a_server_that_is_down_is_transient_and_the_mail_goes_once_it_is_back")
    else {
        return;
    };
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = mailer(&format!("smtp://127.0.0.1:{port}"));
    let copy = copy("ann@example.org");
    let result = down.send(&copy).await;
    let Err(SendError::Transient {
        reply: None,
        detail,
    }) = result
    else {
        panic!("{result:?}")
    };
    assert!(!detail.is_empty());

    let server = SmtpServer::start(&python, None);
    mailer(&server.url("", "")).send(&copy).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1, "sent exactly once");
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(
        message.message_id(),
        Some(copy.message_id.as_str()),
        "the same Message-ID as the failed attempt"
    );
}

#[tokio::test]
async fn authenticates_with_the_urls_credentials() {
    let Some(python) = python_or_skip("authenticates_with_the_urls_credentials") else {
        return;
    };
    let server = SmtpServer::start(&python, Some("crm:s3cret+x"));
    // Plain text only because this is loopback: `tls=none` must be explicit.
    mailer(&server.url("crm:s3cret%2Bx@", "?tls=none"))
        .send(&copy("ann@example.org"))
        .await
        .unwrap();
    assert_eq!(server.received().len(), 1);

    let wrong = mailer(&server.url("crm:wrong@", "?tls=none"))
        .send(&copy("ann@example.org"))
        .await;
    let Err(SendError::Transient {
        reply: Some(reply), ..
    }) = wrong
    else {
        panic!("{wrong:?}")
    };
    assert_eq!(
        reply.code, 535,
        "bad credentials are ours to fix: transient, retried"
    );

    let refused = mailer(&server.url("crm:s3cret%2Bx@", ""))
        .send(&copy("ann@example.org"))
        .await;
    assert!(
        matches!(refused, Err(SendError::Transient { .. })),
        "with credentials STARTTLS is required and this server has none: {refused:?}"
    );
    assert_eq!(server.received().len(), 1);
}
