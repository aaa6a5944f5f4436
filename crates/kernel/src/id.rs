//! Typed ids.
//!
//! Every entity id is a UUIDv7 (RFC 9562) wrapped in its own type, so that a
//! `CustomerId` can never be passed where a `TicketId` is expected. UUIDv7 is
//! time-ordered (new ids sort after old ones, which keeps B-tree indexes and
//! cursor pagination cheap), needs no coordination between server instances,
//! and is stored as the same 36-character lowercase string in SQLite and
//! MongoDB. See `docs/adr/0001-ids-are-uuidv7.md`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
#[cfg(feature = "openapi")]
use utoipa::openapi::schema::KnownFormat;
use uuid::Uuid;

/// The text given was not an id of the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id (expected a UUID such as 0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b)")]
pub struct IdError(pub String);

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the canonical text form (any UUID; hyphenated or simple).
            pub fn parse(text: &str) -> Result<Self, IdError> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| IdError(text.to_owned()))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0.hyphenated())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                crate::schema::string_schema(
                    Some(KnownFormat::Uuid),
                    concat!("Id of a ", stringify!($name), " (UUIDv7)."),
                    None,
                    None,
                )
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

typed_id!(
    /// Id of a staff user (admin or agent).
    UserId
);
typed_id!(
    /// Id of a customer (also the principal id of its credential).
    CustomerId
);
typed_id!(
    /// Id of a company.
    CompanyId
);
typed_id!(
    /// Id of a support ticket.
    TicketId
);
typed_id!(
    /// Id of a comment on a ticket.
    CommentId
);
typed_id!(
    /// Id of a scheduled or recorded interaction (meeting, call, task, note, email).
    InteractionId
);
typed_id!(
    /// Id of an outgoing email message (one subject and body, one or more recipients).
    EmailId
);
typed_id!(
    /// Id of one recipient of an email: the unit that is sent, tracked and bounced.
    RecipientId
);
typed_id!(
    /// Id of an email template.
    EmailTemplateId
);
typed_id!(
    /// Id of one recorded email event (an open, a click, a reply, a bounce, an opt-out).
    EmailEventId
);
typed_id!(
    /// Id of one inbound message posted to the mail webhook (a reply, a bounce, or unmatched).
    InboundMessageId
);
typed_id!(
    /// Id of one refresh-token session.
    SessionId
);
typed_id!(
    /// Id of a family of refresh-token sessions: every token rotated from one login.
    SessionFamilyId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_json() {
        let id = UserId::new();
        assert_eq!(UserId::parse(&id.to_string()), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
    }

    #[test]
    fn rejects_garbage() {
        assert!(UserId::parse("not-an-id").is_err());
        assert!(serde_json::from_str::<UserId>("\"x\"").is_err());
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let first = CustomerId::new();
        let second = CustomerId::new();
        assert!(first.to_string() < second.to_string());
    }
}
