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
    /// Always `customer`: tells the variants of `MeBody` apart.
    pub kind: CustomerKind,
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
            kind: CustomerKind::Customer,
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

/// A staff user's own account: the user, as `/api/users` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAccountBody {
    /// Always `user`: tells the variants of `MeBody` apart.
    pub kind: StaffKind,
    /// The user.
    #[serde(flatten)]
    pub user: UserBody,
}

/// The `kind` of a staff account.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffKind {
    /// A staff user.
    User,
}

/// The `kind` of a customer account.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A customer.
    Customer,
}

/// The caller's profile: one of two accounts, told apart by `kind`.
///
/// Written as `oneOf` two named schemas with a `kind` discriminator, so that
/// client generators can read it; each variant carries its own `kind`, so
/// the JSON is `{"kind": "user", …}` or `{"kind": "customer", …}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "kind", mapping(
    ("user" = "#/components/schemas/StaffAccountBody"),
    ("customer" = "#/components/schemas/CustomerAccountBody"),
)))]
pub enum MeBody {
    /// A staff user.
    User(StaffAccountBody),
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
        Profile::Staff(user) => MeBody::User(StaffAccountBody {
            kind: StaffKind::User,
            user: user.into(),
        }),
        Profile::Customer(profile) => MeBody::Customer(profile.into()),
    };
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_names_its_kind_first() {
        let customer = MeBody::Customer(CustomerAccountBody {
            kind: CustomerKind::Customer,
            customer_id: CustomerId::new(),
            role: Role::Customer,
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            phone: None,
            created_at: Timestamp::from_millis(0).unwrap(),
        });
        let json = serde_json::to_string(&customer).unwrap();
        assert!(
            json.starts_with(r#"{"kind":"customer","customer_id":""#),
            "{json}"
        );
    }
}
