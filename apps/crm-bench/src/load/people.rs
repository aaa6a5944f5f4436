//! Staff, companies and customers with their status histories.

use std::collections::HashSet;

use crm_customers::CustomerHistory;
use crm_customers::{Company, Customer, LifecycleStatus, StatusChange, Tags, Website};
use crm_identity::{PasswordHash, StaffRole, StaffUser, UserStatus};
use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, PersonName, PrincipalId, ShortText, Timestamp, UserId,
    Version,
};
use fake::Fake;
use fake::faker::company::en::CompanyName;
use fake::faker::name::en::{FirstName, LastName};
use fake::rand::RngExt;
use fake::rand::rngs::StdRng;

use super::skew::{DAY_MS, skewed, uniform};
use crate::error::BenchError;

/// The bench's password of every staff account.
pub const STAFF_PASSWORD: &str = "bench-password-1234";

const TAGS: &[&str] = &["vip", "newsletter", "partner", "trial", "enterprise", "smb"];
const SOURCES: &[&str] = &["website", "referral", "trade fair", "cold call", "webinar"];

/// Name pools drawn once: the skew picks from them.
#[derive(Debug)]
pub struct Names {
    first: Vec<String>,
    last: Vec<String>,
}

impl Names {
    /// Distinct first and last names (as many as the faker knows, up to the sizes asked).
    pub fn draw(rng: &mut StdRng) -> Self {
        let mut distinct = |count: usize, last: bool| {
            let mut seen = HashSet::new();
            let mut names = Vec::new();
            for _ in 0..count * 4 {
                let name: String = if last {
                    LastName().fake_with_rng(rng)
                } else {
                    FirstName().fake_with_rng(rng)
                };
                if name.chars().count() >= 4 && seen.insert(name.clone()) {
                    names.push(name);
                }
                if names.len() == count {
                    break;
                }
            }
            names
        };
        let first = distinct(2_000, false);
        let last = distinct(2_000, true);
        Self { first, last }
    }

    /// A first and a last name, with the skew of real names.
    pub fn pick(&self, rng: &mut StdRng) -> (&str, &str) {
        (
            &self.first[skewed(rng, self.first.len(), 1.5)],
            &self.last[skewed(rng, self.last.len(), 1.35)],
        )
    }
}

/// A staff user.
pub fn staff(n: u32, role: StaffRole, at: Timestamp) -> Result<StaffUser, BenchError> {
    let (name, email) = match role {
        StaffRole::Admin => (
            "Bench Admin".to_owned(),
            "admin@bench.example.com".to_owned(),
        ),
        StaffRole::Agent => (
            format!("Bench Agent {n}"),
            format!("agent{n}@bench.example.com"),
        ),
    };
    Ok(StaffUser {
        id: UserId::new(),
        name: PersonName::parse(&name)?,
        email: EmailAddress::parse(&email)?,
        phone: None,
        role,
        status: UserStatus::Active,
        notes: None,
        company_ids: Vec::new(),
        created_at: at,
        updated_at: at,
    })
}

/// The hash every staff account gets (hashed once: argon2 is slow on purpose).
pub async fn staff_hash() -> Result<PasswordHash, BenchError> {
    use crm_identity::ports::PasswordHasher as _;
    let password = crm_identity::Password::new_secret(STAFF_PASSWORD)?;
    Ok(crm_auth::Argon2Hasher::new().hash(&password).await?)
}

/// A company created at `at`.
pub fn company(rng: &mut StdRng, n: u32, at: Timestamp) -> Result<Company, BenchError> {
    let name: String = CompanyName().fake_with_rng(rng);
    Ok(Company {
        id: CompanyId::new(),
        name: PersonName::parse(&name)?,
        address: None,
        phone: None,
        website: Website::parse(&format!("https://company{n}.example.com")).ok(),
        notes: None,
        created_at: at,
        updated_at: at,
        version: Version::FIRST,
    })
}

/// Customer `n`, created at `at`, and its walk through the lifecycle.
pub fn customer(
    rng: &mut StdRng,
    names: &Names,
    n: u32,
    at: Timestamp,
    now: Timestamp,
    companies: &[CompanyId],
    agents: &[UserId],
) -> Result<CustomerHistory, BenchError> {
    let (first, last) = names.pick(rng);
    let ascii = |name: &str| -> String {
        name.chars()
            .filter(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_lowercase()
    };
    let email = format!("{}.{}.{n}@bench.example.com", ascii(first), ascii(last));
    let tags: Vec<&str> = TAGS
        .iter()
        .copied()
        .filter(|_| rng.random_range(0..6) == 0)
        .collect();
    let id = CustomerId::new();
    let created = Customer {
        id,
        first_name: PersonName::parse(first)?,
        last_name: PersonName::parse(last)?,
        email: Some(EmailAddress::parse(&email)?),
        phone: None,
        company_id: (rng.random_range(0..10) < 9)
            .then(|| companies[skewed(rng, companies.len(), 2.0)]),
        company: None,
        status: LifecycleStatus::Lead,
        notes: None,
        owner_id: (rng.random_range(0..10) < 6).then(|| agents[uniform(rng, agents.len())]),
        tags: Tags::parse(&tags)?,
        source: ShortText::parse(SOURCES[uniform(rng, SOURCES.len())]).ok(),
        created_at: at,
        updated_at: at,
        last_interaction: None,
        has_account: false,
        version: Version::FIRST,
    };
    let actor = PrincipalId::User(agents[uniform(rng, agents.len())]);
    let first_change = StatusChange {
        customer_id: id,
        from: None,
        to: LifecycleStatus::Lead,
        at,
        actor,
    };
    let steps = match rng.random_range(0..100) {
        0..40 => 0,
        40..65 => 1,
        65..90 => 2,
        _ => 3,
    };
    let mut changes = Vec::new();
    let mut current = created.clone();
    let mut when = at;
    for to in [
        LifecycleStatus::Prospect,
        LifecycleStatus::Customer,
        LifecycleStatus::Churned,
    ]
    .into_iter()
    .take(steps)
    {
        let days = rng.random_range(1..=120);
        let next_at = Timestamp::from_millis(when.as_millis() + days * DAY_MS).unwrap_or(when);
        if next_at >= now {
            break;
        }
        when = next_at;
        let mut next = current.clone();
        next.status = to;
        next.updated_at = when;
        next.version = current.version.next();
        changes.push((
            next.clone(),
            Some(StatusChange {
                customer_id: id,
                from: Some(current.status),
                to,
                at: when,
                actor,
            }),
        ));
        current = next;
    }
    Ok(CustomerHistory {
        created: (created, first_change),
        changes,
    })
}
