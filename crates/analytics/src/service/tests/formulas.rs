//! Every formula against hand-computed figures.

use super::*;
use crate::plan::CountRequest;
use LifecycleStatus::{Churned, Customer, Lead, Prospect};

#[tokio::test]
async fn an_empty_period_appears_with_zeros_and_no_medians() {
    let c = customer();
    let mut mocks = Mocks::default();
    mocks.answer_all(
        vec![
            meeting(c, "2026-03-01T10:00:00Z"),
            meeting(c, "2026-03-03T10:00:00Z"),
        ],
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-03")]);
    let report = mocks.service().report(&admin(), &q).await.unwrap();

    assert_eq!(report.periods.len(), 3);
    assert_eq!(
        totals(&report.interactions.per_period, |f| f.total),
        [1, 0, 1]
    );
    let empty = &report.interactions.per_period[1];
    assert_eq!(empty.period.as_deref(), Some("2026-03-02"));
    assert_eq!(empty.by_kind.meeting, 0);
    let conversion = &report.lifecycle.conversion.per_period[1];
    assert_eq!(
        (conversion.leads, conversion.rate.to_string()),
        (0, "0%".to_owned())
    );
    assert_eq!(report.lifecycle.funnel.total.lead_to_prospect_days, None);
    assert_eq!(report.tickets.per_period[1].resolution.median_seconds, None);
    assert_eq!(report.email.per_period[1].open_rate.to_string(), "0%");
    assert_eq!(report.interactions.total.total, 2);
}

/// Six customers around March 2026:
/// - A: lead 2 Mar, prospect 5 Mar, customer 9 Mar, churned 20 Mar
///   (converted and churned in the same period);
/// - B: lead 20 Feb (before the period), prospect 3 Mar, customer 13 Mar;
/// - C: lead 10 Jan, prospect 1 Feb, customer 10 Mar (never a lead in March);
/// - D: lead 25 Mar, still a lead; E: created as a customer 15 Mar;
/// - F: lead since 1 Dec 2025, never qualified.
fn march_customers() -> Vec<StatusChangeRecord> {
    let mut changes = Vec::new();
    let steps: [&[(LifecycleStatus, &str)]; 6] = [
        &[
            (Lead, "2026-03-02T10:00:00Z"),
            (Prospect, "2026-03-05T10:00:00Z"),
            (Customer, "2026-03-09T10:00:00Z"),
            (Churned, "2026-03-20T10:00:00Z"),
        ],
        &[
            (Lead, "2026-02-20T09:00:00Z"),
            (Prospect, "2026-03-03T09:00:00Z"),
            (Customer, "2026-03-13T09:00:00Z"),
        ],
        &[
            (Lead, "2026-01-10T09:00:00Z"),
            (Prospect, "2026-02-01T09:00:00Z"),
            (Customer, "2026-03-10T09:00:00Z"),
        ],
        &[(Lead, "2026-03-25T09:00:00Z")],
        &[(Customer, "2026-03-15T09:00:00Z")],
        &[(Lead, "2025-12-01T09:00:00Z")],
    ];
    for steps in steps {
        changes.extend(history(customer(), steps));
    }
    changes
}

#[tokio::test]
async fn conversion_and_the_funnel_come_from_the_status_history() {
    let mut mocks = Mocks::default();
    mocks.answer_lifecycle(march_customers());
    let q = query(&[
        ("from", "2026-03-01"),
        ("to", "2026-03-31"),
        ("granularity", "month"),
    ]);
    let report = mocks.service().report_lifecycle_only(&q).await;
    // New: A, D, E. Won: A, B, C. Churned: A.
    let customers = &report.customers.total;
    assert_eq!((customers.new, customers.won, customers.churned), (3, 3, 1));
    // Leads in March: A, B (qualified on 3 Mar, a lead until then), D, F;
    // not C (a prospect all month) nor E (never a lead). Converted within
    // March: A (also churned since) and B (a lead before March).
    let conversion = &report.conversion.total;
    assert_eq!((conversion.leads, conversion.converted), (4, 2));
    assert_eq!(conversion.rate.to_string(), "50%");
    // Funnel: prospects A and B; lead → prospect 3 days (A) and 11 days (B),
    // median (nearest rank, lower middle) 3.0; prospect → customer 4 days
    // (A) and 10 days (B), median 4.0.
    let funnel = &report.funnel.total;
    assert_eq!(
        (funnel.leads, funnel.prospects, funnel.customers),
        (4, 2, 2)
    );
    assert_eq!(funnel.lead_to_prospect_days, Some(3.0));
    assert_eq!(funnel.prospect_to_customer_days, Some(4.0));
    // The one period is the whole range.
    assert_eq!(report.conversion.per_period[0].rate.to_string(), "50%");
}

#[tokio::test]
async fn a_week_counts_only_the_leads_and_conversions_inside_it() {
    let mut mocks = Mocks::default();
    mocks.answer_lifecycle(march_customers());
    let q = query(&[
        ("from", "2026-03-09"),
        ("to", "2026-03-15"),
        ("granularity", "week"),
    ]);
    let report = mocks.service().report_lifecycle_only(&q).await;
    // Week 11 (9–15 March): only F is a lead all week; A and B were
    // qualified before it, so their conversions (9 and 13 March) are wins
    // but not conversions of the week's leads.
    let week = &report.conversion.per_period[0];
    assert_eq!(
        (week.period.as_deref(), week.leads, week.converted),
        (Some("2026-W11"), 1, 0)
    );
    assert_eq!(week.rate.to_string(), "0%");
    assert_eq!(report.customers.per_period[0].won, 3);
    assert_eq!(report.funnel.per_period[0].prospects, 0);
}

impl AnalyticsService {
    async fn report_lifecycle_only(&self, q: &ReportQuery) -> crate::report::LifecycleReport {
        let request = self.request(&admin(), q).unwrap();
        self.lifecycle(q, &request).await.unwrap()
    }
}

#[tokio::test]
async fn berlin_days_cut_at_local_midnight_across_both_dst_changes() {
    let c = customer();
    let spring = vec![
        meeting(c, "2026-03-27T23:00:00Z"), // 00:00 CET 28 March
        meeting(c, "2026-03-28T23:30:00Z"), // 00:30 CET 29 March
        meeting(c, "2026-03-29T21:59:00Z"), // 23:59 CEST 29 March
        meeting(c, "2026-03-29T22:00:00Z"), // 00:00 CEST 30 March
    ];
    let mut mocks = Mocks::default();
    mocks
        .interactions
        .expect_interaction_counts()
        .withf(|request| {
            // 29 March lasts 23 hours: one slice of 23 UTC hours.
            let day: Vec<_> = request.slices.iter().filter(|s| s.period == 1).collect();
            day.len() == 1
                && day[0].grain == Grain::Hour
                && day[0].span.end.since(day[0].span.start).as_secs() == 23 * 3600
        })
        .times(1)
        .returning(move |request| Ok(reference::interaction_counts(&spring, request)));
    let q = query(&[
        ("from", "2026-03-28"),
        ("to", "2026-03-30"),
        ("tz", "Europe/Berlin"),
    ]);
    let series = mocks
        .service()
        .series(&admin(), &q, MetricName::Interactions)
        .await
        .unwrap();
    let labels: Vec<&str> = series.rows.iter().map(|r| r.period.as_str()).collect();
    assert_eq!(labels, ["2026-03-28", "2026-03-29", "2026-03-30"]);
    let counts: Vec<String> = series
        .rows
        .iter()
        .map(|r| r.values[0].to_string())
        .collect();
    assert_eq!(counts, ["1", "2", "1"]);

    // 25 October lasts 25 hours: 23:30 CET is still that day.
    let autumn = vec![
        meeting(c, "2026-10-24T22:00:00Z"), // 00:00 CEST 25 October
        meeting(c, "2026-10-25T22:30:00Z"), // 23:30 CET 25 October
        meeting(c, "2026-10-25T23:00:00Z"), // 00:00 CET 26 October
    ];
    let mut mocks = Mocks::default();
    mocks.answer_interactions(autumn);
    let q = query(&[
        ("from", "2026-10-25"),
        ("to", "2026-10-26"),
        ("tz", "Europe/Berlin"),
    ]);
    let report = mocks
        .service()
        .interactions(
            &q,
            &CountRequest::new(q.periods(), crate::ReportScope::all()),
        )
        .await
        .unwrap();
    assert_eq!(totals(&report.per_period, |f| f.total), [2, 1]);
    assert_eq!(
        q.periods()[0].end.since(q.periods()[0].start).as_secs(),
        25 * 3600
    );
}

#[tokio::test]
async fn iso_week_53_collects_the_days_around_new_year() {
    let c = customer();
    let mut mocks = Mocks::default();
    mocks.answer_interactions(vec![
        meeting(c, "2026-12-31T12:00:00Z"),
        meeting(c, "2027-01-02T12:00:00Z"),
        meeting(c, "2027-01-04T00:00:00Z"),
    ]);
    let q = query(&[
        ("from", "2026-12-21"),
        ("to", "2027-01-10"),
        ("granularity", "week"),
    ]);
    let series = mocks
        .service()
        .series(&admin(), &q, MetricName::Interactions)
        .await
        .unwrap();
    let rows: Vec<(String, String)> = series
        .rows
        .iter()
        .map(|r| (r.period.clone(), r.values[0].to_string()))
        .collect();
    let expect = |l: &str, n: &str| (l.to_owned(), n.to_owned());
    assert_eq!(
        rows,
        [
            expect("2026-W52", "0"),
            expect("2026-W53", "2"),
            expect("2027-W01", "1")
        ]
    );
}

/// Four tickets around 1–3 March 2026 (times UTC):
/// - T1 raised 27 Feb 10:00, answered 1 Mar 10:00 (48 h), resolved 1 Mar 12:00 (50 h);
/// - T2 raised 1 Mar 08:00, answered 09:00 (1 h), resolved 2 Mar 08:00
///   (24 h), reopened 2 Mar 20:00, resolved 3 Mar 08:00 (48 h);
/// - T3 raised 2 Mar 00:00, never answered;
/// - T4 raised 20 Feb, resolved 25 Feb, closed 26 Feb.
fn march_tickets() -> Vec<TicketRecord> {
    use TicketTransition::{Other, Reopened, Resolved};
    let c = customer();
    let ticket = |created: &str,
                  answered: Option<&str>,
                  transitions: &[(TicketTransition, &str)]| TicketRecord {
        customer: c,
        created_at: at(created),
        first_response_at: answered.map(at),
        transitions: transitions.iter().map(|&(t, when)| (t, at(when))).collect(),
    };
    vec![
        ticket(
            "2026-02-27T10:00:00Z",
            Some("2026-03-01T10:00:00Z"),
            &[(Resolved, "2026-03-01T12:00:00Z")],
        ),
        ticket(
            "2026-03-01T08:00:00Z",
            Some("2026-03-01T09:00:00Z"),
            &[
                (Resolved, "2026-03-02T08:00:00Z"),
                (Reopened, "2026-03-02T20:00:00Z"),
                (Resolved, "2026-03-03T08:00:00Z"),
            ],
        ),
        ticket("2026-03-02T00:00:00Z", None, &[]),
        ticket(
            "2026-02-20T10:00:00Z",
            None,
            &[
                (Resolved, "2026-02-25T10:00:00Z"),
                (Other, "2026-02-26T10:00:00Z"),
            ],
        ),
    ]
}

#[tokio::test]
async fn ticket_flow_backlog_and_response_times() {
    let tickets = march_tickets();
    let mut mocks = Mocks::default();
    mocks.answer_tickets(tickets.clone());
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-03")]);
    let report = mocks
        .service()
        .tickets(
            &q,
            &CountRequest::new(q.periods(), crate::ReportScope::all()),
        )
        .await
        .unwrap();

    // Backlog at the start: T1 (T4 was resolved).
    assert_eq!(report.backlog_at_start, 1);
    let per = &report.per_period;
    assert_eq!(totals(per, |f| f.opened), [1, 1, 0]);
    assert_eq!(totals(per, |f| f.resolved), [1, 1, 1]);
    assert_eq!(totals(per, |f| f.reopened), [0, 1, 0]);
    // 1 + 1 − 1 = 1; 1 + 1 + 1 − 1 = 2; 2 − 1 = 1.
    assert_eq!(totals(per, |f| f.backlog), [1, 2, 1]);
    // The running backlog equals a direct count at each period's end.
    for (figures, period) in per.iter().zip(q.periods()) {
        assert_eq!(
            figures.backlog,
            reference::backlog_at(&tickets, &crate::ReportScope::all(), period.end)
        );
    }
    // Day 1 first responses: 1 h and 48 h: median (rank 1) 1 h, p90 (rank 2) 48 h.
    assert_eq!(per[0].first_response.median_seconds, Some(3_600));
    assert_eq!(per[0].first_response.p90_seconds, Some(172_800));
    assert_eq!(per[0].resolution.median_seconds, Some(180_000));
    // Whole range: resolutions 24 h, 48 h, 50 h: median 48 h, p90 (rank 3) 50 h.
    assert_eq!(report.total.resolution.count, 3);
    assert_eq!(report.total.resolution.median_seconds, Some(172_800));
    assert_eq!(report.total.resolution.p90_seconds, Some(180_000));
    assert_eq!(
        (
            report.total.opened,
            report.total.resolved,
            report.total.reopened,
            report.total.backlog
        ),
        (2, 3, 1, 1)
    );
}

#[tokio::test]
async fn email_rates_tell_people_from_machines() {
    let c = Some(customer());
    let sent = Some(at("2026-03-01T10:00:00Z"));
    let recipients = vec![
        RecipientRecord {
            customer: c,
            sent_at: sent,
            human_opens: 1,
            human_clicks: 1,
            replies: 1,
            ..Default::default()
        },
        RecipientRecord {
            customer: c,
            sent_at: sent,
            machine_opens: 2,
            ..Default::default()
        },
        RecipientRecord {
            customer: c,
            sent_at: sent,
            bounced: true,
            ..Default::default()
        },
        RecipientRecord {
            customer: c,
            sent_at: sent,
            human_opens: 3,
            machine_clicks: 1,
            ..Default::default()
        },
        RecipientRecord {
            customer: c,
            sent_at: None,
            ..Default::default()
        },
    ];
    let mut mocks = Mocks::default();
    mocks.answer_email(recipients);
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-01")]);
    let series = mocks
        .service()
        .series(&admin(), &q, MetricName::Email)
        .await
        .unwrap();
    let row: serde_json::Value = serde_json::to_value(&series.rows[0]).unwrap();
    // Sent 4, one bounced: 3 delivered. People opened 2 of 3, anyone 3 of 3;
    // a person clicked 1, anyone 2; 1 replied; 1 of 4 bounced.
    let expected = serde_json::json!({
        "sent": 4, "delivered": 3, "bounced": 1, "opened_human": 2, "opened_any": 3,
        "clicked_human": 1, "clicked_any": 2, "replied": 1, "machine_opens": 2, "machine_clicks": 1,
        "open_rate": "66.7%", "open_rate_all": "100%", "click_rate": "33.3%",
        "click_rate_all": "66.7%", "reply_rate": "33.3%", "bounce_rate": "25%",
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&row[key], value, "{key}");
    }
}

#[tokio::test]
async fn without_an_email_context_every_email_figure_is_zero() {
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-02")]);
    let request = CountRequest::new(q.periods(), crate::ReportScope::all());
    let counts = crate::ports::EmailSource::email_counts(&NoEmail, &request)
        .await
        .unwrap();
    assert_eq!(counts, vec![EmailPeriodCounts::default(); 2]);
}
