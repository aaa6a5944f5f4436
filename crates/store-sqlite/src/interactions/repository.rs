//! Interactions: [`InteractionRepository`] on the `interactions` and
//! `interaction_attendees` tables, maintaining `customers.last_interaction`.

use std::time::Duration;

use async_trait::async_trait;
use crm_interactions::ports::{InteractionRepository, StoreError};
use crm_interactions::{Interaction, InteractionQuery, MAX_LENGTH};
use crm_kernel::{
    CursorPosition, InteractionId, Page, PageRequest, Timestamp, UserId, Version, Visibility,
};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row};

use crate::db::error::InteractionDbError;
use crate::db::open::SqliteStore;
use crate::interactions::list;
use crate::interactions::rows::{INTERACTION_COLUMNS, InteractionRow};
use crate::interactions::writes;
use crate::sql::ListQuery;

/// The organizer's scheduled meetings and calls overlapping `[?2, ?3)`.
///
/// An interaction `[date_time, end_time)` overlaps when
/// `date_time < ?3 AND end_time > ?2`; one without end (or with an end equal
/// to its start) occupies its start instant and overlaps when
/// `?2 <= date_time < ?3`. Both read as `date_time < ?3 AND (date_time >= ?2
/// OR end_time > ?2)`: for an interval that ends after it starts the second
/// test adds nothing, and for an instant `end_time > ?2` is NULL or no
/// weaker. Touching intervals do not overlap.
///
/// `?4` is `?2` less the longest an interaction lasts
/// ([`crm_interactions::MAX_LENGTH`]): one that starts at or before it ends
/// at or before `?2`, so `date_time > ?4` loses nothing and bounds the range
/// read on both sides: the cost no longer grows with the organizer's past.
/// `?5` is `?2` less a day ([`SHORT`]): an interaction of a day or less that
/// starts at or before it ends at or before `?2` too. So the first branch
/// reads `interactions_by_organizer` from `?5` only, filtering on the end,
/// status and kind it holds (migration 0015) without reading the rows; the
/// second reads the few longer interactions (`interactions_long_by_organizer`,
/// migration 0016, whose condition it repeats word for word) that start in
/// `(?4, ?5]`. That index is named: left to itself, the planner took the
/// organizer's covering index and read its six days of entries. The
/// branches share no start, so none is found twice.
const OVERLAPPING: &str = "SELECT {columns} FROM interactions i \
     WHERE i.organizer_id = ?1 AND i.status = 'scheduled' AND i.kind IN ('meeting', 'call') \
       AND i.date_time > ?5 AND i.date_time < ?3 AND (i.date_time >= ?2 OR i.end_time > ?2) \
     UNION ALL \
     SELECT {columns} FROM interactions i INDEXED BY interactions_long_by_organizer \
     WHERE i.organizer_id = ?1 \
       AND i.end_time > strftime('%Y-%m-%dT%H:%M:%fZ', i.date_time, '+1 day') \
       AND i.status = 'scheduled' AND i.kind IN ('meeting', 'call') \
       AND i.date_time > ?4 AND i.date_time <= ?5 AND i.end_time > ?2 \
     ORDER BY 4, 1";

/// The longest an interaction read by the first branch of [`OVERLAPPING`]
/// lasts: a day.
const SHORT: Duration = Duration::from_hours(24);

/// The interactions user `?1` organises or attends as a staff attendee,
/// starting in `[?2, ?3)`, oldest first.
const CALENDAR: &str = "SELECT {columns} FROM interactions i \
     WHERE i.date_time >= ?2 AND i.date_time < ?3 \
       AND i.id IN (SELECT o.id FROM interactions o \
                    WHERE o.organizer_id = ?1 AND o.date_time >= ?2 AND o.date_time < ?3 \
                    UNION \
                    SELECT a.interaction_id FROM interaction_attendees a WHERE a.user_id = ?1) \
     ORDER BY i.date_time, i.id";

#[async_trait]
impl InteractionRepository for SqliteStore {
    /// Checks the customers, stores the interactions and recomputes the
    /// customers' `last_interaction` in one `BEGIN IMMEDIATE` transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(count = interactions.len()))]
    async fn insert(&self, interactions: &[Interaction]) -> Result<(), StoreError> {
        if interactions.is_empty() {
            return Ok(());
        }
        let interactions = interactions.to_vec();
        self.write(move |tx| writes::insert(tx, &interactions))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(interaction_id = %id))]
    async fn get(&self, id: InteractionId) -> Result<Option<Interaction>, StoreError> {
        let interaction = self
            .read(move |conn| {
                let sql =
                    format!("SELECT {INTERACTION_COLUMNS} FROM interactions i WHERE i.id = ?1");
                let row = conn
                    .prepare_cached(&sql)?
                    .query_row([id.to_string()], InteractionRow::read)
                    .optional()?;
                Ok::<_, InteractionDbError>(row.map(InteractionRow::into_interaction).transpose()?)
            })
            .await?;
        Ok(interaction)
    }

    /// Replaces the interaction and recomputes its customer's
    /// `last_interaction` in one `BEGIN IMMEDIATE` transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(interaction_id = %interaction.id))]
    async fn update(&self, interaction: &Interaction, expected: Version) -> Result<(), StoreError> {
        let interaction = interaction.clone();
        self.write(move |tx| writes::update(tx, &interaction, expected))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &InteractionQuery,
        visibility: &Visibility,
        include_staff_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Interaction>, StoreError> {
        let plan = list::list_plan(query, visibility, include_staff_only, page);
        let rows = self.list_rows(plan, interaction).await?;
        Ok(Page::from_overfetch(rows, page.limit, |interaction| {
            CursorPosition {
                key: Some(interaction.date_time.to_rfc3339()),
                id: interaction.id.to_string(),
            }
        }))
    }

    /// See `OVERLAPPING` for the exact rule. An empty window
    /// (`end <= start`, as for an interaction without end) is read as the
    /// instant `start`, the millisecond `[start, start + 1 ms)`: it overlaps
    /// an interval that contains `start` and an instant at `start`.
    #[tracing::instrument(level = "debug", skip_all, fields(organizer = %organizer))]
    async fn overlapping(
        &self,
        organizer: UserId,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError> {
        let end = if end > start {
            end
        } else {
            start.plus(Duration::from_millis(1))
        };
        let before = |length: Duration| {
            Timestamp::from_millis(
                start.as_millis() - i64::try_from(length.as_millis()).unwrap_or(i64::MAX),
            )
            .unwrap_or(start)
        };
        let query = ListQuery {
            sql: OVERLAPPING.replace("{columns}", INTERACTION_COLUMNS),
            params: vec![
                Value::Text(organizer.to_string()),
                Value::Text(start.to_rfc3339()),
                Value::Text(end.to_rfc3339()),
                Value::Text(before(MAX_LENGTH).to_rfc3339()),
                Value::Text(before(SHORT).to_rfc3339()),
            ],
        };
        let found = self.read(move |conn| query.rows(conn, interaction)).await?;
        Ok(found)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    async fn calendar(
        &self,
        user: UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError> {
        self.in_window(CALENDAR, user, from, to).await
    }
}

impl SqliteStore {
    /// The interactions `statement` ([`CALENDAR`]) finds
    /// for user `?1` in the window `[?2, ?3)` = `[from, to)`.
    async fn in_window(
        &self,
        statement: &'static str,
        user: UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Interaction>, StoreError> {
        let query = ListQuery {
            sql: statement.replace("{columns}", INTERACTION_COLUMNS),
            params: vec![
                Value::Text(user.to_string()),
                Value::Text(from.to_rfc3339()),
                Value::Text(to.to_rfc3339()),
            ],
        };
        let found = self.read(move |conn| query.rows(conn, interaction)).await?;
        Ok(found)
    }
}

/// Reads the columns of [`INTERACTION_COLUMNS`] into an interaction.
fn interaction(row: &Row<'_>) -> Result<Interaction, InteractionDbError> {
    Ok(InteractionRow::read(row)?.into_interaction()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::plans::{explain, migrated};

    /// The plan of [`OVERLAPPING`] on a migrated database.
    async fn overlap_plan() -> String {
        let (_dir, store) = migrated().await;
        let sql = OVERLAPPING.replace("{columns}", INTERACTION_COLUMNS);
        let params = ["u", "b", "c", "a", "a1"].map(|p| Value::Text(p.to_owned()));
        explain(&store, sql, params.to_vec()).await
    }

    /// The last day before the start on the organizer's index, the six
    /// before it on the index of interactions longer than a day (0016).
    #[tokio::test]
    async fn the_overlap_check_reads_ranges_of_the_organizer_indexes_bounded_on_both_sides() {
        let plan = overlap_plan().await;
        for index in [
            "interactions_by_organizer",
            "interactions_long_by_organizer",
        ] {
            assert!(
                plan.contains(&format!(
                    "SEARCH i USING INDEX {index} (organizer_id=? AND date_time>? AND date_time<?)"
                )),
                "{index}: {plan}"
            );
        }
        assert!(!plan.contains("SCAN"), "{plan}");
    }

    /// The program of [`OVERLAPPING`]: `(opcode, p1, p2, p3)` of each step.
    async fn overlap_program() -> Vec<(String, i64, i64, i64)> {
        let (_dir, store) = migrated().await;
        store
            .with_reader(|conn| {
                let sql = format!(
                    "EXPLAIN {}",
                    OVERLAPPING.replace("{columns}", INTERACTION_COLUMNS)
                );
                let mut statement = conn.prepare(&sql)?;
                statement
                    .query_map(["u", "b", "c", "a", "a1"], |row| {
                        Ok((row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .unwrap()
            .unwrap()
    }

    /// Migration 0015: the check reads the end, status and kind of each
    /// entry of the range from the index, and an interaction's row only
    /// once those let it through (the row's read is deferred until then).
    #[tokio::test]
    async fn the_overlap_check_filters_on_the_index_before_reading_a_row() {
        let program = overlap_program().await;
        let seek = program
            .iter()
            .position(|(op, ..)| op == "DeferredSeek")
            .expect("the row's read is deferred");
        let (_, index, _, table) = program[seek].clone();
        let after = &program[seek + 1..];
        let first_row_read = after
            .iter()
            .position(|(op, cursor, ..)| op == "Column" && *cursor == table)
            .expect("the row is read for the columns returned");
        // end_time, status and kind: columns 3, 4 and 5 of the index.
        for column in 3..=5 {
            let read = after
                .iter()
                .position(|(op, cursor, at, _)| op == "Column" && *cursor == index && *at == column)
                .unwrap_or_else(|| panic!("column {column} of the index is read: {program:?}"));
            assert!(read < first_row_read, "{program:?}");
        }
    }
}
