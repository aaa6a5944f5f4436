//! Who may see and change which customers and companies.

use crm_kernel::{Action, CompanyId, Policy, Principal, Role};
pub use crm_kernel::{AgentScope, Visibility};

use crate::customer::Customer;

/// The resources of the customers context.
#[derive(Debug, Clone, Copy)]
pub enum CustomerResource<'a> {
    /// The customer list (read) and customer creation.
    Customers,
    /// One customer.
    Customer(&'a Customer),
    /// Bulk import of customers.
    Import,
    /// The company list (read) and company creation.
    Companies,
    /// One company.
    Company(CompanyId),
}

/// The customers context's rules:
///
/// - admins may do everything;
/// - agents read, create and change the customers they can see ([`AgentScope`]),
///   read the companies they can see, and may not erase customers, import, or
///   change companies;
/// - customers read and change their own record only (the service limits
///   which fields).
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerPolicy {
    /// What agents see.
    pub agent_scope: AgentScope,
}

impl CustomerPolicy {
    /// The customers `principal` may see.
    #[must_use]
    pub fn visibility(&self, principal: &Principal) -> Visibility {
        Visibility::of(principal, self.agent_scope)
    }

    /// Whether `principal` may see `customer` at all.
    #[must_use]
    pub fn can_see(&self, principal: &Principal, customer: &Customer) -> bool {
        self.visibility(principal)
            .includes(customer.id, customer.company_id, customer.owner_id)
    }
}

impl Policy<CustomerResource<'_>> for CustomerPolicy {
    fn can(&self, principal: &Principal, action: Action, resource: &CustomerResource<'_>) -> bool {
        if principal.is_admin() {
            return true;
        }
        let agent = principal.role == Role::Agent;
        match resource {
            CustomerResource::Customers => agent && matches!(action, Action::Read | Action::Create),
            CustomerResource::Customer(customer) => {
                let visible = self.can_see(principal, customer);
                match action {
                    Action::Read | Action::Update => visible,
                    Action::Create => agent && visible,
                    Action::Delete => false,
                }
            }
            CustomerResource::Import => false,
            CustomerResource::Companies => agent && action == Action::Read,
            CustomerResource::Company(id) => {
                agent && action == Action::Read && self.visibility(principal).includes_company(*id)
            }
        }
    }
}
