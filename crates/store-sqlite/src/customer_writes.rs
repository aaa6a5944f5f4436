//! The writes of a customer record, shared by [`CustomerRepository`] and
//! the import transaction: each runs inside the caller's transaction (or
//! savepoint) and decides the port's refusals there, where no concurrent
//! write can change the answer.
//!
//! [`CustomerRepository`]: crm_customers::ports::CustomerRepository

use crm_customers::ports::StoreError;
use crm_customers::{Customer, StatusChange, Version};
use crm_kernel::{
    BackendError, CustomerId, EmailAddress, LongText, PhoneNumber, ShortText, Timestamp,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::customer_rows::name_sort;
use crate::db::error::{CustomerDbError, is_foreign_key_violation, is_unique_violation};
use crate::db::rows::CorruptData;
use crate::db::rows::stored_version;
use crate::status_history;

/// Every stored column of a customer, bound as `?1`…`?16` in [`columns`]' order.
const INSERT_CUSTOMER: &str = "INSERT INTO customers \
     (id, first_name, last_name, name_sort, email, email_key, phone, company_id, status, \
      notes, owner_id, source, created_at, updated_at, last_interaction, version) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// The same columns but `last_interaction` (`?15` is bound and not used):
/// the interactions context owns that column and recomputes it in the
/// transaction of every interaction write (see `last_interaction`), so a
/// customer update racing with an interaction write cannot overwrite it with
/// a stale value. `?17` is the expected version. Only a customer that is not
/// erased and still at the expected version is changed.
const UPDATE_CUSTOMER: &str = "UPDATE customers SET first_name = ?2, last_name = ?3, \
     name_sort = ?4, email = ?5, email_key = ?6, phone = ?7, company_id = ?8, status = ?9, \
     notes = ?10, owner_id = ?11, source = ?12, created_at = ?13, updated_at = ?14, \
     version = ?16 \
     WHERE id = ?1 AND version = ?17 AND erased_at IS NULL";

/// Stores a new customer, its tags and its first status change.
///
/// Refuses with [`StoreError::DuplicateEmail`], [`StoreError::UnknownCompany`]
/// or [`StoreError::UnknownOwner`]; the caller's transaction then rolls back.
pub(crate) fn insert(
    conn: &Connection,
    customer: &Customer,
    change: &StatusChange,
) -> Result<(), CustomerDbError> {
    if let Some(email) = &customer.email {
        ensure_no_other_credential(conn, email, customer.id)?;
    }
    conn.prepare_cached(INSERT_CUSTOMER)?
        .execute(params_from_iter(columns(customer)))
        .map_err(|error| refusal(conn, customer, error))?;
    write_tags(conn, customer)?;
    status_history::append(conn, customer.id, change)
}

/// Replaces the customer stored at version `expected` with `customer`
/// (all but `last_interaction`, which stays as the interactions context
/// left it), moves its credential's email along, replaces its tags and
/// appends `change`.
///
/// Refuses with [`StoreError::NotFound`] (unknown or erased),
/// [`StoreError::VersionConflict`], [`StoreError::DuplicateEmail`],
/// [`StoreError::UnknownCompany`] or [`StoreError::UnknownOwner`].
pub(crate) fn update(
    conn: &Connection,
    customer: &Customer,
    expected: Version,
    change: Option<&StatusChange>,
) -> Result<(), CustomerDbError> {
    if customer.version <= expected {
        return Err(CustomerDbError::Backend(BackendError::msg(format!(
            "customer {} must be written with a version above {} (got {})",
            customer.id,
            expected.get(),
            customer.version.get()
        ))));
    }
    let id = customer.id.to_string();
    let has_account = check_version(conn, &id, expected)?;
    let email = match (&customer.email, has_account) {
        (Some(email), _) => {
            ensure_no_other_credential(conn, email, customer.id)?;
            Some(email)
        }
        (None, false) => None,
        (None, true) => {
            return Err(CustomerDbError::Backend(BackendError::msg(format!(
                "customer {id} can sign in, so its email cannot be cleared"
            ))));
        }
    };
    let mut values = columns(customer);
    values.push(Value::Integer(stored_version(expected)));
    let changed = conn
        .prepare_cached(UPDATE_CUSTOMER)?
        .execute(params_from_iter(values))
        .map_err(|error| refusal(conn, customer, error))?;
    if changed == 0 {
        // Cannot happen: `check_version` saw the expected version in this
        // transaction. Should it, the record did not match: a conflict.
        return Err(CustomerDbError::refused(StoreError::VersionConflict));
    }
    if let (Some(email), true) = (email, has_account) {
        conn.prepare_cached(
            "UPDATE credentials SET email = ?2, email_key = ?3, updated_at = ?4 \
             WHERE customer_id = ?1",
        )?
        .execute(params![
            id,
            email.as_str(),
            email.key(),
            customer.updated_at.to_rfc3339()
        ])
        .map_err(|error| refusal(conn, customer, error))?;
    }
    conn.prepare_cached("DELETE FROM customer_tags WHERE customer_id = ?1")?
        .execute([&id])?;
    write_tags(conn, customer)?;
    match change {
        Some(change) => status_history::append(conn, customer.id, change),
        None => Ok(()),
    }
}

/// Erases the personal data of customer `id` at `at` (kept as `erased_at`):
/// names become `Erased Customer`, email, phone, notes, source and tags go,
/// the version is raised, and the credential and refresh sessions are
/// deleted. Status, company, owner, dates and status history stay. The
/// search index drops the row (its trigger sees `erased_at` set).
///
/// Refuses with [`StoreError::NotFound`] for an unknown or erased customer.
pub(crate) fn erase(
    conn: &Connection,
    id: CustomerId,
    at: Timestamp,
) -> Result<(), CustomerDbError> {
    let id = id.to_string();
    let changed = conn
        .prepare_cached(
            "UPDATE customers SET first_name = 'Erased', last_name = 'Customer', \
             name_sort = 'customer erased', email = NULL, email_key = NULL, phone = NULL, \
             notes = NULL, source = NULL, erased_at = ?2, version = version + 1 \
             WHERE id = ?1 AND erased_at IS NULL",
        )?
        .execute(params![id, at.to_rfc3339()])?;
    if changed == 0 {
        return Err(CustomerDbError::refused(StoreError::NotFound));
    }
    conn.prepare_cached("DELETE FROM customer_tags WHERE customer_id = ?1")?
        .execute([&id])?;
    conn.prepare_cached("DELETE FROM credentials WHERE customer_id = ?1")?
        .execute([&id])?;
    conn.prepare_cached(
        "DELETE FROM refresh_sessions WHERE principal_kind = 'customer' AND principal_id = ?1",
    )?
    .execute([&id])?;
    anonymise_linked_records(conn, &id)?;
    Ok(())
}

/// Text that replaces personal free text of an erased customer.
const ERASED: &str = "(erased)";

/// The erased customer's tickets and interactions stay (reports count them)
/// but lose their free text: ticket subjects, issues and comments, interaction
/// descriptions, outcomes, places and links, and outside attendees' emails.
/// Statuses, kinds, times and metrics are kept.
fn anonymise_linked_records(conn: &Connection, id: &str) -> Result<(), rusqlite::Error> {
    let rewrites = [
        "UPDATE ticket_comments SET body = ?2 \
         WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)",
        "UPDATE tickets SET subject = ?2, issue = ?2, search_text = lower(?2) || char(31) || lower(?2) \
         WHERE customer_id = ?1",
        "UPDATE interactions SET description = ?2, outcome = NULL, location = NULL, meeting_url = NULL \
         WHERE customer_id = ?1",
    ];
    for sql in rewrites {
        conn.prepare_cached(sql)?.execute(params![id, ERASED])?;
    }
    conn.prepare_cached(
        "DELETE FROM interaction_attendees WHERE email IS NOT NULL \
         AND interaction_id IN (SELECT id FROM interactions WHERE customer_id = ?1)",
    )?
    .execute([id])?;
    Ok(())
}

/// The stored values of `customer`, in the order of [`INSERT_CUSTOMER`].
fn columns(customer: &Customer) -> Vec<Value> {
    let text = |value: &str| Value::Text(value.to_owned());
    let optional = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    vec![
        Value::Text(customer.id.to_string()),
        text(customer.first_name.as_str()),
        text(customer.last_name.as_str()),
        Value::Text(name_sort(&customer.first_name, &customer.last_name)),
        optional(customer.email.as_ref().map(|e| e.as_str().to_owned())),
        optional(customer.email.as_ref().map(EmailAddress::key)),
        optional(
            customer
                .phone
                .as_ref()
                .map(|p| PhoneNumber::as_str(p).to_owned()),
        ),
        optional(customer.company_id.map(|id| id.to_string())),
        text(customer.status.as_str()),
        optional(
            customer
                .notes
                .as_ref()
                .map(|n| LongText::as_str(n).to_owned()),
        ),
        optional(customer.owner_id.map(|id| id.to_string())),
        optional(
            customer
                .source
                .as_ref()
                .map(|s| ShortText::as_str(s).to_owned()),
        ),
        Value::Text(customer.created_at.to_rfc3339()),
        Value::Text(customer.updated_at.to_rfc3339()),
        optional(customer.last_interaction.map(|at| at.to_rfc3339())),
        Value::Integer(stored_version(customer.version)),
    ]
}

/// Stores the customer's tags (after the old ones were deleted).
fn write_tags(conn: &Connection, customer: &Customer) -> Result<(), CustomerDbError> {
    let mut statement =
        conn.prepare_cached("INSERT INTO customer_tags (customer_id, tag) VALUES (?1, ?2)")?;
    let id = customer.id.to_string();
    for tag in customer.tags.as_slice() {
        statement.execute(params![id, tag.as_str()])?;
    }
    Ok(())
}

/// [`StoreError::NotFound`] when the customer is unknown or erased,
/// [`StoreError::VersionConflict`] when it is not at `expected`; otherwise
/// whether it has a sign-in credential.
fn check_version(conn: &Connection, id: &str, expected: Version) -> Result<bool, CustomerDbError> {
    let stored = conn
        .prepare_cached(
            "SELECT c.version, c.erased_at IS NOT NULL, \
             EXISTS (SELECT 1 FROM credentials cr WHERE cr.customer_id = c.id) \
             FROM customers c WHERE c.id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, bool>(1)?,
                row.get::<_, bool>(2)?,
            ))
        })
        .optional()?;
    match stored {
        None | Some((_, true, _)) => Err(CustomerDbError::refused(StoreError::NotFound)),
        Some((version, false, _)) if version != stored_version(expected) => {
            Err(CustomerDbError::refused(StoreError::VersionConflict))
        }
        Some((_, false, has_account)) => Ok(has_account),
    }
}

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
fn ensure_no_other_credential(
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
fn refusal(conn: &Connection, customer: &Customer, error: rusqlite::Error) -> CustomerDbError {
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
    if let Some(owner) = customer.owner_id {
        let exists = conn
            .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
            .exists([owner.to_string()])?;
        if !exists {
            return Ok(Some(StoreError::UnknownOwner));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use crm_customers::LifecycleStatus;
    use crm_kernel::{CompanyId, PersonName, PrincipalId, UserId};

    use super::*;
    use crate::db::migrations::MIGRATIONS;

    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        for migration in MIGRATIONS {
            conn.execute_batch(migration.sql).unwrap();
        }
        conn
    }

    fn customer(address: &str) -> Customer {
        let at = Timestamp::from_millis(0).unwrap();
        Customer {
            id: CustomerId::new(),
            first_name: PersonName::parse("Ann").unwrap(),
            last_name: PersonName::parse("Lee").unwrap(),
            email: Some(EmailAddress::parse(address).unwrap()),
            phone: None,
            company_id: None,
            company: None,
            status: LifecycleStatus::Lead,
            notes: None,
            owner_id: None,
            tags: crm_customers::Tags::default(),
            source: None,
            created_at: at,
            updated_at: at,
            last_interaction: None,
            has_account: false,
            version: Version::FIRST,
        }
    }

    fn first_change(customer: &Customer) -> StatusChange {
        StatusChange {
            customer_id: customer.id,
            from: None,
            to: customer.status,
            at: customer.created_at,
            actor: PrincipalId::User(UserId::new()),
        }
    }

    fn refusal_of(result: Result<(), CustomerDbError>) -> StoreError {
        match result {
            Err(CustomerDbError::Refused(error)) => error,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// The UNIQUE violation of `customers.email_key` is mapped by its code
    /// and names the holder, found by a query.
    #[test]
    fn a_unique_violation_names_the_customer_that_has_the_email() {
        let conn = database();
        let holder = customer("ann@example.test");
        insert(&conn, &holder, &first_change(&holder)).unwrap();
        let second = customer("ANN@example.test");
        match refusal_of(insert(&conn, &second, &first_change(&second))) {
            StoreError::DuplicateEmail { existing } => assert_eq!(existing, Some(holder.id)),
            other => panic!("expected a duplicate email, got {other:?}"),
        }
    }

    /// A FOREIGN KEY violation does not say which reference dangles: the
    /// store looks.
    #[test]
    fn a_foreign_key_violation_names_the_dangling_reference() {
        let conn = database();
        let orphan = Customer {
            company_id: Some(CompanyId::new()),
            ..customer("orphan@example.test")
        };
        assert!(matches!(
            refusal_of(insert(&conn, &orphan, &first_change(&orphan))),
            StoreError::UnknownCompany
        ));
        let unowned = Customer {
            owner_id: Some(UserId::new()),
            ..customer("unowned@example.test")
        };
        assert!(matches!(
            refusal_of(insert(&conn, &unowned, &first_change(&unowned))),
            StoreError::UnknownOwner
        ));
    }

    /// Other constraint failures stay database errors (here: the same id twice).
    #[test]
    fn other_constraint_failures_are_database_errors() {
        let conn = database();
        let first = customer("first@example.test");
        insert(&conn, &first, &first_change(&first)).unwrap();
        let same_id = Customer {
            email: Some(EmailAddress::parse("other@example.test").unwrap()),
            ..first.clone()
        };
        assert!(matches!(
            insert(&conn, &same_id, &first_change(&same_id)),
            Err(CustomerDbError::Sqlite(_))
        ));
    }
}
