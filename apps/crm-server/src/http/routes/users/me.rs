//! `/api/me`: the caller's own profile.

use actix_web::{HttpResponse, get, web};
use crm_identity::{CustomerProfile, Profile};
use crm_kernel::{CustomerId, Role, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use super::body::UserBody;
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::state::AppState;

/// A customer's own account.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerAccountBody {
    /// Its id.
    pub customer_id: CustomerId,
    /// Always `customer`.
    pub role: Role,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone in E.164.
    pub phone: Option<String>,
    /// When the account was created.
    pub created_at: Timestamp,
}

impl From<CustomerProfile> for CustomerAccountBody {
    fn from(profile: CustomerProfile) -> Self {
        Self {
            customer_id: profile.id,
            role: Role::Customer,
            first_name: profile.first_name.to_string(),
            last_name: profile.last_name.to_string(),
            email: profile.email.to_string(),
            phone: profile.phone.map(|p| p.to_string()),
            created_at: profile.created_at,
        }
    }
}

/// The caller's profile, tagged by `kind`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeBody {
    /// A staff user.
    User(UserBody),
    /// A customer.
    Customer(CustomerAccountBody),
}

/// The caller's own profile.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The caller's profile", body = MeBody))
)]
#[get("/api/me")]
pub async fn me(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = match state.identity.me(&caller.0).await? {
        Profile::Staff(user) => MeBody::User(user.into()),
        Profile::Customer(profile) => MeBody::Customer(profile.into()),
    };
    Ok(HttpResponse::Ok().json(body))
}
