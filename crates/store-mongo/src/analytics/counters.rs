//! Report counters (ADR 0015, "Interaction counters", "Ticket counters"
//! and "Customer counters"), kept by every write that changes what a record
//! is counted under, in its transaction: its instant, what it counts as (an
//! interaction's kind and status; a ticket fact and its duration; a status
//! change and the status it changed to), and its customer's current
//! company and owner.
//!
//! Each [`Family`] has two collections:
//! - keyed (`report_interactions`, `report_tickets`, `report_customers`):
//!   `{g, at, c, o, …, n}` per UTC hour and day (`g` is `"h"` or `"d"`,
//!   `at` the bucket's first instant), company and owner (`null` for none)
//!   and the family's two key fields; read by reports over some customers;
//! - totals (`report_interaction_totals`, `report_ticket_totals`,
//!   `report_customer_totals`): `{g, at, …, n}` per UTC hour, day and month
//!   (`"m"`); read by reports over every customer.
//!
//! A counter's `_id` is its key as text (`g|YYYY-MM-DDTHH|c|o|a|b`, `''`
//! for none; `g|YYYY-MM-DDTHH|a|b` for totals): an upsert finds it through
//! the `_id` index on any server (the test server scans for an `_id` that
//! is a document).
//!
//! A write adds what it counts to a [`Tally`] (`-1` for a record as it
//! was, `+1` as it is); deltas that cancel out write nothing, and the rest
//! go as one `update` command of `$inc` upserts per collection. Counters
//! that fall back to zero stay; they add nothing. Where the records come
//! from, and how a customer's move carries their counts along, is
//! `sources.rs`.

use std::collections::BTreeMap;

use crm_kernel::{BackendError, Timestamp};
use mongodb::ClientSession;
use mongodb::bson::{Bson, DateTime, Document, doc};

use crate::analytics::buckets::Bucket;
use crate::bson::convert::timestamp_of;
use crate::db::client::MongoStore;
use crate::db::error::DbError;

/// How a counter's `_id` writes its bucket's first instant (UTC), as the
/// migrations' `$dateToString` does.
const AT_FORMAT: &str = "%Y-%m-%dT%H";

/// Update statements per `update` command.
const STATEMENTS_PER_COMMAND: usize = 10_000;

/// A family of counters: its two collections and the names of the two
/// fields that, after the bucket, company and owner, complete a key.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Family {
    /// Per UTC hour and day, company and owner.
    pub(crate) keyed: &'static str,
    /// Per UTC hour, day and month over every customer.
    pub(crate) totals: &'static str,
    /// The key fields after company and owner.
    pub(crate) fields: [&'static str; 2],
}

/// Interactions per kind (`k`) and current status (`s`).
pub(crate) const INTERACTIONS: Family = Family {
    keyed: "report_interactions",
    totals: "report_interaction_totals",
    fields: ["k", "s"],
};

/// Ticket facts (`f`: `opened`, `first_response`, `resolved`, `reopened`)
/// and, for first responses and resolutions, the duration since the
/// ticket was raised in minutes, cut to its histogram unit (`m`,
/// `crm_analytics::duration::bucket_of`; `null` for the others).
pub(crate) const TICKETS: Family = Family {
    keyed: "report_tickets",
    totals: "report_ticket_totals",
    fields: ["f", "m"],
};

/// Customers' status changes: the status changed from (`f`, `null` for a
/// customer's first change, its creation) and to (`s`), which tell
/// creations, wins, churns, journeys begun (to `lead`) and qualified (from
/// `lead` to `prospect`) apart.
pub(crate) const CUSTOMERS: Family = Family {
    keyed: "report_customers",
    totals: "report_customer_totals",
    fields: ["f", "s"],
};

/// Email recipients sent to, by fact (`f`: `sent`, `bounced`,
/// `opened_human`, `opened_any`, `clicked_human`, `clicked_any`, `replied`,
/// each once per recipient; `machine_opens`, `machine_clicks`, as many as
/// it had), at the instant it was sent; `m` is unused (`null`).
pub(crate) const EMAILS: Family = Family {
    keyed: "report_emails",
    totals: "report_email_totals",
    fields: ["f", "m"],
};

/// One of a counter's two key fields: text, a whole number or none.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Part {
    /// `null`.
    Null,
    /// A whole number (a duration unit).
    Number(i64),
    /// Text (a kind, status or fact).
    Text(String),
}

impl Part {
    /// The part a stored value or a group key holds.
    pub(crate) fn of(value: Option<&Bson>) -> Result<Self, BackendError> {
        match value {
            None | Some(Bson::Null) => Ok(Self::Null),
            Some(Bson::String(text)) => Ok(Self::Text(text.clone())),
            Some(Bson::Int32(n)) => Ok(Self::Number(i64::from(*n))),
            Some(Bson::Int64(n)) => Ok(Self::Number(*n)),
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a whole number of minutes; checked by the guard"
            )]
            Some(Bson::Double(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                Ok(Self::Number(*n as i64))
            }
            Some(other) => Err(BackendError::msg(format!("a counter key part is {other}"))),
        }
    }

    fn bson(&self) -> Bson {
        match self {
            Self::Null => Bson::Null,
            Self::Number(n) => Bson::Int64(*n),
            Self::Text(text) => Bson::String(text.clone()),
        }
    }

    /// As the `_id` writes it (`''` for none).
    fn key_text(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Number(n) => n.to_string(),
            Self::Text(text) => text.clone(),
        }
    }
}

/// What a record is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counted {
    /// Its counters.
    pub(crate) family: &'static Family,
    /// Its instant.
    pub(crate) at: Timestamp,
    /// The family's two key fields.
    pub(crate) measure: [Part; 2],
    /// Its customer's company (the copy on the record).
    pub(crate) company: Option<String>,
    /// Its customer's owner (the copy on the record).
    pub(crate) owner: Option<String>,
}

impl Counted {
    /// What the interaction document `document` is counted under.
    pub(crate) fn interaction(document: &Document) -> Result<Self, BackendError> {
        let text = |field: &str| {
            document
                .get_str(field)
                .map(|text| Part::Text(text.to_owned()))
                .map_err(|_| BackendError::msg(format!("an interaction without its {field}")))
        };
        Self::of(
            &INTERACTIONS,
            document,
            instant(document, "date_time", "an interaction")?,
            [text("kind")?, text("status")?],
        )
    }

    /// A record of `family` at `at` under `measure`, with its customer's
    /// company and owner from `copies` (the record's copies of them).
    pub(crate) fn of(
        family: &'static Family,
        copies: &Document,
        at: Timestamp,
        measure: [Part; 2],
    ) -> Result<Self, BackendError> {
        Ok(Self {
            family,
            at,
            measure,
            company: optional(copies.get("customer_company_id"))?,
            owner: optional(copies.get("customer_owner_id"))?,
        })
    }

    /// The same record under its customer's `company` and `owner` (each
    /// when given).
    pub(crate) fn moved(
        &self,
        company: Option<&Option<String>>,
        owner: Option<&Option<String>>,
    ) -> Self {
        Self {
            company: company.cloned().unwrap_or_else(|| self.company.clone()),
            owner: owner.cloned().unwrap_or_else(|| self.owner.clone()),
            ..self.clone()
        }
    }
}

/// The instant `field` of a record (`what`, for the error).
pub(crate) fn instant(
    document: &Document,
    field: &str,
    what: &str,
) -> Result<Timestamp, BackendError> {
    document
        .get_datetime(field)
        .ok()
        .and_then(|at| timestamp_of(*at))
        .ok_or_else(|| BackendError::msg(format!("{what} without its {field}")))
}

/// A copy of a customer's company or owner: a string, or none.
pub(crate) fn optional(value: Option<&Bson>) -> Result<Option<String>, BackendError> {
    match value {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::String(id)) => Ok(Some(id.clone())),
        Some(other) => Err(BackendError::msg(format!(
            "a customer copy on a counted record is {other}"
        ))),
    }
}

/// One counter: its family and collection, its bucket, then the rest of
/// its key.
type Key = (
    &'static Family,
    &'static str,
    Bucket,
    i64,
    Option<String>,
    Option<String>,
    [Part; 2],
);

/// Counter deltas gathered before they are written.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    deltas: BTreeMap<Key, i64>,
}

impl Tally {
    /// Counts `counted` `n` times (negative: takes it away).
    pub(crate) fn add(&mut self, counted: &Counted, n: i64) {
        let family = counted.family;
        let scopes = [
            (
                family.keyed,
                Bucket::Hour,
                counted.company.clone(),
                counted.owner.clone(),
            ),
            (
                family.keyed,
                Bucket::Day,
                counted.company.clone(),
                counted.owner.clone(),
            ),
            (family.totals, Bucket::Hour, None, None),
            (family.totals, Bucket::Day, None, None),
            (family.totals, Bucket::Month, None, None),
        ];
        for (collection, bucket, company, owner) in scopes {
            let key = (
                family,
                collection,
                bucket,
                bucket.start_of(counted.at),
                company,
                owner,
                counted.measure.clone(),
            );
            *self.deltas.entry(key).or_default() += n;
        }
    }

    /// Counts each of `records` as many times as its weight, times `sign`.
    pub(crate) fn add_weighted<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a (Counted, i64)>,
        sign: i64,
    ) {
        for (counted, weight) in records {
            self.add(counted, weight * sign);
        }
    }

    /// Counts each of `records` `n` times.
    pub(crate) fn add_all<'a>(&mut self, records: impl IntoIterator<Item = &'a Counted>, n: i64) {
        for counted in records {
            self.add(counted, n);
        }
    }

    /// Whether every delta cancels out.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.deltas.values().all(|n| *n == 0)
    }

    /// The `$inc` upsert statements of the deltas that are not zero, per
    /// collection.
    fn statements(&self) -> BTreeMap<&'static str, Vec<Document>> {
        let mut out: BTreeMap<&'static str, Vec<Document>> = BTreeMap::new();
        for ((family, collection, bucket, at, company, owner, measure), n) in &self.deltas {
            if *n == 0 {
                continue;
            }
            let hour = Timestamp::from_millis(*at)
                .map(|at| at.as_datetime().format(AT_FORMAT).to_string())
                .unwrap_or_default();
            let mut fields = doc! { "g": bucket.code(), "at": DateTime::from_millis(*at) };
            let [a, b] = measure;
            let id = if *collection == family.keyed {
                fields.insert("c", company.clone());
                fields.insert("o", owner.clone());
                format!(
                    "{}|{hour}|{}|{}|{}|{}",
                    bucket.code(),
                    company.as_deref().unwrap_or_default(),
                    owner.as_deref().unwrap_or_default(),
                    a.key_text(),
                    b.key_text(),
                )
            } else {
                format!("{}|{hour}|{}|{}", bucket.code(), a.key_text(), b.key_text())
            };
            fields.insert(family.fields[0], a.bson());
            fields.insert(family.fields[1], b.bson());
            out.entry(collection).or_default().push(doc! {
                "q": { "_id": id },
                "u": { "$inc": { "n": n }, "$setOnInsert": fields },
                "upsert": true,
            });
        }
        out
    }
}

impl MongoStore {
    /// Writes the deltas of `tally`: in the session's transaction, or on
    /// their own (the bulk loader) acknowledged by a majority.
    pub(crate) async fn write_tally<R>(
        &self,
        mut session: Option<&mut ClientSession>,
        tally: &Tally,
    ) -> Result<(), DbError<R>> {
        for (collection, statements) in tally.statements() {
            for chunk in statements.chunks(STATEMENTS_PER_COMMAND) {
                let mut command = doc! {
                    "update": collection,
                    "updates": chunk,
                    "ordered": true,
                };
                let answer = if let Some(session) = session.as_deref_mut() {
                    self.database()
                        .run_command(command)
                        .session(session)
                        .await?
                } else {
                    command.insert("writeConcern", doc! { "w": "majority" });
                    self.database().run_command(command).await?
                };
                if let Ok(errors) = answer.get_array("writeErrors")
                    && let Some(first) = errors.first()
                {
                    return Err(DbError::backend(format!(
                        "a counter update of {collection} failed: {first}"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(at: &str, status: &str, owner: Option<&str>) -> Counted {
        Counted {
            family: &INTERACTIONS,
            at: Timestamp::parse_rfc3339(at).unwrap(),
            measure: [Part::Text("call".into()), Part::Text(status.into())],
            company: None,
            owner: owner.map(str::to_owned),
        }
    }

    fn ids(statements: &[Document]) -> Vec<&str> {
        statements
            .iter()
            .map(|s| s.get_document("q").unwrap().get_str("_id").unwrap())
            .collect()
    }

    #[test]
    fn an_interaction_counts_in_two_keyed_and_three_total_buckets() {
        let mut tally = Tally::default();
        tally.add(&counted("2026-03-01T10:15:00Z", "completed", Some("u")), 1);
        let statements = tally.statements();
        assert_eq!(statements[INTERACTIONS.keyed].len(), 2);
        assert_eq!(statements[INTERACTIONS.totals].len(), 3);
        let first = &statements[INTERACTIONS.keyed][0];
        assert_eq!(
            first.get_document("q").unwrap(),
            &doc! { "_id": "h|2026-03-01T10||u|call|completed" }
        );
        assert_eq!(
            first.get_document("u").unwrap(),
            &doc! {
                "$inc": { "n": 1_i64 },
                "$setOnInsert": {
                    "g": "h",
                    "at": DateTime::from_millis(
                        Timestamp::parse_rfc3339("2026-03-01T10:00:00Z").unwrap().as_millis()
                    ),
                    "c": Bson::Null,
                    "o": "u",
                    "k": "call",
                    "s": "completed",
                },
            }
        );
        assert_eq!(
            ids(&statements[INTERACTIONS.totals]),
            [
                "h|2026-03-01T10|call|completed",
                "d|2026-03-01T00|call|completed",
                "m|2026-03-01T00|call|completed",
            ]
        );
    }

    #[test]
    fn a_ticket_fact_keys_its_duration_unit_as_a_number() {
        let mut tally = Tally::default();
        let resolved = Counted {
            family: &TICKETS,
            at: Timestamp::parse_rfc3339("2026-03-01T10:15:00Z").unwrap(),
            measure: [Part::Text("resolved".into()), Part::Number(1_440)],
            company: Some("c".into()),
            owner: None,
        };
        tally.add(&resolved, 1);
        let statements = tally.statements();
        assert_eq!(
            ids(&statements[TICKETS.keyed]),
            [
                "h|2026-03-01T10|c||resolved|1440",
                "d|2026-03-01T00|c||resolved|1440"
            ]
        );
        let first = statements[TICKETS.keyed][0].get_document("u").unwrap();
        let fields = first.get_document("$setOnInsert").unwrap();
        assert_eq!(fields.get("f"), Some(&Bson::from("resolved")));
        assert_eq!(fields.get("m"), Some(&Bson::Int64(1_440)));
        assert_eq!(
            ids(&statements[TICKETS.totals])[0],
            "h|2026-03-01T10|resolved|1440"
        );
        assert!(!statements.contains_key(INTERACTIONS.keyed));
    }

    #[test]
    fn deltas_that_cancel_out_write_nothing() {
        let mut tally = Tally::default();
        let before = counted("2026-03-01T10:15:00Z", "scheduled", Some("u"));
        tally.add(&before, -1);
        tally.add(&before, 1);
        assert!(tally.is_empty());
        assert!(tally.statements().is_empty());
        // A new status moves the keyed and total counts of every bucket.
        let after = counted("2026-03-01T10:15:00Z", "completed", Some("u"));
        tally.add(&before, -1);
        tally.add(&after, 1);
        let statements = tally.statements();
        assert_eq!(statements[INTERACTIONS.keyed].len(), 4);
        assert_eq!(statements[INTERACTIONS.totals].len(), 6);
        // A new owner moves the keyed counts only.
        let mut moved = Tally::default();
        moved.add(&after, -3);
        moved.add(&after.moved(None, Some(&None)), 3);
        let statements = moved.statements();
        assert_eq!(statements[INTERACTIONS.keyed].len(), 4);
        assert!(!statements.contains_key(INTERACTIONS.totals));
    }
}
