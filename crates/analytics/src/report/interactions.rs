//! Interaction figures.

use serde::Serialize;

use crate::counts::InteractionCount;
use crate::period::Period;
use crate::report::Section;
use crate::vocabulary::{InteractionKind, InteractionStatus};

/// Interactions per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindCounts {
    /// Meetings.
    pub meeting: u64,
    /// Calls.
    pub call: u64,
    /// Tasks.
    pub task: u64,
    /// Notes.
    pub note: u64,
    /// Emails recorded as interactions.
    pub email: u64,
}

impl KindCounts {
    /// The count of one kind.
    #[must_use]
    pub fn get(&self, kind: InteractionKind) -> u64 {
        match kind {
            InteractionKind::Meeting => self.meeting,
            InteractionKind::Call => self.call,
            InteractionKind::Task => self.task,
            InteractionKind::Note => self.note,
            InteractionKind::Email => self.email,
        }
    }

    fn add(&mut self, kind: InteractionKind, n: u64) {
        let slot = match kind {
            InteractionKind::Meeting => &mut self.meeting,
            InteractionKind::Call => &mut self.call,
            InteractionKind::Task => &mut self.task,
            InteractionKind::Note => &mut self.note,
            InteractionKind::Email => &mut self.email,
        };
        *slot += n;
    }
}

/// Interactions per current status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    /// Still planned.
    pub scheduled: u64,
    /// Happened.
    pub completed: u64,
    /// Called off.
    pub cancelled: u64,
    /// The customer did not show up.
    pub no_show: u64,
}

impl StatusCounts {
    /// The count of one status.
    #[must_use]
    pub fn get(&self, status: InteractionStatus) -> u64 {
        match status {
            InteractionStatus::Scheduled => self.scheduled,
            InteractionStatus::Completed => self.completed,
            InteractionStatus::Cancelled => self.cancelled,
            InteractionStatus::NoShow => self.no_show,
        }
    }

    fn add(&mut self, status: InteractionStatus, n: u64) {
        let slot = match status {
            InteractionStatus::Scheduled => &mut self.scheduled,
            InteractionStatus::Completed => &mut self.completed,
            InteractionStatus::Cancelled => &mut self.cancelled,
            InteractionStatus::NoShow => &mut self.no_show,
        };
        *slot += n;
    }
}

/// Interaction figures of one period or of the whole range.
///
/// - `total` = number of interactions of customers in scope whose start
///   (`date_time`) is in the span, whatever their kind and status;
/// - `by_kind[k]` = those of kind `k`; `by_status[s]` = those whose current
///   status is `s`. Each sums to `total`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InteractionFigures {
    /// The period's label; absent for the whole range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// All interactions.
    pub total: u64,
    /// Per kind.
    pub by_kind: KindCounts,
    /// Per current status.
    pub by_status: StatusCounts,
}

impl InteractionFigures {
    fn add(&mut self, kind: InteractionKind, status: InteractionStatus, n: u64) {
        self.total += n;
        self.by_kind.add(kind, n);
        self.by_status.add(status, n);
    }
}

/// Interactions of a report: the whole range (the sum of the periods) and each period.
pub type InteractionsReport = Section<InteractionFigures>;

/// The figures from a store's counts. A count of a period index outside
/// `periods` is an error (returned as that index).
pub fn interactions_report(
    periods: &[Period],
    counts: &[InteractionCount],
) -> Result<InteractionsReport, usize> {
    let mut per_period: Vec<InteractionFigures> = periods
        .iter()
        .map(|p| InteractionFigures {
            period: Some(p.label.clone()),
            ..InteractionFigures::default()
        })
        .collect();
    let mut total = InteractionFigures::default();
    for count in counts {
        per_period.get_mut(count.period).ok_or(count.period)?.add(
            count.kind,
            count.status,
            count.count,
        );
        total.add(count.kind, count.status, count.count);
    }
    Ok(Section { total, per_period })
}
