//! `FileMailer`: `.eml` files a mail program opens, one per recipient.
#![allow(
    clippy::unwrap_used,
    reason = "tests and their fixtures fail by panicking"
)]

use crm_email::ports::Mailer;
use crm_email::{
    Content, Email, Outgoing, PublicUrl, Recipient, Subject, TextBody, TokenKey, Tracking,
};
use crm_kernel::{EmailAddress, EmailId, Timestamp, UserId};
use crm_smtp::FileMailer;
use mail_parser::MessageParser;

fn copy() -> Outgoing {
    let now = Timestamp::from_millis(1_780_000_000_000).unwrap();
    let email = Email {
        id: EmailId::new(),
        from: crm_email::Mailbox::parse("CRM <crm@localhost>").unwrap(),
        sender_id: UserId::new(),
        content: Content::new(
            Subject::parse("Hello").unwrap(),
            TextBody::parse("Hi Ann").unwrap(),
            None,
        )
        .unwrap(),
        template_id: None,
        send_at: now,
        created_at: now,
    };
    let recipient = Recipient::queued(
        email.id,
        EmailAddress::parse("ann@example.org").unwrap(),
        None,
        "localhost",
        now,
        now,
    );
    let url = PublicUrl::parse("http://127.0.0.1:8080").unwrap();
    let key = TokenKey::new(&[1; 32]).unwrap();
    Outgoing::prepare(
        &email,
        &recipient,
        &Tracking {
            public_url: &url,
            key: &key,
        },
        now,
    )
    .0
}

#[tokio::test]
async fn writes_one_eml_per_recipient_with_its_return_path() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = FileMailer::new(&outbox);
    let copy = copy();
    let accepted = mailer.send(&copy).await.unwrap();
    assert_eq!(accepted.reply, None);
    mailer.send(&copy).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        files,
        [std::ffi::OsString::from(format!(
            "{}.eml",
            copy.recipient_id
        ))],
        "a resend replaces, no temp files left"
    );
    let bytes = std::fs::read(outbox.join(&files[0])).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.starts_with(&format!("Return-Path: <{}>\r\n", copy.envelope_from)),
        "{text}"
    );
    assert!(
        copy.envelope_from.starts_with("bounce+") && copy.envelope_from.ends_with("@localhost")
    );
    let message = MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(message.message_id(), Some(copy.message_id.as_str()));
    assert_eq!(message.subject(), Some("Hello"));
    assert!(message.body_html(0).unwrap().contains("/t/o/"));
}

#[tokio::test]
async fn an_unwritable_folder_is_a_transient_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let result = FileMailer::new(&file).send(&copy()).await;
    assert!(
        matches!(result, Err(crm_email::SendError::Transient { .. })),
        "{result:?}"
    );
}
