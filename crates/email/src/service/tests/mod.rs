//! The business rules of [`EmailService`], with every port mocked: no
//! database, no mail server; the clock stands still at [`now`].
//!
//! Mocks are strict: a port method a test did not expect panics when
//! called, so a refused use case that reached the store or the mailer
//! anyway fails loudly.

mod consent;
mod dispatch;
mod inbound;
mod read;
mod send;
mod templates;
mod tracking;

use std::sync::Arc;
use std::time::Duration;

use crm_kernel::{
    AgentScope, CompanyId, CustomerId, EmailAddress, FixedClock, Principal, PrincipalId, Role,
    Timestamp, UserId, ValidationErrors,
};

use super::{EmailPorts, EmailService, EmailSettings};
use crate::content::{Content, Subject, TextBody};
use crate::mailbox::Mailbox;
use crate::message::Email;
use crate::outbox::{OutboxPolicy, RetryPolicy, WorkerId};
use crate::outgoing::PublicUrl;
use crate::policy::EmailPolicy;
use crate::ports::{
    CustomerContact, MockCustomerDirectory, MockEmailRepository, MockEventLog, MockInboundStore,
    MockMailer, MockOutbox, MockStaffDirectory, MockSuppressionList, MockTemplateRepository,
};
use crate::recipient::Recipient;
use crate::token::TokenKey;
use crate::tracking::{Classifier, NetworkList};

const NOW_MS: i64 = 1_780_000_000_000;

fn now() -> Timestamp {
    Timestamp::from_millis(NOW_MS).unwrap()
}

fn later(span: Duration) -> Timestamp {
    now().plus(span)
}

fn address(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

fn key() -> TokenKey {
    TokenKey::new(&[9; 32]).unwrap()
}

fn invalid_fields(errors: &ValidationErrors) -> Vec<String> {
    errors
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect()
}

// --- principals ------------------------------------------------------------

fn staff(role: Role, company_ids: &[CompanyId]) -> Principal {
    Principal {
        id: PrincipalId::User(UserId::new()),
        role,
        company_ids: company_ids.to_vec(),
    }
}

fn admin() -> Principal {
    staff(Role::Admin, &[])
}

fn agent_of(companies: &[CompanyId]) -> Principal {
    staff(Role::Agent, companies)
}

fn customer_principal(id: CustomerId) -> Principal {
    Principal {
        id: PrincipalId::Customer(id),
        role: Role::Customer,
        company_ids: Vec::new(),
    }
}

/// A customer of `company` with an address.
fn contact(first: &str, email: &str, company: Option<CompanyId>) -> CustomerContact {
    CustomerContact {
        id: CustomerId::new(),
        company_id: company,
        owner_id: None,
        email: Some(address(email)),
        first_name: first.into(),
        last_name: "Lee".into(),
        company: company.map(|_| "ACME".into()),
    }
}

// --- the service -----------------------------------------------------------

#[derive(Default)]
struct Mocks {
    emails: MockEmailRepository,
    outbox: MockOutbox,
    events: MockEventLog,
    inbound: MockInboundStore,
    suppressions: MockSuppressionList,
    templates: MockTemplateRepository,
    customers: MockCustomerDirectory,
    staff: MockStaffDirectory,
    mailer: MockMailer,
}

fn settings() -> EmailSettings {
    EmailSettings {
        mail_from: Mailbox::parse("CRM <crm@example.com>").unwrap(),
        public_url: PublicUrl::parse("https://crm.example.com").unwrap(),
        key: key(),
        retry: RetryPolicy::default(),
        outbox: OutboxPolicy::default(),
        classifier: Classifier::new(NetworkList::parse("198.51.100.0/24 scanner gateway").unwrap()),
        policy: EmailPolicy {
            agent_scope: AgentScope::Assigned,
        },
    }
}

impl Mocks {
    fn service(self) -> EmailService {
        EmailService::new(
            EmailPorts {
                emails: Arc::new(self.emails),
                outbox: Arc::new(self.outbox),
                events: Arc::new(self.events),
                inbound: Arc::new(self.inbound),
                suppressions: Arc::new(self.suppressions),
                templates: Arc::new(self.templates),
                customers: Arc::new(self.customers),
                staff: Arc::new(self.staff),
                mailer: Arc::new(self.mailer),
                clock: Arc::new(FixedClock::at(now())),
            },
            settings(),
        )
    }
}

/// A message from `sender` with a link, and one recipient of it per address.
fn message(sender: UserId, addresses: &[&str]) -> (Email, Vec<Recipient>) {
    let email = Email {
        id: crm_kernel::EmailId::new(),
        from: Mailbox::parse("Bob Smith <crm@example.com>").unwrap(),
        sender_id: sender,
        content: Content::new(
            Subject::parse("Offer").unwrap(),
            TextBody::parse(
                "See https://shop.example.com/offer and https://shop.example.com/terms",
            )
            .unwrap(),
            None,
        )
        .unwrap(),
        template_id: None,
        send_at: now(),
        created_at: now(),
    };
    let recipients = addresses
        .iter()
        .map(|a| Recipient::queued(email.id, address(a), None, "example.com", now(), now()))
        .collect();
    (email, recipients)
}

/// The recipient as it is once sent at `at`.
fn sent(recipient: &Recipient, at: Timestamp) -> Recipient {
    recipient
        .claimed(
            WorkerId::new(),
            recipient.next_attempt_at,
            at.plus(Duration::from_mins(10)),
        )
        .unwrap()
        .accepted(None, at)
        .unwrap()
}
