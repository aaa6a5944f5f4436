//! The interaction counters (ADR 0015, "Interaction counters"), kept by
//! every write that changes what an interaction is counted under, in its
//! transaction: its start, kind and status, and its customer's current
//! company and owner.
//!
//! - `report_interactions`: `{g, at, c, o, k, s, n}` per UTC hour and day
//!   (`g` is `"h"` or `"d"`, `at` the bucket's first instant), company and
//!   owner (`null` for none), kind and status; read by reports over some
//!   customers;
//! - `report_interaction_totals`: `{g, at, k, s, n}` per UTC hour, day and
//!   month (`"m"`); read by reports over every customer.
//!
//! A counter's `_id` is its key as text (`g|YYYY-MM-DDTHH|c|o|k|s`, `''`
//! for none; `g|YYYY-MM-DDTHH|k|s` for totals): an upsert finds it through
//! the `_id` index on any server (the test server scans for an `_id` that
//! is a document).
//!
//! A write adds what it counts to a [`Tally`] (`-1` for the interaction as
//! it was, `+1` as it is); deltas that cancel out write nothing, and the
//! rest go as one `update` command of `$inc` upserts per collection.
//! Counters that fall back to zero stay; they add nothing.

use std::collections::BTreeMap;

use crm_kernel::{BackendError, Timestamp};
use mongodb::ClientSession;
use mongodb::bson::{Bson, DateTime, Document, doc};

use crate::analytics::buckets::{Bucket, hour_of};
use crate::bson::convert::timestamp_of;
use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::names;
use crate::db::ops::aggregate_all;

/// Counter documents per UTC hour and day, company, owner, kind and status.
pub(crate) const KEYED: &str = "report_interactions";
/// Counter documents per UTC hour, day and month, kind and status.
pub(crate) const TOTALS: &str = "report_interaction_totals";

/// How a counter's `_id` writes its bucket's first instant (UTC), as
/// migration 0009's `$dateToString` does.
const AT_FORMAT: &str = "%Y-%m-%dT%H";

/// Update statements per `update` command.
const STATEMENTS_PER_COMMAND: usize = 10_000;

/// What an interaction is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counted {
    /// Its start.
    pub(crate) at: Timestamp,
    /// Its kind, as stored.
    pub(crate) kind: String,
    /// Its status, as stored.
    pub(crate) status: String,
    /// Its customer's company (the copy on the interaction).
    pub(crate) company: Option<String>,
    /// Its customer's owner (the copy on the interaction).
    pub(crate) owner: Option<String>,
}

impl Counted {
    /// What the interaction document `document` is counted under.
    pub(crate) fn of(document: &Document) -> Result<Self, BackendError> {
        let text = |field: &str| {
            document
                .get_str(field)
                .map(str::to_owned)
                .map_err(|_| BackendError::msg(format!("an interaction without its {field}")))
        };
        let at = document
            .get_datetime("date_time")
            .ok()
            .and_then(|at| timestamp_of(*at))
            .ok_or_else(|| BackendError::msg("an interaction without its date_time"))?;
        Ok(Self {
            at,
            kind: text("kind")?,
            status: text("status")?,
            company: optional(document.get("customer_company_id"))?,
            owner: optional(document.get("customer_owner_id"))?,
        })
    }
}

/// A copy of a customer's company or owner: a string, or none.
fn optional(value: Option<&Bson>) -> Result<Option<String>, BackendError> {
    match value {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::String(id)) => Ok(Some(id.clone())),
        Some(other) => Err(BackendError::msg(format!(
            "a customer copy on an interaction is {other}"
        ))),
    }
}

/// One counter: its collection and bucket, then the rest of its key.
type Key = (
    &'static str,
    Bucket,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// Counter deltas gathered before they are written.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    deltas: BTreeMap<Key, i64>,
}

impl Tally {
    /// Counts `counted` `n` times (negative: takes it away).
    pub(crate) fn add(&mut self, counted: &Counted, n: i64) {
        let scopes = [
            (
                KEYED,
                Bucket::Hour,
                counted.company.clone(),
                counted.owner.clone(),
            ),
            (
                KEYED,
                Bucket::Day,
                counted.company.clone(),
                counted.owner.clone(),
            ),
            (TOTALS, Bucket::Hour, None, None),
            (TOTALS, Bucket::Day, None, None),
            (TOTALS, Bucket::Month, None, None),
        ];
        for (collection, bucket, company, owner) in scopes {
            let key = (
                collection,
                bucket,
                bucket.start_of(counted.at),
                company,
                owner,
                counted.kind.clone(),
                counted.status.clone(),
            );
            *self.deltas.entry(key).or_default() += n;
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
        for ((collection, bucket, at, company, owner, kind, status), n) in &self.deltas {
            if *n == 0 {
                continue;
            }
            let hour = Timestamp::from_millis(*at)
                .map(|at| at.as_datetime().format(AT_FORMAT).to_string())
                .unwrap_or_default();
            let mut fields = doc! { "g": bucket.code(), "at": DateTime::from_millis(*at) };
            let id = if *collection == KEYED {
                fields.insert("c", company.clone());
                fields.insert("o", owner.clone());
                format!(
                    "{}|{hour}|{}|{}|{kind}|{status}",
                    bucket.code(),
                    company.as_deref().unwrap_or_default(),
                    owner.as_deref().unwrap_or_default(),
                )
            } else {
                format!("{}|{hour}|{kind}|{status}", bucket.code())
            };
            fields.insert("k", kind);
            fields.insert("s", status);
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

    /// Moves the counts of the interactions `filter` selects to their
    /// customers' new company (`company`, when given) and owner (`owner`,
    /// when given), before their copies are rewritten: the interactions are
    /// grouped by UTC hour and key in the database, each group taken away
    /// from its old key and added to the new one. The totals do not change.
    pub(crate) async fn move_interaction_counts<R>(
        &self,
        session: &mut ClientSession,
        filter: Document,
        company: Option<&Bson>,
        owner: Option<&Bson>,
    ) -> Result<(), DbError<R>> {
        let pipeline = vec![
            doc! { "$match": filter },
            doc! { "$group": {
                "_id": {
                    "at": hour_of("$date_time"),
                    "c": { "$ifNull": ["$customer_company_id", Bson::Null] },
                    "o": { "$ifNull": ["$customer_owner_id", Bson::Null] },
                    "k": "$kind",
                    "s": "$status",
                },
                "n": { "$sum": 1 },
            } },
        ];
        let groups = aggregate_all(
            &self.collection(names::INTERACTIONS),
            pipeline,
            Some(&mut *session),
        )
        .await?;
        let company = company.map(|c| optional(Some(c))).transpose()?;
        let owner = owner.map(|o| optional(Some(o))).transpose()?;
        let mut tally = Tally::default();
        for group in &groups {
            let key = group
                .get_document("_id")
                .map_err(|_| BackendError::msg("an interaction group without its key"))?;
            let text = |field: &str| {
                key.get_str(field)
                    .map(str::to_owned)
                    .map_err(|_| BackendError::msg(format!("an interaction group without {field}")))
            };
            let before = Counted {
                at: key
                    .get_datetime("at")
                    .ok()
                    .and_then(|at| timestamp_of(*at))
                    .ok_or_else(|| BackendError::msg("an interaction group without its hour"))?,
                kind: text("k")?,
                status: text("s")?,
                company: optional(key.get("c"))?,
                owner: optional(key.get("o"))?,
            };
            let after = Counted {
                company: company.clone().unwrap_or_else(|| before.company.clone()),
                owner: owner.clone().unwrap_or_else(|| before.owner.clone()),
                ..before.clone()
            };
            let n = crate::analytics::query::count_of(group.get("n"), "of interactions")?;
            let n = i64::try_from(n).map_err(BackendError::new)?;
            tally.add(&before, -n);
            tally.add(&after, n);
        }
        self.write_tally(Some(session), &tally).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(at: &str, status: &str, owner: Option<&str>) -> Counted {
        Counted {
            at: Timestamp::parse_rfc3339(at).unwrap(),
            kind: "call".into(),
            status: status.into(),
            company: None,
            owner: owner.map(str::to_owned),
        }
    }

    #[test]
    fn an_interaction_counts_in_two_keyed_and_three_total_buckets() {
        let mut tally = Tally::default();
        tally.add(&counted("2026-03-01T10:15:00Z", "completed", Some("u")), 1);
        let statements = tally.statements();
        assert_eq!(statements[KEYED].len(), 2);
        assert_eq!(statements[TOTALS].len(), 3);
        let first = &statements[KEYED][0];
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
        let ids: Vec<&str> = statements[TOTALS]
            .iter()
            .map(|s| s.get_document("q").unwrap().get_str("_id").unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "h|2026-03-01T10|call|completed",
                "d|2026-03-01T00|call|completed",
                "m|2026-03-01T00|call|completed",
            ]
        );
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
        assert_eq!(statements[KEYED].len(), 4);
        assert_eq!(statements[TOTALS].len(), 6);
        // A new owner moves the keyed counts only.
        let mut moved = Tally::default();
        moved.add(&after, -3);
        moved.add(&counted("2026-03-01T10:15:00Z", "completed", None), 3);
        let statements = moved.statements();
        assert_eq!(statements[KEYED].len(), 4);
        assert!(!statements.contains_key(TOTALS));
    }
}
