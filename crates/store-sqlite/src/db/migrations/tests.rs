//! Tests of the migration runner on in-memory databases.

use crm_kernel::FixedClock;

use super::*;

fn clock() -> FixedClock {
    FixedClock::at(Timestamp::parse_rfc3339("2026-01-02T03:04:05.678Z").unwrap())
}

const FIRST: Migration = Migration {
    version: 1,
    name: "first",
    sql: "CREATE TABLE a (x INTEGER);",
};
const SECOND: Migration = Migration {
    version: 2,
    name: "second",
    sql: "CREATE TABLE b (y INTEGER);",
};
const BROKEN: Migration = Migration {
    version: 2,
    name: "broken",
    sql: "CREATE TABLE c (z INTEGER); CREATE TABLE nonsense (;",
};

#[test]
fn the_list_matches_the_files() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            std::path::Path::new(name)
                .extension()
                .is_some_and(|ext| ext == "sql")
        })
        .collect();
    files.sort();
    let listed: Vec<String> = MIGRATIONS
        .iter()
        .map(|m| format!("{}.sql", m.label()))
        .collect();
    assert_eq!(files, listed);
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        assert_eq!(
            migration.version as usize,
            index + 1,
            "versions are 1, 2, 3, …"
        );
        let on_disk =
            std::fs::read_to_string(format!("{folder}/{}.sql", migration.label())).unwrap();
        assert_eq!(on_disk, migration.sql);
    }
}

#[test]
fn checksum_is_sha256_hex() {
    assert_eq!(
        checksum(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn applies_in_order_once_and_reports_status() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert!(
        status(&conn, &[FIRST, SECOND])
            .unwrap()
            .iter()
            .all(|s| s.state == MigrationState::Pending)
    );
    let applied = migrate(&mut conn, &[FIRST], &clock()).unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].checksum, FIRST.checksum());
    let applied = migrate(&mut conn, &[FIRST, SECOND], &clock()).unwrap();
    assert_eq!(applied.iter().map(|m| m.version).collect::<Vec<_>>(), [2]);
    assert!(
        migrate(&mut conn, &[FIRST, SECOND], &clock())
            .unwrap()
            .is_empty()
    );
    let at = clock().now();
    assert_eq!(
        status(&conn, &[FIRST, SECOND]).unwrap(),
        vec![
            MigrationStatus {
                version: 1,
                name: "first".into(),
                state: MigrationState::Applied { at }
            },
            MigrationStatus {
                version: 2,
                name: "second".into(),
                state: MigrationState::Applied { at }
            },
        ]
    );
}

#[test]
fn a_failing_migration_leaves_nothing_behind() {
    let mut conn = Connection::open_in_memory().unwrap();
    let error = migrate(&mut conn, &[FIRST, BROKEN], &clock()).unwrap_err();
    assert!(
        matches!(error, MigrationError::Failed { version: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("0002_broken"), "{error}");
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'c'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
    let states: Vec<_> = status(&conn, &[FIRST, BROKEN])
        .unwrap()
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert!(matches!(states[0], MigrationState::Applied { .. }));
    assert_eq!(states[1], MigrationState::Pending);
}

#[test]
fn refuses_edited_and_unknown_migrations() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, &[FIRST, SECOND], &clock()).unwrap();
    let edited = Migration {
        sql: "CREATE TABLE a (x TEXT);",
        ..FIRST
    };
    let error = migrate(&mut conn, &[edited, SECOND], &clock()).unwrap_err();
    assert!(
        matches!(error, MigrationError::Altered { version: 1, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("0001_first"), "{error}");
    let error = migrate(&mut conn, &[FIRST], &clock()).unwrap_err();
    assert!(
        matches!(error, MigrationError::Unknown { version: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("0002_second"), "{error}");
    let states: Vec<_> = status(&conn, &[FIRST])
        .unwrap()
        .into_iter()
        .map(|s| (s.version, s.state))
        .collect();
    assert!(matches!(states[1], (2, MigrationState::Unknown { .. })));
}
