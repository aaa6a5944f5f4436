//! `/api/users`: administration of staff users (admins only); and `/api/me`,
//! the caller's own account (a staff user's is a [`body::UserBody`]).

pub mod body;
pub mod me;
pub mod request;

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_identity::{NewStaffUser, StaffUserPatch};
use crm_kernel::{UserId, ValidationErrors};

use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::json::ApiJson;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;
use body::{UserBody, UserList};
use request::{CreateUserRequest, ListUsersParams, UpdateUserRequest, list_scope};

/// Registers `/api/users` and `/api/me`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me::me)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(update_user)
        .service(delete_user);
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
    let new = NewStaffUser::try_from(body.0)?;
    let user = state.identity.create_user(&caller.0, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/users/{}", user.id)))
        .json(UserBody::from(user)))
}

/// List staff users.
#[utoipa::path(
    tag = "users",
    params(PageParams, ListUsersParams),
    responses((status = 200, description = "One page of users", body = UserList))
)]
#[get("/api/users")]
pub async fn list_users(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<ListUsersParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    let scope = list_scope(&query);
    let users: UserList = paginate(&state, &page, &scope, errors, |state, page| async move {
        state.identity.list_users(&caller.0, &query, &page).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(users))
}

/// Get one staff user.
#[utoipa::path(
    tag = "users",
    responses((status = 200, description = "The user", body = UserBody))
)]
#[get("/api/users/{user_id}")]
pub async fn get_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let user = state.identity.get_user(&caller.0, *id).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(user)))
}

/// Change a staff user (JSON merge patch).
///
/// Disabling a user or changing its password ends its sessions at once.
/// The last active admin cannot be disabled or demoted (409).
#[utoipa::path(
    tag = "users",
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
    id: web::Path<UserId>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = StaffUserPatch::try_from(body.0)?;
    let user = state.identity.update_user(&caller.0, *id, changes).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(user)))
}

/// Delete a staff user.
///
/// Its credential and sessions go with it. The last active admin cannot be deleted (409).
#[utoipa::path(
    tag = "users",
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The last active admin", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/users/{user_id}")]
pub async fn delete_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    state.identity.delete_user(&caller.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
