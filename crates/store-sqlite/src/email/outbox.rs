//! The outbox: [`Outbox`] on `email_recipients`. A claim is one `UPDATE …
//! RETURNING` inside a `BEGIN IMMEDIATE` transaction, so two claims, from
//! this process or another one on the same file, never return one recipient.

use async_trait::async_trait;
use crm_email::ports::{Outbox, StoreError};
use crm_email::{Claimed, Recipient, RecipientStatus, WorkerId};
use crm_kernel::{RecipientId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

use crate::db::error::EmailDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::timestamp_opt;
use crate::email::repository::email;
use crate::email::rows::{OUTCOME_SET, outcome_values, read_recipient, recipient_columns};
use crate::sql::Filter;

/// The ids of the first `?4` recipients to claim at `?3`, by (due, id):
/// queued ones that are due, and sending ones whose lease ran out. Each kind
/// reads its own partial index from its start and stops after `?4` (the
/// first `?4` of both are among the first `?4` of each): one `OR` over both
/// sorted every due recipient for each claim, and a long queue kept the
/// writer busy with sorting. `INDEXED BY`: without statistics the planner
/// prefers the status index and sorts the whole queue again.
pub(crate) const CLAIMABLE: &str = "SELECT id FROM ( \
       SELECT * FROM (SELECT id, next_attempt_at \
         FROM email_recipients INDEXED BY email_recipients_due \
         WHERE status = 'queued' AND next_attempt_at <= ?3 \
         ORDER BY next_attempt_at, id LIMIT ?4) \
       UNION ALL \
       SELECT * FROM (SELECT id, next_attempt_at \
         FROM email_recipients INDEXED BY email_recipients_leased \
         WHERE status = 'sending' AND lease_until <= ?3 \
         ORDER BY next_attempt_at, id LIMIT ?4)) \
     ORDER BY next_attempt_at, id LIMIT ?4";

#[async_trait]
impl Outbox for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(worker = %worker, limit))]
    async fn claim(
        &self,
        worker: WorkerId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        let claimed = self
            .write(move |tx| {
                let sql = format!(
                    "UPDATE email_recipients SET status = 'sending', attempts = attempts + 1, \
                     lease_worker = ?1, lease_until = ?2, updated_at = ?3 \
                     WHERE id IN ({CLAIMABLE}) \
                     RETURNING {}",
                    recipient_columns("")
                );
                let now = now.to_rfc3339();
                let recipients: Vec<Recipient> = tx
                    .prepare_cached(&sql)?
                    .query_and_then(
                        params![worker.to_string(), lease_until.to_rfc3339(), now, limit],
                        |row| read_recipient(row, 0),
                    )?
                    .collect::<Result<_, _>>()?;
                let mut claimed = Vec::with_capacity(recipients.len());
                for recipient in recipients {
                    let message = email(tx, recipient.email_id)?.ok_or_else(|| {
                        EmailDbError::Backend(crm_kernel::BackendError::msg(format!(
                            "recipient {} has no message",
                            recipient.id
                        )))
                    })?;
                    claimed.push(Claimed {
                        email: message,
                        recipient,
                    });
                }
                claimed.sort_by(|a, b| {
                    (a.recipient.next_attempt_at, a.recipient.id)
                        .cmp(&(b.recipient.next_attempt_at, b.recipient.id))
                });
                Ok::<_, EmailDbError>(claimed)
            })
            .await?;
        Ok(claimed)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %recipient.id, worker = %worker))]
    async fn complete(&self, recipient: &Recipient, worker: WorkerId) -> Result<(), StoreError> {
        let recipient = recipient.clone();
        self.write(move |tx| {
            let mut values = outcome_values(&recipient);
            values.push(Value::Text(recipient.id.to_string()));
            values.push(Value::Text(worker.to_string()));
            let changed = tx
                .prepare_cached(&format!(
                    "UPDATE email_recipients SET {OUTCOME_SET} \
                     WHERE id = ? AND status = 'sending' AND lease_worker = ?"
                ))?
                .execute(params_from_iter(values))?;
            if changed == 0 {
                return Err(EmailDbError::refused(StoreError::LeaseLost));
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(worker = %worker))]
    async fn release<'a>(
        &self,
        worker: WorkerId,
        only: Option<&'a [RecipientId]>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let only: Option<Vec<String>> =
            only.map(|ids| ids.iter().map(ToString::to_string).collect());
        if only.as_ref().is_some_and(Vec::is_empty) {
            return Ok(0);
        }
        let released = self
            .write(move |tx| {
                let mut filter = Filter::after_from(vec![
                    Value::Text(now.to_rfc3339()),
                    Value::Text(now.to_rfc3339()),
                ]);
                filter.condition("status = 'sending'");
                filter.push_text("lease_worker = ?", worker.to_string());
                if let Some(ids) = only {
                    filter.one_of("id", ids);
                }
                let sql = format!(
                    "UPDATE email_recipients SET status = 'queued', \
                     attempts = max(attempts - 1, 0), next_attempt_at = ?, \
                     lease_worker = NULL, lease_until = NULL, updated_at = ?{}",
                    filter.where_clause()
                );
                let changed = tx
                    .prepare_cached(&sql)?
                    .execute(params_from_iter(filter.into_params()))?;
                Ok::<_, EmailDbError>(changed as u64)
            })
            .await?;
        Ok(released)
    }

    async fn depth(&self) -> Result<u64, StoreError> {
        let depth = self
            .read(|conn| {
                let count: i64 = conn
                    .prepare_cached(
                        "SELECT (SELECT count(*) FROM email_recipients WHERE status = 'queued') \
                         + (SELECT count(*) FROM email_recipients WHERE status = 'sending')",
                    )?
                    .query_row([], |row| row.get(0))?;
                Ok::<_, EmailDbError>(u64::try_from(count).unwrap_or_default())
            })
            .await?;
        Ok(depth)
    }

    async fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let due = self
            .read(|conn| {
                let due: Option<String> = conn
                    .prepare_cached(
                        "SELECT min(t) FROM ( \
                           SELECT min(next_attempt_at) AS t FROM email_recipients \
                             WHERE status = 'queued' \
                           UNION ALL \
                           SELECT min(lease_until) FROM email_recipients WHERE status = 'sending')",
                    )?
                    .query_row([], |row| row.get(0))
                    .optional()?
                    .flatten();
                Ok::<_, EmailDbError>(timestamp_opt(
                    "email_recipients.next_attempt_at",
                    due.as_deref(),
                )?)
            })
            .await?;
        Ok(due)
    }
}

/// Moves a recipient from `expected` to `next`'s state (a bounce), in the
/// caller's transaction; [`StoreError::VersionConflict`] when its stored
/// status is not `expected`.
pub(crate) fn change_status(
    conn: &rusqlite::Connection,
    next: &Recipient,
    expected: RecipientStatus,
) -> Result<(), EmailDbError> {
    let mut values = outcome_values(next);
    values.push(Value::Text(next.id.to_string()));
    values.push(Value::Text(expected.as_str().to_owned()));
    let changed = conn
        .prepare_cached(&format!(
            "UPDATE email_recipients SET {OUTCOME_SET} WHERE id = ? AND status = ?"
        ))?
        .execute(params_from_iter(values))?;
    if changed == 0 {
        return Err(EmailDbError::refused(StoreError::VersionConflict));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::CLAIMABLE;
    use crate::db::error::EmailDbError;
    use crate::db::open::SqliteStore;

    #[tokio::test]
    async fn a_claim_reads_the_due_index_from_its_start_and_sorts_no_queue() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        store.migrate().await.unwrap();
        let plan = store
            .read(|conn| {
                let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {CLAIMABLE}"))?;
                let details: Vec<String> = statement
                    .query_map(
                        rusqlite::params!["", "", "2026-01-01T00:00:00.000Z", 10],
                        |row| row.get(3),
                    )?
                    .collect::<Result<_, _>>()?;
                Ok::<_, EmailDbError>(details.join("\n"))
            })
            .await
            .unwrap();
        assert!(
            plan.contains("SEARCH email_recipients USING COVERING INDEX email_recipients_due (next_attempt_at<?)"),
            "{plan}"
        );
        assert!(
            plan.contains(
                "SEARCH email_recipients USING INDEX email_recipients_leased (lease_until<?)"
            ),
            "{plan}"
        );
        assert!(!plan.contains("SCAN email_recipients"), "{plan}");
    }
}
