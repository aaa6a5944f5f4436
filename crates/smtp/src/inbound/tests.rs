//! Inbound parsing: replies, delivery status notifications, the rest.

use super::parse_inbound;

const REPLY: &str = "Return-Path: <ann@example.org>\r
Delivered-To: reply+abc123@example.com\r
From: Ann Lee <ann@example.org>\r
To: Bob Smith <reply+abc123@example.com>\r
Cc: \"Carol\" <carol@example.org>\r
Subject: Re: Your offer\r
Date: Tue, 03 Mar 2026 10:15:00 +0100\r
Message-ID: <CAF=reply.1@mail.example.org>\r
In-Reply-To: <0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com>\r
References: <older@elsewhere.org>\r
 <0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com>\r
Content-Type: text/plain; charset=utf-8\r
\r
Yes, Tuesday works.\r
\r
On Mon, 2 Mar 2026 at 10:00, Bob Smith <crm@example.com> wrote:\r
> Does Tuesday work?\r
";

#[test]
fn reads_a_reply() {
    let mail = parse_inbound(REPLY.as_bytes()).unwrap();
    assert_eq!(
        mail.message_id.as_ref().unwrap().as_str(),
        "CAF=reply.1@mail.example.org"
    );
    let ids =
        |v: &[crm_email::MessageId]| v.iter().map(|i| i.as_str().to_owned()).collect::<Vec<_>>();
    assert_eq!(
        ids(&mail.in_reply_to),
        ["0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com"]
    );
    assert_eq!(
        ids(&mail.references),
        [
            "older@elsewhere.org",
            "0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com"
        ]
    );
    assert_eq!(mail.from.as_deref(), Some("ann@example.org"));
    assert_eq!(
        mail.to,
        ["reply+abc123@example.com", "carol@example.org"],
        "To, Cc, Delivered-To, each once"
    );
    assert_eq!(mail.plus_token("reply"), Some("abc123"));
    assert_eq!(mail.subject.as_deref(), Some("Re: Your offer"));
    assert!(
        mail.text
            .as_deref()
            .unwrap()
            .starts_with("Yes, Tuesday works.")
    );
    assert_eq!(mail.date.unwrap().to_rfc3339(), "2026-03-03T09:15:00.000Z");
    assert!(mail.report.is_none());
    assert_eq!(mail.raw, REPLY);
}

const HTML_ONLY: &str = "From: ann@example.org\r\nTo: crm@example.com\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n<p>Thanks a <b>lot</b></p>\r\n";

#[test]
fn html_only_mail_is_read_as_text() {
    let mail = parse_inbound(HTML_ONLY.as_bytes()).unwrap();
    let text = mail.text.unwrap();
    assert!(
        text.contains("Thanks a lot") && !text.contains('<'),
        "{text:?}"
    );
    assert!(mail.message_id.is_none());
}

const DSN: &str = "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r
To: bounce+tok3n@example.com\r
Subject: Undelivered Mail Returned to Sender\r
Message-ID: <20260303101500.ABC@mx.example.org>\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status;\r
\tboundary=\"B1\"\r
\r
--B1\r
Content-Type: text/plain\r
\r
I'm sorry to have to inform you that your message could not be delivered.\r
\r
--B1\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.org\r
Arrival-Date: Tue,  3 Mar 2026 10:15:00 +0000 (UTC)\r
\r
Final-Recipient: rfc822; nobody@example.org\r
Original-Recipient: rfc822;nobody@example.org\r
Action: failed\r
Status: 5.1.1\r
Remote-MTA: dns; mx2.example.org\r
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address\r
    rejected: User unknown\r
\r
--B1\r
Content-Type: text/rfc822-headers\r
\r
From: Bob Smith <crm@example.com>\r
To: nobody@example.org\r
Subject: Your offer\r
Message-ID: <0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com>\r
\r
--B1--\r
";

#[test]
fn reads_a_delivery_status_notification() {
    let mail = parse_inbound(DSN.as_bytes()).unwrap();
    assert_eq!(mail.plus_token("bounce"), Some("tok3n"));
    let report = mail.report.unwrap();
    assert_eq!(
        report.original_message_id.unwrap().as_str(),
        "0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com"
    );
    assert_eq!(report.recipients.len(), 1);
    let block = &report.recipients[0];
    assert_eq!(block.final_recipient.as_deref(), Some("nobody@example.org"));
    assert_eq!(block.action.as_deref(), Some("failed"));
    assert_eq!(block.status.as_deref(), Some("5.1.1"));
    assert_eq!(
        block.diagnostic.as_deref(),
        Some("550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown")
    );
    assert_eq!(block.bounce_kind(), Some(crm_email::BounceKind::Hard));
}

#[test]
fn reads_a_delay_notice_with_the_returned_message() {
    let delayed = DSN
        .replace("Action: failed", "Action: delayed")
        .replace("Status: 5.1.1", "Status: 4.4.7 (delivery time expired)")
        .replace(
            "Content-Type: text/rfc822-headers\r\n\r\n",
            "Content-Type: message/rfc822\r\n\r\n",
        )
        .replace(
            "Message-ID: <0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com>\r\n",
            "Message-ID: <0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com>\r\nContent-Type: text/plain\r\n\r\nthe body\r\n",
        );
    let report = parse_inbound(delayed.as_bytes()).unwrap().report.unwrap();
    assert_eq!(report.recipients[0].status.as_deref(), Some("4.4.7"));
    assert_eq!(
        report.recipients[0].bounce_kind(),
        Some(crm_email::BounceKind::Soft)
    );
    assert_eq!(
        report.original_message_id.unwrap().as_str(),
        "0193a1b27c4d7e8f9a0b1c2d3e4f5a6b@example.com"
    );
}

#[test]
fn other_reports_are_not_delivery_reports_and_garbage_is_refused() {
    let other = DSN.replace(
        "report-type=delivery-status",
        "report-type=disposition-notification",
    );
    assert!(parse_inbound(other.as_bytes()).unwrap().report.is_none());
    assert!(parse_inbound(b"").is_err());
    assert!(parse_inbound(b"\r\n\r\njust a body").is_err());
}
