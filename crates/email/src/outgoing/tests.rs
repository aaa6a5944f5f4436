//! One recipient's copy: tokens, tracking, addresses.

use crm_kernel::{EmailAddress, EmailId, Timestamp, UserId};

use super::{Outgoing, PublicUrl, Tracking};
use crate::content::{Content, HtmlBody, Subject, TextBody};
use crate::instrument::web_links;
use crate::mailbox::Mailbox;
use crate::message::Email;
use crate::recipient::Recipient;
use crate::token::{TokenKey, TokenPurpose};

fn now() -> Timestamp {
    Timestamp::from_millis(1_780_000_000_000).unwrap()
}

fn email(html: Option<&str>) -> Email {
    Email {
        id: EmailId::new(),
        from: Mailbox::parse("Bob Smith <crm@example.com>").unwrap(),
        sender_id: UserId::new(),
        content: Content::new(
            Subject::parse("Offer").unwrap(),
            TextBody::parse("See https://shop.example.com/offer").unwrap(),
            html.map(|h| HtmlBody::parse(h).unwrap()),
        )
        .unwrap(),
        template_id: None,
        send_at: now(),
        created_at: now(),
    }
}

fn token_of(url: &str, prefix: &str) -> String {
    url.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{url} does not start with {prefix}"))
        .to_owned()
}

#[test]
fn public_urls() {
    let url = PublicUrl::parse("https://crm.example.com/base/").unwrap();
    assert_eq!(url.open("T"), "https://crm.example.com/base/t/o/T");
    assert_eq!(url.click("T"), "https://crm.example.com/base/t/c/T");
    assert_eq!(url.unsubscribe("T"), "https://crm.example.com/base/t/u/T");
    for bad in [
        "ftp://x.org",
        "https://x.org/?a=1",
        "https://x.org/#f",
        "not a url",
        "https://u:p@x.org",
    ] {
        assert!(PublicUrl::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn prepares_a_tracked_copy_with_signed_addresses() {
    let key = TokenKey::new(&[3; 32]).unwrap();
    let public_url = PublicUrl::parse("https://crm.example.com").unwrap();
    let tracking = Tracking {
        public_url: &public_url,
        key: &key,
    };
    let email = email(None);
    let recipient = Recipient::queued(
        email.id,
        EmailAddress::parse("ann@example.org").unwrap(),
        None,
        "example.com",
        now(),
        now(),
    );
    let (copy, error) = Outgoing::prepare(&email, &recipient, &tracking, now());
    assert_eq!(error, None);
    assert_eq!(copy.message_id, recipient.message_id);
    assert_eq!(copy.from.to_string(), "Bob Smith <crm@example.com>");
    assert_eq!(copy.to.as_str(), "ann@example.org");
    assert_eq!(copy.subject, "Offer");
    assert_eq!(
        copy.text, "See https://shop.example.com/offer",
        "the text part is not rewritten"
    );

    let claim = |token: &str| key.verify(token).unwrap();
    let reply = token_of(&copy.reply_to, "reply+");
    let reply = reply.strip_suffix("@example.com").unwrap();
    assert_eq!(claim(reply).purpose, TokenPurpose::Reply);
    assert_eq!(claim(reply).recipient, recipient.id);
    let bounce = token_of(&copy.envelope_from, "bounce+");
    assert_eq!(
        claim(bounce.strip_suffix("@example.com").unwrap()).purpose,
        TokenPurpose::Bounce
    );
    let unsubscribe = token_of(&copy.list_unsubscribe, "https://crm.example.com/t/u/");
    assert_eq!(claim(&unsubscribe).purpose, TokenPurpose::Unsubscribe);

    let links = web_links(&copy.html).unwrap();
    assert_eq!(
        links.len(),
        2,
        "the rewritten link and the honeypot: {}",
        copy.html
    );
    assert_eq!(
        claim(&token_of(&links[0], "https://crm.example.com/t/c/")).purpose,
        TokenPurpose::Click(0)
    );
    assert_eq!(
        claim(&token_of(&links[1], "https://crm.example.com/t/c/")).purpose,
        TokenPurpose::Honeypot
    );
    assert!(
        !copy.html.contains("href=\"https://shop.example.com"),
        "only the visible text keeps the URL: {}",
        copy.html
    );
    let pixel = copy
        .html
        .split("<img src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(
        claim(&token_of(pixel, "https://crm.example.com/t/o/")).purpose,
        TokenPurpose::Open
    );
}

#[test]
fn a_recipients_own_content_wins() {
    let key = TokenKey::new(&[3; 32]).unwrap();
    let public_url = PublicUrl::parse("http://localhost:8080").unwrap();
    let tracking = Tracking {
        public_url: &public_url,
        key: &key,
    };
    let email = email(Some("<p>general</p>"));
    let mut recipient = Recipient::queued(
        email.id,
        EmailAddress::parse("ann@example.org").unwrap(),
        None,
        "example.com",
        now(),
        now(),
    );
    recipient.content = Some(
        Content::new(
            Subject::parse("For Ann").unwrap(),
            TextBody::parse("Hi Ann").unwrap(),
            None,
        )
        .unwrap(),
    );
    let (copy, _) = Outgoing::prepare(&email, &recipient, &tracking, now());
    assert_eq!(
        (copy.subject.as_str(), copy.text.as_str()),
        ("For Ann", "Hi Ann")
    );
    assert!(copy.html.starts_with("<p>Hi Ann</p>"), "{}", copy.html);
}
