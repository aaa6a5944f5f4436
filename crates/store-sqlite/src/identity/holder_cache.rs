//! The holders of the sign-ins checked lately, kept while nothing they were
//! read from has changed.
//!
//! Every authenticated request asks
//! [`SessionStore::session_holder`](crm_identity::ports::SessionStore::session_holder)
//! for its account and sign-in; reading them took about a third of the store's time of a
//! single-record `GET` (docs/benchmarks.md). The store answers again from
//! memory while no commit of this process has changed a user, a credential
//! or a session since the answer was read ([`Changes`]): disabling an
//! account, changing its role or companies, deleting it, signing out or
//! ending every sign-in of an account takes effect at the next request, as
//! when every request read the store. `user_companies` is not a rowid table
//! and is not watched: its rows change only with their user's row.
//!
//! A process other than this one writing the same file is not seen (the
//! store serves one process, ADR 0002; no command of the CRM changes an
//! existing account): an answer is kept at most [`KEPT_FOR`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crm_identity::SessionHolder;
use crm_kernel::{PrincipalId, SessionFamilyId};

use crate::db::changes::Changes;

/// The tables a holder is read from (rowid tables; see the module).
pub(crate) const HOLDER_TABLES: &[&str] = &["users", "credentials", "refresh_sessions"];

/// How long an answer is kept at most.
pub(crate) const KEPT_FOR: Duration = Duration::from_secs(1);

/// The most answers kept; past it the stale ones go, or all of them.
const MAX_KEPT: usize = 4096;

/// One kept answer.
#[derive(Debug)]
struct Kept {
    holder: SessionHolder,
    /// The epoch read before the read that gave `holder`.
    epoch: u64,
    at: Instant,
}

/// The holders of recent sign-ins (see the module).
#[derive(Debug)]
pub(crate) struct HolderCache {
    changes: Arc<Changes>,
    kept: Mutex<HashMap<(PrincipalId, SessionFamilyId), Kept>>,
}

impl HolderCache {
    /// Answers that stay current while `changes` has not moved.
    pub(crate) fn new(changes: Arc<Changes>) -> Self {
        Self {
            changes,
            kept: Mutex::new(HashMap::new()),
        }
    }

    /// The epoch to read before reading a holder to keep.
    pub(crate) fn epoch(&self) -> u64 {
        self.changes.epoch()
    }

    /// The holder of `family`, if one read since the last change is kept.
    pub(crate) fn get(
        &self,
        principal: PrincipalId,
        family: SessionFamilyId,
    ) -> Option<SessionHolder> {
        let epoch = self.changes.epoch();
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&(principal, family))
            .filter(|kept| kept.epoch == epoch && kept.at.elapsed() < KEPT_FOR)
            .map(|kept| kept.holder.clone())
    }

    /// Keeps `holder`, read by a read that began after `epoch` was read.
    pub(crate) fn keep(
        &self,
        principal: PrincipalId,
        family: SessionFamilyId,
        holder: SessionHolder,
        epoch: u64,
    ) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_KEPT {
            let current = self.changes.epoch();
            kept.retain(|_, kept| kept.epoch == current && kept.at.elapsed() < KEPT_FOR);
            if kept.len() >= MAX_KEPT {
                kept.clear();
            }
        }
        kept.insert(
            (principal, family),
            Kept {
                holder,
                epoch,
                at: Instant::now(),
            },
        );
    }
}
