//! Who may see reports, and over which customers.

use crm_kernel::{AgentScope, CompanyId, CustomerId, Principal, UserId, Visibility};

use crate::error::AnalyticsError;
use crate::query::ReportQuery;

/// The customers a report counts: those the caller may see, narrowed by the
/// query's `owner_id` and `company_id`. Every figure of a report is about
/// records (interactions, tickets, status changes, emails) of these customers,
/// judged by the customer's *current* owner and company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportScope {
    /// What the caller may see (never [`Visibility::Own`] or [`Visibility::Nothing`]).
    pub visibility: Visibility,
    /// Only customers owned by this staff user.
    pub owner_id: Option<UserId>,
    /// Only customers of this company.
    pub company_id: Option<CompanyId>,
}

impl ReportScope {
    /// Everything, unfiltered (an admin's report without filters).
    #[must_use]
    pub fn all() -> Self {
        Self {
            visibility: Visibility::All,
            owner_id: None,
            company_id: None,
        }
    }

    /// Whether a customer with this id, company and owner is counted.
    #[must_use]
    pub fn includes(&self, customer: &CustomerRef) -> bool {
        self.visibility
            .includes(customer.id, customer.company_id, customer.owner_id)
            && self.owner_id.is_none_or(|o| customer.owner_id == Some(o))
            && self
                .company_id
                .is_none_or(|c| customer.company_id == Some(c))
    }
}

impl ReportScope {
    /// Whether records linked to no customer (an email to an address that
    /// matches none) count: only in an unfiltered report over everything.
    #[must_use]
    pub fn includes_unlinked(&self) -> bool {
        self.visibility == Visibility::All && self.owner_id.is_none() && self.company_id.is_none()
    }
}

/// A customer as reports see it: enough to decide whether it is in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerRef {
    /// The customer.
    pub id: CustomerId,
    /// Its current company.
    pub company_id: Option<CompanyId>,
    /// Its current responsible agent.
    pub owner_id: Option<UserId>,
}

/// The analytics context's rules: admins see reports over every customer,
/// agents over the customers they may see ([`AgentScope`], as for customer
/// lists), customers see no reports at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportPolicy {
    /// What agents see.
    pub agent_scope: AgentScope,
}

impl ReportPolicy {
    /// The scope of `query` for `caller`, or [`AnalyticsError::Forbidden`]
    /// for anyone but staff.
    pub fn scope(
        &self,
        caller: &Principal,
        query: &ReportQuery,
    ) -> Result<ReportScope, AnalyticsError> {
        if !caller.is_staff() {
            return Err(AnalyticsError::Forbidden);
        }
        let visibility = Visibility::of(caller, self.agent_scope);
        if matches!(visibility, Visibility::Own(_) | Visibility::Nothing) {
            return Err(AnalyticsError::Forbidden);
        }
        Ok(ReportScope {
            visibility,
            owner_id: query.owner_id(),
            company_id: query.company_id(),
        })
    }
}
