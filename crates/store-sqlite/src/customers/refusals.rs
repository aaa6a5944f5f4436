//! The port's refusals behind a failed customer write: who already holds
//! an email, and which reference dangles. SQLite says only which kind of
//! constraint failed, so the store looks the culprit up, in the same
//! transaction.

use crm_customers::Customer;
use crm_customers::ports::StoreError;
use crm_kernel::{CustomerId, EmailAddress};
use rusqlite::{Connection, OptionalExtension};

use crate::db::error::{CustomerDbError, is_foreign_key_violation, is_unique_violation};
use crate::db::rows::CorruptData;
use crate::identity::directory::staff_by_ids;

/// Who holds an email key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmailHolder {
    /// A customer, with or without a sign-in account.
    Customer(CustomerId),
    /// A staff user.
    Staff,
}

impl EmailHolder {
    /// The refusal naming this holder.
    fn refusal(self) -> StoreError {
        StoreError::DuplicateEmail {
            existing: match self {
                Self::Customer(id) => Some(id),
                Self::Staff => None,
            },
        }
    }
}

/// [`StoreError::DuplicateEmail`] when a sign-in credential other than
/// customer `owner`'s has `email`'s key. Staff emails live only in
/// `credentials`, so no constraint of `customers` sees them; another
/// customer's email is caught by the UNIQUE `customers.email_key` (see
/// [`refusal`]).
pub(crate) fn ensure_no_other_credential(
    conn: &Connection,
    email: &EmailAddress,
    owner: CustomerId,
) -> Result<(), CustomerDbError> {
    match credential_holder(conn, &email.key(), owner)? {
        None => Ok(()),
        Some(holder) => Err(CustomerDbError::refused(holder.refusal())),
    }
}

/// Who other than customer `owner` holds the email key, if anyone.
fn email_holder(
    conn: &Connection,
    key: &str,
    owner: CustomerId,
) -> Result<Option<EmailHolder>, CustomerDbError> {
    let customer: Option<String> = conn
        .prepare_cached("SELECT id FROM customers WHERE email_key = ?1 AND id <> ?2")?
        .query_row([key, &owner.to_string()], |row| row.get(0))
        .optional()?;
    match customer {
        Some(id) => Ok(Some(EmailHolder::Customer(parse_customer_id(
            "customers.id",
            &id,
        )?))),
        None => credential_holder(conn, key, owner),
    }
}

/// Whose credential other than customer `owner`'s has the email key, if any.
fn credential_holder(
    conn: &Connection,
    key: &str,
    owner: CustomerId,
) -> Result<Option<EmailHolder>, CustomerDbError> {
    let credential: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT customer_id FROM credentials \
             WHERE email_key = ?1 AND (customer_id IS NULL OR customer_id <> ?2)",
        )?
        .query_row([key, &owner.to_string()], |row| row.get(0))
        .optional()?;
    Ok(match credential {
        None => None,
        Some(None) => Some(EmailHolder::Staff),
        Some(Some(id)) => Some(EmailHolder::Customer(parse_customer_id(
            "credentials.customer_id",
            &id,
        )?)),
    })
}

fn parse_customer_id(column: &'static str, text: &str) -> Result<CustomerId, CorruptData> {
    CustomerId::parse(text).map_err(|error| CorruptData::new(column, error))
}

/// The port's refusal behind a failed write of `customer`: a UNIQUE
/// violation of an email key names its holder, a FOREIGN KEY violation the
/// reference that dangles (found by looking, since SQLite does not say
/// which). Anything else stays a database error.
pub(crate) fn refusal(
    conn: &Connection,
    customer: &Customer,
    error: rusqlite::Error,
) -> CustomerDbError {
    let decided = if is_unique_violation(&error) {
        unique_refusal(conn, customer)
    } else if is_foreign_key_violation(&error) {
        reference_refusal(conn, customer)
    } else {
        Ok(None)
    };
    match decided {
        Ok(Some(refusal)) => CustomerDbError::refused(refusal),
        Ok(None) => CustomerDbError::Sqlite(error),
        Err(lookup) => lookup,
    }
}

fn unique_refusal(
    conn: &Connection,
    customer: &Customer,
) -> Result<Option<StoreError>, CustomerDbError> {
    let Some(email) = &customer.email else {
        return Ok(None);
    };
    Ok(email_holder(conn, &email.key(), customer.id)?.map(EmailHolder::refusal))
}

fn reference_refusal(
    conn: &Connection,
    customer: &Customer,
) -> Result<Option<StoreError>, CustomerDbError> {
    if let Some(company) = customer.company_id {
        let exists = conn
            .prepare_cached("SELECT 1 FROM companies WHERE id = ?1")?
            .exists([company.to_string()])?;
        if !exists {
            return Ok(Some(StoreError::UnknownCompany));
        }
    }
    if let Some(owner) = customer.owner_id
        && staff_by_ids::<StoreError>(conn, &[owner])?.is_empty()
    {
        return Ok(Some(StoreError::UnknownOwner));
    }
    Ok(None)
}
