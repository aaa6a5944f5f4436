//! Times reports over a year of a million interactions:
//! `cargo run --release -p crm-store-sqlite --example report_timing`.
//!
//! Loads the rows of the scale test (`src/analytics/tests/scale.rs`) into a
//! migrated store, so the triggers keep the counters while they are
//! written, then times each figures port for a few report shapes.
#![allow(clippy::unwrap_used, clippy::print_stdout, reason = "a measuring tool")]

use std::time::Instant;

use crm_analytics::ports::{InteractionSource, LifecycleSource, TicketSource};
use crm_analytics::{CountRequest, Granularity, ReportScope, ReportZone, period::periods};
use crm_kernel::{Timestamp, UserId};
use crm_store_sqlite::SqliteStore;

const LOAD: &str = include_str!("report_timing.sql");

fn request(granularity: Granularity, zone: &str, scope: ReportScope) -> CountRequest {
    let at = |t: &str| Timestamp::parse_rfc3339(t).unwrap();
    let zone = ReportZone::parse(zone).unwrap();
    let periods = periods(
        at("2026-01-01T00:00:00Z"),
        at("2026-12-31T00:00:00Z"),
        granularity,
        zone,
        1000,
    )
    .unwrap();
    CountRequest::new(&periods, scope)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let started = Instant::now();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(LOAD).unwrap();
    drop(conn);
    println!(
        "loaded 1,000,000 interactions with the counter triggers in {:?}",
        started.elapsed()
    );
    let owner = ReportScope {
        owner_id: Some(UserId::parse("00000000-0000-7000-8000-000000000002").unwrap()),
        ..ReportScope::all()
    };
    let cases = [
        ("last 30 days by UTC day", {
            let at = |t: &str| Timestamp::parse_rfc3339(t).unwrap();
            let p = periods(
                at("2026-11-01T00:00:00Z"),
                at("2026-11-30T17:23:11Z"),
                Granularity::Day,
                ReportZone::UTC,
                1000,
            )
            .unwrap();
            CountRequest::new(&p, ReportScope::all())
        }),
        (
            "a year by UTC day",
            request(Granularity::Day, "UTC", ReportScope::all()),
        ),
        (
            "a year by Berlin day",
            request(Granularity::Day, "Europe/Berlin", ReportScope::all()),
        ),
        (
            "a year by Kolkata week",
            request(Granularity::Week, "Asia/Kolkata", ReportScope::all()),
        ),
        (
            "a year of one owner by month",
            request(Granularity::Month, "America/New_York", owner),
        ),
    ];
    for (name, request) in cases {
        for round in 0..3 {
            let started = Instant::now();
            let interactions = store.interaction_counts(&request).await.unwrap();
            let a = started.elapsed();
            store.ticket_counts(&request).await.unwrap();
            store.lifecycle_counts(&request).await.unwrap();
            let total: u64 = interactions.iter().map(|c| c.count).sum();
            if round == 2 {
                println!(
                    "{name}: {total} interactions counted in {a:?}; all three ports {:?}",
                    started.elapsed()
                );
            }
        }
    }
}
