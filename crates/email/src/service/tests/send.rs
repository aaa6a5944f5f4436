//! Queueing: who may send, to whom, with what.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_kernel::{CompanyId, CustomerId, EmailTemplateId, UserId, Version};
use mockall::predicate::eq;

use super::*;
use crate::consent::{Suppression, SuppressionReason};
use crate::error::EmailError;
use crate::message::{NewContent, NewEmail, RecipientInput};
use crate::ports::{Inserted, StoreError};
use crate::status::RecipientStatus;
use crate::template::{EmailTemplate, TemplateName, TemplateSource};

fn written() -> NewContent {
    NewContent::Written {
        subject: Subject::parse("Hello").unwrap(),
        text: TextBody::parse("Hi there,\n\nsee https://example.com").unwrap(),
        html: None,
    }
}

fn request(to: Vec<RecipientInput>) -> NewEmail {
    NewEmail::new(to, written(), None).unwrap()
}

type Stored = Arc<Mutex<Option<(Email, Vec<Recipient>)>>>;

/// Expects one insert and keeps what was inserted.
fn expect_insert(mocks: &mut Mocks) -> Stored {
    let stored: Stored = Arc::default();
    let keep = stored.clone();
    mocks
        .emails
        .expect_insert()
        .times(1)
        .returning(move |email, recipients, _| {
            *keep.lock().unwrap() = Some((email.clone(), recipients.to_vec()));
            Ok(Inserted::Created)
        });
    stored
}

fn no_suppressions(mocks: &mut Mocks) {
    mocks
        .suppressions
        .expect_find()
        .returning(|_| Ok(Vec::new()));
}

fn sender_named(mocks: &mut Mocks, name: &str) {
    let name = name.to_owned();
    mocks
        .staff
        .expect_name()
        .returning(move |_| Ok(Some(name.clone())));
}

#[tokio::test]
async fn customers_may_not_send() {
    let service = Mocks::default().service();
    let to = vec![RecipientInput::address(address("ann@example.com"))];
    let result = service
        .send(&customer_principal(CustomerId::new()), request(to), None)
        .await;
    assert!(matches!(result, Err(EmailError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn queues_every_recipient_matched_to_its_customer_before_anything_is_sent() {
    let company = CompanyId::new();
    let agent = agent_of(&[company]);
    let ann = contact("Ann", "ann@example.com", None);
    let bea = contact("Bea", "bea@example.com", Some(company));
    let mut mocks = Mocks::default();
    let ann_found = ann.clone();
    mocks
        .customers
        .expect_by_email()
        .returning(move |a| Ok((a.key() == "ann@example.com").then(|| ann_found.clone())));
    let bea_found = bea.clone();
    mocks
        .customers
        .expect_by_id()
        .with(eq(bea.id))
        .returning(move |_| Ok(Some(bea_found.clone())));
    no_suppressions(&mut mocks);
    sender_named(&mut mocks, "Ann Agent");
    let stored = expect_insert(&mut mocks);
    let to = vec![
        RecipientInput::address(address("Ann@Example.com")),
        RecipientInput::address(address("nobody@example.org")),
        RecipientInput::customer(bea.id),
    ];
    let queued = mocks
        .service()
        .send(&agent, request(to), None)
        .await
        .unwrap();

    assert!(!queued.replayed);
    let (email, recipients) = stored.lock().unwrap().clone().unwrap();
    assert_eq!(email, queued.email);
    assert_eq!(recipients, queued.recipients);
    assert_eq!(email.from.to_string(), "Ann Agent <crm@example.com>");
    assert_eq!(email.sender_id, agent.user_id().unwrap());
    assert_eq!((email.send_at, email.created_at), (now(), now()));
    assert!(email.content.html_generated);
    assert_eq!(
        email.content.html.as_str(),
        "<p>Hi there,</p>\n<p>see <a href=\"https://example.com\">https://example.com</a></p>"
    );
    let got: Vec<(&str, Option<CustomerId>, RecipientStatus, u32)> = recipients
        .iter()
        .map(|r| (r.address.as_str(), r.customer_id, r.status, r.attempts))
        .collect();
    assert_eq!(
        got,
        [
            ("Ann@example.com", Some(ann.id), RecipientStatus::Queued, 0),
            ("nobody@example.org", None, RecipientStatus::Queued, 0),
            ("bea@example.com", Some(bea.id), RecipientStatus::Queued, 0),
        ],
        "an address is linked to its customer whoever can see it; a customer_id gives its address"
    );
    for r in &recipients {
        assert_eq!(r.next_attempt_at, now());
        assert_eq!(
            r.message_id.as_str(),
            format!("{}@example.com", r.id.as_uuid().simple())
        );
        assert_eq!(r.content, None);
    }
}

#[tokio::test]
async fn a_customer_the_agent_cannot_see_is_not_found() {
    let hidden = contact("Ann", "ann@example.com", Some(CompanyId::new()));
    let mut mocks = Mocks::default();
    let found = hidden.clone();
    mocks
        .customers
        .expect_by_id()
        .returning(move |_| Ok(Some(found.clone())));
    let result = mocks
        .service()
        .send(
            &agent_of(&[CompanyId::new()]),
            request(vec![RecipientInput::customer(hidden.id)]),
            None,
        )
        .await;
    assert!(
        matches!(result, Err(EmailError::CustomerNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_customer_without_an_address_and_duplicates_are_named() {
    let mut nameless = contact("Ann", "ann@example.com", None);
    nameless.email = None;
    let bob = contact("Bob", "BOB@example.com", None);
    let mut mocks = Mocks::default();
    let known = [nameless.clone(), bob.clone()];
    mocks
        .customers
        .expect_by_id()
        .returning(move |id| Ok(known.iter().find(|c| c.id == id).cloned()));
    mocks.customers.expect_by_email().returning(|_| Ok(None));
    let to = vec![
        RecipientInput::customer(nameless.id),
        RecipientInput::address(address("bob@example.com")),
        RecipientInput::customer(bob.id),
    ];
    let result = mocks.service().send(&admin(), request(to), None).await;
    let Err(EmailError::Validation(errors)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(
        invalid_fields(&errors),
        [
            "to[0]: the customer has no email address",
            "to[2]: is listed twice"
        ],
        "bob's record gives the address already listed"
    );
}

#[tokio::test]
async fn a_suppressed_address_is_a_conflict_naming_the_reason() {
    let mut mocks = Mocks::default();
    mocks.customers.expect_by_email().returning(|_| Ok(None));
    mocks.suppressions.expect_find().returning(|addresses| {
        Ok(vec![Suppression {
            address: addresses[1].clone(),
            reason: SuppressionReason::OptOut,
            customer_id: None,
            recipient_id: None,
            detail: None,
            created_at: now(),
        }])
    });
    let to = vec![
        RecipientInput::address(address("ann@example.com")),
        RecipientInput::address(address("bob@example.com")),
    ];
    let result = mocks.service().send(&admin(), request(to), None).await;
    match result {
        Err(EmailError::Suppressed { address, reason }) => {
            assert_eq!(
                (address.as_str(), reason),
                ("bob@example.com", SuppressionReason::OptOut)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn scheduled_sends_are_due_later_but_not_too_late() {
    let mut mocks = Mocks::default();
    mocks.customers.expect_by_email().returning(|_| Ok(None));
    no_suppressions(&mut mocks);
    mocks.staff.expect_name().returning(|_| Ok(None));
    let stored = expect_insert(&mut mocks);
    let service = mocks.service();
    let to = || vec![RecipientInput::address(address("ann@example.com"))];
    let tomorrow = later(Duration::from_hours(24));
    let queued = service
        .send(
            &admin(),
            NewEmail::new(to(), written(), Some(tomorrow)).unwrap(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(queued.email.send_at, tomorrow);
    assert_eq!(
        queued.email.from.to_string(),
        "CRM <crm@example.com>",
        "no name: the configured one"
    );
    let (_, recipients) = stored.lock().unwrap().clone().unwrap();
    assert_eq!(recipients[0].next_attempt_at, tomorrow);

    let too_late = later(Duration::from_hours(400 * 24));
    let result = service
        .send(
            &admin(),
            NewEmail::new(to(), written(), Some(too_late)).unwrap(),
            None,
        )
        .await;
    let Err(EmailError::Validation(errors)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(invalid_fields(&errors), ["send_at: must be within a year"]);
}

#[tokio::test]
async fn templates_are_rendered_for_each_recipient_and_missing_values_named() {
    let template = EmailTemplate {
        id: EmailTemplateId::new(),
        name: TemplateName::parse("welcome").unwrap(),
        source: TemplateSource::new(
            Subject::parse("Welcome {{ first_name }}").unwrap(),
            TextBody::parse("Hi {{ first_name }}, {{ sender_name }} here.").unwrap(),
            None,
        )
        .unwrap(),
        created_by: UserId::new(),
        created_at: now(),
        updated_at: now(),
        version: Version::FIRST,
    };
    let ann = contact("Ann", "ann@example.com", None);
    let mut mocks = Mocks::default();
    let found = ann.clone();
    mocks
        .customers
        .expect_by_email()
        .returning(move |a| Ok((a.key() == "ann@example.com").then(|| found.clone())));
    no_suppressions(&mut mocks);
    sender_named(&mut mocks, "Bob");
    let t = template.clone();
    mocks
        .templates
        .expect_get()
        .returning(move |_| Ok(Some(t.clone())));
    let stored = expect_insert(&mut mocks);
    let service = mocks.service();

    let to = vec![RecipientInput::address(address("ann@example.com"))];
    let new = NewEmail::new(to, NewContent::Template(template.id), None).unwrap();
    let queued = service.send(&admin(), new, None).await.unwrap();
    assert_eq!(queued.email.template_id, Some(template.id));
    assert_eq!(
        queued.email.content.subject.as_str(),
        "Welcome {{ first_name }}",
        "the message as written"
    );
    let (_, recipients) = stored.lock().unwrap().clone().unwrap();
    let own = recipients[0].content.as_ref().unwrap();
    assert_eq!(own.subject.as_str(), "Welcome Ann");
    assert_eq!(own.text.as_str(), "Hi Ann, Bob here.");

    let stranger = vec![RecipientInput::address(address("x@example.org"))];
    let new = NewEmail::new(stranger, NewContent::Template(template.id), None).unwrap();
    let Err(EmailError::Validation(errors)) = service.send(&admin(), new, None).await else {
        panic!()
    };
    assert_eq!(
        invalid_fields(&errors),
        [
            "subject: `first_name` has no value for this recipient (x@example.org)",
            "body: `first_name` has no value for this recipient (x@example.org)",
        ]
    );
}

#[tokio::test]
async fn an_idempotent_retry_returns_the_first_message() {
    let admin = admin();
    let (first, first_recipients) = message(admin.user_id().unwrap(), &["ann@example.com"]);
    let mut mocks = Mocks::default();
    mocks.customers.expect_by_email().returning(|_| Ok(None));
    no_suppressions(&mut mocks);
    mocks.staff.expect_name().returning(|_| Ok(None));
    let id = first.id;
    let mut calls = 0;
    mocks
        .emails
        .expect_insert()
        .times(2)
        .returning(move |_, _, key| {
            calls += 1;
            assert_eq!(key.unwrap().key, "k-1");
            if calls == 1 {
                Ok(Inserted::Replayed(id))
            } else {
                Err(StoreError::IdempotencyMismatch)
            }
        });
    let email = first.clone();
    mocks
        .emails
        .expect_get()
        .with(eq(id))
        .returning(move |_| Ok(Some(email.clone())));
    let recipients = first_recipients.clone();
    mocks
        .emails
        .expect_recipients()
        .returning(move |_| Ok(recipients.clone()));
    let service = mocks.service();
    let to = || vec![RecipientInput::address(address("ann@example.com"))];
    let replay = service
        .send(&admin, request(to()), Some("k-1"))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!((replay.email, replay.recipients), (first, first_recipients));
    let reused = service.send(&admin, request(to()), Some("k-1")).await;
    assert!(
        matches!(reused, Err(EmailError::IdempotencyKeyReused)),
        "{reused:?}"
    );
    let bad = service.send(&admin, request(to()), Some("bad key")).await;
    assert!(matches!(bad, Err(EmailError::Validation(_))), "{bad:?}");
}
