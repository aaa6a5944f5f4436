//! What `/api/users` accepts, and its parsing into the identity context's input.

use crm_identity::{
    NewStaffUser, Password, StaffRole, StaffUserPatch, UserQuery, UserSort, UserStatus,
};
use crm_kernel::{CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, ValidationErrors};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::fields::optional;
use crate::http::pagination::{scope, search_text};
use crate::http::patch::{clearable, nullable, required};

/// A new staff user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Full name.
    #[schema(min_length = 1, max_length = 200, example = "Grace Hopper")]
    pub name: String,
    /// Sign-in email, unique among staff and customers.
    #[schema(format = Email, max_length = 254, example = "grace@example.com")]
    pub email: String,
    /// Phone with country code.
    pub phone: Option<String>,
    /// `admin` or `agent`.
    pub role: StaffRole,
    /// Defaults to `active`.
    pub status: Option<UserStatus>,
    /// Notes.
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// Assigned companies.
    #[serde(default)]
    pub company_ids: Vec<CompanyId>,
    /// Initial password (write-only), at least 12 characters.
    #[schema(format = Password, min_length = 12, max_length = 128)]
    pub password: String,
}

impl TryFrom<CreateUserRequest> for NewStaffUser {
    type Error = ValidationErrors;

    fn try_from(request: CreateUserRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", PersonName::parse(&request.name));
        let email = errors.check("email", EmailAddress::parse(&request.email));
        let phone = optional(
            &mut errors,
            "phone",
            request.phone.as_deref(),
            PhoneNumber::parse,
        );
        let notes = optional(
            &mut errors,
            "notes",
            request.notes.as_deref(),
            LongText::parse,
        );
        let password = errors.check("password", Password::new_secret(&request.password));
        match (name, email, phone, notes, password) {
            (Some(name), Some(email), Some(phone), Some(notes), Some(password))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    email,
                    phone,
                    role: request.role,
                    status: request.status.unwrap_or_default(),
                    notes,
                    company_ids: request.company_ids,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A partial update (JSON merge patch): absent fields stay, `null` clears
/// `phone` and `notes`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value differ"
)]
pub struct UpdateUserRequest {
    /// New name.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    /// New email.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// New phone, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// New role.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = StaffRole)]
    pub role: Option<Option<StaffRole>>,
    /// New status; disabling ends the user's sessions.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = UserStatus)]
    pub status: Option<Option<UserStatus>>,
    /// New notes, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub notes: Option<Option<String>>,
    /// New set of assigned companies.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<CompanyId>)]
    pub company_ids: Option<Option<Vec<CompanyId>>>,
    /// New password (write-only); ends the user's sessions.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    pub password: Option<Option<String>>,
}

impl TryFrom<UpdateUserRequest> for StaffUserPatch {
    type Error = ValidationErrors;

    fn try_from(request: UpdateUserRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", request.name)
            .and_then(|v| errors.check("name", PersonName::parse(&v)));
        let email = required(&mut errors, "email", request.email)
            .and_then(|v| errors.check("email", EmailAddress::parse(&v)));
        let phone = clearable(&mut errors, "phone", request.phone, |v: String| {
            PhoneNumber::parse(&v)
        });
        let role = required(&mut errors, "role", request.role);
        let status = required(&mut errors, "status", request.status);
        let notes = clearable(&mut errors, "notes", request.notes, |v: String| {
            LongText::parse(&v)
        });
        let company_ids = required(&mut errors, "company_ids", request.company_ids);
        let password = required(&mut errors, "password", request.password)
            .and_then(|v| errors.check("password", Password::new_secret(&v)));
        errors.into_result()?;
        Ok(Self {
            name,
            email,
            phone,
            role,
            status,
            notes,
            company_ids,
            password,
        })
    }
}

/// Filters and sort of the staff user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Free text matched against name, email and phone.
    pub q: Option<String>,
    /// Only this role.
    #[param(value_type = Option<StaffRole>)]
    pub role: Option<String>,
    /// Only this status.
    #[param(value_type = Option<UserStatus>)]
    pub status: Option<String>,
    /// `name`, `email`, `created_at` (default) or `updated_at`; prefix `-` for descending.
    #[param(value_type = Option<String>, pattern = "^-?(name|email|created_at|updated_at)$")]
    pub sort: Option<String>,
}

impl ListUsersParams {
    /// The query these parameters describe, recording invalid ones.
    pub fn query(&self, errors: &mut ValidationErrors) -> UserQuery {
        let role = self.role.as_deref().and_then(|r| {
            errors.check(
                "role",
                StaffRole::parse(r).ok_or("must be `admin` or `agent`"),
            )
        });
        let status = self.status.as_deref().and_then(|s| {
            errors.check(
                "status",
                UserStatus::parse(s).ok_or("must be `active` or `disabled`"),
            )
        });
        let sort = match self.sort.as_deref() {
            None => UserSort::default(),
            Some(text) => errors
                .check(
                    "sort",
                    UserSort::parse(text).ok_or(
                        "must be name, email, created_at or updated_at, optionally prefixed with -",
                    ),
                )
                .unwrap_or_default(),
        };
        let text = search_text(errors, self.q.as_ref());
        UserQuery {
            text,
            role,
            status,
            sort,
        }
    }
}

/// The scope cursors of the user list are bound to.
pub fn list_scope(query: &UserQuery) -> String {
    scope(
        "users",
        &(
            query.sort.to_string(),
            &query.text,
            query.role.map(|r| r.as_str()),
            query.status.map(|s| s.as_str()),
        ),
    )
}
