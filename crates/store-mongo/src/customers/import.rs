//! The import transaction: one MongoDB transaction on a session of its own
//! that spans several calls.
//!
//! A batch's writes run one after the other; a refused write has every
//! earlier write of its batch taken back ([`UndoLog`]) and the transaction
//! goes on, as a savepoint would. A write that fails otherwise (the server
//! aborted the transaction: a write conflict with a concurrent writer, an
//! outage) leaves the import unusable: every later call fails and nothing
//! is committed. Dropped without [`commit`](ImportTransaction::commit), the
//! driver aborts the transaction.
//!
//! The server limits how long a transaction may stay open
//! (`transactionLifetimeLimitSeconds`, 60 s by default): an import must
//! commit within it.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use crm_customers::ports::{ImportTransaction, ImportWrite, ImportWriteError, StoreError};
use crm_kernel::BackendError;
use mongodb::ClientSession;

use crate::customers::undo::UndoLog;
use crate::db::client::MongoStore;
use crate::db::error::{CustomerDbError, DbError};
use crate::db::transaction;

/// How long a commit whose outcome is unknown is tried again.
const COMMIT_WINDOW: Duration = Duration::from_secs(30);

/// An open import transaction of the MongoDB store.
pub(crate) struct MongoImport {
    store: MongoStore,
    /// The session; `None` once committed.
    session: Option<ClientSession>,
    /// Why the transaction cannot go on, once a write failed.
    broken: Option<String>,
}

impl fmt::Debug for MongoImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoImport")
            .field("open", &self.session.is_some())
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl MongoImport {
    /// Starts the transaction on a new session.
    #[tracing::instrument(level = "debug", skip_all)]
    pub(crate) async fn begin(store: &MongoStore) -> Result<Self, StoreError> {
        let mut session = store
            .client()
            .start_session()
            .await
            .map_err(CustomerDbError::from)?;
        transaction::start(&mut session)
            .await
            .map_err(CustomerDbError::from)?;
        Ok(Self {
            store: store.clone(),
            session: Some(session),
            broken: None,
        })
    }

    /// The session, unless the transaction ended or broke.
    fn open_session(&mut self) -> Result<&mut ClientSession, BackendError> {
        if let Some(reason) = &self.broken {
            return Err(BackendError::msg(format!(
                "the import transaction was aborted: {reason}"
            )));
        }
        self.session
            .as_mut()
            .ok_or_else(|| BackendError::msg("the import transaction has ended"))
    }
}

#[async_trait]
impl ImportTransaction for MongoImport {
    #[tracing::instrument(level = "debug", skip_all, fields(writes = batch.len()))]
    async fn write(&mut self, batch: &[ImportWrite]) -> Result<(), ImportWriteError> {
        let store = self.store.clone();
        let session = self.open_session().map_err(|error| ImportWriteError {
            index: 0,
            error: StoreError::Backend(error),
        })?;
        let mut log = UndoLog::default();
        for (index, write) in batch.iter().enumerate() {
            let written = match write {
                ImportWrite::Create(customer, change) => {
                    store
                        .write_new_customer(session, customer, change, Some(&mut log))
                        .await
                }
                ImportWrite::Update(customer, expected, change) => {
                    store
                        .write_customer_update(
                            session,
                            customer,
                            *expected,
                            change.as_ref(),
                            Some(&mut log),
                        )
                        .await
                }
            };
            let failure = match written {
                Ok(()) => continue,
                Err(DbError::Refused(error)) => match store.undo(session, &mut log).await {
                    Ok(()) => return Err(ImportWriteError { index, error }),
                    Err(undo) => undo,
                },
                Err(other) => other,
            };
            transaction::abort(session).await;
            let error = StoreError::from(failure);
            self.broken = Some(error.to_string());
            tracing::warn!(%error, index, "import write failed; the import transaction is aborted");
            return Err(ImportWriteError { index, error });
        }
        log.clear();
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.open_session()?;
        let Some(mut session) = self.session.take() else {
            return Err(BackendError::msg("the import transaction has ended").into());
        };
        transaction::commit(&mut session, Instant::now() + COMMIT_WINDOW)
            .await
            .map_err(CustomerDbError::from)?;
        Ok(())
    }
}
