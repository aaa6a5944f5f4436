//! Tracking: the image, links only to what the message said, the honeypot.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_kernel::EmailEventId;

use super::*;
use crate::error::EmailError;
use crate::event::{EmailEvent, EventKind, HitDetails};
use crate::service::ClickTarget;
use crate::token::{TokenClaim, TokenPurpose};
use crate::tracking::{Classification, Hit, HitClass, Reason};

const SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15";

fn person() -> Hit {
    Hit {
        head: false,
        user_agent: Some(SAFARI.into()),
        ip: Some("192.0.2.1".parse().unwrap()),
        prefetch: false,
    }
}

fn token(recipient: &Recipient, purpose: TokenPurpose) -> String {
    key().sign(TokenClaim {
        recipient: recipient.id,
        purpose,
    })
}

type Recorded = Arc<Mutex<Vec<(EmailEvent, Vec<(EmailEventId, Classification)>)>>>;

/// A sent recipient `delivered` before now, with `recent` hits; records hits.
fn mocks_for(recipient: &Recipient, email: &Email, recent: Vec<EmailEvent>) -> (Mocks, Recorded) {
    let mut mocks = Mocks::default();
    let r = recipient.clone();
    mocks
        .emails
        .expect_recipient()
        .returning(move |id| Ok((id == r.id).then(|| r.clone())));
    let e = email.clone();
    mocks
        .emails
        .expect_get()
        .returning(move |_| Ok(Some(e.clone())));
    let since = now().plus(Duration::ZERO);
    mocks.events.expect_recent_hits().returning(move |_, from| {
        assert_eq!(
            from,
            Timestamp::from_millis(since.as_millis() - 30_000).unwrap()
        );
        Ok(recent.clone())
    });
    let recorded: Recorded = Arc::default();
    let keep = recorded.clone();
    mocks
        .events
        .expect_record_hit()
        .returning(move |event, reclassify| {
            keep.lock()
                .unwrap()
                .push((event.clone(), reclassify.to_vec()));
            Ok(true)
        });
    (mocks, recorded)
}

fn delivered(ago: Duration) -> (Email, Recipient) {
    let (email, recipients) = message(UserId::new(), &["ann@example.com"]);
    let at = Timestamp::from_millis(now().as_millis() - i64::try_from(ago.as_millis()).unwrap())
        .unwrap();
    (email, sent(&recipients[0], at))
}

#[tokio::test]
async fn an_open_is_kept_with_its_classification() {
    let (email, recipient) = delivered(Duration::from_mins(5));
    let (mocks, recorded) = mocks_for(&recipient, &email, Vec::new());
    mocks
        .service()
        .track_open(&token(&recipient, TokenPurpose::Open), &person())
        .await
        .unwrap();
    let (event, reclassify) = recorded.lock().unwrap()[0].clone();
    assert_eq!(
        (event.kind, event.recipient_id, event.email_id),
        (EventKind::Opened, recipient.id, email.id)
    );
    assert_eq!(event.at, now());
    let hit = event.hit.unwrap();
    assert_eq!(hit.classification, Classification::human());
    assert_eq!(hit.seconds_since_delivery, Some(300));
    assert_eq!(hit.user_agent.as_deref(), Some(SAFARI));
    assert!(reclassify.is_empty());
}

#[tokio::test]
async fn an_open_one_second_after_delivery_and_a_head_request_are_machines() {
    let (email, recipient) = delivered(Duration::from_secs(1));
    let (mocks, recorded) = mocks_for(&recipient, &email, Vec::new());
    let service = mocks.service();
    service
        .track_open(&token(&recipient, TokenPurpose::Open), &person())
        .await
        .unwrap();
    let head = Hit {
        head: true,
        ..person()
    };
    service
        .track_click(&token(&recipient, TokenPurpose::Click(0)), &head)
        .await
        .unwrap();
    let recorded = recorded.lock().unwrap();
    let class = |i: usize| recorded[i].0.hit.clone().unwrap().classification;
    assert_eq!(class(0).class, HitClass::PrivacyProxy);
    assert_eq!(class(0).reasons, [Reason::TooSoonAfterDelivery]);
    assert_eq!(class(1).class, HitClass::Scanner);
    assert_eq!(
        class(1).reasons,
        [Reason::TooSoonAfterDelivery, Reason::HeadRequest]
    );
    assert!(recorded[1].0.hit.as_ref().unwrap().head);
}

#[tokio::test]
async fn a_click_redirects_only_to_the_link_that_was_in_the_message() {
    let (email, recipient) = delivered(Duration::from_mins(5));
    let (mocks, recorded) = mocks_for(&recipient, &email, Vec::new());
    let service = mocks.service();
    let second = service
        .track_click(&token(&recipient, TokenPurpose::Click(1)), &person())
        .await
        .unwrap();
    assert_eq!(
        second,
        ClickTarget::Redirect("https://shop.example.com/terms".into())
    );
    let (event, _) = recorded.lock().unwrap()[0].clone();
    assert_eq!(
        (event.kind, event.link, event.url.as_deref()),
        (
            EventKind::Clicked,
            Some(1),
            Some("https://shop.example.com/terms")
        )
    );

    let beyond = service
        .track_click(&token(&recipient, TokenPurpose::Click(2)), &person())
        .await;
    assert!(
        matches!(beyond, Err(EmailError::InvalidToken)),
        "{beyond:?}"
    );
    assert_eq!(
        recorded.lock().unwrap().len(),
        1,
        "nothing recorded for a link the message lacks"
    );
}

#[tokio::test]
async fn forged_and_misused_tokens_touch_nothing() {
    let (_, recipients) = message(UserId::new(), &["ann@example.com"]);
    let service = Mocks::default().service();
    let open = token(&recipients[0], TokenPurpose::Open);
    let forged = TokenKey::new(&[1; 32]).unwrap().sign(TokenClaim {
        recipient: recipients[0].id,
        purpose: TokenPurpose::Click(0),
    });
    for (what, result) in [
        (
            "forged",
            service.track_click(&forged, &person()).await.map(|_| ()),
        ),
        (
            "open token on the click URL",
            service.track_click(&open, &person()).await.map(|_| ()),
        ),
        (
            "garbage",
            service.track_open("not-a-token", &person()).await,
        ),
        (
            "unsubscribe token as open",
            service
                .track_open(&token(&recipients[0], TokenPurpose::Unsubscribe), &person())
                .await,
        ),
    ] {
        assert!(
            matches!(result, Err(EmailError::InvalidToken)),
            "{what}: {result:?}"
        );
    }
}

#[tokio::test]
async fn the_honeypot_marks_the_hits_around_it() {
    let (email, recipient) = delivered(Duration::from_mins(5));
    let earlier = EmailEvent {
        id: EmailEventId::new(),
        email_id: email.id,
        recipient_id: recipient.id,
        customer_id: None,
        kind: EventKind::Clicked,
        at: Timestamp::from_millis(now().as_millis() - 2_000).unwrap(),
        link: Some(0),
        url: Some("https://shop.example.com/offer".into()),
        hit: Some(HitDetails {
            classification: Classification::human(),
            seconds_since_delivery: Some(298),
            head: false,
            user_agent: Some(SAFARI.into()),
        }),
        detail: None,
    };
    let (mocks, recorded) = mocks_for(&recipient, &email, vec![earlier.clone()]);
    let target = mocks
        .service()
        .track_click(&token(&recipient, TokenPurpose::Honeypot), &person())
        .await
        .unwrap();
    assert_eq!(target, ClickTarget::Honeypot);
    let (event, reclassify) = recorded.lock().unwrap()[0].clone();
    assert_eq!(
        (event.kind, event.link, event.url),
        (EventKind::Honeypot, None, None)
    );
    assert_eq!(
        event.hit.unwrap().classification.reasons,
        [Reason::Honeypot]
    );
    assert_eq!(
        reclassify,
        [(
            earlier.id,
            Classification {
                class: HitClass::Scanner,
                reasons: vec![Reason::NearHoneypot]
            }
        )]
    );
}

#[tokio::test]
async fn a_repeated_hit_within_the_minute_is_not_kept_and_not_an_error() {
    let (_, recipient) = delivered(Duration::from_mins(5));
    let mut mocks = Mocks::default();
    let r = recipient.clone();
    mocks
        .emails
        .expect_recipient()
        .returning(move |_| Ok(Some(r.clone())));
    mocks
        .events
        .expect_recent_hits()
        .returning(|_, _| Ok(Vec::new()));
    mocks
        .events
        .expect_record_hit()
        .times(1)
        .returning(|event, _| {
            assert_eq!(event.dedup_key().3, now().as_millis() / 60_000);
            Ok(false)
        });
    mocks
        .service()
        .track_open(&token(&recipient, TokenPurpose::Open), &person())
        .await
        .unwrap();
}
