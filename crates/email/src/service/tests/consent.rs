//! Opting out and the suppression list.

use crm_kernel::{Page, PageRequest};

use super::*;
use crate::consent::SuppressionReason;
use crate::error::EmailError;
use crate::event::EventKind;
use crate::token::{TokenClaim, TokenPurpose};

#[tokio::test]
async fn one_click_opt_out_suppresses_and_records_once() {
    let (_, recipients) = message(UserId::new(), &["ann@example.com"]);
    let mut recipient = sent(&recipients[0], now());
    recipient.customer_id = Some(CustomerId::new());
    let mut mocks = Mocks::default();
    let r = recipient.clone();
    mocks
        .emails
        .expect_recipient()
        .returning(move |_| Ok(Some(r.clone())));
    let expected = recipient.clone();
    let mut first = true;
    mocks
        .suppressions
        .expect_add()
        .times(2)
        .returning(move |entry, event| {
            assert_eq!(
                (entry.address.as_str(), entry.reason),
                ("ann@example.com", SuppressionReason::OptOut)
            );
            assert_eq!(
                (entry.customer_id, entry.recipient_id),
                (expected.customer_id, Some(expected.id))
            );
            let event = event.unwrap();
            assert_eq!(
                (event.kind, event.customer_id),
                (EventKind::Unsubscribed, expected.customer_id)
            );
            Ok(std::mem::replace(&mut first, false))
        });
    let service = mocks.service();
    let token = key().sign(TokenClaim {
        recipient: recipient.id,
        purpose: TokenPurpose::Unsubscribe,
    });
    let done = service.unsubscribe(&token).await.unwrap();
    assert!(done.newly);
    assert!(
        !service
            .unsubscribe(&token.to_uppercase())
            .await
            .unwrap()
            .newly
    );
    let open = key().sign(TokenClaim {
        recipient: recipient.id,
        purpose: TokenPurpose::Open,
    });
    assert!(matches!(
        service.unsubscribe(&open).await,
        Err(EmailError::InvalidToken)
    ));
}

#[tokio::test]
async fn only_admins_see_and_lift_the_list() {
    let mut mocks = Mocks::default();
    mocks.suppressions.expect_list().times(1).returning(|_| {
        Ok(Page {
            items: Vec::new(),
            next: None,
        })
    });
    let mut lifted = false;
    mocks
        .suppressions
        .expect_remove()
        .times(2)
        .returning(move |a| {
            assert_eq!(a.as_str(), "ann@example.com");
            Ok(!std::mem::replace(&mut lifted, true))
        });
    let service = mocks.service();
    let page = PageRequest::default();
    assert!(service.suppressions(&admin(), &page).await.is_ok());
    assert!(matches!(
        service.suppressions(&agent_of(&[]), &page).await,
        Err(EmailError::Forbidden)
    ));
    let ann = address("ann@example.com");
    assert!(matches!(
        service.lift_suppression(&agent_of(&[]), &ann).await,
        Err(EmailError::Forbidden)
    ));
    service.lift_suppression(&admin(), &ann).await.unwrap();
    let again = service.lift_suppression(&admin(), &ann).await;
    assert!(
        matches!(again, Err(EmailError::SuppressionNotFound)),
        "{again:?}"
    );
}
