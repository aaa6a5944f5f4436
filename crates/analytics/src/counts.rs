//! What the figures ports answer: counts per period, never records.
//!
//! Every count is over the records of customers in the request's scope
//! ([`crate::ReportScope`]) and is attributed to the period in which its
//! defining instant falls (named on each field). The reference definitions,
//! computed from records, are in [`crate::reference`]: a store's answer must
//! equal theirs.

use crate::duration::DurationHistogram;
use crate::vocabulary::{InteractionKind, InteractionStatus};

/// Interactions of one kind and status that start in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InteractionCount {
    /// Index of the period (in [`crate::CountRequest::periods`]).
    pub period: usize,
    /// Their kind.
    pub kind: InteractionKind,
    /// Their current status.
    pub status: InteractionStatus,
    /// How many interactions have this kind and status and a start
    /// (`date_time`) in the period. Rows with a zero count may be left out.
    pub count: u64,
}

/// Ticket figures of one period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketPeriodCounts {
    /// Tickets raised (`created_at`) in the period.
    pub opened: u64,
    /// Transitions to `resolved` in the period (a ticket resolved twice counts twice).
    pub resolved: u64,
    /// Transitions to `reopened` in the period.
    pub reopened: u64,
    /// For each ticket whose first staff response (`first_response_at`) is
    /// in the period: seconds from raising to that response.
    pub first_response: DurationHistogram,
    /// For each transition to `resolved` in the period: seconds from the
    /// ticket's raising to that transition.
    pub resolution: DurationHistogram,
}

/// Ticket figures of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketCounts {
    /// Tickets in the backlog at the start of the first period: raised
    /// before it, and then `open`, `in_progress` or `reopened` (not
    /// `resolved` or `closed`).
    pub backlog_at_start: u64,
    /// One entry per period, in order.
    pub periods: Vec<TicketPeriodCounts>,
}

/// Lifecycle figures of one span of time `[s, e)` (a period, or the whole range).
///
/// They are read from the recorded status history, never from today's
/// statuses. A *journey* starts with a change to `lead` (a customer created
/// as a lead, or a churned one re-engaged) at `lead_at`; its `prospect_at`
/// is the change to `prospect` that follows (if any), its `customer_at` the
/// change to `customer` after that (if any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleSpanCounts {
    /// Customers created in the span (their first recorded status, any status).
    pub created: u64,
    /// Changes to `customer` in the span after the creation (from
    /// `prospect`, or won back from `churned`): each win counts, as each
    /// resolution of a ticket does.
    pub won: u64,
    /// Changes to `churned` in the span.
    pub churned: u64,
    /// Distinct customers who were a lead at some time in the span: with a
    /// journey where `lead_at < e` and (`prospect_at` is none or `prospect_at ≥ s`).
    /// A lead stays a lead up to and including the instant it is qualified.
    pub leads: u64,
    /// Distinct customers with a journey whose `prospect_at` is in the span.
    pub prospects: u64,
    /// Distinct customers with a journey whose `customer_at` is in the span
    /// and whose `prospect_at ≥ s` (so they were leads in the span, and
    /// became customers within it).
    pub converted: u64,
    /// For each journey counted in `prospects`: seconds from `lead_at` to `prospect_at`.
    pub lead_to_prospect: DurationHistogram,
    /// For each journey counted in `converted`: seconds from `prospect_at` to `customer_at`.
    pub prospect_to_customer: DurationHistogram,
}

/// Lifecycle figures of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleCounts {
    /// Over the whole range: `created`, `won` and `churned` are the sums of
    /// the periods; the others count distinct customers (not the sums).
    pub total: LifecycleSpanCounts,
    /// One entry per period, in order.
    pub periods: Vec<LifecycleSpanCounts>,
}

impl LifecycleCounts {
    /// Zeros over the whole range and each of `periods` periods: what a
    /// store adds its figures to.
    #[must_use]
    pub fn zeros(periods: usize) -> Self {
        Self {
            total: LifecycleSpanCounts::default(),
            periods: vec![LifecycleSpanCounts::default(); periods],
        }
    }
}

/// Email figures of one period: the recipients whose message was sent
/// (accepted by the mail server, `sent_at`) in the period, and what became of
/// them since. Opens, clicks and replies are each counted once per
/// recipient, however often they happened; "human" means classified as a
/// person by the email context (not a privacy proxy or a scanner).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmailPeriodCounts {
    /// Recipients sent to.
    pub sent: u64,
    /// Of those, recipients whose message bounced (hard bounce).
    pub bounced: u64,
    /// Recipients with at least one open classified `human`.
    pub opened_human: u64,
    /// Recipients with at least one open of any classification.
    pub opened_any: u64,
    /// Recipients with at least one click classified `human`.
    pub clicked_human: u64,
    /// Recipients with at least one click of any classification.
    pub clicked_any: u64,
    /// Recipients who replied at least once.
    pub replied: u64,
    /// Open events not classified `human` (every hit, for these recipients).
    pub machine_opens: u64,
    /// Click events not classified `human`.
    pub machine_clicks: u64,
}

impl EmailPeriodCounts {
    /// Field-wise sum.
    #[must_use]
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            sent: self.sent + other.sent,
            bounced: self.bounced + other.bounced,
            opened_human: self.opened_human + other.opened_human,
            opened_any: self.opened_any + other.opened_any,
            clicked_human: self.clicked_human + other.clicked_human,
            clicked_any: self.clicked_any + other.clicked_any,
            replied: self.replied + other.replied,
            machine_opens: self.machine_opens + other.machine_opens,
            machine_clicks: self.machine_clicks + other.machine_clicks,
        }
    }
}
