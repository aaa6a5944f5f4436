//! `/api/users`: administration of staff users (admins only).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_identity::{
    NewStaffUser, Password, StaffRole, StaffUser, StaffUserPatch, UserQuery, UserSort, UserStatus,
};
use crm_kernel::{
    CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, Timestamp, UserId, ValidationErrors,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::fields::optional;
use crate::http::json::ApiJson;
use crate::http::pagination;
use crate::http::patch::{clearable, nullable, required};
use crate::state::AppState;

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

impl CreateUserRequest {
    fn parse(self) -> Result<NewStaffUser, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", PersonName::parse(&self.name));
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let phone = optional(
            &mut errors,
            "phone",
            self.phone.as_deref(),
            PhoneNumber::parse,
        );
        let notes = optional(&mut errors, "notes", self.notes.as_deref(), LongText::parse);
        let password = errors.check("password", Password::new_secret(&self.password));
        match (name, email, phone, notes, password) {
            (Some(name), Some(email), Some(phone), Some(notes), Some(password))
                if errors.is_empty() =>
            {
                Ok(NewStaffUser {
                    name,
                    email,
                    phone,
                    role: self.role,
                    status: self.status.unwrap_or(UserStatus::Active),
                    notes,
                    company_ids: self.company_ids,
                    password,
                })
            }
            _ => Err(ApiError::validation(&errors)),
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

impl UpdateUserRequest {
    fn parse(self) -> Result<StaffUserPatch, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = required(&mut errors, "name", self.name)
            .and_then(|v| errors.check("name", PersonName::parse(&v)));
        let email = required(&mut errors, "email", self.email)
            .and_then(|v| errors.check("email", EmailAddress::parse(&v)));
        let phone = clearable(&mut errors, "phone", self.phone, |v: String| {
            PhoneNumber::parse(&v)
        });
        let role = required(&mut errors, "role", self.role);
        let status = required(&mut errors, "status", self.status);
        let notes = clearable(&mut errors, "notes", self.notes, |v: String| {
            LongText::parse(&v)
        });
        let company_ids = required(&mut errors, "company_ids", self.company_ids);
        let password = required(&mut errors, "password", self.password)
            .and_then(|v| errors.check("password", Password::new_secret(&v)));
        errors.into_result().map_err(|e| ApiError::validation(&e))?;
        Ok(StaffUserPatch {
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

/// Filters, sort and page of the staff user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
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

/// One page of staff users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// The users.
    pub users: Vec<UserBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The `{user_id}` path segment.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The user's id.
    #[param(value_type = String, format = Uuid)]
    pub user_id: String,
}

impl UserPath {
    fn id(&self) -> Result<UserId, ApiError> {
        UserId::parse(&self.user_id)
            .map_err(|_| ApiError::invalid_field("user_id", "is not a valid id"))
    }
}

/// Create a staff user.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserBody,
         headers(("location" = String, description = "/api/users/{user_id}"))),
        (status = 409, description = "The email is already in use", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/users")]
pub async fn create_user(
    caller: Caller,
    state: web::Data<AppState>,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.parse()?;
    let user = state.identity.create_user(&caller.0, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/users/{}", user.id)))
        .json(UserBody::from(user)))
}

/// List staff users.
#[utoipa::path(
    tag = "users",
    params(ListUsersParams),
    responses((status = 200, description = "One page of users", body = UserList))
)]
#[get("/api/users")]
pub async fn list_users(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<ListUsersParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let mut errors = ValidationErrors::new();
    let role = params.role.as_deref().and_then(|r| {
        errors.check(
            "role",
            StaffRole::parse(r).ok_or("must be `admin` or `agent`"),
        )
    });
    let status = params.status.as_deref().and_then(|s| {
        errors.check(
            "status",
            UserStatus::parse(s).ok_or("must be `active` or `disabled`"),
        )
    });
    let sort = match params.sort.as_deref() {
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
    let text = pagination::search_text(&mut errors, params.q.as_ref());
    let scope = pagination::scope(
        "users",
        &(
            sort.to_string(),
            &text,
            role.map(|r| r.as_str()),
            status.map(|s| s.as_str()),
        ),
    );
    let page = pagination::page_request(
        &mut errors,
        &state.cursors,
        &scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    );
    errors.into_result().map_err(|e| ApiError::validation(&e))?;

    let query = UserQuery {
        text,
        role,
        status,
        sort,
    };
    let users = state.identity.list_users(&caller.0, &query, &page).await?;
    let next_cursor = pagination::next_cursor(&state.cursors, &scope, &users);
    Ok(HttpResponse::Ok().json(UserList {
        users: users.items.into_iter().map(UserBody::from).collect(),
        next_cursor,
    }))
}

/// Get one staff user.
#[utoipa::path(
    tag = "users",
    params(UserPath),
    responses((status = 200, description = "The user", body = UserBody))
)]
#[get("/api/users/{user_id}")]
pub async fn get_user(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    let user = state.identity.get_user(&caller.0, path.id()?).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(user)))
}

/// Change a staff user (JSON merge patch).
///
/// Disabling a user or changing its password ends its sessions at once.
/// The last active admin cannot be disabled or demoted (409).
#[utoipa::path(
    tag = "users",
    params(UserPath),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed user", body = UserBody),
        (status = 409, description = "Email in use, or the last active admin", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/users/{user_id}")]
pub async fn update_user(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<UserPath>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let changes = body.0.parse()?;
    let user = state.identity.update_user(&caller.0, id, changes).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(user)))
}

/// Delete a staff user.
///
/// Its credential and sessions go with it. The last active admin cannot be deleted (409).
#[utoipa::path(
    tag = "users",
    params(UserPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The last active admin", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/users/{user_id}")]
pub async fn delete_user(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    state.identity.delete_user(&caller.0, path.id()?).await?;
    Ok(HttpResponse::NoContent().finish())
}
