//! # crm-kernel
//!
//! What every bounded context of the CRM shares, and nothing more:
//!
//! - typed ids ([`UserId`], [`CustomerId`], …), one format for every store (UUIDv7 strings),
//! - [`Timestamp`] and the [`Clock`] port so that tests can fix time,
//! - cursor pagination ([`PageRequest`], [`Page`], [`CursorPosition`]); the server signs positions into opaque cursors,
//! - validated value objects used everywhere ([`EmailAddress`], [`PhoneNumber`], bounded text,
//!   the [`SearchText`] of list searches),
//! - the caller ([`Principal`]) and the shape of every context's [`Policy`],
//! - record [`Version`]s and the bounded retry of a write that lost a version race ([`retry_lost_races`]),
//! - the error vocabulary for field validation ([`FieldError`], [`ValidationErrors`]) and
//!   storage failures ([`BackendError`]).
//!
//! Values of these types are valid by construction: parse at the edge, never re-check.
//!
//! With the `openapi` feature the public types also describe themselves as
//! `utoipa` schemas (for the server's OpenAPI document); without it the
//! crate compiles no web crates.

pub mod email;
pub mod error;
pub mod id;
pub mod page;
pub mod phone;
pub mod principal;
#[cfg(feature = "openapi")]
mod schema;
pub mod text;
pub mod time;
pub mod version;
pub mod visibility;

pub use email::{EmailAddress, EmailError};
pub use error::{BackendError, FieldError, ValidationErrors};
pub use id::{
    CommentId, CompanyId, CustomerId, EmailEventId, EmailId, EmailTemplateId, IdError,
    InboundMessageId, InteractionId, RecipientId, SessionFamilyId, SessionId, TicketId, UserId,
};
pub use page::{CursorPosition, Limit, LimitError, Page, PageRequest, SortDirection};
pub use phone::{PhoneError, PhoneNumber};
pub use principal::{Action, Policy, Principal, PrincipalId, PrincipalKind, Role};
pub use text::{LongText, PersonName, SearchText, ShortText, TextError};
pub use time::{Clock, FixedClock, SystemClock, Timestamp};
pub use version::{Version, WRITE_ATTEMPTS, retry_lost_races};
pub use visibility::{AgentScope, Visibility};
