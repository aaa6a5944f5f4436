//! Rates and counts, people and machines apart.

use crm_kernel::{CustomerId, EmailAddress, EmailEventId, EmailId, InboundMessageId, Timestamp};

use super::{Engagement, Rate};
use crate::event::{EmailEvent, EventKind, HitDetails};
use crate::inbound::{InboundKind, InboundMail, InboundRecord};
use crate::outbox::WorkerId;
use crate::recipient::Recipient;
use crate::tracking::{Classification, HitClass, Reason};

fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis(1_780_000_000_000 + secs * 1000).unwrap()
}

#[test]
fn rates_have_at_most_one_decimal() {
    let rate = |count, of| Rate { count, of }.to_string();
    assert_eq!(rate(2, 3), "66.7%");
    assert_eq!(rate(1, 3), "33.3%");
    assert_eq!(rate(1, 2), "50%");
    assert_eq!(rate(1, 8), "12.5%");
    assert_eq!(rate(3, 3), "100%");
    assert_eq!(rate(0, 5), "0%");
    assert_eq!(rate(0, 0), "0%");
    assert_eq!(rate(1, 1999), "0.1%", "0.05 rounds up");
    assert_eq!(rate(1, 2001), "0%");
}

struct Fixture {
    email: EmailId,
    recipients: Vec<Recipient>,
}

/// Four recipients: three delivered at second 0, one bounced.
fn fixture() -> Fixture {
    let email = EmailId::new();
    let recipients = (0..4)
        .map(|i| {
            let r = Recipient::queued(
                email,
                EmailAddress::parse(&format!("r{i}@example.com")).unwrap(),
                Some(CustomerId::new()),
                "example.com",
                at(0),
                at(0),
            );
            let sent = r
                .claimed(WorkerId::new(), at(0), at(600))
                .unwrap()
                .accepted(None, at(0))
                .unwrap();
            if i == 3 {
                sent.bounced(at(30)).unwrap()
            } else {
                sent
            }
        })
        .collect();
    Fixture { email, recipients }
}

fn hit(f: &Fixture, who: usize, kind: EventKind, class: HitClass, secs: i64) -> EmailEvent {
    let classification = if class == HitClass::Human {
        Classification::human()
    } else {
        Classification::from_findings([(Reason::ProxyNetwork, class)])
    };
    EmailEvent {
        id: EmailEventId::new(),
        email_id: f.email,
        recipient_id: f.recipients[who].id,
        customer_id: f.recipients[who].customer_id,
        kind,
        at: at(secs),
        link: (kind == EventKind::Clicked).then_some(0),
        url: None,
        hit: Some(HitDetails {
            classification,
            seconds_since_delivery: None,
            head: false,
            user_agent: None,
        }),
        detail: None,
    }
}

fn reply(f: &Fixture, who: usize, secs: i64, text: &str) -> InboundRecord {
    InboundRecord {
        id: InboundMessageId::new(),
        received_at: at(secs),
        kind: InboundKind::Reply,
        email_id: Some(f.email),
        recipient_id: Some(f.recipients[who].id),
        customer_id: f.recipients[who].customer_id,
        matched_by: None,
        response: Some(text.into()),
        bounce: None,
        mail: InboundMail::default(),
    }
}

#[test]
fn nothing_delivered_is_zero_percent() {
    let e = Engagement::tally(&[], &[], &[]);
    assert_eq!(
        (
            e.delivered,
            e.open_rate.to_string(),
            e.click_rate_all.to_string()
        ),
        (0, "0%".into(), "0%".into())
    );
    assert!(e.responses.is_empty());
}

#[test]
fn people_and_machines_are_counted_apart() {
    use EventKind::{Clicked, Honeypot, Opened};
    use HitClass::{Human, PrivacyProxy, Scanner};
    let f = fixture();
    let events = vec![
        hit(&f, 0, Opened, PrivacyProxy, 1), // proxy prefetch at delivery
        hit(&f, 0, Opened, Human, 300),      // then the person
        hit(&f, 0, Opened, Human, 400),      // again (recipients count once)
        hit(&f, 1, Opened, PrivacyProxy, 1), // only a proxy
        hit(&f, 1, Clicked, Scanner, 2),     // and a scanner
        hit(&f, 1, Honeypot, Scanner, 2),
        hit(&f, 2, Clicked, Human, 900), // a click without an image: still an open
        hit(&f, 3, Opened, Human, 10),   // bounced later: not delivered
    ];
    let e = Engagement::tally(&f.recipients, &events, &[]);
    assert_eq!(e.delivered, 3);
    assert_eq!(e.open_rate.to_string(), "66.7%", "recipients 0 and 2");
    assert_eq!(e.open_rate_all.to_string(), "100%");
    assert_eq!(e.click_rate.to_string(), "33.3%", "recipient 2");
    assert_eq!(e.click_rate_all.to_string(), "66.7%", "recipients 1 and 2");
    assert_eq!(e.machine_opens, 2);
    assert_eq!(
        e.machine_clicks, 2,
        "the scanner's click and its honeypot hit"
    );
}

#[test]
fn responses_oldest_first_with_the_time_since_delivery() {
    let f = fixture();
    let late = reply(&f, 1, 7200, "Sure.");
    let early = reply(&f, 0, 600, "Yes!");
    let mut unmatched = reply(&f, 2, 30, "x");
    unmatched.kind = InboundKind::Unmatched;
    let e = Engagement::tally(&f.recipients, &[], &[late, early, unmatched]);
    let got: Vec<(&str, Option<u64>)> = e
        .responses
        .iter()
        .map(|r| (r.text.as_str(), r.seconds_after_delivery))
        .collect();
    assert_eq!(got, [("Yes!", Some(600)), ("Sure.", Some(7200))]);
    assert_eq!(e.responses[0].recipient_id, f.recipients[0].id);
}
