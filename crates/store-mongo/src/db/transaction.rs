//! Multi-document transactions: snapshot reads, majority commits, and the
//! retries the server asks for.
//!
//! A transaction that meets a concurrent write (`WriteConflict`), a failover
//! or a unique key taken concurrently runs again from the start, as the
//! server's `TransientTransactionError` label says it may; a commit whose
//! outcome is unknown (`UnknownTransactionCommitResult`) is committed again
//! (commits are idempotent). Both stop after [`RETRY_WINDOW`].

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use mongodb::ClientSession;
use mongodb::error::{TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::options::{ReadConcern, WriteConcern};

use crate::db::client::MongoStore;
use crate::db::error::DbError;

/// How long a transaction keeps retrying before it reports the last failure
/// (the window the drivers' own `withTransaction` helpers use is 120 s).
const RETRY_WINDOW: Duration = Duration::from_mins(1);

/// How often a transaction runs again because a key it had checked was
/// taken concurrently: once is what it takes (the next run reads the key);
/// more means the key is held in a way no check sees, which is reported.
const MAX_DUPLICATE_RETRIES: u32 = 3;

/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_millis(100);

impl MongoStore {
    /// Runs `work` in a transaction on a new session and commits it; runs it
    /// again when the failure is transient ([`DbError::is_transient`]).
    ///
    /// `work` gets the session (pass it to every operation) and `context`
    /// (what it reads and writes), and may run several times: it must not
    /// keep state between runs. A refusal ([`DbError::Refused`]) aborts the
    /// transaction, so nothing of a refused call is written.
    pub(crate) async fn transaction<C, T, R, F>(
        &self,
        context: &C,
        mut work: F,
    ) -> Result<T, DbError<R>>
    where
        C: Sync + ?Sized,
        T: Send,
        R: Send,
        F: for<'s> FnMut(&'s mut ClientSession, &'s C) -> BoxFuture<'s, Result<T, DbError<R>>>
            + Send,
    {
        let deadline = Instant::now() + RETRY_WINDOW;
        let mut session = self.client().start_session().await?;
        let mut attempt = 0_u32;
        let mut duplicates = 0_u32;
        loop {
            attempt = attempt.saturating_add(1);
            start(&mut session).await?;
            let value = match work(&mut session, context).await {
                Ok(value) => value,
                Err(error) => {
                    abort(&mut session).await;
                    if matches!(error, DbError::Retry(_)) {
                        duplicates += 1;
                    }
                    if error.is_transient()
                        && duplicates <= MAX_DUPLICATE_RETRIES
                        && Instant::now() < deadline
                    {
                        tracing::debug!(attempt, "transaction met a concurrent write; retrying");
                        backoff(attempt).await;
                        continue;
                    }
                    return Err(error);
                }
            };
            match commit(&mut session, deadline).await {
                Ok(()) => return Ok(value),
                Err(error)
                    if error.contains_label(TRANSIENT_TRANSACTION_ERROR)
                        && Instant::now() < deadline =>
                {
                    tracing::debug!(attempt, "commit met a concurrent write; retrying");
                    backoff(attempt).await;
                }
                Err(error) => return Err(DbError::Mongo(error)),
            }
        }
    }
}

/// Starts a transaction with snapshot reads and majority writes.
pub(crate) async fn start(session: &mut ClientSession) -> Result<(), mongodb::error::Error> {
    session
        .start_transaction()
        .read_concern(ReadConcern::snapshot())
        .write_concern(WriteConcern::majority())
        .await
}

/// Aborts the session's transaction; a failure (the server already aborted
/// it, say after a write error) changes nothing and is only logged.
pub(crate) async fn abort(session: &mut ClientSession) {
    if let Err(error) = session.abort_transaction().await {
        tracing::debug!(%error, "aborting a transaction failed (it was already aborted)");
    }
}

/// Commits, again while the outcome is unknown and time is left.
pub(crate) async fn commit(
    session: &mut ClientSession,
    deadline: Instant,
) -> Result<(), mongodb::error::Error> {
    loop {
        match session.commit_transaction().await {
            Err(error)
                if error.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
                    && Instant::now() < deadline =>
            {
                tracing::debug!(%error, "commit outcome unknown; committing again");
            }
            other => return other,
        }
    }
}

/// Waits before attempt `attempt + 1`: doubling from 1 ms up to
/// [`MAX_BACKOFF`], with random jitter so that colliding writers spread out.
async fn backoff(attempt: u32) {
    let base = Duration::from_millis(1_u64 << attempt.min(7)).min(MAX_BACKOFF);
    let jitter = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % u64::try_from(base.as_micros()).unwrap_or(1).max(1);
    tokio::time::sleep(base / 2 + Duration::from_micros(jitter / 2)).await;
}
