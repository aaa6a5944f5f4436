//! The staff directory the other contexts read: staff users by id, as
//! stored, a batch of ids in one query. Every port that asks about staff
//! users on behalf of another context (the customers' and interactions'
//! `StaffDirectory`, the tickets' `AssigneeDirectory`, the owner check of a
//! customer write) reads them here.

use std::collections::BTreeSet;

use crm_kernel::{EmailAddress, PersonName, UserId};
use rusqlite::{Connection, params_from_iter};

use crate::db::error::DbError;
use crate::db::rows::{CorruptData, decode};
use crate::sql::Filter;

/// How many ids one statement binds at most. SQLite allows far more
/// parameters; the limit keeps statements small, and a larger batch simply
/// takes another round trip.
const IDS_PER_QUERY: usize = 500;

/// A staff user as the other contexts see it: its id, whether it is active,
/// and its name and email as stored (parsed on demand, so a check that
/// needs only existence or status never fails on the other columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StaffRow {
    /// The user.
    pub(crate) id: UserId,
    /// Whether its status is `active` (it may sign in and be assigned).
    pub(crate) active: bool,
    name: String,
    email: String,
}

impl StaffRow {
    /// The user's name, parsed by its domain constructor.
    pub(crate) fn name(&self) -> Result<PersonName, CorruptData> {
        decode("users.name", &self.name, PersonName::parse)
    }

    /// The user's email, parsed by its domain constructor.
    pub(crate) fn email(&self) -> Result<EmailAddress, CorruptData> {
        decode("users.email", &self.email, EmailAddress::parse)
    }
}

/// The staff users that have one of `ids`, whatever their role and status:
/// one row per existing user (an unknown id has none, a repeated one is
/// read once), in no particular order. One query (`WHERE id IN (…)`) per
/// [`IDS_PER_QUERY`] distinct ids.
pub(crate) fn staff_by_ids<R>(
    conn: &Connection,
    ids: &[UserId],
) -> Result<Vec<StaffRow>, DbError<R>> {
    let ids: Vec<String> = ids
        .iter()
        .map(ToString::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut staff = Vec::with_capacity(ids.len());
    for batch in ids.chunks(IDS_PER_QUERY) {
        let mut filter = Filter::new();
        filter.one_of("id", batch.iter().cloned());
        let sql = format!(
            "SELECT id, status = 'active', name, email FROM users{}",
            filter.where_clause()
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = statement.query_and_then(params_from_iter(filter.into_params()), |row| {
            let id: String = row.get(0)?;
            Ok::<_, DbError<R>>(StaffRow {
                id: decode("users.id", &id, UserId::parse)?,
                active: row.get(1)?,
                name: row.get(2)?,
                email: row.get(3)?,
            })
        })?;
        for row in rows {
            staff.push(row?);
        }
    }
    Ok(staff)
}

#[cfg(test)]
mod tests {
    use rusqlite::params;

    use super::*;
    use crate::db::error::DbError;
    use crate::db::migrations::MIGRATIONS;

    /// The rows of `ids` (the identity ports' error type: any would do).
    fn read(conn: &Connection, ids: &[UserId]) -> Vec<StaffRow> {
        let rows: Result<_, DbError> = staff_by_ids(conn, ids);
        rows.unwrap()
    }

    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for migration in MIGRATIONS {
            conn.execute_batch(migration.sql).unwrap();
        }
        conn
    }

    fn add_user(conn: &Connection, id: UserId, name: &str, status: &str) {
        conn.execute(
            "INSERT INTO users (id, name, name_sort, email, email_sort, role, status, \
             created_at, updated_at) VALUES (?1, ?2, ?2, ?3, ?3, 'agent', ?4, 't', 't')",
            params![id.to_string(), name, format!("{id}@example.test"), status],
        )
        .unwrap();
    }

    #[test]
    fn reads_each_known_id_once_whatever_its_status() {
        let conn = database();
        let (ann, bob, unknown) = (UserId::new(), UserId::new(), UserId::new());
        add_user(&conn, ann, "Ann Lee", "active");
        add_user(&conn, bob, "Bob Roe", "disabled");
        let mut rows = read(&conn, &[bob, ann, unknown, ann]);
        rows.sort_by_key(|row| row.id);
        let mut expected = vec![(ann, true), (bob, false)];
        expected.sort();
        assert_eq!(
            rows.iter()
                .map(|row| (row.id, row.active))
                .collect::<Vec<_>>(),
            expected
        );
        let ann_row = rows.iter().find(|row| row.id == ann).unwrap();
        assert_eq!(ann_row.name().unwrap().as_str(), "Ann Lee");
        assert_eq!(
            ann_row.email().unwrap().as_str(),
            format!("{ann}@example.test")
        );
        assert!(read(&conn, &[]).is_empty());
    }

    #[test]
    fn a_batch_larger_than_one_query_is_read_whole() {
        let conn = database();
        let ids: Vec<UserId> = (0..IDS_PER_QUERY + 3).map(|_| UserId::new()).collect();
        for id in &ids {
            add_user(&conn, *id, "Staff User", "active");
        }
        assert_eq!(read(&conn, &ids).len(), ids.len());
    }

    #[test]
    fn a_stored_name_that_does_not_parse_is_corrupt_only_when_read() {
        let conn = database();
        let id = UserId::new();
        add_user(&conn, id, "", "active");
        let rows = read(&conn, &[id]);
        assert!(rows[0].active);
        assert!(rows[0].name().is_err());
    }

    /// One id, or a batch, is looked up in the primary key index.
    #[test]
    fn ids_are_looked_up_in_the_primary_key() {
        let conn = database();
        for count in [1, 3] {
            let mut filter = Filter::new();
            filter.one_of("id", (0..count).map(|n| n.to_string()));
            let plan: Vec<String> = conn
                .prepare(&format!(
                    "EXPLAIN QUERY PLAN SELECT id, status = 'active', name, email FROM users{}",
                    filter.where_clause()
                ))
                .unwrap()
                .query_map(params_from_iter(filter.into_params()), |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join("; ");
            assert!(
                plan.contains("SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)"),
                "{count}: {plan}"
            );
        }
    }
}
