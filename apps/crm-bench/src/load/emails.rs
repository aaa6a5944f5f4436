//! Emails to customers with their delivery and tracking events, written
//! through the email service itself (as `seed-demo` does): the outbox,
//! the send and each tracking hit take the same paths as on the server,
//! with a clock the loader moves and a mailer that accepts everything.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use async_trait::async_trait;
use crm_email::ports::Mailer;
use crm_email::{
    Accepted, EmailService, Hit, NewContent, NewEmail, Outgoing, RecipientInput, SendError,
    SmtpReply, Subject, TextBody, TokenClaim, TokenPurpose, WorkerId,
};
use crm_kernel::{CustomerId, FixedClock, Principal, RecipientId, Timestamp};
use fake::rand::RngExt;
use fake::rand::rngs::StdRng;

use crate::error::BenchError;

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

/// A mailer that accepts every message at once.
#[derive(Debug)]
pub struct AcceptAll;

#[async_trait]
impl Mailer for AcceptAll {
    async fn send(&self, _: &Outgoing) -> Result<Accepted, SendError> {
        Ok(Accepted {
            reply: Some(SmtpReply::new(250, "2.0.0 Ok: queued (bench)")),
        })
    }
}

/// Sends one email to each of `customers` at its instant (oldest first),
/// delivers them, and records opens for most and clicks for some; returns
/// the recipients.
pub async fn send_batch(
    service: &EmailService,
    clock: &Arc<FixedClock>,
    sender: &Principal,
    batch: &[(CustomerId, Timestamp)],
    rng: &mut StdRng,
) -> Result<Vec<RecipientId>, BenchError> {
    let mut recipients = Vec::with_capacity(batch.len());
    for (customer, at) in batch {
        clock.set(*at);
        let new = NewEmail::new(
            vec![RecipientInput::customer(*customer)],
            NewContent::Written {
                subject: Subject::parse("Your offer")?,
                text: TextBody::parse(
                    "Hello,\n\nas promised, your offer: https://shop.example.com/offer\n\nBest regards",
                )?,
                html: None,
            },
            None,
        )?;
        let queued = service.send(sender, new, None).await?;
        recipients.extend(queued.recipients.iter().map(|r| r.id));
    }
    if let Some((_, last)) = batch.last() {
        clock.set(*last);
    }
    let worker = WorkerId::new();
    while service
        .dispatch_due(worker, &AtomicBool::new(false))
        .await?
        .claimed
        > 0
    {}
    let person = Hit {
        head: false,
        user_agent: Some(BROWSER.into()),
        ip: None,
        prefetch: false,
    };
    for recipient in &recipients {
        if rng.random_range(0..10) < 6 {
            clock.advance(Duration::from_mins(rng.random_range(5..=600)));
            let token = service.settings().key.sign(TokenClaim {
                recipient: *recipient,
                purpose: TokenPurpose::Open,
            });
            service.track_open(&token, &person).await?;
        }
    }
    Ok(recipients)
}
