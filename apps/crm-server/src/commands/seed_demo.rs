//! `crm-server seed-demo [--customers N]`.
//!
//! Fills an empty database with demo staff and customer accounts so that the
//! API has something to show. It grows as contexts arrive (companies,
//! tickets, interactions, emails).

use std::io::Write;

use crm_identity::ports::{CustomerAccounts, PasswordHasher, UserRepository};
use crm_identity::{NewCustomerAccount, Password, StaffRole, StaffUser, UserStatus};
use crm_kernel::{Clock, CustomerId, EmailAddress, PageRequest, PersonName, SystemClock, UserId};

use crate::config::Settings;
use crate::error::CommandError;
use crate::wiring;

/// Password of every demo account (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "demo-password-1234";

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Katherine",
    "John",
    "Hedy",
    "Tim",
    "Shafi",
    "Leslie",
    "Sophie",
    "Niklaus",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Johnson",
    "McCarthy",
    "Lamarr",
    "Berners-Lee",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "Wirth",
];

/// Creates two demo agents and `customers` demo customer accounts.
pub async fn run(settings: &Settings, customers: u32) -> Result<(), CommandError> {
    if !(1..=100_000).contains(&customers) {
        return Err(CommandError::Config(
            "--customers: must be between 1 and 100000".into(),
        ));
    }
    let failed = |e: &dyn std::fmt::Display| CommandError::Failed(format!("seeding failed: {e}"));
    let store = wiring::open_store(settings, true).await?;
    let existing = store
        .list(&crm_identity::UserQuery::default(), &PageRequest::default())
        .await
        .map_err(|e| failed(&e))?;
    if existing.items.iter().any(|u| u.role == StaffRole::Agent) {
        return Err(CommandError::Config(
            "the database already holds data; seed-demo fills an empty one".into(),
        ));
    }
    let hasher = crm_auth::Argon2Hasher::new();
    let password = Password::new_secret(DEMO_PASSWORD).map_err(|e| failed(&e))?;
    let hash = hasher.hash(&password).await.map_err(|e| failed(&e))?;
    let clock = SystemClock;
    let name = |text: &str| PersonName::parse(text).map_err(|e| failed(&e));
    let email = |text: &str| EmailAddress::parse(text).map_err(|e| failed(&e));

    for (n, agent_name) in ["Morgan Agent", "Riley Agent"].iter().enumerate() {
        let now = clock.now();
        let agent = StaffUser {
            id: UserId::new(),
            name: name(agent_name)?,
            email: email(&format!("agent{}@demo.example.com", n + 1))?,
            phone: None,
            role: StaffRole::Agent,
            status: UserStatus::Active,
            notes: None,
            company_ids: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        store.insert(&agent, &hash).await.map_err(|e| failed(&e))?;
    }

    let mut out = std::io::stdout().lock();
    for n in 0..customers as usize {
        let first = FIRST_NAMES[n % FIRST_NAMES.len()];
        let last = LAST_NAMES[(n / FIRST_NAMES.len() + n) % LAST_NAMES.len()];
        let account = NewCustomerAccount {
            id: CustomerId::new(),
            first_name: name(first)?,
            last_name: name(last)?,
            email: email(&format!(
                "{}.{}.{n}@demo.example.com",
                first.to_lowercase(),
                last.to_lowercase()
            ))?,
            phone: None,
            created_at: clock.now(),
        };
        store
            .register(&account, &hash)
            .await
            .map_err(|e| failed(&e))?;
        if (n + 1) % 100 == 0 || n + 1 == customers as usize {
            write!(out, "\rcustomers: {}/{customers}", n + 1).map_err(|e| failed(&e))?;
            out.flush().map_err(|e| failed(&e))?;
        }
    }
    writeln!(
        out,
        "\nseeded 2 agents and {customers} customers; every demo password is `{DEMO_PASSWORD}`"
    )
    .map_err(|e| failed(&e))?;
    Ok(())
}
