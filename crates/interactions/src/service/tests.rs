//! The scheduling rules and permissions of [`InteractionService`], with every
//! port mocked: no database; the clock stands still at [`now`], Friday
//! 2026-03-20 12:00 UTC.
//!
//! Mocks are strict: a port method a test did not expect panics when called,
//! so each test states only the calls that matter to its rule, and a refused
//! use case that reached the store anyway fails loudly.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_kernel::{
    AgentScope::{self, All, Assigned},
    CompanyId, CustomerId, EmailAddress, FixedClock, InteractionId, LongText, Page, PageRequest,
    Principal, PrincipalId, Role, SortDirection, Timestamp, UserId, Version, Visibility,
};

use super::{InteractionPorts, InteractionService};
use crate::attendees::Attendees;
use crate::calendar::{CalendarEntry, CalendarView, FeedToken, FeedTokenHash, Participant};
use crate::error::InteractionError;
use crate::history::{HistoryEntry, HistoryFilter, HistorySource, Sources};
use crate::interaction::{Attendee, Conflict, End, Interaction, InteractionPatch, NewInteraction};
use crate::kind::InteractionKind::{self, Call, Email, Meeting, Note, Task};
use crate::kind::InteractionStatus::{self, Cancelled, Completed};
use crate::ports::{
    CustomerRef, MockCalendarFeeds, MockCustomerDirectory, MockFeedTokens, MockHistoryQuery,
    MockInteractionRepository, MockStaffDirectory, StaffContact, StoreError,
};
use crate::query::InteractionQuery;
use crate::zone::TimeZone;

// `Scheduled` is also the name of what `schedule` returns; the status reads as `Planned`.
use crate::kind::InteractionStatus::Scheduled as Planned;

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// An instant written as RFC 3339.
fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

/// Where the test clock stands: Friday 2026-03-20, 12:00 UTC.
fn now() -> Timestamp {
    at("2026-03-20T12:00:00Z")
}

/// Saturday 2026-03-21 (the day after [`now`]) at `hh_mm` UTC.
fn tomorrow_at(hh_mm: &str) -> Timestamp {
    at(&format!("2026-03-21T{hh_mm}:00Z"))
}

/// Thursday 2026-03-19 (the day before [`now`]) at `hh_mm` UTC.
fn yesterday_at(hh_mm: &str) -> Timestamp {
    at(&format!("2026-03-19T{hh_mm}:00Z"))
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

/// A week in minutes: the longest interaction.
const WEEK_IN_MINUTES: u32 = 7 * 24 * 60;

fn long_text(text: &str) -> LongText {
    LongText::parse(text).unwrap()
}

fn berlin() -> TimeZone {
    TimeZone::parse("Europe/Berlin").unwrap()
}

// --- principals ------------------------------------------------------------

fn staff(role: Role, company_ids: &[CompanyId]) -> Principal {
    Principal {
        id: PrincipalId::User(UserId::new()),
        role,
        company_ids: company_ids.to_vec(),
    }
}

fn admin() -> Principal {
    staff(Role::Admin, &[])
}

/// An agent assigned to `companies`.
fn agent_of(companies: &[CompanyId]) -> Principal {
    staff(Role::Agent, companies)
}

/// The customer, signed in.
fn signed_in_as(customer: &CustomerRef) -> Principal {
    Principal {
        id: PrincipalId::Customer(customer.id),
        role: Role::Customer,
        company_ids: Vec::new(),
    }
}

fn user_id(principal: &Principal) -> UserId {
    principal.user_id().unwrap()
}

// --- customers -------------------------------------------------------------

/// A customer without company or owner (only admins, agents seeing all, and
/// the customer itself see it).
fn a_customer() -> CustomerRef {
    CustomerRef {
        id: CustomerId::new(),
        company_id: None,
        owner_id: None,
    }
}

fn customer_at(company: CompanyId) -> CustomerRef {
    CustomerRef {
        company_id: Some(company),
        ..a_customer()
    }
}

fn customer_owned_by(agent: &Principal, company: CompanyId) -> CustomerRef {
    CustomerRef {
        owner_id: Some(user_id(agent)),
        ..customer_at(company)
    }
}

// --- stored interactions ---------------------------------------------------

/// A stored, scheduled meeting with `customer`, tomorrow 10:00–11:00 UTC,
/// organised by some staff user, at version 1. Methods change what a test needs.
fn a_meeting_with(customer: &CustomerRef) -> InteractionBuilder {
    InteractionBuilder(Interaction {
        id: InteractionId::new(),
        customer_id: customer.id,
        kind: Meeting,
        date_time: tomorrow_at("10:00"),
        end_time: Some(tomorrow_at("11:00")),
        time_zone: TimeZone::UTC,
        location: None,
        meeting_url: None,
        description: long_text("Quarterly review"),
        outcome: None,
        organizer_id: Some(UserId::new()),
        attendees: Vec::new(),
        status: Planned,
        created_at: yesterday_at("09:00"),
        updated_at: yesterday_at("09:00"),
        version: Version::FIRST,
    })
}

/// [`a_meeting_with`] a customer of its own.
fn a_meeting() -> InteractionBuilder {
    a_meeting_with(&a_customer())
}

struct InteractionBuilder(Interaction);

impl InteractionBuilder {
    fn kind(mut self, kind: InteractionKind) -> Self {
        self.0.kind = kind;
        self
    }

    fn status(mut self, status: InteractionStatus) -> Self {
        self.0.status = status;
        self
    }

    fn between(mut self, start: Timestamp, end: Timestamp) -> Self {
        self.0.date_time = start;
        self.0.end_time = Some(end);
        self
    }

    fn organizer(mut self, organizer: UserId) -> Self {
        self.0.organizer_id = Some(organizer);
        self
    }

    fn outcome(mut self, text: &str) -> Self {
        self.0.outcome = Some(long_text(text));
        self
    }

    fn version(mut self, n: u64) -> Self {
        self.0.version = Version::new(n);
        self
    }

    fn build(self) -> Interaction {
        self.0
    }
}

// --- what staff ask for ----------------------------------------------------

/// The least a staff user fills in: a customer, a start tomorrow at 10:00
/// UTC and a description. No kind, end, zone, organizer or status: the
/// service's defaults apply.
fn new_interaction(customer: &CustomerRef) -> NewInteraction {
    NewInteraction {
        customer_id: customer.id,
        kind: None,
        date_time: tomorrow_at("10:00"),
        end: None,
        time_zone: None,
        location: None,
        meeting_url: None,
        description: long_text("Kick-off"),
        outcome: None,
        organizer_id: None,
        attendees: Attendees::default(),
        status: None,
        repeat_weekly: 0,
    }
}

/// One-line changes of a [`NewInteraction`]: `new_interaction(&c).starting(t).lasting(30)`.
trait NewShortcuts {
    fn kind(self, kind: InteractionKind) -> Self;
    fn starting(self, start: Timestamp) -> Self;
    fn ending(self, end: End) -> Self;
    fn lasting(self, minutes: u32) -> Self;
    fn zone(self, zone: TimeZone) -> Self;
    fn organizer(self, organizer: UserId) -> Self;
    fn attendees(self, attendees: Vec<Attendee>) -> Self;
    fn status(self, status: InteractionStatus) -> Self;
    fn repeat_weekly(self, times: u32) -> Self;
}

impl NewShortcuts for NewInteraction {
    fn kind(mut self, kind: InteractionKind) -> Self {
        self.kind = Some(kind);
        self
    }

    fn starting(mut self, start: Timestamp) -> Self {
        self.date_time = start;
        self
    }

    fn ending(mut self, end: End) -> Self {
        self.end = Some(end);
        self
    }

    fn lasting(self, minutes: u32) -> Self {
        self.ending(End::Minutes(minutes))
    }

    fn zone(mut self, zone: TimeZone) -> Self {
        self.time_zone = Some(zone);
        self
    }

    fn organizer(mut self, organizer: UserId) -> Self {
        self.organizer_id = Some(organizer);
        self
    }

    fn attendees(mut self, attendees: Vec<Attendee>) -> Self {
        self.attendees = Attendees::parse(attendees).unwrap();
        self
    }

    fn status(mut self, status: InteractionStatus) -> Self {
        self.status = Some(status);
        self
    }

    fn repeat_weekly(mut self, times: u32) -> Self {
        self.repeat_weekly = times;
        self
    }
}

/// An empty patch; [`PatchShortcuts`] sets fields in one line.
fn patch() -> InteractionPatch {
    InteractionPatch::default()
}

trait PatchShortcuts {
    fn starting(self, start: Timestamp) -> Self;
    fn ending(self, end: End) -> Self;
    fn status(self, status: InteractionStatus) -> Self;
    fn description(self, text: &str) -> Self;
}

impl PatchShortcuts for InteractionPatch {
    fn starting(mut self, start: Timestamp) -> Self {
        self.date_time = Some(start);
        self
    }

    fn ending(mut self, end: End) -> Self {
        self.end = Some(Some(end));
        self
    }

    fn status(mut self, status: InteractionStatus) -> Self {
        self.status = Some(status);
        self
    }

    fn description(mut self, text: &str) -> Self {
        self.description = Some(long_text(text));
        self
    }
}

// --- recording and asserting -----------------------------------------------

/// Keeps what a mock was called with, for assertions after the call.
#[derive(Debug)]
struct Recorded<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Recorded<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Clone> Recorded<T> {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Vec::new())))
    }

    fn push(&self, value: T) {
        self.0.lock().unwrap().push(value);
    }

    fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }

    /// The one recorded value (fails unless exactly one was recorded).
    fn single(&self) -> T {
        let values = self.all();
        assert_eq!(values.len(), 1, "expected exactly one recorded call");
        values[0].clone()
    }

    fn last(&self) -> Option<T> {
        self.all().last().cloned()
    }
}

/// What `overlapping` was asked: the organizer and the window.
type Window = (UserId, Timestamp, Timestamp);

/// One update as the store received it: the new state and the version it replaces.
type Written = (Interaction, Version);

/// Fails unless `$result` is an `Err` matching `$pattern` (and `$guard`).
macro_rules! assert_err {
    ($result:expr, $pattern:pat $(if $guard:expr)?, $case:expr) => {
        match $result {
            Err($pattern) $(if $guard)? => {}
            other => panic!("{}: expected Err({}), got {other:?}", $case, stringify!($pattern)),
        }
    };
    ($result:expr, $pattern:pat $(if $guard:expr)?) => {
        assert_err!($result, $pattern $(if $guard)?, "")
    };
}

/// The fields a validation error names, in order; fails on any other result.
fn invalid_fields<T: Debug>(result: Result<T, InteractionError>) -> Vec<String> {
    match result {
        Err(InteractionError::Validation(errors)) => errors
            .fields()
            .iter()
            .map(|error| error.field.clone())
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// `(start, end)` of each interaction.
fn times_of(interactions: &[Interaction]) -> Vec<(Timestamp, Option<Timestamp>)> {
    interactions
        .iter()
        .map(|i| (i.date_time, i.end_time))
        .collect()
}

// ---------------------------------------------------------------------------
// The service under test
// ---------------------------------------------------------------------------

/// The ports of one test, all strict, and the agent scope in force (agents
/// see the customers they are assigned unless a test says otherwise).
struct Mocks {
    interactions: MockInteractionRepository,
    history: MockHistoryQuery,
    customers: MockCustomerDirectory,
    staff: MockStaffDirectory,
    feeds: MockCalendarFeeds,
    feed_tokens: MockFeedTokens,
    agent_scope: AgentScope,
}

impl Mocks {
    fn new() -> Self {
        Self::with_scope(Assigned)
    }

    fn with_scope(agent_scope: AgentScope) -> Self {
        Self {
            interactions: MockInteractionRepository::new(),
            history: MockHistoryQuery::new(),
            customers: MockCustomerDirectory::new(),
            staff: MockStaffDirectory::new(),
            feeds: MockCalendarFeeds::new(),
            feed_tokens: MockFeedTokens::new(),
            agent_scope,
        }
    }

    fn service(self) -> InteractionService {
        let ports = InteractionPorts {
            interactions: Arc::new(self.interactions),
            history: Arc::new(self.history),
            customers: Arc::new(self.customers),
            staff: Arc::new(self.staff),
            feeds: Arc::new(self.feeds),
            feed_tokens: Arc::new(self.feed_tokens),
            clock: Arc::new(FixedClock::at(now())),
        };
        InteractionService::new(ports, self.agent_scope)
    }

    // --- customers and staff ---

    /// The directory finds `customer`, `times` times.
    fn customer_looked_up(&mut self, customer: &CustomerRef, times: usize) -> &mut Self {
        let found = *customer;
        self.customers
            .expect_customer_ref()
            .withf(move |id| *id == found.id)
            .times(times)
            .returning(move |_| Ok(Some(found)));
        self
    }

    /// The directory finds `customer`, once.
    fn customer_known(&mut self, customer: &CustomerRef) -> &mut Self {
        self.customer_looked_up(customer, 1)
    }

    /// The directory knows no customer `id`, once.
    fn customer_unknown(&mut self, id: CustomerId) -> &mut Self {
        self.customers
            .expect_customer_ref()
            .withf(move |given| *given == id)
            .times(1)
            .returning(|_| Ok(None));
        self
    }

    /// The customer directory is never asked.
    fn no_customer_lookup(&mut self) -> &mut Self {
        self.customers.expect_customer_ref().never();
        self
    }

    /// `staff_exists(id)` answers `exists`, once.
    fn staff_is(&mut self, id: UserId, exists: bool) -> &mut Self {
        self.staff
            .expect_staff_exists()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(exists));
        self
    }

    /// `caller` may schedule with `customer`: it sees the customer and is
    /// itself a staff user (the default organizer).
    fn ready_to_schedule(&mut self, caller: &Principal, customer: &CustomerRef) -> &mut Self {
        self.customer_known(customer)
            .staff_is(user_id(caller), true)
    }

    // --- interactions ---

    /// `get(interaction.id)` finds it, once.
    fn interaction_found(&mut self, interaction: &Interaction) -> &mut Self {
        let found = interaction.clone();
        self.interactions
            .expect_get()
            .withf(move |id| *id == found.id)
            .times(1)
            .returning(move |_| Ok(Some(found.clone())));
        self
    }

    /// `interaction` is found, and its customer (visible to admins only).
    fn interaction_stored(&mut self, interaction: &Interaction) -> &mut Self {
        let customer = CustomerRef {
            id: interaction.customer_id,
            ..a_customer()
        };
        self.interaction_found(interaction)
            .customer_known(&customer)
    }

    /// `overlapping` finds nothing, `times` times; the windows asked are recorded.
    fn nothing_overlaps(&mut self, times: usize) -> Recorded<Window> {
        self.overlapping_finds(times, |_| Vec::new())
    }

    /// `overlapping` answers `found(start)`, `times` times; the windows asked are recorded.
    fn overlapping_finds(
        &mut self,
        times: usize,
        found: impl Fn(Timestamp) -> Vec<Interaction> + Send + 'static,
    ) -> Recorded<Window> {
        let windows = Recorded::new();
        let sink = windows.clone();
        self.interactions
            .expect_overlapping()
            .times(times)
            .returning(move |organizer, start, end| {
                sink.push((organizer, start, end));
                Ok(found(start))
            });
        windows
    }

    /// No conflicts are looked for.
    fn no_conflict_check(&mut self) -> &mut Self {
        self.interactions.expect_overlapping().never();
        self
    }

    /// The store accepts one insert; what it received is recorded.
    fn insert_goes_through(&mut self) -> Recorded<Vec<Interaction>> {
        let inserted = Recorded::new();
        let sink = inserted.clone();
        self.interactions
            .expect_insert()
            .times(1)
            .returning(move |interactions| {
                sink.push(interactions.to_vec());
                Ok(())
            });
        inserted
    }

    /// The store refuses the one insert with `error`.
    fn insert_fails(&mut self, error: fn() -> StoreError) -> &mut Self {
        self.interactions
            .expect_insert()
            .times(1)
            .returning(move |_| Err(error()));
        self
    }

    /// The store accepts one update; what it received is recorded.
    fn update_goes_through(&mut self) -> Recorded<Written> {
        let written = Recorded::new();
        let sink = written.clone();
        self.interactions
            .expect_update()
            .times(1)
            .returning(move |interaction, expected| {
                sink.push((interaction.clone(), expected));
                Ok(())
            });
        written
    }

    /// The store refuses the one update with `error`.
    fn update_fails(&mut self, error: fn() -> StoreError) -> &mut Self {
        self.interactions
            .expect_update()
            .times(1)
            .returning(move |_, _| Err(error()));
        self
    }

    /// Nothing is written.
    fn no_write(&mut self) -> &mut Self {
        self.interactions.expect_insert().never();
        self.interactions.expect_update().never();
        self
    }
}

/// Completes (with an outcome) or cancels, as `to` says.
async fn finish(
    service: &InteractionService,
    caller: &Principal,
    id: InteractionId,
    to: InteractionStatus,
) -> Result<Interaction, InteractionError> {
    match to {
        Completed => {
            service
                .complete(caller, id, Some(long_text("Signed")))
                .await
        }
        Cancelled => service.cancel(caller, id).await,
        other => panic!("no use case finishes as {other}"),
    }
}

/// Who looks at which customer, under which agent scope, and whether they see it.
struct Sight {
    case: &'static str,
    caller: Principal,
    customer: CustomerRef,
    scope: AgentScope,
    visible: bool,
}

fn sights() -> Vec<Sight> {
    let assigned = CompanyId::new();
    let elsewhere = CompanyId::new();
    let agent = agent_of(&[assigned]);
    let own = a_customer();
    let sight = |case, caller: &Principal, customer, scope, visible| Sight {
        case,
        caller: caller.clone(),
        customer,
        scope,
        visible,
    };
    #[rustfmt::skip]
    let cases = vec![
        sight("admin", &admin(), customer_at(elsewhere), Assigned, true),
        sight("agent, assigned company", &agent, customer_at(assigned), Assigned, true),
        sight("agent, owned customer", &agent, customer_owned_by(&agent, elsewhere), Assigned, true),
        sight("agent, other company", &agent, customer_at(elsewhere), Assigned, false),
        sight("agent, no company", &agent, a_customer(), Assigned, false),
        sight("agent seeing all", &agent, customer_at(elsewhere), All, true),
        sight("customer, itself", &signed_in_as(&own), own, Assigned, true),
        sight("customer, another", &signed_in_as(&own), a_customer(), Assigned, false),
    ];
    cases
}

// ---------------------------------------------------------------------------
// Scheduling: who, with whom
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_staff_schedule_and_only_with_customers_they_see() {
    for sight in sights() {
        let Sight {
            case,
            caller,
            customer,
            ..
        } = &sight;
        let mut mocks = Mocks::with_scope(sight.scope);

        if !caller.is_staff() {
            mocks.no_customer_lookup().no_write();
            let result = mocks
                .service()
                .schedule(caller, new_interaction(customer))
                .await;
            assert_err!(result, InteractionError::Forbidden, case);
        } else if sight.visible {
            mocks
                .ready_to_schedule(caller, customer)
                .nothing_overlaps(1);
            let inserted = mocks.insert_goes_through();
            let scheduled = mocks
                .service()
                .schedule(caller, new_interaction(customer))
                .await
                .unwrap();
            assert_eq!(scheduled.interactions, inserted.single(), "{case}");
            assert_eq!(scheduled.interactions[0].customer_id, customer.id, "{case}");
        } else {
            mocks.customer_known(customer).no_write();
            let result = mocks
                .service()
                .schedule(caller, new_interaction(customer))
                .await;
            assert_err!(result, InteractionError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn scheduling_with_an_unknown_customer_is_customer_not_found() {
    let customer = a_customer();
    let mut mocks = Mocks::new();
    mocks.customer_unknown(customer.id).no_write();

    let result = mocks
        .service()
        .schedule(&admin(), new_interaction(&customer))
        .await;

    assert_err!(result, InteractionError::CustomerNotFound);
}

#[tokio::test]
async fn a_customer_erased_meanwhile_is_customer_not_found() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks
        .ready_to_schedule(&caller, &customer)
        .nothing_overlaps(1);
    mocks.insert_fails(|| StoreError::UnknownCustomer);

    let result = mocks
        .service()
        .schedule(&caller, new_interaction(&customer))
        .await;

    assert_err!(result, InteractionError::CustomerNotFound);
}

#[tokio::test]
async fn by_default_a_meeting_in_utc_organised_by_the_caller() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer);
    let windows = mocks.nothing_overlaps(1);
    let inserted = mocks.insert_goes_through();

    let scheduled = mocks
        .service()
        .schedule(&caller, new_interaction(&customer))
        .await
        .unwrap();

    let stored = inserted.single().remove(0);
    assert_eq!(stored.kind, Meeting);
    assert_eq!(stored.time_zone, TimeZone::UTC);
    assert_eq!(stored.organizer_id, Some(user_id(&caller)));
    assert_eq!(stored.status, Planned);
    assert_eq!(stored.date_time, tomorrow_at("10:00"));
    assert_eq!(stored.end_time, None);
    assert_eq!(stored.description, long_text("Kick-off"));
    assert_eq!((stored.created_at, stored.updated_at), (now(), now()));
    assert_eq!(stored.version, Version::FIRST);
    assert_eq!(scheduled.interactions, vec![stored]);
    assert_eq!(scheduled.conflicts, Vec::new());
    let start = tomorrow_at("10:00");
    assert_eq!(windows.single(), (user_id(&caller), start, start));
}

#[tokio::test]
async fn an_organizer_or_staff_attendee_who_is_no_staff_user_is_named() {
    let (caller, customer) = (admin(), a_customer());
    let (ghost, colleague, other_ghost) = (UserId::new(), UserId::new(), UserId::new());
    let attendees = vec![
        Attendee::Email(EmailAddress::parse("guest@example.org").unwrap()),
        Attendee::Staff(colleague),
        Attendee::Staff(other_ghost),
    ];
    let mut mocks = Mocks::new();
    mocks
        .customer_known(&customer)
        .staff_is(ghost, false)
        .staff_is(colleague, true)
        .staff_is(other_ghost, false)
        .no_write();

    let result = mocks
        .service()
        .schedule(
            &caller,
            new_interaction(&customer)
                .organizer(ghost)
                .attendees(attendees),
        )
        .await;

    assert_eq!(invalid_fields(result), ["organizer_id", "attendees[2]"]);
}

#[tokio::test]
async fn the_caller_as_default_organizer_must_be_a_staff_user_too() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks
        .customer_known(&customer)
        .staff_is(user_id(&caller), false)
        .no_write();

    let result = mocks
        .service()
        .schedule(&caller, new_interaction(&customer))
        .await;

    assert_eq!(invalid_fields(result), ["organizer_id"]);
}

// ---------------------------------------------------------------------------
// Scheduling: when
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_end_not_after_the_start_or_more_than_a_week_on_is_refused() {
    let start = tomorrow_at("10:00");
    let cases = [
        ("end at the start", End::At(start)),
        ("end before the start", End::At(yesterday_at("10:00"))),
        (
            "end a week and a minute on",
            End::At(start.plus(days(7) + minutes(1))),
        ),
        ("zero minutes", End::Minutes(0)),
        ("a week and a minute", End::Minutes(WEEK_IN_MINUTES + 1)),
    ];
    for (case, end) in cases {
        let (caller, customer) = (admin(), a_customer());
        let mut mocks = Mocks::new();
        mocks.ready_to_schedule(&caller, &customer).no_write();

        let result = mocks
            .service()
            .schedule(&caller, new_interaction(&customer).ending(end))
            .await;

        assert_eq!(invalid_fields(result), ["end_time"], "{case}");
    }
}

#[tokio::test]
async fn a_duration_or_an_end_sets_the_end() {
    let start = tomorrow_at("10:00");
    let cases = [
        ("45 minutes", End::Minutes(45), tomorrow_at("10:45")),
        ("a week", End::Minutes(WEEK_IN_MINUTES), start.plus(days(7))),
        (
            "an end",
            End::At(tomorrow_at("12:30")),
            tomorrow_at("12:30"),
        ),
    ];
    for (case, end, expected) in cases {
        let (caller, customer) = (admin(), a_customer());
        let mut mocks = Mocks::new();
        mocks.ready_to_schedule(&caller, &customer);
        let windows = mocks.nothing_overlaps(1);
        let inserted = mocks.insert_goes_through();

        mocks
            .service()
            .schedule(&caller, new_interaction(&customer).ending(end))
            .await
            .unwrap();

        let stored = &inserted.single()[0];
        assert_eq!(stored.end_time, Some(expected), "{case}");
        let window = (user_id(&caller), start, expected);
        assert_eq!(windows.single(), window, "{case}: conflicts looked for");
    }
}

#[tokio::test]
async fn a_meeting_in_the_past_is_recorded_as_completed() {
    for asked in [None, Some(Planned), Some(Completed)] {
        let (caller, customer) = (admin(), a_customer());
        let mut new = new_interaction(&customer)
            .starting(yesterday_at("10:00"))
            .lasting(60);
        new.status = asked;
        let mut mocks = Mocks::new();
        mocks
            .ready_to_schedule(&caller, &customer)
            .no_conflict_check();
        let inserted = mocks.insert_goes_through();

        let scheduled = mocks.service().schedule(&caller, new).await.unwrap();

        assert_eq!(inserted.single()[0].status, Completed, "asked {asked:?}");
        assert_eq!(
            scheduled.interactions[0].status, Completed,
            "asked {asked:?}"
        );
    }
}

#[tokio::test]
async fn a_future_meeting_is_scheduled() {
    for asked in [None, Some(Planned)] {
        let (caller, customer) = (admin(), a_customer());
        let mut new = new_interaction(&customer);
        new.status = asked;
        let mut mocks = Mocks::new();
        mocks
            .ready_to_schedule(&caller, &customer)
            .nothing_overlaps(1);
        let inserted = mocks.insert_goes_through();

        mocks.service().schedule(&caller, new).await.unwrap();

        assert_eq!(inserted.single()[0].status, Planned, "asked {asked:?}");
    }
}

#[tokio::test]
async fn a_future_meeting_cannot_be_recorded_as_completed() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer).no_write();

    let result = mocks
        .service()
        .schedule(&caller, new_interaction(&customer).status(Completed))
        .await;

    assert_eq!(invalid_fields(result), ["status"]);
}

#[tokio::test]
async fn a_weekly_nine_oclock_berlin_meeting_stays_at_nine_across_the_dst_change() {
    let (caller, customer) = (admin(), a_customer());
    // Wednesday 25 March 2026, 09:00 CET (UTC+1); summer time starts Sunday 29 March.
    let new = new_interaction(&customer)
        .starting(at("2026-03-25T09:00:00+01:00"))
        .lasting(90)
        .zone(berlin())
        .repeat_weekly(2);
    let mut mocks = Mocks::new();
    mocks
        .ready_to_schedule(&caller, &customer)
        .nothing_overlaps(3);
    let inserted = mocks.insert_goes_through();

    let scheduled = mocks.service().schedule(&caller, new).await.unwrap();

    let stored = inserted.single();
    let starts = [
        "2026-03-25T08:00:00Z",
        "2026-04-01T07:00:00Z",
        "2026-04-08T07:00:00Z",
    ];
    let expected: Vec<_> = starts
        .into_iter()
        .map(|start| (at(start), Some(at(start).plus(minutes(90)))))
        .collect();
    assert_eq!(times_of(&stored), expected);
    for occurrence in &stored {
        assert_eq!(occurrence.time_zone, berlin());
        assert_eq!(occurrence.status, Planned);
        assert_eq!(occurrence.customer_id, customer.id);
    }
    assert!(stored[0].id != stored[1].id && stored[1].id != stored[2].id);
    assert_eq!(scheduled.interactions, stored);
}

#[tokio::test]
async fn all_occurrences_of_a_series_are_inserted_in_one_call() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks
        .ready_to_schedule(&caller, &customer)
        .nothing_overlaps(4);
    let inserted = mocks.insert_goes_through();

    mocks
        .service()
        .schedule(&caller, new_interaction(&customer).repeat_weekly(3))
        .await
        .unwrap();

    let starts: Vec<_> = inserted.single().iter().map(|i| i.date_time).collect();
    let first = tomorrow_at("10:00");
    let weekly: Vec<_> = (0..4).map(|week| first.plus(days(7 * week))).collect();
    assert_eq!(starts, weekly);
}

#[tokio::test]
async fn up_to_52_repetitions_are_allowed_and_more_are_refused() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks
        .ready_to_schedule(&caller, &customer)
        .nothing_overlaps(53);
    let inserted = mocks.insert_goes_through();
    let new = new_interaction(&customer).repeat_weekly(52);
    mocks.service().schedule(&caller, new).await.unwrap();
    assert_eq!(
        inserted.single().len(),
        53,
        "52 repetitions after the first"
    );

    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer).no_write();
    let new = new_interaction(&customer).repeat_weekly(53);
    let result = mocks.service().schedule(&caller, new).await;
    assert_eq!(invalid_fields(result), ["repeat_weekly"]);
}

#[tokio::test]
async fn an_interaction_outside_the_years_1900_to_9998_is_refused() {
    let cases = [
        (at("9999-12-31T23:59:00Z"), None, "date_time"),
        (at("1899-12-31T12:00:00Z"), None, "date_time"),
        (
            at("9998-12-31T23:59:00Z"),
            Some(End::Minutes(30)),
            "end_time",
        ),
    ];
    for (start, end, field) in cases {
        let (caller, customer) = (admin(), a_customer());
        let mut mocks = Mocks::new();
        mocks.ready_to_schedule(&caller, &customer).no_write();
        let mut new = new_interaction(&customer).starting(start);
        new.end = end;

        let result = mocks.service().schedule(&caller, new).await;

        assert_eq!(invalid_fields(result), [field], "{start:?}");
    }
}

#[tokio::test]
async fn a_series_running_past_9998_is_refused_whole_not_cut_short() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer).no_write();
    let new = new_interaction(&customer)
        .starting(at("9998-12-01T10:00:00Z"))
        .repeat_weekly(52);

    let result = mocks.service().schedule(&caller, new).await;

    match result {
        Err(InteractionError::Validation(errors)) => {
            let field = &errors.fields()[0];
            assert_eq!(field.field, "repeat_weekly");
            assert_eq!(
                field.message,
                "would schedule occurrences after the year 9998; at most 4 more fit"
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Scheduling: conflicts
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_organizers_overlapping_meetings_are_reported_and_the_series_still_stored() {
    let (caller, customer) = (admin(), a_customer());
    let colleague = UserId::new();
    let next_week = tomorrow_at("10:00").plus(days(7));
    let busy = a_meeting()
        .organizer(colleague)
        .between(next_week.plus(minutes(30)), next_week.plus(minutes(90)))
        .build();
    let mut mocks = Mocks::new();
    mocks.customer_known(&customer).staff_is(colleague, true);
    let found = busy.clone();
    let windows = mocks.overlapping_finds(2, move |start| {
        if start == next_week {
            vec![found.clone()]
        } else {
            Vec::new()
        }
    });
    let inserted = mocks.insert_goes_through();

    let new = new_interaction(&customer)
        .organizer(colleague)
        .lasting(60)
        .repeat_weekly(1);
    let scheduled = mocks.service().schedule(&caller, new).await.unwrap();

    let stored = inserted.single();
    assert_eq!(
        scheduled.interactions, stored,
        "stored despite the conflict"
    );
    let conflict = Conflict {
        interaction_id: stored[1].id,
        conflicting_id: busy.id,
        date_time: busy.date_time,
        end_time: busy.end_time.unwrap(),
    };
    assert_eq!(scheduled.conflicts, vec![conflict]);
    let asked: Vec<_> = stored
        .iter()
        .map(|i| (colleague, i.date_time, i.end_time.unwrap()))
        .collect();
    assert_eq!(
        windows.all(),
        asked,
        "the organizer's calendar, per occurrence"
    );
}

#[tokio::test]
async fn calls_are_checked_for_conflicts_like_meetings() {
    let (caller, customer) = (admin(), a_customer());
    let busy = a_meeting().kind(Call).build();
    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer);
    let found = busy.clone();
    mocks.overlapping_finds(1, move |_| vec![found.clone()]);
    let inserted = mocks.insert_goes_through();

    let new = new_interaction(&customer).kind(Call).lasting(30);
    let scheduled = mocks.service().schedule(&caller, new).await.unwrap();

    let ids: Vec<_> = scheduled
        .conflicts
        .iter()
        .map(|c| (c.interaction_id, c.conflicting_id))
        .collect();
    assert_eq!(ids, [(inserted.single()[0].id, busy.id)]);
}

#[tokio::test]
async fn notes_tasks_emails_and_finished_interactions_are_not_checked_for_conflicts() {
    let customer = a_customer();
    let future = || new_interaction(&customer).lasting(60);
    let cases = [
        ("note", future().kind(Note)),
        ("task", future().kind(Task)),
        ("email", future().kind(Email)),
        ("past meeting", future().starting(yesterday_at("10:00"))),
        ("cancelled meeting", future().status(Cancelled)),
    ];
    for (case, new) in cases {
        let caller = admin();
        let mut mocks = Mocks::new();
        mocks
            .ready_to_schedule(&caller, &customer)
            .no_conflict_check();
        let inserted = mocks.insert_goes_through();

        let scheduled = mocks.service().schedule(&caller, new).await.unwrap();

        assert_eq!(inserted.single().len(), 1, "{case}");
        assert_eq!(scheduled.conflicts, Vec::new(), "{case}");
    }
}

// ---------------------------------------------------------------------------
// Completing and cancelling
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_a_scheduled_interaction_can_be_completed_or_cancelled() {
    for from in InteractionStatus::ALL {
        for to in [Completed, Cancelled] {
            let case = format!("{from} -> {to}");
            let current = a_meeting().status(from).build();
            let mut mocks = Mocks::new();
            mocks.interaction_stored(&current).no_conflict_check();

            if from == Planned {
                let written = mocks.update_goes_through();
                let service = mocks.service();
                let done = finish(&service, &admin(), current.id, to).await.unwrap();
                assert_eq!(done.status, to, "{case}");
                assert_eq!(written.single().0, done, "{case}: stored as returned");
            } else {
                mocks.no_write();
                let service = mocks.service();
                let result = finish(&service, &admin(), current.id, to).await;
                assert_err!(
                    result,
                    InteractionError::InvalidTransition { from: f, to: t } if f == from && t == to,
                    case
                );
            }
        }
    }
}

#[tokio::test]
async fn completing_a_cancelled_meeting_is_refused_without_a_write() {
    let cancelled = a_meeting().status(Cancelled).build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&cancelled).no_write();

    let result = mocks
        .service()
        .complete(&admin(), cancelled.id, Some(long_text("Signed")))
        .await;

    assert_err!(
        result,
        InteractionError::InvalidTransition {
            from: Cancelled,
            to: Completed
        }
    );
}

#[tokio::test]
async fn completing_twice_is_refused_the_second_time() {
    let current = a_meeting().build();
    let customer = CustomerRef {
        id: current.customer_id,
        ..a_customer()
    };
    let mut mocks = Mocks::new();
    mocks.customer_looked_up(&customer, 2);
    let written = mocks.update_goes_through();
    // The store answers with what was last written, as a real one would.
    let (stored, original) = (written.clone(), current.clone());
    mocks
        .interactions
        .expect_get()
        .times(2)
        .returning(move |_| Ok(Some(stored.last().map_or(original.clone(), |(i, _)| i))));
    let service = mocks.service();

    service.complete(&admin(), current.id, None).await.unwrap();
    let again = service.complete(&admin(), current.id, None).await;

    assert_err!(
        again,
        InteractionError::InvalidTransition {
            from: Completed,
            to: Completed
        }
    );
    assert_eq!(written.single().0.status, Completed);
}

#[tokio::test]
async fn completing_stores_the_outcome_and_raises_the_version() {
    let current = a_meeting().version(3).build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&current);
    let written = mocks.update_goes_through();

    let done = mocks
        .service()
        .complete(&admin(), current.id, Some(long_text("Signed the renewal")))
        .await
        .unwrap();

    let (stored, expected) = written.single();
    assert_eq!(expected, Version::new(3), "replaces the version read");
    assert_eq!(stored.version, Version::new(4));
    assert_eq!(stored.outcome, Some(long_text("Signed the renewal")));
    assert_eq!(stored.status, Completed);
    assert_eq!(stored.updated_at, now());
    assert_eq!(done, stored);
}

#[tokio::test]
async fn cancelling_keeps_an_outcome_already_recorded() {
    let current = a_meeting().outcome("Agenda sent").build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&current);
    let written = mocks.update_goes_through();

    mocks.service().cancel(&admin(), current.id).await.unwrap();

    let (stored, _) = written.single();
    assert_eq!(stored.status, Cancelled);
    assert_eq!(stored.outcome, Some(long_text("Agenda sent")));
}

#[tokio::test]
async fn a_change_made_meanwhile_is_a_conflict() {
    for to in [Completed, Cancelled] {
        // Every attempt, on a fresh read, loses its race.
        let current = a_meeting().build();
        let mut mocks = Mocks::new();
        for _ in 0..crm_kernel::WRITE_ATTEMPTS {
            mocks
                .interaction_stored(&current)
                .update_fails(|| StoreError::VersionConflict);
        }
        let service = mocks.service();

        let result = finish(&service, &admin(), current.id, to).await;

        assert_err!(result, InteractionError::Conflict, to);
    }
}

#[tokio::test]
async fn customers_cannot_complete_or_cancel_even_their_own_interactions() {
    for to in [Completed, Cancelled] {
        let customer = a_customer();
        let current = a_meeting_with(&customer).build();
        let mut mocks = Mocks::new();
        mocks
            .interaction_found(&current)
            .customer_known(&customer)
            .no_write();
        let service = mocks.service();

        let result = finish(&service, &signed_in_as(&customer), current.id, to).await;

        assert_err!(result, InteractionError::Forbidden, to);
    }
}

// ---------------------------------------------------------------------------
// Changing
// ---------------------------------------------------------------------------

#[tokio::test]
async fn moving_the_start_keeps_the_length_when_no_end_is_given() {
    let current = a_meeting()
        .between(tomorrow_at("10:00"), tomorrow_at("11:30"))
        .version(2)
        .build();
    let organizer = current.organizer_id.unwrap();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&current);
    let windows = mocks.nothing_overlaps(1);
    let written = mocks.update_goes_through();

    let changed = mocks
        .service()
        .update(
            &admin(),
            current.id,
            patch().starting(tomorrow_at("14:00")),
            None,
        )
        .await
        .unwrap();

    let (stored, expected) = written.single();
    let moved = (tomorrow_at("14:00"), Some(tomorrow_at("15:30")));
    assert_eq!((stored.date_time, stored.end_time), moved);
    assert_eq!(
        (expected, stored.version),
        (Version::new(2), Version::new(3))
    );
    assert_eq!(stored.updated_at, now());
    assert_eq!(changed.interactions, vec![stored]);
    let window = (organizer, tomorrow_at("14:00"), tomorrow_at("15:30"));
    assert_eq!(windows.single(), window);
}

#[tokio::test]
async fn a_new_end_not_after_the_new_start_is_refused() {
    let current = a_meeting().build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&current).no_write();
    let change = patch()
        .starting(tomorrow_at("14:00"))
        .ending(End::At(tomorrow_at("11:00")));

    let result = mocks
        .service()
        .update(&admin(), current.id, change, None)
        .await;

    assert_eq!(invalid_fields(result), ["end_time"]);
}

#[tokio::test]
async fn a_move_outside_the_years_1900_to_9998_is_refused() {
    for (change, field) in [
        (patch().starting(at("9999-12-31T23:00:00Z")), "date_time"),
        (patch().starting(at("1899-06-01T10:00:00Z")), "date_time"),
        // The current meeting lasts an hour: moved here, it would end in 9999.
        (patch().starting(at("9998-12-31T23:30:00Z")), "end_time"),
    ] {
        let current = a_meeting()
            .between(tomorrow_at("10:00"), tomorrow_at("11:00"))
            .build();
        let mut mocks = Mocks::new();
        mocks.interaction_stored(&current).no_write();

        let result = mocks
            .service()
            .update(&admin(), current.id, change, None)
            .await;

        assert_eq!(invalid_fields(result), [field]);
    }
}

#[tokio::test]
async fn a_status_patch_follows_the_same_transition_rule() {
    for from in InteractionStatus::ALL {
        for to in InteractionStatus::ALL {
            let case = format!("{from} -> {to}");
            let current = a_meeting().status(from).build();
            let mut mocks = Mocks::new();
            mocks.interaction_stored(&current);

            if from == Planned || from == to {
                // Only a meeting still scheduled occupies the organizer's time.
                mocks.nothing_overlaps(usize::from(to == Planned));
                let written = mocks.update_goes_through();
                let changed = mocks
                    .service()
                    .update(&admin(), current.id, patch().status(to), None)
                    .await
                    .unwrap();
                assert_eq!(written.single().0.status, to, "{case}");
                assert_eq!(changed.interactions[0].status, to, "{case}");
            } else {
                mocks.no_write().no_conflict_check();
                let result = mocks
                    .service()
                    .update(&admin(), current.id, patch().status(to), None)
                    .await;
                assert_err!(
                    result,
                    InteractionError::InvalidTransition { from: f, to: t } if f == from && t == to,
                    case
                );
            }
        }
    }
}

#[tokio::test]
async fn customers_cannot_change_interactions() {
    let customer = a_customer();
    let own = a_meeting_with(&customer).build();
    let mut mocks = Mocks::new();
    mocks
        .interaction_found(&own)
        .customer_known(&customer)
        .no_write();

    let result = mocks
        .service()
        .update(
            &signed_in_as(&customer),
            own.id,
            patch().description("Mine"),
            None,
        )
        .await;

    assert_err!(result, InteractionError::Forbidden);
}

#[tokio::test]
async fn a_change_reports_the_organizers_other_overlapping_meetings_not_itself() {
    let current = a_meeting().build();
    let busy = a_meeting()
        .between(tomorrow_at("14:30"), tomorrow_at("15:30"))
        .build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&current);
    let found = vec![current.clone(), busy.clone()];
    mocks.overlapping_finds(1, move |_| found.clone());
    mocks.update_goes_through();

    let changed = mocks
        .service()
        .update(
            &admin(),
            current.id,
            patch().starting(tomorrow_at("14:00")),
            None,
        )
        .await
        .unwrap();

    let conflict = Conflict {
        interaction_id: current.id,
        conflicting_id: busy.id,
        date_time: tomorrow_at("14:30"),
        end_time: tomorrow_at("15:30"),
    };
    assert_eq!(changed.conflicts, vec![conflict]);
}

#[tokio::test]
async fn a_change_racing_another_is_a_conflict() {
    // Every attempt, on a fresh read, loses its race.
    let current = a_meeting().build();
    let mut mocks = Mocks::new();
    for _ in 0..crm_kernel::WRITE_ATTEMPTS {
        mocks
            .interaction_stored(&current)
            .update_fails(|| StoreError::VersionConflict);
    }
    mocks.nothing_overlaps(crm_kernel::WRITE_ATTEMPTS);

    let result = mocks
        .service()
        .update(&admin(), current.id, patch().description("Moved"), None)
        .await;

    assert_err!(result, InteractionError::Conflict);
}

#[tokio::test]
async fn a_stale_if_match_fails_with_the_current_version_and_writes_nothing() {
    let current = a_meeting().version(3).build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&current).no_write();

    let result = mocks
        .service()
        .update(
            &admin(),
            current.id,
            patch().description("Moved"),
            Some(Version::new(2)),
        )
        .await;

    assert_err!(result, InteractionError::PreconditionFailed { current } if current == Version::new(3));
}

#[tokio::test]
async fn without_if_match_a_lost_race_applies_the_change_to_the_latest_version() {
    let current = a_meeting().version(3).build();
    let mut meanwhile = a_meeting().outcome("Agenda sent").version(5).build();
    meanwhile.id = current.id;
    meanwhile.customer_id = current.customer_id;
    let mut mocks = Mocks::new();
    mocks
        .interaction_stored(&current)
        .update_fails(|| StoreError::VersionConflict)
        .interaction_stored(&meanwhile)
        .nothing_overlaps(2);
    let written = mocks.update_goes_through();

    let changed = mocks
        .service()
        .update(&admin(), current.id, patch().description("Moved"), None)
        .await
        .unwrap();

    let (stored, expected) = written.single();
    assert_eq!(expected, Version::new(5), "written at the latest version");
    assert_eq!(
        (
            stored.description.clone(),
            stored.outcome.clone(),
            stored.version
        ),
        (
            long_text("Moved"),
            Some(long_text("Agenda sent")),
            Version::new(6)
        ),
        "the change applies to the latest interaction, keeping the concurrent one"
    );
    assert_eq!(changed.interactions, vec![stored]);
}

#[tokio::test]
async fn with_if_match_a_lost_race_fails_with_the_version_that_won() {
    let current = a_meeting().version(3).build();
    let mut meanwhile = a_meeting().version(4).build();
    meanwhile.id = current.id;
    meanwhile.customer_id = current.customer_id;
    let mut mocks = Mocks::new();
    mocks
        .interaction_stored(&current)
        .update_fails(|| StoreError::VersionConflict)
        .interaction_stored(&meanwhile)
        .nothing_overlaps(1);

    let result = mocks
        .service()
        .update(
            &admin(),
            current.id,
            patch().description("Moved"),
            Some(Version::new(3)),
        )
        .await;

    assert_err!(result, InteractionError::PreconditionFailed { current } if current == Version::new(4));
}

// ---------------------------------------------------------------------------
// Reading: one, a list, a history
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_shows_interactions_of_visible_customers_and_hides_the_rest_as_not_found() {
    for sight in sights() {
        let (case, customer) = (sight.case, &sight.customer);
        let meeting = a_meeting_with(customer).build();
        let mut mocks = Mocks::with_scope(sight.scope);
        mocks.interaction_found(&meeting).customer_known(customer);

        let result = mocks.service().get(&sight.caller, meeting.id).await;

        if sight.visible {
            assert_eq!(result.unwrap(), meeting, "{case}");
        } else {
            assert_err!(result, InteractionError::InteractionNotFound, case);
        }
    }
}

#[tokio::test]
async fn customers_never_see_notes_even_on_their_own_record() {
    let customer = a_customer();
    let note = a_meeting_with(&customer).kind(Note).build();
    let mut mocks = Mocks::new();
    mocks.interaction_found(&note).no_customer_lookup();

    let result = mocks.service().get(&signed_in_as(&customer), note.id).await;

    assert_err!(result, InteractionError::InteractionNotFound);
}

#[tokio::test]
async fn staff_see_notes() {
    let note = a_meeting().kind(Note).build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&note);

    let seen = mocks.service().get(&admin(), note.id).await.unwrap();

    assert_eq!(seen, note);
}

#[tokio::test]
async fn an_unknown_interaction_is_not_found() {
    let id = InteractionId::new();
    let mut mocks = Mocks::new();
    mocks
        .interactions
        .expect_get()
        .withf(move |given| *given == id)
        .times(1)
        .returning(|_| Ok(None));

    let result = mocks.service().get(&admin(), id).await;

    assert_err!(result, InteractionError::InteractionNotFound);
}

#[tokio::test]
async fn list_passes_the_callers_visibility_and_staff_only_switch_to_the_store() {
    let company = CompanyId::new();
    let agent = agent_of(&[company]);
    let customer = a_customer();
    let agents_part = Visibility::Agent {
        company_ids: vec![company],
        owner_id: user_id(&agent),
    };
    let cases = [
        ("admin", admin(), Assigned, Visibility::All, true),
        ("agent", agent.clone(), Assigned, agents_part, true),
        ("agent seeing all", agent, All, Visibility::All, true),
        (
            "customer",
            signed_in_as(&customer),
            Assigned,
            Visibility::Own(customer.id),
            false,
        ),
    ];
    for (case, caller, scope, visibility, staff_only) in cases {
        let query = InteractionQuery {
            kind: Some(Meeting),
            direction: SortDirection::Desc,
            ..InteractionQuery::default()
        };
        let listed = a_meeting_with(&customer).build();
        let page = Page {
            items: vec![listed],
            next: None,
        };
        let (expected_query, answer) = (query.clone(), page.clone());
        let mut mocks = Mocks::with_scope(scope);
        mocks
            .interactions
            .expect_list()
            .withf(move |q, v, include_staff_only, p| {
                *q == expected_query
                    && *v == visibility
                    && *include_staff_only == staff_only
                    && *p == PageRequest::default()
            })
            .times(1)
            .returning(move |_, _, _, _| Ok(answer.clone()));

        let result = mocks
            .service()
            .list(&caller, &query, &PageRequest::default())
            .await;

        assert_eq!(result.unwrap(), page, "{case}");
    }
}

#[tokio::test]
async fn history_is_shown_for_visible_customers_only_and_without_notes_for_customers() {
    for sight in sights() {
        let (case, caller, customer) = (sight.case, &sight.caller, &sight.customer);
        let filter = HistoryFilter {
            sources: Sources::ALL,
            ..HistoryFilter::default()
        };
        let entry = HistoryEntry {
            source: HistorySource::Ticket,
            id: "ticket-1".to_owned(),
            at: yesterday_at("10:00"),
            description: "Printer on fire".to_owned(),
            status: Some("open".to_owned()),
            interaction: None,
        };
        let page = Page {
            items: vec![entry],
            next: None,
        };
        let (id, expected_filter, answer) = (customer.id, filter.clone(), page.clone());
        let staff_only = caller.is_staff();
        let mut mocks = Mocks::with_scope(sight.scope);
        mocks.customer_known(customer);
        mocks
            .history
            .expect_history()
            .withf(move |c, f, include_staff_only, p| {
                *c == id
                    && *f == expected_filter
                    && *include_staff_only == staff_only
                    && *p == PageRequest::default()
            })
            .times(usize::from(sight.visible))
            .returning(move |_, _, _, _| Ok(answer.clone()));

        let result = mocks
            .service()
            .history(caller, id, &filter, &PageRequest::default())
            .await;

        if sight.visible {
            assert_eq!(result.unwrap(), page, "{case}");
        } else {
            assert_err!(result, InteractionError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn history_of_an_unknown_customer_is_customer_not_found() {
    let id = CustomerId::new();
    let mut mocks = Mocks::new();
    mocks.customer_unknown(id);
    mocks.history.expect_history().never();

    let result = mocks
        .service()
        .history(
            &admin(),
            id,
            &HistoryFilter::default(),
            &PageRequest::default(),
        )
        .await;

    assert_err!(result, InteractionError::CustomerNotFound);
}

#[test]
fn history_sources_name_the_three_extras_and_nothing_else() {
    let all = Sources::with_extras("tickets,emails,status_changes".split(','));
    assert_eq!(all, Ok(Sources::ALL));
    let tickets = Sources::with_extras([" tickets ", ""]).unwrap();
    assert_eq!(
        tickets,
        Sources {
            tickets: true,
            ..Sources::INTERACTIONS
        }
    );
    assert_eq!(Sources::with_extras([]), Ok(Sources::INTERACTIONS));
    for refused in ["notes", "interactions", "Tickets"] {
        let error = Sources::with_extras(["emails", refused]).unwrap_err();
        assert!(
            error.contains(&format!("`{refused}`")),
            "{refused}: {error}"
        );
    }
}

// ---------------------------------------------------------------------------
// Calendar feeds
// ---------------------------------------------------------------------------

/// How `contacts_of` answers: the staff user's name and email.
fn contact(id: UserId, name: &str) -> StaffContact {
    StaffContact {
        id,
        name: name.to_owned(),
        email: format!("{}@example.com", name.to_lowercase()),
    }
}

/// The participant a staff contact becomes.
fn staff_participant(contact: &StaffContact) -> Participant {
    Participant {
        name: Some(contact.name.clone()),
        email: contact.email.clone(),
    }
}

fn email_participant(address: &str) -> Participant {
    Participant {
        name: None,
        email: address.to_owned(),
    }
}

impl Mocks {
    /// The feed token `token` hashes to `hash`, once.
    fn token_hashes_to(&mut self, token: &'static str, hash: &'static str) -> &mut Self {
        self.feed_tokens
            .expect_hash()
            .withf(move |given| given.expose() == token)
            .times(1)
            .returning(move |_| FeedTokenHash::new(hash.to_owned()));
        self
    }

    /// `staff_contacts` is asked once and answers `known`; the ids it was
    /// asked for are recorded.
    fn contacts_of(&mut self, known: Vec<StaffContact>) -> Recorded<Vec<UserId>> {
        let asked = Recorded::new();
        let sink = asked.clone();
        self.staff
            .expect_staff_contacts()
            .times(1)
            .returning(move |ids| {
                sink.push(ids.to_vec());
                Ok(known
                    .iter()
                    .filter(|c| ids.contains(&c.id))
                    .cloned()
                    .collect())
            });
        asked
    }
}

/// The interactions of a calendar, in its order.
fn interactions_of(view: &CalendarView) -> Vec<Interaction> {
    view.entries.iter().map(|e| e.interaction.clone()).collect()
}

#[tokio::test]
async fn an_unknown_feed_token_is_feed_not_found() {
    let mut mocks = Mocks::new();
    mocks.token_hashes_to("unknown-token", "unknown-hash");
    mocks
        .feeds
        .expect_feed_owner()
        .withf(|hash| hash == "unknown-hash")
        .times(1)
        .returning(|_| Ok(None));
    mocks.interactions.expect_calendar().never();
    mocks.staff.expect_staff_contacts().never();

    let token = FeedToken::parse("unknown-token").unwrap();
    let result = mocks.service().calendar_feed(&token).await;

    assert_err!(result, InteractionError::FeedNotFound);
}

#[tokio::test]
async fn a_feed_lists_its_owners_interactions_from_30_days_back_to_a_year_ahead() {
    let owner = UserId::new();
    let meeting = a_meeting().organizer(owner).build();
    let mut mocks = Mocks::new();
    mocks.token_hashes_to("known-token", "known-hash");
    mocks
        .feeds
        .expect_feed_owner()
        .withf(|hash| hash == "known-hash")
        .times(1)
        .returning(move |_| Ok(Some(owner)));
    let windows = Recorded::new();
    let (sink, listed) = (windows.clone(), vec![meeting.clone()]);
    mocks
        .interactions
        .expect_calendar()
        .times(1)
        .returning(move |user, from, to| {
            sink.push((user, from, to));
            Ok(listed.clone())
        });
    mocks.contacts_of(vec![contact(owner, "Olga")]);

    let token = FeedToken::parse("known-token").unwrap();
    let feed = mocks.service().calendar_feed(&token).await.unwrap();

    assert_eq!(interactions_of(&feed), vec![meeting]);
    assert_eq!(feed.name, "CRM");
    assert_eq!(feed.now, now(), "stamped by the clock");
    let (user, from, to) = windows.single();
    assert_eq!(user, owner);
    assert_eq!(from, at("2026-02-18T12:00:00Z"), "30 days back");
    // A year ahead: at least the same day next year, with at most a leap day's margin.
    let a_year_ahead = at("2027-03-20T12:00:00Z");
    assert!(
        a_year_ahead <= to && to <= a_year_ahead.plus(days(1)),
        "a year ahead, got {to:?}"
    );
}

#[tokio::test]
async fn a_feed_resolves_every_person_of_every_interaction_with_one_lookup() {
    let (owner, colleague, gone) = (UserId::new(), UserId::new(), UserId::new());
    let guest = EmailAddress::parse("guest@example.org").unwrap();
    let mut first = a_meeting().organizer(owner).build();
    first.attendees = vec![
        Attendee::Staff(colleague),
        Attendee::Email(guest.clone()),
        Attendee::Staff(gone),
    ];
    let mut second = a_meeting().organizer(colleague).build();
    second.attendees = vec![Attendee::Staff(owner), Attendee::Staff(colleague)];
    let mut unorganised = a_meeting().build();
    unorganised.organizer_id = Some(gone);
    let mut mocks = Mocks::new();
    mocks.token_hashes_to("known-token", "known-hash");
    mocks
        .feeds
        .expect_feed_owner()
        .times(1)
        .returning(move |_| Ok(Some(owner)));
    let listed = vec![first.clone(), second.clone(), unorganised.clone()];
    mocks
        .interactions
        .expect_calendar()
        .times(1)
        .returning(move |_, _, _| Ok(listed.clone()));
    let (olga, carl) = (contact(owner, "Olga"), contact(colleague, "Carl"));
    let asked = mocks.contacts_of(vec![olga.clone(), carl.clone()]);

    let token = FeedToken::parse("known-token").unwrap();
    let feed = mocks.service().calendar_feed(&token).await.unwrap();

    let mut ids = asked.single();
    ids.sort();
    let mut expected = vec![owner, colleague, gone];
    expected.sort();
    assert_eq!(ids, expected, "every staff user once, in one call");
    assert_eq!(
        feed.entries,
        vec![
            CalendarEntry {
                interaction: first,
                organizer: Some(staff_participant(&olga)),
                attendees: vec![
                    staff_participant(&carl),
                    email_participant("guest@example.org"),
                ],
            },
            CalendarEntry {
                interaction: second,
                organizer: Some(staff_participant(&carl)),
                attendees: vec![staff_participant(&olga), staff_participant(&carl)],
            },
            CalendarEntry {
                interaction: unorganised,
                organizer: None,
                attendees: Vec::new(),
            },
        ],
        "unknown staff users are left out, email attendees kept"
    );
}

#[tokio::test]
async fn a_calendar_without_staff_people_looks_nobody_up() {
    let mut alone = a_meeting().build();
    alone.organizer_id = None;
    alone.attendees = vec![Attendee::Email(
        EmailAddress::parse("guest@example.org").unwrap(),
    )];
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&alone);
    mocks.staff.expect_staff_contacts().never();

    let view = mocks
        .service()
        .interaction_calendar(&admin(), alone.id)
        .await
        .unwrap();

    assert_eq!(view.entries[0].organizer, None);
    assert_eq!(
        view.entries[0].attendees,
        vec![email_participant("guest@example.org")]
    );
}

#[tokio::test]
async fn one_interaction_is_a_calendar_named_after_its_kind() {
    let organizer = UserId::new();
    let call = a_meeting().kind(Call).organizer(organizer).build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&call);
    let asked = mocks.contacts_of(vec![contact(organizer, "Olga")]);

    let view = mocks
        .service()
        .interaction_calendar(&admin(), call.id)
        .await
        .unwrap();

    assert_eq!(
        view,
        CalendarView {
            name: "CRM call".to_owned(),
            entries: vec![CalendarEntry {
                interaction: call,
                organizer: Some(staff_participant(&contact(organizer, "Olga"))),
                attendees: Vec::new(),
            }],
            now: now(),
        }
    );
    assert_eq!(asked.single(), vec![organizer]);
}

#[tokio::test]
async fn an_interaction_the_caller_may_not_see_has_no_calendar() {
    // The meeting's customer has neither company nor owner: an agent
    // assigned to companies does not see it.
    let meeting = a_meeting().build();
    let mut mocks = Mocks::new();
    mocks.interaction_stored(&meeting);
    mocks.staff.expect_staff_contacts().never();

    let result = mocks
        .service()
        .interaction_calendar(&agent_of(&[CompanyId::new()]), meeting.id)
        .await;

    assert_err!(result, InteractionError::InteractionNotFound);
}

#[tokio::test]
async fn staff_rotate_their_own_feed_token() {
    let caller = agent_of(&[]);
    let user = user_id(&caller);
    let mut mocks = Mocks::new();
    mocks.feed_tokens.expect_generate().times(1).returning(|| {
        (
            FeedToken::new("new-token".to_owned()),
            FeedTokenHash::new("new-hash".to_owned()),
        )
    });
    mocks
        .feeds
        .expect_set_feed_token()
        .withf(move |given, hash| *given == user && hash == "new-hash")
        .times(1)
        .returning(|_, _| Ok(()));

    let token = mocks.service().rotate_calendar_feed(&caller).await.unwrap();

    assert_eq!(token.expose(), "new-token", "the caller gets the token");
}

#[tokio::test]
async fn customers_have_no_calendar_feed() {
    let mut mocks = Mocks::new();
    mocks.feed_tokens.expect_generate().never();
    mocks.feeds.expect_set_feed_token().never();

    let result = mocks
        .service()
        .rotate_calendar_feed(&signed_in_as(&a_customer()))
        .await;

    assert_err!(result, InteractionError::Forbidden);
}

#[tokio::test]
async fn mine_lists_a_staff_callers_own_interactions_and_changes_nothing_for_customers() {
    let agent = agent_of(&[]);
    let customer = a_customer();
    let other_organizer = UserId::new();
    let cases = [
        ("staff", agent.clone(), Some(user_id(&agent))),
        ("customer", signed_in_as(&customer), Some(other_organizer)),
    ];
    for (case, caller, organizer_asked) in cases {
        let query = InteractionQuery {
            organizer_id: Some(other_organizer),
            mine: true,
            ..InteractionQuery::default()
        };
        let expected = InteractionQuery {
            organizer_id: organizer_asked,
            ..InteractionQuery::default()
        };
        let mut mocks = Mocks::with_scope(All);
        mocks
            .interactions
            .expect_list()
            .withf(move |q, _, _, _| *q == expected)
            .times(1)
            .returning(|_, _, _, _| {
                Ok(Page {
                    items: Vec::new(),
                    next: None,
                })
            });

        let result = mocks
            .service()
            .list(&caller, &query, &PageRequest::default())
            .await;

        assert!(result.is_ok(), "{case}: {result:?}");
    }
}

#[tokio::test]
async fn a_future_meeting_cannot_be_recorded_as_a_no_show() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer).no_write();

    let result = mocks
        .service()
        .schedule(
            &caller,
            new_interaction(&customer).status(InteractionStatus::NoShow),
        )
        .await;

    assert_eq!(invalid_fields(result), ["status"]);
}

#[tokio::test]
async fn a_cancelled_weekly_series_stays_cancelled_in_every_occurrence() {
    let (caller, customer) = (admin(), a_customer());
    let mut mocks = Mocks::new();
    mocks.ready_to_schedule(&caller, &customer);
    let inserted = mocks.insert_goes_through();
    let new = new_interaction(&customer)
        .status(InteractionStatus::Cancelled)
        .repeat_weekly(2);

    mocks.service().schedule(&caller, new).await.unwrap();

    let statuses: Vec<_> = inserted.single().iter().map(|i| i.status).collect();
    assert_eq!(statuses, [InteractionStatus::Cancelled; 3]);
}
