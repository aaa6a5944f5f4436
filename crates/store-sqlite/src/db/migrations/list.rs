//! The embedded migrations, in order.

use super::Migration;

/// Every migration, in order. A new file in `migrations/sqlite` is added
/// here too (a test checks that the two agree).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "identity",
        sql: include_str!("../../../../../migrations/sqlite/0001_identity.sql"),
    },
    Migration {
        version: 2,
        name: "customers",
        sql: include_str!("../../../../../migrations/sqlite/0002_customers.sql"),
    },
    Migration {
        version: 3,
        name: "tickets",
        sql: include_str!("../../../../../migrations/sqlite/0003_tickets.sql"),
    },
    Migration {
        version: 4,
        name: "interactions",
        sql: include_str!("../../../../../migrations/sqlite/0004_interactions.sql"),
    },
    Migration {
        version: 5,
        name: "session_checks",
        sql: include_str!("../../../../../migrations/sqlite/0005_session_checks.sql"),
    },
    Migration {
        version: 6,
        name: "email",
        sql: include_str!("../../../../../migrations/sqlite/0006_email.sql"),
    },
    Migration {
        version: 7,
        name: "report_counters",
        sql: include_str!("../../../../../migrations/sqlite/0007_report_counters.sql"),
    },
    Migration {
        version: 8,
        name: "list_indexes",
        sql: include_str!("../../../../../migrations/sqlite/0008_list_indexes.sql"),
    },
    Migration {
        version: 9,
        name: "report_totals",
        sql: include_str!("../../../../../migrations/sqlite/0009_report_totals.sql"),
    },
    Migration {
        version: 10,
        name: "report_leads",
        sql: include_str!("../../../../../migrations/sqlite/0010_report_leads.sql"),
    },
    Migration {
        version: 11,
        name: "report_email",
        sql: include_str!("../../../../../migrations/sqlite/0011_report_email.sql"),
    },
    Migration {
        version: 12,
        name: "report_duration_units",
        sql: include_str!("../../../../../migrations/sqlite/0012_report_duration_units.sql"),
    },
    Migration {
        version: 13,
        name: "last_interaction_index",
        sql: include_str!("../../../../../migrations/sqlite/0013_last_interaction_index.sql"),
    },
    Migration {
        version: 14,
        name: "interaction_write_indexes",
        sql: include_str!("../../../../../migrations/sqlite/0014_interaction_write_indexes.sql"),
    },
    Migration {
        version: 15,
        name: "overlap_index",
        sql: include_str!("../../../../../migrations/sqlite/0015_overlap_index.sql"),
    },
    Migration {
        version: 16,
        name: "long_interactions_index",
        sql: include_str!("../../../../../migrations/sqlite/0016_long_interactions_index.sql"),
    },
];
