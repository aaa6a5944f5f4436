//! Email figures.

use serde::Serialize;

use crate::counts::EmailPeriodCounts;
use crate::period::Period;
use crate::rate::Rate;
use crate::report::Section;

/// Email delivery and engagement of the recipients sent to in one period
/// (or in the whole range).
///
/// - `sent` = recipients whose message was sent in the span; `bounced` =
///   those of them whose message bounced; `delivered` = `sent` − `bounced`;
/// - `open_rate` = recipients with an open by a person / `delivered`;
///   `open_rate_all` = recipients with any open, people or machines
///   (privacy proxies, scanners) / `delivered`;
/// - `click_rate` = recipients with a click by a person / `delivered`;
///   `click_rate_all` = recipients with any click / `delivered`;
/// - `reply_rate` = recipients who replied / `delivered`;
/// - `bounce_rate` = `bounced` / `sent`;
/// - `machine_opens`, `machine_clicks` = open and click events not made by a person.
///
/// Every rate is `"0%"` when its denominator is zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailFigures {
    /// The period's label; absent for the whole range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Recipients sent to.
    pub sent: u64,
    /// Of those, not bounced.
    pub delivered: u64,
    /// Of those, bounced.
    pub bounced: u64,
    /// Recipients opened by a person.
    pub opened_human: u64,
    /// Recipients opened by anyone or anything.
    pub opened_any: u64,
    /// Recipients clicked by a person.
    pub clicked_human: u64,
    /// Recipients clicked by anyone or anything.
    pub clicked_any: u64,
    /// Recipients who replied.
    pub replied: u64,
    /// Open events by machines.
    pub machine_opens: u64,
    /// Click events by machines.
    pub machine_clicks: u64,
    /// `opened_human` / `delivered`.
    pub open_rate: Rate,
    /// `opened_any` / `delivered`.
    pub open_rate_all: Rate,
    /// `clicked_human` / `delivered`.
    pub click_rate: Rate,
    /// `clicked_any` / `delivered`.
    pub click_rate_all: Rate,
    /// `replied` / `delivered`.
    pub reply_rate: Rate,
    /// `bounced` / `sent`.
    pub bounce_rate: Rate,
}

impl EmailFigures {
    /// The figures of one span's counts.
    #[must_use]
    pub fn from_counts(period: Option<String>, c: &EmailPeriodCounts) -> Self {
        let delivered = c.sent.saturating_sub(c.bounced);
        Self {
            period,
            sent: c.sent,
            delivered,
            bounced: c.bounced,
            opened_human: c.opened_human,
            opened_any: c.opened_any,
            clicked_human: c.clicked_human,
            clicked_any: c.clicked_any,
            replied: c.replied,
            machine_opens: c.machine_opens,
            machine_clicks: c.machine_clicks,
            open_rate: Rate::new(c.opened_human, delivered),
            open_rate_all: Rate::new(c.opened_any, delivered),
            click_rate: Rate::new(c.clicked_human, delivered),
            click_rate_all: Rate::new(c.clicked_any, delivered),
            reply_rate: Rate::new(c.replied, delivered),
            bounce_rate: Rate::new(c.bounced, c.sent),
        }
    }
}

/// Email of a report: the whole range (the sum of the periods' recipients) and each period.
pub type EmailReport = Section<EmailFigures>;

/// The figures from a store's counts; `None` when the store answered for
/// another number of periods.
#[must_use]
pub fn email_report(periods: &[Period], counts: &[EmailPeriodCounts]) -> Option<EmailReport> {
    if counts.len() != periods.len() {
        return None;
    }
    let total = counts
        .iter()
        .fold(EmailPeriodCounts::default(), |sum, c| sum.plus(c));
    Some(Section {
        total: EmailFigures::from_counts(None, &total),
        per_period: periods
            .iter()
            .zip(counts)
            .map(|(p, c)| EmailFigures::from_counts(Some(p.label.clone()), c))
            .collect(),
    })
}
