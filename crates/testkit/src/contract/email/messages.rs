//! Checks of messages and recipients: the outbox write, idempotency, the
//! list and its scope, and the directories.

use std::sync::Arc;

use crm_email::ports::{CustomerDirectory, EmailRepository, Inserted, StaffDirectory, StoreError};
use crm_email::{
    Content, Email, EmailQuery, EmailScope, HtmlBody, IdempotencyKey, Recipient, RecipientStatus,
    Subject, TextBody,
};
use crm_kernel::{CustomerId, PrincipalId, Visibility};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::EmailStore;
use super::support::{assert_refused, new_customer, new_staff, page, queue};
use crate::builders::{at_minute, email, email_message, recipient_at, recipient_of};

/// A message, its recipients (order, own content, customer links) and
/// each recipient by id and by `Message-ID` read back as written.
pub async fn email_insert_then_read_round_trips_message_and_recipients<S: EmailStore + ?Sized>(
    store: &S,
) {
    let sender = new_staff(store).await;
    let ann = new_customer(store, None, None).await;
    let mut message = email_message(sender.id);
    message.content = Content::new(
        Subject::parse("Hi <there>").unwrap(),
        TextBody::parse("Plain text").unwrap(),
        Some(HtmlBody::parse("<p>Written <b>HTML</b></p>").unwrap()),
    )
    .unwrap();
    message.template_id = Some(crm_kernel::EmailTemplateId::new());
    let first = recipient_at(&message, email("Ann.Example@Example.org"), Some(ann.id));
    let mut second = recipient_of(&message, None);
    second.content = Some(
        Content::new(
            Subject::parse("Personal").unwrap(),
            TextBody::parse("Just for you").unwrap(),
            None,
        )
        .unwrap(),
    );
    let recipients = vec![first.clone(), second.clone()];
    let inserted = EmailRepository::insert(store, &message, &recipients, None)
        .await
        .expect("insert");
    assert_eq!(inserted, Inserted::Created);
    assert_eq!(
        EmailRepository::get(store, message.id).await.unwrap(),
        Some(message.clone()),
        "the message reads back as written"
    );
    assert_eq!(
        EmailRepository::recipients(store, &[message.id])
            .await
            .unwrap(),
        recipients,
        "recipients read back as written, in the order given"
    );
    assert_eq!(
        EmailRepository::recipient(store, second.id).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        EmailRepository::recipient_by_message_id(store, &first.message_id)
            .await
            .unwrap(),
        Some(first.clone()),
        "a recipient is found by the Message-ID of its copy"
    );
    assert_eq!(
        EmailRepository::get(store, crm_kernel::EmailId::new())
            .await
            .unwrap(),
        None
    );
    assert!(first.status == RecipientStatus::Queued && second.attempts == 0);
}

fn key(principal: PrincipalId, key: &str, fingerprint: &str) -> IdempotencyKey {
    IdempotencyKey::parse(principal, key, fingerprint.to_owned()).unwrap()
}

/// The same key and request answers the first message and stores nothing;
/// another request with the key is refused; keys are per principal.
pub async fn email_insert_with_a_key_replays_and_refuses_another_request<S: EmailStore + ?Sized>(
    store: &S,
) {
    let sender = new_staff(store).await;
    let other = new_staff(store).await;
    let actor = PrincipalId::User(sender.id);
    let first = email_message(sender.id);
    let first_to = vec![recipient_of(&first, None)];
    let k = key(actor, "send-1", "request a");
    assert_eq!(
        EmailRepository::insert(store, &first, &first_to, Some(&k))
            .await
            .unwrap(),
        Inserted::Created
    );
    let retry = email_message(sender.id);
    let retry_to = vec![recipient_of(&retry, None)];
    assert_eq!(
        EmailRepository::insert(store, &retry, &retry_to, Some(&k))
            .await
            .unwrap(),
        Inserted::Replayed(first.id),
        "a retry answers the first message"
    );
    assert_eq!(
        EmailRepository::get(store, retry.id).await.unwrap(),
        None,
        "and stores none"
    );
    assert_eq!(
        EmailRepository::recipient(store, retry_to[0].id)
            .await
            .unwrap(),
        None
    );
    let different = key(actor, "send-1", "request b");
    assert_refused(
        EmailRepository::insert(store, &retry, &retry_to, Some(&different)).await,
        &StoreError::IdempotencyMismatch,
        "a key reused for another request",
    );
    assert_eq!(EmailRepository::get(store, retry.id).await.unwrap(), None);
    let theirs = key(PrincipalId::User(other.id), "send-1", "request b");
    assert_eq!(
        EmailRepository::insert(store, &retry, &retry_to, Some(&theirs))
            .await
            .unwrap(),
        Inserted::Created,
        "keys are per principal"
    );
}

/// Concurrent inserts with one key store one message.
pub async fn email_concurrent_inserts_with_one_key_store_one_message<S>(store: &S)
where
    S: EmailStore + Clone + 'static,
{
    let sender = new_staff(store).await;
    let k = key(PrincipalId::User(sender.id), "race", "same request");
    let barrier = Arc::new(Barrier::new(6));
    let mut tasks = JoinSet::new();
    for _ in 0..6 {
        let store = store.clone();
        let barrier = Arc::clone(&barrier);
        let k = k.clone();
        let message = email_message(sender.id);
        tasks.spawn(async move {
            let to = vec![recipient_of(&message, None)];
            barrier.wait().await;
            let inserted = EmailRepository::insert(&store, &message, &to, Some(&k))
                .await
                .expect("insert");
            (message.id, inserted)
        });
    }
    let results = tasks.join_all().await;
    let created: Vec<_> = results
        .iter()
        .filter(|(_, i)| *i == Inserted::Created)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(created.len(), 1, "one insert stores: {results:?}");
    for (_, inserted) in &results {
        assert!(
            matches!(inserted, Inserted::Created) || *inserted == Inserted::Replayed(created[0])
        );
    }
}

async fn listed<S: EmailStore + ?Sized>(
    store: &S,
    query: &EmailQuery,
    scope: &EmailScope,
) -> Vec<Email> {
    let mut request = page(2);
    let mut all = Vec::new();
    for _ in 0..100 {
        let page = EmailRepository::list(store, query, scope, &request)
            .await
            .expect("list");
        assert!(page.items.len() <= 2);
        all.extend(page.items);
        match page.next {
            None => return all,
            Some(next) => request.after = Some(next),
        }
    }
    panic!("the list never ended");
}

/// Newest first by creation, filtered by customer, recipient status and
/// time; an agent sees its own messages and those to customers it may see.
pub async fn email_list_filters_scopes_and_pages_newest_first<S: EmailStore + ?Sized>(store: &S) {
    let sender = new_staff(store).await;
    let agent = new_staff(store).await;
    let owned = new_customer(store, None, Some(agent.id)).await;
    let other = new_customer(store, None, None).await;
    let mut sent = Vec::new();
    for (minute, customer) in [
        (1, Some(owned.id)),
        (2, Some(other.id)),
        (3, None),
        (4, Some(owned.id)),
    ] {
        let mut message = email_message(sender.id);
        message.created_at = at_minute(minute);
        message.send_at = message.created_at;
        let to: Vec<Recipient> = vec![recipient_of(&message, customer)];
        EmailRepository::insert(store, &message, &to, None)
            .await
            .unwrap();
        sent.push(message);
    }
    let (own_message, _) = queue(store, agent.id, &[None], at_minute(5)).await;
    let all = EmailScope {
        visibility: Visibility::All,
        sender: None,
    };
    let ids = |emails: Vec<Email>| emails.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let everything = ids(listed(store, &EmailQuery::default(), &all).await);
    assert_eq!(everything.len(), 5);
    assert_eq!(
        everything[1..],
        [sent[3].id, sent[2].id, sent[1].id, sent[0].id],
        "newest first"
    );
    let of_owned = EmailQuery {
        customer_id: Some(owned.id),
        ..EmailQuery::default()
    };
    assert_eq!(
        ids(listed(store, &of_owned, &all).await),
        [sent[3].id, sent[0].id]
    );
    let queued = EmailQuery {
        status: Some(RecipientStatus::Queued),
        ..EmailQuery::default()
    };
    assert_eq!(ids(listed(store, &queued, &all).await).len(), 5);
    let sent_only = EmailQuery {
        status: Some(RecipientStatus::Sent),
        ..EmailQuery::default()
    };
    assert!(listed(store, &sent_only, &all).await.is_empty());
    let window = EmailQuery {
        from: Some(at_minute(2)),
        to: Some(at_minute(4)),
        ..EmailQuery::default()
    };
    assert_eq!(
        ids(listed(store, &window, &all).await),
        [sent[2].id, sent[1].id]
    );
    let agent_scope = EmailScope {
        visibility: Visibility::Agent {
            company_ids: Vec::new(),
            owner_id: agent.id,
        },
        sender: Some(agent.id),
    };
    let mut seen = ids(listed(store, &EmailQuery::default(), &agent_scope).await);
    seen.sort();
    let mut expected = vec![sent[0].id, sent[3].id, own_message.id];
    expected.sort();
    assert_eq!(
        seen, expected,
        "an agent sees its own messages and its customers'"
    );
    let nothing = EmailScope {
        visibility: Visibility::Nothing,
        sender: Some(sender.id),
    };
    assert_eq!(
        ids(listed(store, &EmailQuery::default(), &nothing).await).len(),
        4
    );
}

/// Customers by id (not erased) and by address (case-insensitive), with
/// their company's name; staff names by id.
pub async fn email_directories_find_customers_and_staff_names<S: EmailStore + ?Sized>(store: &S) {
    let staff = new_staff(store).await;
    let ann = new_customer(store, None, Some(staff.id)).await;
    let found = CustomerDirectory::by_id(store, ann.id)
        .await
        .unwrap()
        .expect("by id");
    assert_eq!((found.id, found.owner_id), (ann.id, Some(staff.id)));
    assert_eq!(found.email, ann.email);
    assert_eq!(found.first_name, ann.first_name.as_str());
    let upper = email(&ann.email.as_ref().unwrap().as_str().to_uppercase());
    assert_eq!(
        CustomerDirectory::by_email(store, &upper)
            .await
            .unwrap()
            .map(|c| c.id),
        Some(ann.id),
        "addresses match case-insensitively"
    );
    assert_eq!(
        CustomerDirectory::by_email(store, &email("nobody@example.org"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        CustomerDirectory::by_id(store, CustomerId::new())
            .await
            .unwrap(),
        None
    );
    let contacts = CustomerDirectory::contacts(store, &[ann.id, CustomerId::new()])
        .await
        .unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        StaffDirectory::name(store, staff.id)
            .await
            .unwrap()
            .as_deref(),
        Some(staff.name.as_str())
    );
    assert_eq!(
        StaffDirectory::name(store, crm_kernel::UserId::new())
            .await
            .unwrap(),
        None
    );
}
