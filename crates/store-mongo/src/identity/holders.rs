//! The check every authenticated request makes
//! ([`SessionStore::session_holder`](crm_identity::ports::SessionStore::session_holder)):
//! the account and its sign-in, read in one aggregation on
//! `refresh_sessions`. The pipeline finds one live session of the family
//! and principal (index `refresh_sessions_live_by_family`, migration 0005),
//! then looks the account up by `_id`: the staff user, or the customer's
//! credential. No live session, or no account: no document.

use crm_identity::SessionHolder;
use crm_kernel::{PrincipalId, SessionFamilyId};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::principal_fields;
use crate::db::error::CorruptData;
use crate::db::names;
use crate::identity::credential_id;
use crate::identity::user_docs::read_user;

/// The pipeline on `refresh_sessions` that yields `principal`'s account
/// (a user document, or a credential's `_id`) when sign-in `family` has a
/// session of `principal` that is not revoked; nothing otherwise.
pub(crate) fn holder_pipeline(principal: PrincipalId, family: SessionFamilyId) -> Vec<Document> {
    let (kind, id) = principal_fields(principal);
    // The lookups are uncorrelated (the account's `_id` is known here): the
    // server runs each once, on the `_id` index.
    let account = match principal {
        PrincipalId::User(user) => doc! {
            "from": names::USERS,
            "pipeline": [ { "$match": { "_id": user.to_string() } } ],
            "as": "holder",
        },
        PrincipalId::Customer(_) => doc! {
            "from": names::CREDENTIALS,
            "pipeline": [
                { "$match": { "_id": credential_id(principal) } },
                { "$project": { "_id": 1 } },
            ],
            "as": "holder",
        },
    };
    vec![
        doc! { "$match": {
            "family_id": family.to_string(),
            "principal_kind": kind,
            "principal_id": id,
            "revoked_at": Bson::Null,
        } },
        doc! { "$limit": 1 },
        doc! { "$lookup": account },
        doc! { "$unwind": "$holder" },
        doc! { "$replaceRoot": { "newRoot": "$holder" } },
    ]
}

/// The holder of what [`holder_pipeline`] yielded for `principal`.
pub(crate) fn read_holder(
    principal: PrincipalId,
    document: &Document,
) -> Result<SessionHolder, CorruptData> {
    match principal {
        PrincipalId::User(_) => read_user(document).map(SessionHolder::Staff),
        PrincipalId::Customer(customer) => Ok(SessionHolder::Customer(customer)),
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CustomerId, UserId};

    use super::*;

    #[test]
    fn a_staff_sign_in_looks_up_the_user_by_id() {
        let user = UserId::new();
        let family = SessionFamilyId::new();
        assert_eq!(
            holder_pipeline(PrincipalId::User(user), family),
            vec![
                doc! { "$match": {
                    "family_id": family.to_string(),
                    "principal_kind": "user",
                    "principal_id": user.to_string(),
                    "revoked_at": null,
                } },
                doc! { "$limit": 1 },
                doc! { "$lookup": {
                    "from": "users",
                    "pipeline": [ { "$match": { "_id": user.to_string() } } ],
                    "as": "holder",
                } },
                doc! { "$unwind": "$holder" },
                doc! { "$replaceRoot": { "newRoot": "$holder" } },
            ]
        );
    }

    #[test]
    fn a_customer_sign_in_looks_up_the_credential() {
        let customer = CustomerId::new();
        let family = SessionFamilyId::new();
        let pipeline = holder_pipeline(PrincipalId::Customer(customer), family);
        assert_eq!(
            pipeline[0],
            doc! { "$match": {
                "family_id": family.to_string(),
                "principal_kind": "customer",
                "principal_id": customer.to_string(),
                "revoked_at": null,
            } }
        );
        assert_eq!(
            pipeline[2],
            doc! { "$lookup": {
                "from": "credentials",
                "pipeline": [
                    { "$match": { "_id": format!("customer:{customer}") } },
                    { "$project": { "_id": 1 } },
                ],
                "as": "holder",
            } }
        );
        assert_eq!(
            read_holder(
                PrincipalId::Customer(customer),
                &doc! { "_id": format!("customer:{customer}") }
            )
            .unwrap(),
            SessionHolder::Customer(customer)
        );
    }
}
