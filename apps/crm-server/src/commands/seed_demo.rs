//! `crm-server seed-demo [--customers N]`.
//!
//! Fills an empty database with realistic demo data through the same
//! services the API uses, so every record obeys the business rules: a demo
//! admin and its agents (two, and one more per 2,500 customers past 5,000),
//! companies shared out among the agents, and customers spread over the last six
//! months, walked through the lifecycle days to months apart so that status
//! histories, conversion and the funnel's step times look real, with their
//! meetings, calls and tasks (past ones completed, each organised by the
//! agent of the customer's company), tickets (most answered
//! and resolved) and emails with their opens, clicks, replies and bounces
//! (`emails.rs`). Names come from the `fake` crate with a fixed seed, so two
//! runs create the same people.

mod emails;
mod people;

use people::{DemoAgents, ascii, demo_admin};

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crm_customers::{
    CustomerPatch, CustomerService, LifecycleStatus, NewCompany, NewCustomer, Tags, Website,
};
use crm_interactions::{
    Attendees, End, InteractionKind, InteractionService, NewInteraction, TimeZone,
};
use crm_kernel::{
    Clock, CompanyId, CustomerId, EmailAddress, FixedClock, LongText, PersonName, Principal,
    ShortText, SystemClock, Timestamp, UserId,
};
use crm_tickets::{Channel, NewComment, NewTicket, Priority, TicketService};
use fake::Fake;
use fake::faker::company::en::CompanyName;
use fake::faker::name::en::{FirstName, LastName};
use fake::rand::rngs::StdRng;
use fake::rand::{RngExt, SeedableRng};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::error::CommandError;
use crate::wiring;

/// Password of every demo account (demo data only; documented in the README).
pub const DEMO_PASSWORD: &str = "demo-password-1234";

const TAGS: &[&str] = &[
    "vip",
    "newsletter",
    "partner",
    "trial",
    "enterprise",
    "smb",
    "renewal",
];
const DESCRIPTIONS: &[&str] = &[
    "Discovery call",
    "Product demo",
    "Quarterly review",
    "Contract negotiation",
    "Onboarding session",
    "Send the proposal",
];
const ISSUES: &[&str] = &[
    "Cannot sign in to the portal",
    "The March invoice is missing",
    "Export to CSV fails for large reports",
    "Please change our billing address",
    "The mobile app crashes on start",
];
const SOURCES: &[&str] = &[
    "website",
    "referral",
    "trade fair",
    "cold call",
    "webinar",
    "import",
];

fn failed(error: &dyn std::fmt::Display) -> CommandError {
    CommandError::Failed(format!("seeding failed: {error}"))
}

/// Creates the demo data.
pub async fn run(settings: &Settings, customers: u32) -> Result<(), CommandError> {
    if !(1..=100_000).contains(&customers) {
        return Err(CommandError::Config(
            "--customers: must be between 1 and 100000".into(),
        ));
    }
    let store = wiring::open_store(settings, true).await?;
    let secret = wiring::jwt_secret(settings)?;
    let identity = wiring::identity_service(&store, &secret, settings);

    // Time walks forward from six months ago, so records spread over it.
    let now = SystemClock.now();
    let six_months_ms = i64::try_from(SIX_MONTHS.as_millis()).unwrap_or(0);
    let begin = Timestamp::from_millis(now.as_millis() - six_months_ms).unwrap_or(now);
    let clock = Arc::new(FixedClock::at(begin));
    let mut seeder = Seeder {
        service: wiring::customer_service_with_clock(&store, settings, clock.clone()),
        tickets: wiring::ticket_service_with_clock(&store, settings, clock.clone()),
        interactions: wiring::interaction_service_with_clock(&store, settings, clock.clone()),
        email: crate::mail::setup::email_service(
            &store,
            crate::mail::setup::email_settings(settings, &secret, &public_url(settings))?,
            Arc::new(emails::DemoMailer),
            clock.clone(),
        ),
        clock,
        begin,
        rng: StdRng::seed_from_u64(2026),
        actor: demo_admin(&identity).await?,
        agents: DemoAgents::default(),
    };
    let company_count = (customers / 8).clamp(3, 500);
    let companies = seeder.companies(company_count).await?;
    seeder.agents = DemoAgents::create(&identity, &seeder.actor, &companies, customers).await?;
    let agent_count = seeder.agents.len();
    seeder.customers(customers, &companies).await?;
    writeln!(
        std::io::stdout(),
        "seeded {company_count} companies, {agent_count} agents and {customers} customers; sign in as admin@demo.example.com, agent1@demo.example.com or agent2@demo.example.com with the password `{DEMO_PASSWORD}`"
    )
    .map_err(|e| failed(&e))?;
    Ok(())
}

/// The base of links in demo emails.
fn public_url(settings: &Settings) -> String {
    settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.listen))
}

/// Six months, the span the demo data covers.
const SIX_MONTHS: Duration = Duration::from_hours(24 * 182);

/// The state of one seeding run.
struct Seeder {
    service: CustomerService,
    tickets: TicketService,
    interactions: InteractionService,
    email: crm_email::EmailService,
    clock: Arc<FixedClock>,
    begin: Timestamp,
    rng: StdRng,
    actor: Principal,
    /// The demo agents, who organise the demo interactions.
    agents: DemoAgents,
}

impl Seeder {
    async fn companies(&mut self, count: u32) -> Result<Vec<CompanyId>, CommandError> {
        let mut companies = Vec::new();
        for n in 0..count {
            let name: String = CompanyName().fake_with_rng(&mut self.rng);
            let slug: String = name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase();
            let new = NewCompany {
                name: PersonName::parse(&name).map_err(|e| failed(&e))?,
                address: None,
                phone: None,
                website: Website::parse(&format!("https://{slug}{n}.example.com")).ok(),
                notes: None,
            };
            let company = self
                .service
                .create_company(&self.actor, new)
                .await
                .map_err(|e| failed(&e))?;
            companies.push(company.id);
        }
        Ok(companies)
    }

    async fn customers(&mut self, count: u32, companies: &[CompanyId]) -> Result<(), CommandError> {
        let progress = ProgressBar::new(u64::from(count));
        progress.set_style(
            ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        progress.set_message("customers");
        let step = SIX_MONTHS / count.max(1);
        let now = SystemClock.now();
        for n in 0..count {
            let created = self.begin.plus(step * n);
            self.clock.set(created);
            let new = self.new_customer(n, companies)?;
            let organizer = self.agents.organizer(new.company_id, n);
            let customer = self
                .service
                .create_customer(&self.actor, new)
                .await
                .map_err(|e| failed(&e))?;
            // Walk part of the lifecycle, days to months apart (never past
            // now): most stay leads, some convert, a few churn.
            let target = match self.rng.random_range(0..100) {
                0..45 => 0,
                45..70 => 1,
                70..92 => 2,
                _ => 3,
            };
            let steps = [
                (LifecycleStatus::Prospect, 2..=21),
                (LifecycleStatus::Customer, 5..=45),
                (LifecycleStatus::Churned, 20..=120),
            ];
            for (status, days) in steps.into_iter().take(target) {
                let wait = Duration::from_hours(24 * self.rng.random_range(days))
                    + Duration::from_mins(self.rng.random_range(0..24 * 60));
                self.clock.advance(wait);
                if self.clock.now() > now {
                    break;
                }
                let patch = CustomerPatch {
                    status: Some(status),
                    ..CustomerPatch::default()
                };
                self.service
                    .update_customer(&self.actor, customer.id, patch, None)
                    .await
                    .map_err(|e| failed(&e))?;
            }
            self.clock.set(created);
            self.activity(customer.id, organizer).await?;
            progress.inc(1);
        }
        progress.finish_and_clear();
        Ok(())
    }

    /// Some interactions organised by `organizer` (past ones completed, a
    /// few ahead) and, for about a third of the customers, a ticket that is
    /// often answered and resolved.
    async fn activity(
        &mut self,
        customer: CustomerId,
        organizer: Option<UserId>,
    ) -> Result<(), CommandError> {
        let created = self.clock.now();
        // Interactions are recorded now: those before now become completed.
        self.clock.set(SystemClock.now());
        for _ in 0..self.rng.random_range(1..=3) {
            let kind = [
                InteractionKind::Meeting,
                InteractionKind::Call,
                InteractionKind::Task,
            ][self.rng.random_range(0..3)];
            let offset = Duration::from_hours(self.rng.random_range(1..=24 * 60));
            let description = DESCRIPTIONS[self.rng.random_range(0..DESCRIPTIONS.len())];
            let new = NewInteraction {
                customer_id: customer,
                kind: Some(kind),
                date_time: created.plus(offset),
                end: Some(End::Minutes(self.rng.random_range(2..=8) * 15)),
                time_zone: TimeZone::parse("Europe/Berlin").ok(),
                location: None,
                meeting_url: None,
                description: LongText::parse(description).map_err(|e| failed(&e))?,
                outcome: None,
                organizer_id: organizer,
                attendees: Attendees::default(),
                status: None,
                repeat_weekly: 0,
            };
            self.interactions
                .schedule(&self.actor, new)
                .await
                .map_err(|e| failed(&e))?;
        }
        self.clock.set(created);
        let email = self.email.clone();
        self.emails(&email, customer).await?;
        self.clock.set(created);
        if self.rng.random_range(0..3) == 0 {
            let issue = ISSUES[self.rng.random_range(0..ISSUES.len())];
            let new = NewTicket {
                customer_id: Some(customer),
                issue: LongText::parse(issue).map_err(|e| failed(&e))?,
                subject: None,
                priority: Some(Priority::ALL[self.rng.random_range(0..Priority::ALL.len())]),
                channel: Some(Channel::ALL[self.rng.random_range(0..Channel::ALL.len())]),
            };
            let ticket = self
                .tickets
                .raise(&self.actor, new, None)
                .await
                .map_err(|e| failed(&e))?
                .ticket;
            if self.rng.random_range(0..4) > 0 {
                let wait = Duration::from_mins(self.rng.random_range(5..=600));
                self.advance_until_now(wait);
                let reply = NewComment {
                    body: LongText::parse("Thanks, we are looking into it.")
                        .map_err(|e| failed(&e))?,
                    internal: false,
                };
                self.tickets
                    .comment(&self.actor, ticket.id, reply)
                    .await
                    .map_err(|e| failed(&e))?;
                let wait = Duration::from_mins(self.rng.random_range(30..=3000));
                self.advance_until_now(wait);
                self.tickets
                    .resolve(&self.actor, ticket.id)
                    .await
                    .map_err(|e| failed(&e))?;
            }
        }
        Ok(())
    }

    /// Moves the seeding clock forward, but never past the real now.
    fn advance_until_now(&self, by: Duration) {
        self.clock.advance(by);
        let now = SystemClock.now();
        if self.clock.now() > now {
            self.clock.set(now);
        }
    }

    fn new_customer(
        &mut self,
        n: u32,
        companies: &[CompanyId],
    ) -> Result<NewCustomer, CommandError> {
        let rng = &mut self.rng;
        let first: String = FirstName().fake_with_rng(rng);
        let last: String = LastName().fake_with_rng(rng);
        let email = format!("{}.{}.{n}@demo.example.com", ascii(&first), ascii(&last));
        let tags: Vec<&str> = TAGS
            .iter()
            .copied()
            .filter(|_| rng.random_range(0..5) == 0)
            .collect();
        Ok(NewCustomer {
            first_name: PersonName::parse(&first).map_err(|e| failed(&e))?,
            last_name: PersonName::parse(&last).map_err(|e| failed(&e))?,
            email: EmailAddress::parse(&email).ok(),
            phone: None,
            company_id: (rng.random_range(0..10) < 8)
                .then(|| companies[rng.random_range(0..companies.len())]),
            status: None,
            notes: None,
            owner_id: None,
            tags: Tags::parse(&tags).map_err(|e| failed(&e))?,
            source: ShortText::parse(SOURCES[rng.random_range(0..SOURCES.len())]).ok(),
        })
    }
}
