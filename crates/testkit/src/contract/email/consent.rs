//! Checks of the suppression list, templates, and the email entries of a
//! customer's history.

use crm_email::ports::{
    EventLog, InboundStore, Outbox, StoreError, SuppressionList, TemplateRepository,
};
use crm_email::{EventKind, SuppressionReason, TemplateName, WorkerId};
use crm_interactions::ports::HistoryQuery;
use crm_interactions::{HistoryFilter, HistorySource, Sources};

use super::EmailStore;
use super::support::{assert_refused, claim, minutes, new_customer, new_staff, page, queue};
use crate::builders::{email, email_template, now, plain_event, reply_from, suppression};

/// An address already on the list (in any case) keeps its first entry and
/// the event of a second opt-out is not stored.
pub async fn suppressions_keep_the_first_entry_case_insensitively<S: EmailStore + ?Sized>(
    store: &S,
) {
    let sender = new_staff(store).await;
    let (email_row, to) = queue(store, sender.id, &[None], now()).await;
    let t = now();
    let first = suppression(email("Ann@Example.org"), SuppressionReason::OptOut, t);
    let event = plain_event(&to[0], EventKind::Unsubscribed, t);
    assert!(
        SuppressionList::add(store, &first, Some(&event))
            .await
            .unwrap()
    );
    let second = suppression(
        email("ann@example.ORG"),
        SuppressionReason::HardBounce,
        minutes(t, 1),
    );
    let again = plain_event(&to[0], EventKind::Unsubscribed, minutes(t, 1));
    assert!(
        !SuppressionList::add(store, &second, Some(&again))
            .await
            .unwrap()
    );
    assert_eq!(
        SuppressionList::find(store, &[email("ANN@example.org"), email("bob@example.org")])
            .await
            .unwrap(),
        vec![first],
        "the first entry stays, found case-insensitively"
    );
    assert_eq!(
        EventLog::events(store, email_row.id).await.unwrap(),
        vec![event]
    );
}

/// The list pages newest first; lifting removes an entry, `false` when none.
pub async fn suppressions_list_pages_and_lift<S: EmailStore + ?Sized>(store: &S) {
    let t = now();
    let mut entries = Vec::new();
    for n in 0..5 {
        let entry = suppression(
            email(&format!("s{n}@example.org")),
            SuppressionReason::OptOut,
            minutes(t, n),
        );
        SuppressionList::add(store, &entry, None).await.unwrap();
        entries.push(entry);
    }
    let mut request = page(2);
    let mut listed = Vec::new();
    loop {
        let page = SuppressionList::list(store, &request).await.unwrap();
        listed.extend(page.items);
        match page.next {
            None => break,
            Some(next) => request.after = Some(next),
        }
    }
    entries.reverse();
    assert_eq!(listed, entries);
    assert!(
        SuppressionList::remove(store, &email("S0@EXAMPLE.org"))
            .await
            .unwrap()
    );
    assert!(
        !SuppressionList::remove(store, &email("s0@example.org"))
            .await
            .unwrap()
    );
    assert!(
        SuppressionList::find(store, &[email("s0@example.org")])
            .await
            .unwrap()
            .is_empty()
    );
}

/// Names are unique case-insensitively; updates check the version; a
/// deleted template is gone; lists go by name.
pub async fn templates_are_unique_by_name_and_versioned<S: EmailStore + ?Sized>(store: &S) {
    let author = new_staff(store).await;
    let welcome = email_template("Welcome", author.id);
    TemplateRepository::insert(store, &welcome).await.unwrap();
    assert_eq!(
        TemplateRepository::get(store, welcome.id).await.unwrap(),
        Some(welcome.clone())
    );
    assert_refused(
        TemplateRepository::insert(store, &email_template("WELCOME", author.id)).await,
        &StoreError::Duplicate,
        "a name taken in another case",
    );
    let another = email_template("Another", author.id);
    TemplateRepository::insert(store, &another).await.unwrap();
    let names: Vec<String> = TemplateRepository::list(store, &page(10))
        .await
        .unwrap()
        .items
        .iter()
        .map(|t| t.name.as_str().to_owned())
        .collect();
    assert_eq!(names, ["Another", "Welcome"], "by name");
    let renamed = crm_email::EmailTemplate {
        name: TemplateName::parse("Hello").unwrap(),
        version: welcome.version.next(),
        ..welcome.clone()
    };
    assert_refused(
        TemplateRepository::update(store, &renamed, renamed.version).await,
        &StoreError::VersionConflict,
        "a stale version",
    );
    let clash = crm_email::EmailTemplate {
        name: TemplateName::parse("another").unwrap(),
        ..renamed.clone()
    };
    assert_refused(
        TemplateRepository::update(store, &clash, welcome.version).await,
        &StoreError::Duplicate,
        "renaming onto another template's name",
    );
    TemplateRepository::update(store, &renamed, welcome.version)
        .await
        .unwrap();
    assert_eq!(
        TemplateRepository::get(store, welcome.id).await.unwrap(),
        Some(renamed)
    );
    TemplateRepository::delete(store, welcome.id).await.unwrap();
    assert_eq!(
        TemplateRepository::get(store, welcome.id).await.unwrap(),
        None
    );
    assert_refused(
        TemplateRepository::delete(store, welcome.id).await,
        &StoreError::NotFound,
        "deleting twice",
    );
}

/// With `emails` included, a staff history lists each message to the
/// customer (its subject, the recipient's status), each reply and each
/// opt-out, merged by time and paged exactly; a customer's own history
/// has none of them.
pub async fn history_includes_emails_replies_and_opt_outs_for_staff_only<S: EmailStore + ?Sized>(
    store: &S,
) {
    let sender = new_staff(store).await;
    let ann = new_customer(store, None, None).await;
    let t = now();
    let (first, _) = queue(store, sender.id, &[Some(ann.id), None], minutes(t, -30)).await;
    let (second, _) = queue(store, sender.id, &[Some(ann.id)], minutes(t, -20)).await;
    let worker = WorkerId::new();
    // Claims both messages: the second stays `sending`.
    let mut claimed = claim(store, worker, minutes(t, -10), 10).await;
    claimed.retain(|c| c.recipient.customer_id == Some(ann.id) && c.email.id == first.id);
    let sent = claimed[0]
        .recipient
        .accepted(None, minutes(t, -10))
        .unwrap();
    Outbox::complete(store, &sent, worker).await.unwrap();
    let reply = reply_from(&sent, minutes(t, -5), "Sounds good");
    InboundStore::store(store, &reply, None, None, None)
        .await
        .unwrap();
    let optout = plain_event(&sent, EventKind::Unsubscribed, minutes(t, -1));
    SuppressionList::add(
        store,
        &suppression(
            sent.address.clone(),
            SuppressionReason::OptOut,
            minutes(t, -1),
        ),
        Some(&optout),
    )
    .await
    .unwrap();
    let filter = HistoryFilter {
        sources: Sources::with_extras(["emails"]).unwrap(),
        direction: crm_kernel::SortDirection::Asc,
        ..HistoryFilter::default()
    };
    let mut request = page(1);
    let mut entries = Vec::new();
    loop {
        let page = HistoryQuery::history(store, ann.id, &filter, true, &request)
            .await
            .unwrap();
        assert!(page.items.len() <= 1);
        entries.extend(page.items);
        match page.next {
            None => break,
            Some(next) => request.after = Some(next),
        }
    }
    let lines: Vec<(HistorySource, String, String, Option<String>)> = entries
        .into_iter()
        .map(|e| (e.source, e.id, e.description, e.status))
        .collect();
    assert_eq!(
        lines,
        vec![
            (
                HistorySource::Email,
                second.id.to_string(),
                "Your offer".into(),
                Some("sending".into())
            ),
            (
                HistorySource::Email,
                first.id.to_string(),
                "Your offer".into(),
                Some("sent".into())
            ),
            (
                HistorySource::Email,
                reply.id.to_string(),
                "Sounds good".into(),
                Some("replied".into())
            ),
            (
                HistorySource::Email,
                optout.id.to_string(),
                "Opted out of email".into(),
                Some("unsubscribed".into())
            ),
        ],
        "messages at their sending (or due) time, the reply and the opt-out, in order"
    );
    let own = HistoryQuery::history(store, ann.id, &filter, false, &page(50))
        .await
        .unwrap();
    assert!(own.items.is_empty(), "customers never see emails");
}
