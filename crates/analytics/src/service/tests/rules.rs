//! Who sees what, which ports each use case asks, and broken contracts.

use super::*;

/// An agent assigned to company X, and customers around it.
struct Cast {
    agent: Principal,
    at_x: CustomerRef,
    owned: CustomerRef,
    other: CustomerRef,
}

fn cast() -> Cast {
    let x = CompanyId::new();
    let agent = staff(Role::Agent, &[x]);
    let owned = CustomerRef {
        owner_id: agent.user_id(),
        ..customer()
    };
    Cast {
        at_x: CustomerRef {
            company_id: Some(x),
            ..customer()
        },
        owned,
        other: CustomerRef {
            company_id: Some(CompanyId::new()),
            owner_id: Some(UserId::new()),
            ..customer()
        },
        agent,
    }
}

#[tokio::test]
async fn agents_get_reports_over_the_customers_they_may_see() {
    let cast = cast();
    let records = vec![
        meeting(cast.at_x, "2026-03-01T10:00:00Z"),
        meeting(cast.owned, "2026-03-01T11:00:00Z"),
        meeting(cast.other, "2026-03-01T12:00:00Z"),
    ];
    let expected = Visibility::of(&cast.agent, AgentScope::Assigned);
    let mut mocks = Mocks::default();
    mocks
        .interactions
        .expect_interaction_counts()
        .withf(move |request| request.scope.visibility == expected)
        .times(1)
        .returning(move |request| Ok(reference::interaction_counts(&records, request)));
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-01")]);
    let series = mocks
        .service()
        .series(&cast.agent, &q, MetricName::Interactions)
        .await
        .unwrap();
    assert_eq!(series.rows[0].values[0].to_string(), "2");
}

#[tokio::test]
async fn filters_narrow_what_the_caller_sees() {
    let cast = cast();
    let owner = cast.agent.user_id().unwrap();
    let records = vec![
        meeting(cast.at_x, "2026-03-01T10:00:00Z"),
        meeting(cast.owned, "2026-03-01T11:00:00Z"),
        meeting(cast.other, "2026-03-01T12:00:00Z"),
    ];
    let mut mocks = Mocks::default();
    mocks.answer_interactions(records);
    let owner_text = owner.to_string();
    let q = query(&[
        ("from", "2026-03-01"),
        ("to", "2026-03-01"),
        ("owner_id", owner_text.as_str()),
    ]);
    let series = mocks
        .service()
        .series(&admin(), &q, MetricName::Interactions)
        .await
        .unwrap();
    assert_eq!(series.rows[0].values[0].to_string(), "1");
}

#[tokio::test]
async fn customers_are_refused_before_any_store_is_asked() {
    let me = Principal {
        id: PrincipalId::Customer(CustomerId::new()),
        role: Role::Customer,
        company_ids: Vec::new(),
    };
    let service = Mocks::default().service();
    let q = query(&[]);
    assert!(matches!(
        service.report(&me, &q).await,
        Err(AnalyticsError::Forbidden)
    ));
    assert!(matches!(
        service.series(&me, &q, MetricName::Tickets).await,
        Err(AnalyticsError::Forbidden)
    ));
    assert!(matches!(
        service
            .chart(
                &me,
                &q,
                ChartName::TicketBacklog,
                ChartFormat::Png,
                ChartSize::default()
            )
            .await,
        Err(AnalyticsError::Forbidden)
    ));
}

#[tokio::test]
async fn the_default_range_is_the_last_thirty_days_from_the_clock() {
    let service = Mocks::default().service();
    let q = service.parse_query(&ReportParams::default()).unwrap();
    assert_eq!(q.to(), now());
    assert_eq!(q.periods().len(), 30);
    let bad = service.parse_query(&ReportParams {
        granularity: Some("hour".to_owned()),
        ..ReportParams::default()
    });
    assert!(
        matches!(bad, Err(AnalyticsError::Validation(e)) if e.fields()[0].field == "granularity")
    );
}

#[tokio::test]
async fn a_store_answering_for_other_periods_is_a_backend_failure() {
    let mut mocks = Mocks::default();
    mocks
        .lifecycle
        .expect_lifecycle_counts()
        .times(1)
        .returning(|_| Ok(LifecycleCounts::default()));
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-02")]);
    let result = mocks
        .service()
        .series(&admin(), &q, MetricName::Conversion)
        .await;
    assert!(matches!(result, Err(AnalyticsError::Backend(_))));

    let mut mocks = Mocks::default();
    mocks
        .interactions
        .expect_interaction_counts()
        .times(1)
        .returning(|_| {
            Ok(vec![crate::counts::InteractionCount {
                period: 7,
                kind: InteractionKind::Call,
                status: InteractionStatus::Scheduled,
                count: 1,
            }])
        });
    let result = mocks
        .service()
        .series(&admin(), &q, MetricName::Interactions)
        .await;
    assert!(matches!(result, Err(AnalyticsError::Backend(_))));
}

#[tokio::test]
async fn a_full_report_asks_every_port_once() {
    let c = customer();
    let mut mocks = Mocks::default();
    mocks.answer_all(
        vec![meeting(c, "2026-03-01T10:00:00Z")],
        history(c, &[(LifecycleStatus::Lead, "2026-03-01T09:00:00Z")]),
        Vec::new(),
        Vec::new(),
    );
    let q = query(&[
        ("from", "2026-03-01"),
        ("to", "2026-03-07"),
        ("granularity", "week"),
    ]);
    let report = mocks.service().report(&admin(), &q).await.unwrap();
    assert_eq!(report.interactions.total.total, 1);
    assert_eq!(report.lifecycle.customers.total.new, 1);
    assert_eq!(report.tz, "UTC");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["lifecycle"]["conversion"]["total"]["rate"], "0%");
    assert_eq!(json["periods"][0]["label"], "2026-W09");
}

#[tokio::test]
async fn a_chart_asks_only_its_port_and_renders_its_spec() {
    let c = customer();
    let mut mocks = Mocks::default();
    mocks.answer_interactions(vec![
        meeting(c, "2026-03-01T10:00:00Z"),
        InteractionRecord {
            kind: InteractionKind::Call,
            ..meeting(c, "2026-03-02T10:00:00Z")
        },
    ]);
    mocks
        .charts
        .expect_render()
        .withf(|spec, format, size| {
            spec.name == ChartName::InteractionsByKind
                && *format == ChartFormat::Png
                && size.width() == 800
        })
        .times(1)
        .returning(|_, format, _| {
            Ok(RenderedChart {
                format,
                bytes: b"png".to_vec(),
            })
        });
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-02")]);
    let chart = mocks
        .service()
        .chart(
            &admin(),
            &q,
            ChartName::InteractionsByKind,
            ChartFormat::Png,
            ChartSize::default(),
        )
        .await
        .unwrap();
    assert_eq!(chart.bytes, b"png");
}

#[tokio::test]
async fn chart_specs_carry_the_figures() {
    let c = customer();
    let mut mocks = Mocks::default();
    mocks.answer_interactions(vec![
        meeting(c, "2026-03-01T10:00:00Z"),
        InteractionRecord {
            kind: InteractionKind::Call,
            ..meeting(c, "2026-03-02T10:00:00Z")
        },
    ]);
    let q = query(&[
        ("from", "2026-03-01"),
        ("to", "2026-03-02"),
        ("tz", "Europe/Berlin"),
    ]);
    let spec = mocks
        .service()
        .chart_spec(&admin(), &q, ChartName::InteractionsByKind)
        .await
        .unwrap();
    assert_eq!(
        spec.subtitle,
        "2026-03-01 – 2026-03-02 · by day · Europe/Berlin"
    );
    let ChartBody::Cartesian(body) = spec.body else {
        panic!("a category chart");
    };
    assert_eq!(body.categories, ["2026-03-01", "2026-03-02"]);
    let names: Vec<&str> = body.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["meeting", "call", "task", "note", "email"]);
    assert_eq!(body.series[0].values, [Some(1.0), Some(0.0)]);
    assert_eq!(body.series[1].values, [Some(0.0), Some(1.0)]);

    let mut mocks = Mocks::default();
    mocks.answer_tickets(Vec::new());
    let spec = mocks
        .service()
        .chart_spec(&admin(), &q, ChartName::TicketBacklog)
        .await
        .unwrap();
    let ChartBody::Cartesian(body) = spec.body else {
        panic!("a category chart");
    };
    assert_eq!(body.axes.len(), 2);
    assert_eq!(body.series[1].values, [None, None]);
}

#[tokio::test]
async fn a_metric_series_has_its_columns_and_a_row_per_period() {
    let mut mocks = Mocks::default();
    mocks.answer_lifecycle(Vec::new());
    let q = query(&[("from", "2026-03-01"), ("to", "2026-03-02")]);
    let series = mocks
        .service()
        .series(&admin(), &q, MetricName::Conversion)
        .await
        .unwrap();
    assert_eq!(
        series.header(),
        [
            "period",
            "start",
            "end",
            "leads",
            "converted",
            "conversion_rate"
        ]
    );
    let row = serde_json::to_value(&series.rows[1]).unwrap();
    assert_eq!(
        row,
        serde_json::json!({
            "period": "2026-03-02", "start": "2026-03-02T00:00:00.000Z",
            "end": "2026-03-03T00:00:00.000Z", "leads": 0, "converted": 0,
            "conversion_rate": "0%"
        })
    );
}

/// A store that answers zeros once every store of the report has been
/// asked: a report that asked them one after another would never finish.
#[derive(Debug)]
struct Gate(Arc<tokio::sync::Barrier>);

impl Gate {
    async fn pass(&self) {
        self.0.wait().await;
    }
}

#[async_trait::async_trait]
impl crate::ports::InteractionSource for Gate {
    async fn interaction_counts(
        &self,
        _: &crate::plan::CountRequest,
    ) -> Result<Vec<crate::counts::InteractionCount>, crm_kernel::BackendError> {
        self.pass().await;
        Ok(Vec::new())
    }
}

#[async_trait::async_trait]
impl crate::ports::TicketSource for Gate {
    async fn ticket_counts(
        &self,
        request: &crate::plan::CountRequest,
    ) -> Result<crate::counts::TicketCounts, crm_kernel::BackendError> {
        self.pass().await;
        Ok(reference::ticket_counts(&[], request))
    }
}

#[async_trait::async_trait]
impl crate::ports::LifecycleSource for Gate {
    async fn lifecycle_counts(
        &self,
        request: &crate::plan::CountRequest,
    ) -> Result<LifecycleCounts, crm_kernel::BackendError> {
        self.pass().await;
        Ok(reference::lifecycle_counts(&[], request))
    }
}

#[async_trait::async_trait]
impl crate::ports::EmailSource for Gate {
    async fn email_counts(
        &self,
        request: &crate::plan::CountRequest,
    ) -> Result<Vec<EmailPeriodCounts>, crm_kernel::BackendError> {
        self.pass().await;
        Ok(vec![EmailPeriodCounts::default(); request.periods.len()])
    }
}

#[tokio::test]
async fn a_report_asks_its_four_stores_at_once() {
    let gate = Arc::new(Gate(Arc::new(tokio::sync::Barrier::new(4))));
    let service = AnalyticsService::new(
        AnalyticsPorts {
            interactions: gate.clone(),
            tickets: gate.clone(),
            lifecycle: gate.clone(),
            email: gate,
            charts: Arc::new(MockChartRenderer::new()),
            clock: Arc::new(FixedClock::at(now())),
        },
        ReportPolicy::default(),
    );
    let query = query(&[("from", "2026-03-01"), ("to", "2026-03-03")]);
    let report = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        service.report(&admin(), &query),
    )
    .await
    .expect("the four stores were asked together")
    .expect("a report");
    assert_eq!(report.periods.len(), 3);
    assert_eq!(report.interactions.total.total, 0);
}
