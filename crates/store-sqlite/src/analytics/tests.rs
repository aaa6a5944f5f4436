//! The report statements read index ranges only: their query plans, and
//! the rows a year of a million interactions makes them visit.

mod email;
mod leads;
mod plans;
mod scale;
mod totals;

use rusqlite::Connection;

use crate::db::migrations::{Migration, migrate};

/// Applies `migrations` on `conn`.
fn migrate_for_tests(conn: &mut Connection, migrations: &[Migration]) {
    migrate(conn, migrations, &crm_kernel::SystemClock).expect("the migrations apply");
}
