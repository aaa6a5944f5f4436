//! Every error that reaches the HTTP layer, mapped to its problem: each
//! context's error enum, invalid input, and the `If-Match` header.

use actix_web::http::StatusCode;
use crm_analytics::AnalyticsError;
use crm_customers::CustomerError;
use crm_email::EmailError;
use crm_identity::IdentityError;
use crm_interactions::InteractionError;
use crm_kernel::ValidationErrors;
use crm_tickets::TicketError;

use super::ApiError;
use crate::http::etag::{IfMatchError, etag};

impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        match error {
            IdentityError::Validation(errors) => Self::validation(&errors),
            IdentityError::InvalidCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Invalid credentials",
                "Invalid email or password.",
            ),
            IdentityError::Unauthenticated(why) => Self::unauthenticated(capitalise(why)),
            IdentityError::RefreshTokenReused => {
                let mut error = Self::new(
                    StatusCode::UNAUTHORIZED,
                    "refresh-token-reused",
                    "Refresh token reused",
                    "This refresh token was already used; every session of this sign-in has been revoked. Sign in again.",
                );
                error.bearer_challenge = true;
                error
            }
            IdentityError::AccountDisabled => Self::new(
                StatusCode::FORBIDDEN,
                "account-disabled",
                "Account disabled",
                "This account is disabled.",
            ),
            IdentityError::Forbidden => Self::forbidden("You are not allowed to do this."),
            IdentityError::NotFound => Self::not_found("No such user."),
            IdentityError::DuplicateEmail => Self::duplicate_email(None),
            IdentityError::LastActiveAdmin => Self::conflict(
                "last-active-admin",
                "Last active admin",
                "The last active admin cannot be disabled, demoted or deleted.",
            ),
            IdentityError::Throttled { retry_after } => Self::throttled(
                format!(
                    "Too many failed sign-in attempts; retry in {} s.",
                    retry_after.as_secs().max(1)
                ),
                retry_after,
            ),
            IdentityError::SignupsThrottled { retry_after } => Self::throttled(
                format!(
                    "Too many sign-ups from this address; retry in {} s.",
                    retry_after.as_secs().max(1)
                ),
                retry_after,
            ),
            IdentityError::Busy { retry_after } => Self::busy(retry_after),
            IdentityError::Backend(error) => Self::internal(&error),
        }
    }
}

impl From<CustomerError> for ApiError {
    fn from(error: CustomerError) -> Self {
        match error {
            CustomerError::Validation(errors) => Self::validation(&errors),
            CustomerError::Forbidden => Self::forbidden("You are not allowed to do this."),
            CustomerError::FieldsNotEditable(fields) => Self::staff_only(&fields),
            CustomerError::CustomerNotFound => Self::not_found("No such customer."),
            CustomerError::CompanyNotFound => Self::not_found("No such company."),
            CustomerError::DuplicateEmail { existing } => {
                Self::duplicate_email(existing.map(|id| id.to_string()))
            }
            CustomerError::InvalidTransition { from, to } => {
                Self::invalid_transition("customer", from, to)
            }
            CustomerError::CompanyHasCustomers => Self::conflict(
                "company-has-customers",
                "Company has customers",
                "The company still has customers; delete with ?detach=true to unlink them.",
            ),
            CustomerError::Conflict => Self::conflict(
                "conflict",
                "Concurrent change",
                "The record kept changing while this change was attempted; fetch it and retry.",
            ),
            CustomerError::PreconditionFailed { current } => {
                Self::precondition_failed(etag(current))
            }
            CustomerError::Backend(error) => Self::internal(&error),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::validation(&errors)
    }
}

impl From<IfMatchError> for ApiError {
    fn from(error: IfMatchError) -> Self {
        match error {
            IfMatchError::Malformed => Self::invalid_field("If-Match", error),
            IfMatchError::Weak => Self::precondition_failed(String::new()),
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(error: TicketError) -> Self {
        match error {
            TicketError::Validation(errors) => Self::validation(&errors),
            TicketError::Forbidden => Self::forbidden("You are not allowed to do this."),
            TicketError::FieldsNotEditable(fields) => Self::staff_only(&fields),
            error @ TicketError::ReopenWindowClosed { .. } => Self::new(
                StatusCode::FORBIDDEN,
                "reopen-window-closed",
                "Reopen window closed",
                capitalise(&error.to_string()),
            ),
            TicketError::TicketNotFound => Self::not_found("No such ticket."),
            TicketError::CustomerNotFound => Self::not_found("No such customer."),
            TicketError::InvalidTransition { from, to } => {
                Self::invalid_transition("ticket", from, to)
            }
            TicketError::IdempotencyKeyReused => Self::conflict(
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different request.",
            ),
            TicketError::Conflict => Self::conflict(
                "conflict",
                "Concurrent change",
                "The ticket changed meanwhile; fetch it and retry.",
            ),
            TicketError::PreconditionFailed { current } => Self::precondition_failed(etag(current)),
            TicketError::Backend(error) => Self::internal(&error),
        }
    }
}

impl From<InteractionError> for ApiError {
    fn from(error: InteractionError) -> Self {
        match error {
            InteractionError::Validation(errors) => Self::validation(&errors),
            InteractionError::Forbidden => Self::forbidden("You are not allowed to do this."),
            InteractionError::InteractionNotFound => Self::not_found("No such interaction."),
            InteractionError::CustomerNotFound => Self::not_found("No such customer."),
            InteractionError::FeedNotFound => Self::not_found("No such calendar feed."),
            InteractionError::InvalidTransition { from, to } => {
                Self::invalid_transition("interaction", from, to)
            }
            InteractionError::Conflict => Self::conflict(
                "conflict",
                "Concurrent change",
                "The interaction changed meanwhile; fetch it and retry.",
            ),
            InteractionError::PreconditionFailed { current } => {
                Self::precondition_failed(etag(current))
            }
            InteractionError::Backend(error) => Self::internal(&error),
        }
    }
}

impl From<AnalyticsError> for ApiError {
    fn from(error: AnalyticsError) -> Self {
        match error {
            AnalyticsError::Validation(errors) => Self::validation(&errors),
            AnalyticsError::Forbidden => Self::forbidden("Reports are for staff only."),
            AnalyticsError::Backend(error) => Self::internal(&error),
            AnalyticsError::Render(error) => Self::internal(&error),
        }
    }
}

impl From<EmailError> for ApiError {
    fn from(error: EmailError) -> Self {
        match error {
            EmailError::Validation(errors) => Self::validation(&errors),
            EmailError::Forbidden => Self::forbidden("You are not allowed to do this."),
            EmailError::EmailNotFound => Self::not_found("No such email."),
            EmailError::TemplateNotFound => Self::not_found("No such email template."),
            EmailError::CustomerNotFound => Self::not_found("No such customer."),
            EmailError::SuppressionNotFound => Self::not_found("This address is not suppressed."),
            EmailError::InvalidToken => Self::not_found("No such link."),
            EmailError::Suppressed { address, reason } => Self::conflict(
                "address-suppressed",
                "Address suppressed",
                format!("{address} is on the suppression list ({reason}); nothing was sent."),
            ),
            EmailError::TemplateNameTaken => Self::conflict(
                "template-name-taken",
                "Template name taken",
                "Another email template has this name.",
            ),
            EmailError::IdempotencyKeyReused => Self::conflict(
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different request.",
            ),
            EmailError::Conflict => Self::conflict(
                "conflict",
                "Concurrent change",
                "The record changed meanwhile; fetch it and retry.",
            ),
            EmailError::InvalidTransition { from, to } => {
                Self::invalid_transition("email recipient", from, to)
            }
            EmailError::Backend(error) => Self::internal(&error),
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        format!("{}{}.", first.to_uppercase(), chars.as_str())
    })
}
