//! Demo emails: for most customers a message or two, sent by the outbox
//! worker's own code path, then opens and clicks by people and by machines
//! (image proxies, a scanner following the hidden link), replies, the odd
//! hard bounce and opt-out, so that engagement and reports show something.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use async_trait::async_trait;
use crm_email::ports::Mailer;
use crm_email::{
    Accepted, DeliveryReport, EmailService, Hit, InboundMail, MessageId, NewContent, NewEmail,
    Outgoing, RecipientInput, ReportedRecipient, SendError, SmtpReply, Subject, TextBody,
    TokenClaim, TokenPurpose, WorkerId,
};
use crm_kernel::CustomerId;
use fake::rand::RngExt;

use super::{Seeder, failed};
use crate::error::CommandError;

const SUBJECTS: &[(&str, &str)] = &[
    (
        "Your offer",
        "Hello,\n\nas promised, your offer: https://shop.example.com/offer\n\nBest regards",
    ),
    (
        "Welcome aboard",
        "Hello,\n\nwelcome! Getting started: https://docs.example.com/start\n\nCheers",
    ),
    (
        "Our meeting",
        "Hello,\n\nthe notes of our meeting: https://docs.example.com/notes\n\nTalk soon",
    ),
];
const REPLIES: &[&str] = &[
    "Thanks, that helps!",
    "Can we talk on Friday?",
    "Looks good to me.",
];
const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

/// The demo's mail system: accepts every copy, as a relay would.
#[derive(Debug)]
pub(super) struct DemoMailer;

#[async_trait]
impl Mailer for DemoMailer {
    async fn send(&self, _: &Outgoing) -> Result<Accepted, SendError> {
        Ok(Accepted {
            reply: Some(SmtpReply::new(250, "2.0.0 Ok: queued (demo)")),
        })
    }
}

impl Seeder {
    /// A message or two to the customer, and what became of them.
    #[allow(clippy::too_many_lines, reason = "one demo story, told top to bottom")]
    pub(super) async fn emails(
        &mut self,
        email: &EmailService,
        customer: CustomerId,
    ) -> Result<(), CommandError> {
        let count = self.rng.random_range(0..=2);
        for n in 0..count {
            {
                let wait = Duration::from_hours(self.rng.random_range(2..=24 * 20));
                self.advance_until_now(wait);
            }
            let (subject, body) = SUBJECTS[self.rng.random_range(0..SUBJECTS.len())];
            let new = NewEmail::new(
                vec![RecipientInput::customer(customer)],
                NewContent::Written {
                    subject: Subject::parse(subject).map_err(|e| failed(&e))?,
                    text: TextBody::parse(body).map_err(|e| failed(&e))?,
                    html: None,
                },
                None,
            )
            .map_err(|e| failed(&e))?;
            let queued = match email.send(&self.actor, new, None).await {
                Ok(queued) => queued,
                // A customer without an address, or one that opted out.
                Err(
                    crm_email::EmailError::Validation(_) | crm_email::EmailError::Suppressed { .. },
                ) => return Ok(()),
                Err(e) => return Err(failed(&e)),
            };
            email
                .dispatch_due(WorkerId::new(), &AtomicBool::new(false))
                .await
                .map_err(|e| failed(&e))?;
            let Some(recipient) = queued.recipients.first() else {
                continue;
            };
            let token = |purpose| {
                email.settings().key.sign(TokenClaim {
                    recipient: recipient.id,
                    purpose,
                })
            };
            let last = n + 1 == count;
            if last && self.rng.random_range(0..12) == 0 {
                self.advance_until_now(Duration::from_mins(3));
                let domain = email.settings().mail_from.domain().to_owned();
                let report = InboundMail {
                    message_id: MessageId::parse(&format!(
                        "dsn-{}@mx.demo.example.com",
                        recipient.id
                    )),
                    to: vec![format!("bounce+{}@{domain}", token(TokenPurpose::Bounce))],
                    subject: Some("Undelivered Mail Returned to Sender".into()),
                    report: Some(DeliveryReport {
                        original_message_id: Some(recipient.message_id.clone()),
                        recipients: vec![ReportedRecipient {
                            final_recipient: Some(recipient.address.as_str().to_owned()),
                            action: Some("failed".into()),
                            status: Some("5.1.1".into()),
                            diagnostic: Some("smtp; 550 5.1.1 User unknown".into()),
                        }],
                    }),
                    raw: "(demo delivery report)".into(),
                    ..InboundMail::default()
                };
                email.receive(report).await.map_err(|e| failed(&e))?;
                continue;
            }
            // Apple's proxy fetches the image within a second of delivery.
            if self.rng.random_range(0..3) == 0 {
                self.clock.advance(Duration::from_secs(1));
                let proxy = Hit {
                    head: false,
                    user_agent: Some("Mozilla/5.0".into()),
                    ip: Some(IpAddr::V4(Ipv4Addr::new(17, 58, 0, 1))),
                    prefetch: false,
                };
                email
                    .track_open(&token(TokenPurpose::Open), &proxy)
                    .await
                    .map_err(|e| failed(&e))?;
            }
            let person = Hit {
                head: false,
                user_agent: Some(BROWSER.into()),
                ip: None,
                prefetch: false,
            };
            if self.rng.random_range(0..10) < 6 {
                {
                    let wait = Duration::from_mins(self.rng.random_range(5..=600));
                    self.advance_until_now(wait);
                }
                email
                    .track_open(&token(TokenPurpose::Open), &person)
                    .await
                    .map_err(|e| failed(&e))?;
                if self.rng.random_range(0..2) == 0 {
                    {
                        let wait = Duration::from_secs(self.rng.random_range(20..=300));
                        self.advance_until_now(wait);
                    }
                    email
                        .track_click(&token(TokenPurpose::Click(0)), &person)
                        .await
                        .map_err(|e| failed(&e))?;
                }
            } else if self.rng.random_range(0..8) == 0 {
                // A security scanner follows every link, the hidden one too.
                self.advance_until_now(Duration::from_secs(4));
                let scanner = Hit {
                    head: true,
                    user_agent: Some("python-requests/2.32".into()),
                    ip: None,
                    prefetch: false,
                };
                email
                    .track_click(&token(TokenPurpose::Click(0)), &scanner)
                    .await
                    .map_err(|e| failed(&e))?;
                email
                    .track_click(&token(TokenPurpose::Honeypot), &scanner)
                    .await
                    .map_err(|e| failed(&e))?;
            }
            if self.rng.random_range(0..5) == 0 {
                {
                    let wait = Duration::from_hours(self.rng.random_range(1..=48));
                    self.advance_until_now(wait);
                }
                let text = REPLIES[self.rng.random_range(0..REPLIES.len())];
                let reply = InboundMail {
                    message_id: MessageId::parse(&format!(
                        "reply-{}@mail.demo.example.com",
                        recipient.id
                    )),
                    in_reply_to: vec![recipient.message_id.clone()],
                    from: Some(recipient.address.as_str().to_owned()),
                    subject: Some(format!("Re: {subject}")),
                    text: Some(format!(
                        "{text}\n\nOn an earlier day you wrote:\n> {}",
                        body.lines().next().unwrap_or_default()
                    )),
                    raw: "(demo reply)".into(),
                    ..InboundMail::default()
                };
                email.receive(reply).await.map_err(|e| failed(&e))?;
            } else if last && self.rng.random_range(0..30) == 0 {
                email
                    .unsubscribe(&token(TokenPurpose::Unsubscribe))
                    .await
                    .map_err(|e| failed(&e))?;
            }
        }
        Ok(())
    }
}
