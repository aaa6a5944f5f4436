//! Who may do what with email.

use crm_kernel::{AgentScope, Principal, Visibility};

use crate::error::EmailError;
use crate::message::Email;
use crate::ports::CustomerContact;
use crate::query::EmailScope;
use crate::template::EmailTemplate;

/// The email context's rules:
///
/// - only staff send, and only to customers they can see (a customer
///   matched by address is linked whoever can see it; the sender always
///   sees its own messages);
/// - staff see a message they sent, and one with a recipient whose customer
///   they can see ([`Visibility`]: admins all, agents their companies' and
///   own customers, or all with `CRM_AGENTS_SEE_ALL`);
/// - customers never see messages: every read is "not found";
/// - staff read and write templates; only admins and its author change or
///   delete one;
/// - only admins see and lift the suppression list.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmailPolicy {
    /// Which customers agents see.
    pub agent_scope: AgentScope,
}

impl EmailPolicy {
    /// The customers whose messages `principal` may see.
    #[must_use]
    pub fn visibility(&self, principal: &Principal) -> Visibility {
        Visibility::of(principal, self.agent_scope)
    }

    /// Whether `principal` may see `customer`.
    #[must_use]
    pub fn can_see_customer(&self, principal: &Principal, customer: &CustomerContact) -> bool {
        self.visibility(principal)
            .includes(customer.id, customer.company_id, customer.owner_id)
    }

    /// Staff only (customers are refused).
    pub fn check_staff(&self, principal: &Principal) -> Result<(), EmailError> {
        if principal.is_staff() {
            Ok(())
        } else {
            Err(EmailError::Forbidden)
        }
    }

    /// Admins only.
    pub fn check_admin(&self, principal: &Principal) -> Result<(), EmailError> {
        if principal.is_admin() {
            Ok(())
        } else {
            Err(EmailError::Forbidden)
        }
    }

    /// The messages `principal` may list; customers see none (not found).
    pub fn scope(&self, principal: &Principal) -> Result<EmailScope, EmailError> {
        if !principal.is_staff() {
            return Err(EmailError::EmailNotFound);
        }
        Ok(EmailScope {
            visibility: self.visibility(principal),
            sender: principal.user_id(),
        })
    }

    /// Whether `principal` may see `email`, whose recipients' customers are
    /// `customers`.
    #[must_use]
    pub fn can_see_email(
        &self,
        principal: &Principal,
        email: &Email,
        customers: &[CustomerContact],
    ) -> bool {
        if !principal.is_staff() {
            return false;
        }
        principal.is_admin()
            || principal.user_id() == Some(email.sender_id)
            || customers
                .iter()
                .any(|c| self.can_see_customer(principal, c))
    }

    /// Admins and its author may change or delete a template.
    pub fn check_template_change(
        &self,
        principal: &Principal,
        template: &EmailTemplate,
    ) -> Result<(), EmailError> {
        self.check_staff(principal)?;
        if principal.is_admin() || principal.user_id() == Some(template.created_by) {
            Ok(())
        } else {
            Err(EmailError::Forbidden)
        }
    }
}
