//! What `/api/customers` answers.

use crm_customers::{Customer, LifecycleStatus, StatusChange};
use crm_kernel::{CompanyId, CustomerId, PrincipalKind, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

/// A customer as the API shows it (customers never see `notes`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerBody {
    /// Its id.
    pub customer_id: CustomerId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// The company's current name.
    pub company: Option<String>,
    /// The company.
    pub company_id: Option<CompanyId>,
    /// Lifecycle status.
    pub status: LifecycleStatus,
    /// Staff notes (`null` for customers viewing themselves).
    pub notes: Option<String>,
    /// The responsible agent.
    pub owner_id: Option<UserId>,
    /// Labels.
    pub tags: Vec<String>,
    /// Origin.
    pub source: Option<String>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// When last in touch.
    pub last_interaction: Option<Timestamp>,
    /// Revision (also the `ETag`).
    pub version: u64,
}

impl From<Customer> for CustomerBody {
    fn from(customer: Customer) -> Self {
        Self {
            customer_id: customer.id,
            first_name: customer.first_name.to_string(),
            last_name: customer.last_name.to_string(),
            email: customer.email.map(|e| e.to_string()),
            phone: customer.phone.map(|p| p.to_string()),
            company: customer.company,
            company_id: customer.company_id,
            status: customer.status,
            notes: customer.notes.map(|n| n.to_string()),
            owner_id: customer.owner_id,
            tags: customer.tags.to_strings(),
            source: customer.source.map(|s| s.to_string()),
            created_at: customer.created_at,
            updated_at: customer.updated_at,
            last_interaction: customer.last_interaction,
            version: customer.version.get(),
        }
    }
}

impl ListKey for CustomerBody {
    const KEY: &'static str = "customers";
    const SCHEMA: &'static str = "CustomerList";
    const DESCRIPTION: &'static str = "One page of customers.";
    const ITEMS: &'static str = "The customers.";
}

/// One page of customers.
pub type CustomerList = ListBody<CustomerBody>;

/// One recorded status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeBody {
    /// The status before; `null` when the customer was created.
    pub from: Option<LifecycleStatus>,
    /// The status after.
    pub to: LifecycleStatus,
    /// When.
    pub at: Timestamp,
    /// Who: a staff user's or the customer's id.
    #[schema(format = Uuid)]
    pub actor_id: String,
    /// `user` or `customer`.
    pub actor_kind: PrincipalKind,
}

impl From<StatusChange> for StatusChangeBody {
    fn from(change: StatusChange) -> Self {
        Self {
            from: change.from,
            to: change.to,
            at: change.at,
            actor_id: change.actor.to_string(),
            actor_kind: change.actor.kind(),
        }
    }
}

/// A customer's status history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusHistoryBody {
    /// Whose.
    pub customer_id: CustomerId,
    /// Every change, oldest first.
    pub changes: Vec<StatusChangeBody>,
}
