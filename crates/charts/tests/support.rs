//! Chart specifications of every kind, built by `crm-analytics` from figures.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "fixtures: small numbers, and a panic is how a test fails"
)]

use crm_analytics::chart::{email_chart, funnel_chart, interactions_chart, tickets_chart};
use crm_analytics::counts::{EmailPeriodCounts, TicketCounts, TicketPeriodCounts};
use crm_analytics::report::{FunnelFigures, TicketsReport, email_report, interactions_report};
use crm_analytics::{
    ChartSpec, DurationHistogram, InteractionCount, InteractionKind, InteractionStatus,
    ReportParams, ReportQuery,
};
use crm_kernel::Timestamp;

pub fn query() -> ReportQuery {
    let params = ReportParams {
        from: Some("2026-03-01".to_owned()),
        to: Some("2026-03-14".to_owned()),
        ..ReportParams::default()
    };
    ReportQuery::parse(
        &params,
        Timestamp::parse_rfc3339("2026-06-01T00:00:00Z").unwrap(),
    )
    .unwrap()
}

fn hours(values: &[u64]) -> DurationHistogram {
    let mut h = DurationHistogram::new();
    for v in values {
        h.record(v * 3_600);
    }
    h
}

/// One specification of each chart, with figures that vary per period.
pub fn every_chart() -> Vec<ChartSpec> {
    let q = query();
    let n = q.periods().len();
    let counts: Vec<InteractionCount> = (0..n)
        .flat_map(|p| {
            InteractionKind::ALL
                .iter()
                .enumerate()
                .map(move |(k, kind)| InteractionCount {
                    period: p,
                    kind: *kind,
                    status: InteractionStatus::Completed,
                    count: ((p * 7 + k * 3) % 11) as u64,
                })
        })
        .collect();
    let interactions = interactions_report(q.periods(), &counts).unwrap();
    let funnel = FunnelFigures {
        period: None,
        leads: 120,
        prospects: 45,
        customers: 18,
        lead_to_prospect_days: Some(4.5),
        prospect_to_customer_days: Some(12.0),
    };
    let tickets = TicketCounts {
        backlog_at_start: 20,
        periods: (0..n)
            .map(|p| TicketPeriodCounts {
                opened: (p % 5) as u64 + 2,
                resolved: (p % 4) as u64 + 1,
                reopened: u64::from(p % 3 == 0),
                first_response: hours(&[1, 2, 5]),
                resolution: hours(&[(p as u64 % 6) * 4 + 3, 30]),
            })
            .collect(),
    };
    let tickets = TicketsReport::from_counts(q.periods(), &tickets).unwrap();
    let email: Vec<EmailPeriodCounts> = (0..n)
        .map(|p| {
            let sent = 40 + (p as u64 % 5) * 10;
            EmailPeriodCounts {
                sent,
                bounced: 2,
                opened_human: sent / 3,
                opened_any: sent / 2,
                clicked_human: sent / 8,
                clicked_any: sent / 6,
                replied: sent / 10,
                machine_opens: sent / 4,
                machine_clicks: 3,
            }
        })
        .collect();
    let email = email_report(q.periods(), &email).unwrap();
    vec![
        interactions_chart(&q, &interactions),
        funnel_chart(&q, &funnel),
        tickets_chart(&q, &tickets),
        email_chart(&q, &email),
    ]
}
