//! Which customers a principal may see: a rule every context that holds
//! customer data (customers, tickets, interactions, email) applies alike.

use crate::id::{CompanyId, CustomerId, UserId};
use crate::principal::{Principal, Role};

/// Which customers agents see (the `CRM_AGENTS_SEE_ALL` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentScope {
    /// Agents see the customers of their assigned companies and the
    /// customers they own (the default).
    #[default]
    Assigned,
    /// Agents see every customer and company.
    All,
}

/// The part of the customer base a principal may see, as a store filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Everything.
    All,
    /// Customers of these companies, and customers this agent owns.
    Agent {
        /// Assigned companies.
        company_ids: Vec<CompanyId>,
        /// The agent.
        owner_id: UserId,
    },
    /// Only this customer.
    Own(CustomerId),
    /// Nothing.
    Nothing,
}

impl Visibility {
    /// Whether a customer at `company_id`, owned by `owner_id`, with this id, is visible.
    #[must_use]
    pub fn includes(
        &self,
        id: CustomerId,
        company_id: Option<CompanyId>,
        owner_id: Option<UserId>,
    ) -> bool {
        match self {
            Self::All => true,
            Self::Agent {
                company_ids,
                owner_id: agent,
            } => owner_id == Some(*agent) || company_id.is_some_and(|c| company_ids.contains(&c)),
            Self::Own(own) => *own == id,
            Self::Nothing => false,
        }
    }

    /// Whether the company is visible (its record, and listing its customers).
    #[must_use]
    pub fn includes_company(&self, company: CompanyId) -> bool {
        match self {
            Self::All => true,
            Self::Agent { company_ids, .. } => company_ids.contains(&company),
            Self::Own(_) | Self::Nothing => false,
        }
    }

    /// The customers `principal` may see under `agent_scope`: admins all,
    /// agents their assigned companies' and their own customers (or all),
    /// customers themselves.
    #[must_use]
    pub fn of(principal: &Principal, agent_scope: AgentScope) -> Self {
        match (principal.role, principal.user_id(), principal.customer_id()) {
            (Role::Admin, _, _) => Self::All,
            (Role::Agent, _, _) if agent_scope == AgentScope::All => Self::All,
            (Role::Agent, Some(owner_id), _) => Self::Agent {
                company_ids: principal.company_ids.clone(),
                owner_id,
            },
            (Role::Customer, _, Some(id)) => Self::Own(id),
            _ => Self::Nothing,
        }
    }
}
