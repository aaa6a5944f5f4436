//! Every classification rule, alone and together.

use std::net::IpAddr;
use std::time::Duration;

use crm_kernel::{EmailEventId, EmailId, RecipientId, Timestamp};

use super::{Classifier, HitKind};
use crate::event::{EmailEvent, EventKind, HitDetails};
use crate::tracking::{Classification, Hit, HitClass, NetworkList, Reason};

const SAFARI: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(1_780_000_000_000 + ms).unwrap()
}

fn classifier() -> Classifier {
    Classifier::new(
        NetworkList::parse("198.51.100.0/24 scanner gateway\n203.0.113.0/24 privacy_proxy proxy")
            .unwrap(),
    )
}

fn person() -> Hit {
    Hit {
        head: false,
        user_agent: Some(SAFARI.into()),
        ip: Some("192.0.2.7".parse().unwrap()),
        prefetch: false,
    }
}

/// Delivered at 0; the hit comes a minute later unless a test says otherwise.
fn classify(kind: HitKind, hit: &Hit) -> Classification {
    classifier()
        .classify(kind, hit, at(60_000), Some(at(0)), &[])
        .classification
}

fn event(kind: EventKind, link: Option<u16>, ms: i64, class: HitClass) -> EmailEvent {
    EmailEvent {
        id: EmailEventId::new(),
        email_id: EmailId::new(),
        recipient_id: RecipientId::new(),
        customer_id: None,
        kind,
        at: at(ms),
        link,
        url: None,
        hit: Some(HitDetails {
            classification: if class == HitClass::Human {
                Classification::human()
            } else {
                Classification::from_findings([(Reason::ScannerUserAgent, class)])
            },
            seconds_since_delivery: None,
            head: false,
            user_agent: None,
        }),
        detail: None,
    }
}

fn machine(class: HitClass, reasons: &[Reason]) -> Classification {
    Classification {
        class,
        reasons: reasons.to_vec(),
    }
}

#[test]
fn a_person_a_minute_later_is_human() {
    let verdict = classifier().classify(HitKind::Open, &person(), at(60_000), Some(at(0)), &[]);
    assert_eq!(verdict.classification, Classification::human());
    assert_eq!(verdict.seconds_since_delivery, Some(60));
    assert!(verdict.reclassify.is_empty());
    assert_eq!(
        classify(HitKind::Click(0), &person()),
        Classification::human()
    );
}

#[test]
fn too_soon_after_delivery() {
    let c = classifier();
    let open = |ms| c.classify(HitKind::Open, &person(), at(ms), Some(at(0)), &[]);
    let one_second = open(1_000);
    assert_eq!(
        one_second.classification,
        machine(HitClass::PrivacyProxy, &[Reason::TooSoonAfterDelivery])
    );
    assert_eq!(one_second.seconds_since_delivery, Some(1));
    assert_eq!(open(2_999).classification.class, HitClass::PrivacyProxy);
    assert_eq!(open(3_000).classification.class, HitClass::Human);

    let click = |ms| c.classify(HitKind::Click(0), &person(), at(ms), Some(at(0)), &[]);
    assert_eq!(
        click(9_999).classification,
        machine(HitClass::Scanner, &[Reason::TooSoonAfterDelivery])
    );
    assert_eq!(click(10_000).classification.class, HitClass::Human);

    let undelivered = c.classify(HitKind::Open, &person(), at(10), None, &[]);
    assert_eq!(
        undelivered.classification.class,
        HitClass::Human,
        "no delivery time, no rule"
    );
    assert_eq!(undelivered.seconds_since_delivery, None);
}

#[test]
fn head_requests_are_scanners() {
    let head = Hit {
        head: true,
        ..person()
    };
    assert_eq!(
        classify(HitKind::Open, &head),
        machine(HitClass::Scanner, &[Reason::HeadRequest])
    );
    assert_eq!(
        classify(HitKind::Click(1), &head),
        machine(HitClass::Scanner, &[Reason::HeadRequest])
    );
}

#[test]
fn prefetches_are_proxies_for_images_and_scanners_for_links() {
    let prefetch = Hit {
        prefetch: true,
        ..person()
    };
    assert_eq!(
        classify(HitKind::Open, &prefetch),
        machine(HitClass::PrivacyProxy, &[Reason::Prefetch])
    );
    assert_eq!(
        classify(HitKind::Click(0), &prefetch),
        machine(HitClass::Scanner, &[Reason::Prefetch])
    );
}

#[test]
fn user_agents() {
    let agent = |ua: Option<&str>| Hit {
        user_agent: ua.map(str::to_owned),
        ..person()
    };
    assert_eq!(
        classify(
            HitKind::Open,
            &agent(Some("Mozilla/5.0 (via ggpht.com GoogleImageProxy)"))
        ),
        machine(HitClass::PrivacyProxy, &[Reason::ProxyUserAgent])
    );
    assert_eq!(
        classify(HitKind::Click(0), &agent(Some("python-requests/2.31"))),
        machine(HitClass::Scanner, &[Reason::ScannerUserAgent])
    );
    assert_eq!(
        classify(HitKind::Open, &agent(None)),
        machine(HitClass::Scanner, &[Reason::NoUserAgent])
    );
    assert_eq!(
        classify(HitKind::Open, &agent(Some("  "))),
        machine(HitClass::Scanner, &[Reason::NoUserAgent])
    );
}

#[test]
fn networks_of_the_list() {
    let from = |ip: &str| Hit {
        ip: Some(ip.parse::<IpAddr>().unwrap()),
        ..person()
    };
    assert_eq!(
        classify(HitKind::Click(0), &from("198.51.100.9")),
        machine(HitClass::Scanner, &[Reason::ScannerNetwork])
    );
    assert_eq!(
        classify(HitKind::Open, &from("203.0.113.80")),
        machine(HitClass::PrivacyProxy, &[Reason::ProxyNetwork])
    );
    assert_eq!(
        classify(
            HitKind::Open,
            &Hit {
                ip: None,
                ..person()
            }
        ),
        Classification::human()
    );
}

#[test]
fn several_findings_keep_every_reason_and_the_strongest_class() {
    let hit = Hit {
        head: true,
        prefetch: true,
        user_agent: Some("GoogleImageProxy".into()),
        ip: Some("203.0.113.1".parse().unwrap()),
    };
    let verdict = classifier().classify(HitKind::Open, &hit, at(500), Some(at(0)), &[]);
    assert_eq!(
        verdict.classification,
        machine(
            HitClass::Scanner,
            &[
                Reason::TooSoonAfterDelivery,
                Reason::HeadRequest,
                Reason::Prefetch,
                Reason::ProxyUserAgent,
                Reason::ProxyNetwork
            ]
        )
    );
}

#[test]
fn different_links_within_one_second_are_a_scanner_and_so_is_the_first() {
    let first = event(EventKind::Clicked, Some(0), 59_400, HitClass::Human);
    let verdict = classifier().classify(
        HitKind::Click(1),
        &person(),
        at(60_000),
        Some(at(0)),
        std::slice::from_ref(&first),
    );
    assert_eq!(
        verdict.classification,
        machine(HitClass::Scanner, &[Reason::LinksInSameSecond])
    );
    assert_eq!(
        verdict.reclassify,
        vec![(
            first.id,
            machine(HitClass::Scanner, &[Reason::LinksInSameSecond])
        )]
    );

    // The same link twice, or a second apart, is a person.
    let same_link = classifier().classify(
        HitKind::Click(0),
        &person(),
        at(60_000),
        Some(at(0)),
        std::slice::from_ref(&first),
    );
    assert_eq!(same_link.classification, Classification::human());
    let later = classifier().classify(
        HitKind::Click(1),
        &person(),
        at(60_400),
        Some(at(0)),
        &[first],
    );
    assert_eq!(later.classification, Classification::human());
    assert!(later.reclassify.is_empty());
}

#[test]
fn a_honeypot_hit_marks_the_hits_around_it() {
    let open = event(EventKind::Opened, None, 50_000, HitClass::Human);
    let click = event(EventKind::Clicked, Some(0), 59_000, HitClass::Human);
    let old = event(EventKind::Clicked, Some(1), 20_000, HitClass::Human);
    let already = event(EventKind::Clicked, Some(2), 58_000, HitClass::Scanner);
    let recent = [open.clone(), click.clone(), old, already.clone()];
    let verdict = classifier().classify(
        HitKind::Honeypot,
        &person(),
        at(60_000),
        Some(at(0)),
        &recent,
    );
    assert_eq!(
        verdict.classification,
        machine(HitClass::Scanner, &[Reason::Honeypot])
    );
    let near = machine(HitClass::Scanner, &[Reason::NearHoneypot]);
    assert_eq!(
        verdict.reclassify,
        vec![
            (open.id, near.clone()),
            (click.id, near),
            (
                already.id,
                machine(
                    HitClass::Scanner,
                    &[Reason::ScannerUserAgent, Reason::NearHoneypot]
                )
            ),
        ],
        "hits more than 30 s away stay as they were"
    );

    // And hits after it, within the window, are a scanner's from the start.
    let honeypot = event(EventKind::Honeypot, None, 60_000, HitClass::Scanner);
    let after = classifier().classify(
        HitKind::Open,
        &person(),
        at(75_000),
        Some(at(0)),
        std::slice::from_ref(&honeypot),
    );
    assert_eq!(
        after.classification,
        machine(HitClass::Scanner, &[Reason::NearHoneypot])
    );
    let much_later = classifier().classify(
        HitKind::Open,
        &person(),
        at(95_000),
        Some(at(0)),
        &[honeypot],
    );
    assert_eq!(much_later.classification, Classification::human());
}

#[test]
fn lookback_covers_the_widest_rule() {
    let mut c = classifier();
    assert_eq!(c.lookback(), Duration::from_secs(30));
    c.same_second = Duration::from_secs(45);
    assert_eq!(c.lookback(), Duration::from_secs(45));
}
