//! What `/api/users` answers.

use crm_identity::{StaffRole, StaffUser, UserStatus};
use crm_kernel::{CompanyId, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::pagination::{ListBody, ListKey};

/// A staff user as the API shows it. Password hashes are never shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    /// Its id.
    pub user_id: UserId,
    /// Full name.
    pub name: String,
    /// Sign-in email.
    pub email: String,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// `admin` or `agent`.
    pub role: StaffRole,
    /// `active` or `disabled`.
    pub status: UserStatus,
    /// Notes.
    pub notes: Option<String>,
    /// Assigned companies.
    pub company_ids: Vec<CompanyId>,
    /// When created.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl From<StaffUser> for UserBody {
    fn from(user: StaffUser) -> Self {
        Self {
            user_id: user.id,
            name: user.name.to_string(),
            email: user.email.to_string(),
            phone: user.phone.map(|p| p.to_string()),
            role: user.role,
            status: user.status,
            notes: user.notes.map(|n| n.to_string()),
            company_ids: user.company_ids,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

impl ListKey for UserBody {
    const KEY: &'static str = "users";
    const SCHEMA: &'static str = "UserList";
    const DESCRIPTION: &'static str = "One page of staff users.";
    const ITEMS: &'static str = "The users.";
}

/// One page of staff users.
pub type UserList = ListBody<UserBody>;
