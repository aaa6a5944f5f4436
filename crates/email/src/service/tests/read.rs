//! Who sees which message; lists; engagement.

use crm_kernel::{Page, PageRequest};

use super::*;
use crate::error::EmailError;
use crate::query::EmailQuery;

/// A message from `sender` to a customer of `company`.
fn stored(mocks: &mut Mocks, sender: UserId, company: CompanyId) -> (Email, CustomerContact) {
    let (email, mut recipients) = message(sender, &["ann@example.com"]);
    let ann = contact("Ann", "ann@example.com", Some(company));
    recipients[0].customer_id = Some(ann.id);
    let e = email.clone();
    mocks
        .emails
        .expect_get()
        .returning(move |_| Ok(Some(e.clone())));
    let delivered = sent(&recipients[0], now());
    mocks
        .emails
        .expect_recipients()
        .returning(move |_| Ok(vec![delivered.clone()]));
    let c = ann.clone();
    mocks
        .customers
        .expect_contacts()
        .returning(move |_| Ok(vec![c.clone()]));
    mocks.events.expect_events().returning(|_| Ok(Vec::new()));
    mocks
        .inbound
        .expect_of_email()
        .returning(|_| Ok(Vec::new()));
    (email, ann)
}

#[tokio::test]
async fn staff_see_what_they_sent_or_whose_customer_they_see() {
    let company = CompanyId::new();
    let sender = agent_of(&[]);
    let mut mocks = Mocks::default();
    let (email, _) = stored(&mut mocks, sender.user_id().unwrap(), company);
    let service = mocks.service();
    for (who, caller) in [
        ("admin", admin()),
        ("the sender", sender),
        ("an agent of the customer's company", agent_of(&[company])),
    ] {
        let detail = service.get(&caller, email.id).await;
        assert_eq!(detail.map(|d| d.email.id).ok(), Some(email.id), "{who}");
    }
    for (who, caller) in [
        ("another agent", agent_of(&[CompanyId::new()])),
        (
            "a customer, even the recipient",
            customer_principal(CustomerId::new()),
        ),
    ] {
        let result = service.get(&caller, email.id).await;
        assert!(
            matches!(result, Err(EmailError::EmailNotFound)),
            "{who}: {result:?}"
        );
    }
}

#[tokio::test]
async fn engagement_of_a_message_with_nothing_opened() {
    let mut mocks = Mocks::default();
    let (email, _) = stored(&mut mocks, UserId::new(), CompanyId::new());
    let engagement = mocks
        .service()
        .engagement(&admin(), email.id)
        .await
        .unwrap();
    assert_eq!(engagement.delivered, 1);
    assert_eq!(engagement.open_rate.to_string(), "0%");
    assert!(engagement.responses.is_empty());
}

#[tokio::test]
async fn lists_are_scoped_and_carry_each_messages_recipients() {
    let company = CompanyId::new();
    let agent = agent_of(&[company]);
    let (first, first_recipients) = message(UserId::new(), &["a@example.com", "b@example.com"]);
    let (second, second_recipients) = message(UserId::new(), &["c@example.com"]);
    let mut mocks = Mocks::default();
    let page = vec![first.clone(), second.clone()];
    let user = agent.user_id().unwrap();
    mocks
        .emails
        .expect_list()
        .times(1)
        .returning(move |query, scope, _| {
            assert_eq!(query, &EmailQuery::default());
            assert_eq!(scope.sender, Some(user));
            assert_eq!(
                scope.visibility,
                crm_kernel::Visibility::Agent {
                    company_ids: vec![company],
                    owner_id: user
                }
            );
            Ok(Page {
                items: page.clone(),
                next: None,
            })
        });
    let all: Vec<Recipient> = second_recipients
        .iter()
        .chain(&first_recipients)
        .cloned()
        .collect();
    mocks
        .emails
        .expect_recipients()
        .returning(move |_| Ok(all.clone()));
    let listed = mocks
        .service()
        .list(&agent, &EmailQuery::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(listed.items[0].recipients, first_recipients);
    assert_eq!(listed.items[1].recipients, second_recipients);

    let customers = Mocks::default().service();
    let result = customers
        .list(
            &customer_principal(CustomerId::new()),
            &EmailQuery::default(),
            &PageRequest::default(),
        )
        .await;
    assert!(
        matches!(result, Err(EmailError::EmailNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_customers_messages_only_for_those_who_see_the_customer() {
    let company = CompanyId::new();
    let ann = contact("Ann", "ann@example.com", Some(company));
    let mut mocks = Mocks::default();
    let c = ann.clone();
    mocks
        .customers
        .expect_contacts()
        .returning(move |_| Ok(vec![c.clone()]));
    let id = ann.id;
    mocks
        .emails
        .expect_list()
        .times(1)
        .returning(move |query, _, _| {
            assert_eq!(query.customer_id, Some(id));
            Ok(Page {
                items: Vec::new(),
                next: None,
            })
        });
    let service = mocks.service();
    let page = PageRequest::default();
    assert!(
        service
            .list_for_customer(&agent_of(&[company]), ann.id, &page)
            .await
            .is_ok()
    );
    let hidden = service
        .list_for_customer(&agent_of(&[]), ann.id, &page)
        .await;
    assert!(
        matches!(hidden, Err(EmailError::CustomerNotFound)),
        "{hidden:?}"
    );
}
