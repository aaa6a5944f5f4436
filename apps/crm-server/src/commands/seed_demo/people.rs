//! The demo's people: the demo admin and agents, and the ASCII email names
//! of customers.

use std::collections::HashMap;

use crm_identity::{IdentityService, NewStaffUser, Password, StaffRole, UserStatus};
use crm_kernel::{CompanyId, EmailAddress, PersonName, Principal, PrincipalId, Role, UserId};

use super::{DEMO_PASSWORD, failed};
use crate::error::CommandError;

/// Demo customers per demo agent (at least two agents). Each agent
/// organises the interactions of its companies' customers, so an agent's
/// calendar holds about as many meetings a week in a demo of 100,000
/// customers as in one of 5,000, and scheduling one (whose overlap check
/// reads the organiser's week) costs the same from the first customer to
/// the last. With every meeting on the admin's calendar, the last tenth of
/// 100,000 customers seeded 2.4 times slower than the first.
const CUSTOMERS_PER_AGENT: u32 = 2_500;

/// The demo agents and the companies each is assigned to.
#[derive(Debug, Default)]
pub(super) struct DemoAgents {
    /// The agents, in the order of their numbers.
    ids: Vec<UserId>,
    /// The agent each company is assigned to.
    by_company: HashMap<CompanyId, UserId>,
}

impl DemoAgents {
    /// Creates one agent per [`CUSTOMERS_PER_AGENT`] of `customers` (at
    /// least two), `agent1@demo.example.com` on, and shares `companies`
    /// out among them in slices.
    pub(super) async fn create(
        identity: &IdentityService,
        actor: &Principal,
        companies: &[CompanyId],
        customers: u32,
    ) -> Result<Self, CommandError> {
        let count =
            usize::try_from((customers / CUSTOMERS_PER_AGENT).max(2)).map_err(|e| failed(&e))?;
        let mut agents = Self::default();
        for n in 0..count {
            let assigned =
                &companies[companies.len() * n / count..companies.len() * (n + 1) / count];
            let agent = staff(
                &format!("Demo Agent {}", n + 1),
                &format!("agent{}@demo.example.com", n + 1),
                StaffRole::Agent,
                assigned.to_vec(),
            )?;
            let agent = identity
                .create_user(actor, agent)
                .await
                .map_err(|e| failed(&e))?;
            agents.ids.push(agent.id);
            for company in assigned {
                agents.by_company.insert(*company, agent.id);
            }
        }
        Ok(agents)
    }

    /// How many agents there are.
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Who organises the interactions of the `n`th customer, of `company`:
    /// the company's agent; the agents in turn for customers without one.
    pub(super) fn organizer(&self, company: Option<CompanyId>, n: u32) -> Option<UserId> {
        company
            .and_then(|company| self.by_company.get(&company).copied())
            .or_else(|| {
                let turn = usize::try_from(n).ok()? % self.ids.len().max(1);
                self.ids.get(turn).copied()
            })
    }
}

/// Creates the demo admin, the actor of every demo change.
pub(super) async fn demo_admin(identity: &IdentityService) -> Result<Principal, CommandError> {
    let admin = identity
        .create_admin(staff(
            "Demo Admin",
            "admin@demo.example.com",
            StaffRole::Admin,
            Vec::new(),
        )?)
        .await
        .map_err(|e| match e {
            // Not a configuration error (exit 2): the database is not empty (exit 1).
            crm_identity::IdentityError::DuplicateEmail => CommandError::Failed(
                "the database already holds demo data; seed-demo fills an empty one".into(),
            ),
            other => failed(&other),
        })?;
    Ok(Principal {
        id: PrincipalId::User(admin.id),
        role: Role::Admin,
        company_ids: Vec::new(),
    })
}

/// A new active staff user with the demo password.
fn staff(
    name: &str,
    email: &str,
    role: StaffRole,
    company_ids: Vec<CompanyId>,
) -> Result<NewStaffUser, CommandError> {
    Ok(NewStaffUser {
        name: PersonName::parse(name).map_err(|e| failed(&e))?,
        email: EmailAddress::parse(email).map_err(|e| failed(&e))?,
        phone: None,
        role,
        status: UserStatus::Active,
        notes: None,
        company_ids,
        password: Password::new_secret(DEMO_PASSWORD).map_err(|e| failed(&e))?,
    })
}

/// Lower-case ASCII letters of a name, for demo email addresses.
pub(super) fn ascii(name: &str) -> String {
    let text: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_lowercase();
    if text.is_empty() {
        "x".to_owned()
    } else {
        text
    }
}
