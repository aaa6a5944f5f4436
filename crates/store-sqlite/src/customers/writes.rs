//! The writes of a customer record, shared by [`CustomerRepository`] and
//! the import transaction: each runs inside the caller's transaction (or
//! savepoint) and decides the port's refusals there, where no concurrent
//! write can change the answer.
//!
//! [`CustomerRepository`]: crm_customers::ports::CustomerRepository

use crm_customers::ports::StoreError;
use crm_customers::{Customer, StatusChange, Version};
use crm_kernel::{BackendError, EmailAddress, LongText, PhoneNumber, ShortText};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::customers::refusals::{ensure_no_other_credential, refusal};
use crate::customers::rows::name_sort;
use crate::customers::status_history;
use crate::db::error::CustomerDbError;
use crate::db::row_update::RowUpdate;
use crate::db::rows::{ensure_newer_version, stored_version};

/// Every stored column of a customer, bound as `?1`…`?16` in [`columns`]' order.
const INSERT_CUSTOMER: &str = "INSERT INTO customers \
     (id, first_name, last_name, name_sort, email, email_key, phone, company_id, status, \
      notes, owner_id, source, created_at, updated_at, last_interaction, version) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// The same columns but the id and `last_interaction`, for [`RowUpdate`]:
/// an update names only those whose value changed. The interactions
/// context owns `last_interaction` and recomputes it in the transaction of
/// every interaction write (see `last_interaction`), so a customer update
/// racing with an interaction write cannot overwrite it with a stale value.
/// [`check_version`] has refused an erased customer or another version in
/// the same transaction.
const CUSTOMER_ROW: RowUpdate = RowUpdate {
    table: "customers",
    columns: &[
        "first_name",
        "last_name",
        "name_sort",
        "email",
        "email_key",
        "phone",
        "company_id",
        "status",
        "notes",
        "owner_id",
        "source",
        "created_at",
        "updated_at",
        "version",
    ],
};

/// Where `last_interaction` is in [`columns`].
const LAST_INTERACTION: usize = 14;

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
    ensure_newer_version("customer", customer.id, customer.version, expected)?;
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
    let Some(stored) = CUSTOMER_ROW.stored(conn, &id)? else {
        return Err(CustomerDbError::refused(StoreError::NotFound));
    };
    let mut values = columns(customer);
    values.remove(LAST_INTERACTION);
    values.remove(0);
    let changed = CUSTOMER_ROW
        .apply(conn, &id, &stored, values, stored_version(expected))
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

#[cfg(test)]
mod tests {
    use crm_customers::LifecycleStatus;
    use crm_kernel::{CompanyId, CustomerId, PersonName, PrincipalId, Timestamp, UserId};

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

    /// The update binds every column of the insert but the id and
    /// `last_interaction`, and names in its `SET` only those that changed:
    /// an `AFTER UPDATE OF column` trigger fires exactly when the `SET`
    /// names that column.
    #[test]
    fn an_update_names_only_the_changed_columns_and_never_last_interaction() {
        let listed: Vec<&str> = INSERT_CUSTOMER
            .split(['(', ')'])
            .nth(1)
            .unwrap()
            .split(',')
            .map(str::trim)
            .filter(|column| !["id", "last_interaction"].contains(column))
            .collect();
        assert_eq!(listed, CUSTOMER_ROW.columns);
        let mut stored = customer("ann@example.com");
        let at = Timestamp::from_millis(1_000).unwrap();
        stored.last_interaction = Some(at);
        assert_eq!(
            columns(&stored)[LAST_INTERACTION],
            Value::Text(at.to_rfc3339())
        );

        let conn = database();
        insert(&conn, &stored, &first_change(&stored)).unwrap();
        conn.execute_batch("CREATE TABLE named (column_name TEXT NOT NULL);")
            .unwrap();
        for column in CUSTOMER_ROW.columns.iter().chain(&["last_interaction"]) {
            conn.execute_batch(&format!(
                "CREATE TRIGGER named_{column} AFTER UPDATE OF {column} ON customers \
                 BEGIN INSERT INTO named VALUES ('{column}'); END;"
            ))
            .unwrap();
        }
        let mut next = stored.clone();
        next.phone = Some(PhoneNumber::parse("+44 20 7946 0958").unwrap());
        next.last_interaction = None;
        next.updated_at = Timestamp::from_millis(2_000).unwrap();
        next.version = stored.version.next();
        update(&conn, &next, stored.version, None).unwrap();

        let named: Vec<String> = conn
            .prepare("SELECT column_name FROM named ORDER BY column_name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(named, ["phone", "updated_at", "version"]);
        let kept: Option<String> = conn
            .query_row(
                "SELECT last_interaction FROM customers WHERE id = ?1",
                [stored.id.to_string()],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(
            kept,
            Some(at.to_rfc3339()),
            "last_interaction is left alone"
        );
    }
}
