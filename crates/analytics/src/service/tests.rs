//! The analytics use cases with every port mocked, and every formula with
//! hand-computed fixtures: the mocked stores answer with the reference
//! definitions ([`crate::reference`]) over the fixture's records, and the
//! tests assert the figures worked out by hand in the comments.
//!
//! Mocks are strict: a port a test did not expect panics when called.

use std::sync::Arc;

use crm_kernel::{
    AgentScope, CompanyId, CustomerId, FixedClock, Principal, PrincipalId, Role, Timestamp, UserId,
    Visibility,
};

use super::{AnalyticsPorts, AnalyticsService};
use crate::chart::{ChartBody, ChartFormat, ChartName, ChartSize, RenderedChart};
use crate::counts::{EmailPeriodCounts, LifecycleCounts};
use crate::error::AnalyticsError;
use crate::plan::Grain;
use crate::ports::{
    MockChartRenderer, MockEmailSource, MockInteractionSource, MockLifecycleSource,
    MockTicketSource, NoEmail,
};
use crate::query::{ReportParams, ReportQuery};
use crate::reference::{
    self, InteractionRecord, RecipientRecord, StatusChangeRecord, TicketRecord, TicketTransition,
};
use crate::scope::{CustomerRef, ReportPolicy};
use crate::series::MetricName;
use crate::vocabulary::{InteractionKind, InteractionStatus, LifecycleStatus};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn now() -> Timestamp {
    at("2027-06-01T12:00:00Z")
}

fn query(pairs: &[(&str, &str)]) -> ReportQuery {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| (*v).to_owned())
    };
    let params = ReportParams {
        from: get("from"),
        to: get("to"),
        granularity: get("granularity"),
        tz: get("tz"),
        owner_id: get("owner_id"),
        company_id: get("company_id"),
    };
    ReportQuery::parse(&params, now()).unwrap()
}

fn staff(role: Role, companies: &[CompanyId]) -> Principal {
    Principal {
        id: PrincipalId::User(UserId::new()),
        role,
        company_ids: companies.to_vec(),
    }
}

fn admin() -> Principal {
    staff(Role::Admin, &[])
}

fn customer() -> CustomerRef {
    CustomerRef {
        id: CustomerId::new(),
        company_id: None,
        owner_id: None,
    }
}

#[derive(Default)]
struct Mocks {
    interactions: MockInteractionSource,
    tickets: MockTicketSource,
    lifecycle: MockLifecycleSource,
    email: MockEmailSource,
    charts: MockChartRenderer,
}

impl Mocks {
    fn service(self) -> AnalyticsService {
        AnalyticsService::new(
            AnalyticsPorts {
                interactions: Arc::new(self.interactions),
                tickets: Arc::new(self.tickets),
                lifecycle: Arc::new(self.lifecycle),
                email: Arc::new(self.email),
                charts: Arc::new(self.charts),
                clock: Arc::new(FixedClock::at(now())),
            },
            ReportPolicy::default(),
        )
    }

    fn answer_interactions(&mut self, records: Vec<InteractionRecord>) {
        self.interactions
            .expect_interaction_counts()
            .times(1)
            .returning(move |request| Ok(reference::interaction_counts(&records, request)));
    }

    fn answer_lifecycle(&mut self, changes: Vec<StatusChangeRecord>) {
        self.lifecycle
            .expect_lifecycle_counts()
            .times(1)
            .returning(move |request| Ok(reference::lifecycle_counts(&changes, request)));
    }

    fn answer_tickets(&mut self, tickets: Vec<TicketRecord>) {
        self.tickets
            .expect_ticket_counts()
            .times(1)
            .returning(move |request| Ok(reference::ticket_counts(&tickets, request)));
    }

    fn answer_email(&mut self, recipients: Vec<RecipientRecord>) {
        self.email
            .expect_email_counts()
            .times(1)
            .returning(move |request| Ok(reference::email_counts(&recipients, request)));
    }

    /// Every port answers from the given records (an admin's full report).
    fn answer_all(
        &mut self,
        interactions: Vec<InteractionRecord>,
        changes: Vec<StatusChangeRecord>,
        tickets: Vec<TicketRecord>,
        recipients: Vec<RecipientRecord>,
    ) {
        self.answer_interactions(interactions);
        self.answer_lifecycle(changes);
        self.answer_tickets(tickets);
        self.answer_email(recipients);
    }
}

fn meeting(customer: CustomerRef, when: &str) -> InteractionRecord {
    InteractionRecord {
        customer,
        kind: InteractionKind::Meeting,
        status: InteractionStatus::Completed,
        date_time: at(when),
    }
}

/// The status changes of one customer: `(status, when)`, the first its creation.
fn history(customer: CustomerRef, steps: &[(LifecycleStatus, &str)]) -> Vec<StatusChangeRecord> {
    steps
        .iter()
        .map(|&(to, when)| StatusChangeRecord {
            customer,
            to,
            at: at(when),
        })
        .collect()
}

fn totals<T>(per_period: &[T], get: impl Fn(&T) -> u64) -> Vec<u64> {
    per_period.iter().map(get).collect()
}

mod formulas;
mod rules;
