//! Checks of events: one hit a minute per recipient, kind and link;
//! reclassification in the same step; events read back whole.

use crm_email::ports::EventLog;
use crm_email::{Classification, EventKind, HitClass, Reason};

use super::EmailStore;
use super::support::{minutes, new_staff, queue};
use crate::builders::{hit_event, now, plain_event};

/// A second hit of one kind and link within a minute stores nothing and
/// changes nothing (`false`); a new minute, link or kind is stored; the
/// reclassification of earlier hits happens with the new hit.
pub async fn events_keep_one_hit_a_minute_and_reclassify_earlier_hits<S>(store: &S)
where
    S: EmailStore + ?Sized,
{
    let sender = new_staff(store).await;
    let (email, to) = queue(store, sender.id, &[None], now()).await;
    let r = &to[0];
    let base =
        crm_kernel::Timestamp::from_millis(now().as_millis().div_euclid(60_000) * 60_000).unwrap();
    let open = hit_event(r, EventKind::Opened, base, HitClass::Human);
    assert!(EventLog::record_hit(store, &open, &[]).await.unwrap());
    let again = hit_event(
        r,
        EventKind::Opened,
        base.plus(std::time::Duration::from_secs(59)),
        HitClass::Scanner,
    );
    let scanner = Classification::from_findings([(Reason::NearHoneypot, HitClass::Scanner)]);
    assert!(
        !EventLog::record_hit(store, &again, &[(open.id, scanner.clone())])
            .await
            .unwrap(),
        "one open a minute"
    );
    let events = EventLog::events(store, email.id).await.unwrap();
    assert_eq!(events, vec![open.clone()], "the duplicate changed nothing");
    let click = hit_event(
        r,
        EventKind::Clicked,
        base.plus(std::time::Duration::from_secs(5)),
        HitClass::Human,
    );
    assert!(
        EventLog::record_hit(store, &click, &[]).await.unwrap(),
        "another kind"
    );
    let honeypot = hit_event(
        r,
        EventKind::Honeypot,
        base.plus(std::time::Duration::from_secs(6)),
        HitClass::Scanner,
    );
    assert!(
        EventLog::record_hit(
            store,
            &honeypot,
            &[(open.id, scanner.clone()), (click.id, scanner.clone())]
        )
        .await
        .unwrap()
    );
    let next_minute = hit_event(r, EventKind::Opened, minutes(base, 1), HitClass::Human);
    assert!(
        EventLog::record_hit(store, &next_minute, &[])
            .await
            .unwrap(),
        "a new minute"
    );
    let events = EventLog::events(store, email.id).await.unwrap();
    assert_eq!(events.len(), 4);
    for reclassified in [&open, &click] {
        let stored = events.iter().find(|e| e.id == reclassified.id).unwrap();
        assert_eq!(
            stored.hit.as_ref().unwrap().classification,
            scanner,
            "reclassified"
        );
    }
    let recent = EventLog::recent_hits(store, r.id, base.plus(std::time::Duration::from_secs(6)))
        .await
        .unwrap();
    let ids: Vec<_> = recent.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        [honeypot.id, next_minute.id],
        "hits at or after `since`, oldest first"
    );
}

/// Events of every kind read back as written, oldest first; non-hits are
/// never deduplicated.
pub async fn events_round_trip_and_come_oldest_first<S: EmailStore + ?Sized>(store: &S) {
    let sender = new_staff(store).await;
    let (email, to) = queue(store, sender.id, &[None, None], now()).await;
    let t = now();
    let click = hit_event(
        &to[1],
        EventKind::Clicked,
        minutes(t, 2),
        HitClass::PrivacyProxy,
    );
    EventLog::record_hit(store, &click, &[]).await.unwrap();
    let open = hit_event(&to[0], EventKind::Opened, minutes(t, 1), HitClass::Human);
    EventLog::record_hit(store, &open, &[]).await.unwrap();
    let events = EventLog::events(store, email.id).await.unwrap();
    assert_eq!(events, vec![open, click]);
    let (other, other_to) = queue(store, sender.id, &[None], now()).await;
    assert!(EventLog::events(store, other.id).await.unwrap().is_empty());
    let bounce = plain_event(&other_to[0], EventKind::Bounced, t);
    assert_eq!(bounce.hit, None);
}
