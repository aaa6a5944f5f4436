//! The business rules of [`TicketService`], with every port mocked: no
//! database; the clock stands still at [`now`] unless a test moves it.
//!
//! Mocks are strict: a port method a test did not expect panics when called,
//! and writes are expected with an exact count, so a refused use case that
//! reached the store anyway fails loudly.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_kernel::{
    AgentScope, CompanyId, CustomerId, FixedClock, Limit, LongText, Page, PageRequest, Principal,
    PrincipalId, Role, TicketId, Timestamp, UserId, ValidationErrors, Version, Visibility,
};

use super::{Raised, TicketPorts, TicketService};
use crate::comment::{Comment, FirstResponse, NewComment};
use crate::error::TicketError;
use crate::policy::TicketPolicy;
use crate::ports::{
    CustomerRef, Inserted, MockAssigneeDirectory, MockCustomerDirectory, MockTicketRepository,
    StoreError,
};
use crate::query::TicketQuery;
use crate::status::TicketStatus::{self, Closed, InProgress, Open, Reopened, Resolved};
use crate::status::{Channel, Priority};
use crate::ticket::{IdempotencyKey, NewTicket, Subject, Ticket, TicketEvent, TicketPatch};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// Milliseconds since the epoch at which the test clock stands.
const NOW_MS: i64 = 1_780_000_000_000;

fn now() -> Timestamp {
    Timestamp::from_millis(NOW_MS).unwrap()
}

/// `span` before [`now`].
fn ago(span: Duration) -> Timestamp {
    Timestamp::from_millis(NOW_MS - i64::try_from(span.as_millis()).unwrap()).unwrap()
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3_600)
}

fn long_text(text: &str) -> LongText {
    LongText::parse(text).unwrap()
}

fn subject(text: &str) -> Subject {
    Subject::parse(text).unwrap()
}

/// The fields a validation error names, in order.
fn invalid_fields(errors: &ValidationErrors) -> Vec<&str> {
    errors.fields().iter().map(|f| f.field.as_str()).collect()
}

fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        next: None,
    }
}

/// A page request that is not the default, to see it reach the store.
fn ten_per_page() -> PageRequest {
    PageRequest {
        limit: Limit::parse(Some(10)).unwrap(),
        after: None,
    }
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

/// The customer `id`, signed in.
fn signed_in(id: CustomerId) -> Principal {
    Principal {
        id: PrincipalId::Customer(id),
        role: Role::Customer,
        company_ids: Vec::new(),
    }
}

fn user_id(principal: &Principal) -> UserId {
    principal.user_id().unwrap()
}

/// A customer of its own company (which `company_agent` is assigned to),
/// owned by `owner`, and every kind of caller there is around it.
struct Cast {
    customer: CustomerRef,
    company: CompanyId,
    company_agent: Principal,
    owner: Principal,
    stranger: Principal,
    itself: Principal,
    another_customer: Principal,
}

impl Cast {
    fn new() -> Self {
        let company = CompanyId::new();
        let owner = agent_of(&[]);
        let customer = CustomerRef {
            id: CustomerId::new(),
            company_id: Some(company),
            owner_id: Some(user_id(&owner)),
        };
        Self {
            customer,
            company,
            company_agent: agent_of(&[company]),
            owner,
            stranger: agent_of(&[CompanyId::new()]),
            itself: signed_in(customer.id),
            another_customer: signed_in(CustomerId::new()),
        }
    }

    /// The six roles of the outcome table, in the order of its columns.
    fn roles(&self) -> [(&'static str, Principal); 6] {
        [
            ("admin", admin()),
            ("agent of its company", self.company_agent.clone()),
            ("agent owning it", self.owner.clone()),
            ("agent not seeing it", self.stranger.clone()),
            ("the customer itself", self.itself.clone()),
            ("another customer", self.another_customer.clone()),
        ]
    }

    /// The staff who see the customer.
    fn seeing_staff(&self) -> [(&'static str, Principal); 3] {
        [
            ("admin", admin()),
            ("agent of its company", self.company_agent.clone()),
            ("agent owning it", self.owner.clone()),
        ]
    }
}

// --- tickets ---------------------------------------------------------------

/// A stored ticket of `customer`: open, raised three days ago through the
/// portal, normal priority, unassigned, unanswered, at version 4. Methods
/// change what a test needs.
fn a_ticket(customer: &CustomerRef) -> TicketBuilder {
    TicketBuilder(Ticket {
        id: TicketId::new(),
        customer_id: customer.id,
        subject: subject("Printer on fire"),
        issue: long_text("Printer on fire\nIt started this morning."),
        status: Open,
        priority: Priority::Normal,
        assignee_id: None,
        channel: Channel::Portal,
        created_at: ago(days(3)),
        updated_at: ago(days(3)),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        first_response_seconds: None,
        resolution_seconds: None,
        version: Version::new(4),
    })
}

struct TicketBuilder(Ticket);

impl TicketBuilder {
    /// In `status`, with the times that status implies: a resolved, closed
    /// or reopened ticket was resolved a day ago; a closed one closed an
    /// hour ago.
    fn status(mut self, status: TicketStatus) -> Self {
        self.0.status = status;
        if matches!(status, Resolved | Closed | Reopened) {
            self = self.resolved_at(ago(days(1)));
        }
        if status == Closed {
            self.0.closed_at = Some(ago(hours(1)));
        }
        self
    }

    /// Resolved at `at` (its status is left as it is).
    fn resolved_at(mut self, at: Timestamp) -> Self {
        self.0.resolved_at = Some(at);
        self.0.resolution_seconds = Some(at.since(self.0.created_at).as_secs());
        self
    }

    fn created_at(mut self, at: Timestamp) -> Self {
        self.0.created_at = at;
        self.0.updated_at = at;
        self
    }

    /// Staff answered it two days ago.
    fn answered(mut self) -> Self {
        let at = ago(days(2));
        self.0.first_response_at = Some(at);
        self.0.first_response_seconds = Some(at.since(self.0.created_at).as_secs());
        self
    }

    fn priority(mut self, priority: Priority) -> Self {
        self.0.priority = priority;
        self
    }

    fn assigned_to(mut self, assignee: UserId) -> Self {
        self.0.assignee_id = Some(assignee);
        self
    }

    fn build(self) -> Ticket {
        self.0
    }
}

/// A customer with no company and no owner (only admins and itself see it).
fn a_customer() -> CustomerRef {
    CustomerRef {
        id: CustomerId::new(),
        company_id: None,
        owner_id: None,
    }
}

/// What a client sends to raise a ticket about `issue`: nothing else.
fn new_ticket(issue: &str) -> NewTicket {
    NewTicket {
        customer_id: None,
        issue: long_text(issue),
        subject: None,
        priority: None,
        channel: None,
    }
}

/// [`new_ticket`] for `customer`.
fn new_ticket_for(customer: CustomerId, issue: &str) -> NewTicket {
    NewTicket {
        customer_id: Some(customer),
        ..new_ticket(issue)
    }
}

fn comment(body: &str) -> NewComment {
    NewComment {
        body: long_text(body),
        internal: false,
    }
}

fn internal_note(body: &str) -> NewComment {
    NewComment {
        body: long_text(body),
        internal: true,
    }
}

/// An empty patch; [`PatchShortcuts`] sets fields in one line.
fn patch() -> TicketPatch {
    TicketPatch::default()
}

/// One-line patches: `patch().priority(Priority::High).status(InProgress)`.
trait PatchShortcuts {
    fn subject(self, text: &str) -> Self;
    fn priority(self, priority: Priority) -> Self;
    fn assignee(self, assignee: Option<UserId>) -> Self;
    fn status(self, status: TicketStatus) -> Self;
}

impl PatchShortcuts for TicketPatch {
    fn subject(mut self, text: &str) -> Self {
        self.subject = Some(subject(text));
        self
    }

    fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    fn assignee(mut self, assignee: Option<UserId>) -> Self {
        self.assignee_id = Some(assignee);
        self
    }

    fn status(mut self, status: TicketStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// The event a move of `ticket` to `to` by `actor` at `at` records.
fn moved(ticket: &Ticket, to: TicketStatus, at: Timestamp, actor: &Principal) -> TicketEvent {
    TicketEvent {
        ticket_id: ticket.id,
        from: Some(ticket.status),
        to,
        at,
        actor: actor.id,
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
}

/// One `update` as the store received it.
#[derive(Debug, Clone)]
struct Updated {
    ticket: Ticket,
    expected: Version,
    event: Option<TicketEvent>,
}

/// One `add_comment` as the store received it.
#[derive(Debug, Clone)]
struct Commented {
    comment: Comment,
    answer: Option<FirstResponse>,
}

/// One `insert` as the store received it.
#[derive(Debug, Clone)]
struct Insert {
    ticket: Ticket,
    event: TicketEvent,
    idempotency: Option<IdempotencyKey>,
}

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

// ---------------------------------------------------------------------------
// The service under test
// ---------------------------------------------------------------------------

/// The ports of one test, all strict, a clock standing at [`now`], and the
/// default policy unless a test says otherwise.
struct Mocks {
    tickets: MockTicketRepository,
    customers: MockCustomerDirectory,
    assignees: MockAssigneeDirectory,
    clock: Arc<FixedClock>,
    policy: TicketPolicy,
}

impl Mocks {
    fn new() -> Self {
        Self::with_policy(TicketPolicy::default())
    }

    fn with_policy(policy: TicketPolicy) -> Self {
        Self {
            tickets: MockTicketRepository::new(),
            customers: MockCustomerDirectory::new(),
            assignees: MockAssigneeDirectory::new(),
            clock: Arc::new(FixedClock::at(now())),
            policy,
        }
    }

    /// The clock the service will read, to move it between calls.
    fn clock(&self) -> Arc<FixedClock> {
        Arc::clone(&self.clock)
    }

    fn service(self) -> TicketService {
        let ports = TicketPorts {
            tickets: Arc::new(self.tickets),
            customers: Arc::new(self.customers),
            assignees: Arc::new(self.assignees),
            clock: self.clock,
        };
        TicketService::new(ports, self.policy)
    }

    /// `tickets.get(ticket.id)` finds `ticket` and the directory finds its
    /// `customer` (erased or not), once each.
    fn ticket_found(&mut self, ticket: &Ticket, customer: &CustomerRef) -> &mut Self {
        assert_eq!(
            ticket.customer_id, customer.id,
            "fixture: the ticket's customer"
        );
        let (id, found) = (ticket.id, ticket.clone());
        self.tickets
            .expect_get()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(Some(found.clone())));
        let reference = *customer;
        self.customers
            .expect_any_customer_ref()
            .withf(move |given| *given == reference.id)
            .times(1)
            .returning(move |_| Ok(Some(reference)));
        self
    }

    /// `tickets.get(id)` finds nothing, once.
    fn ticket_missing(&mut self, id: TicketId) -> &mut Self {
        self.tickets
            .expect_get()
            .withf(move |given| *given == id)
            .times(1)
            .returning(|_| Ok(None));
        self
    }

    /// The store keeps `ticket` of `customer` like a real one would: every
    /// read finds the latest write, and it accepts exactly `writes` updates,
    /// each from the version it holds (recorded).
    fn ticket_kept(
        &mut self,
        ticket: &Ticket,
        customer: &CustomerRef,
        writes: usize,
    ) -> Recorded<Updated> {
        let stored = Arc::new(Mutex::new(ticket.clone()));
        let (id, read) = (ticket.id, Arc::clone(&stored));
        self.tickets
            .expect_get()
            .withf(move |given| *given == id)
            .returning(move |_| Ok(Some(read.lock().unwrap().clone())));
        let reference = *customer;
        self.customers
            .expect_any_customer_ref()
            .withf(move |given| *given == reference.id)
            .returning(move |_| Ok(Some(reference)));
        let written = Recorded::new();
        let sink = written.clone();
        self.tickets
            .expect_update()
            .times(writes)
            .returning(move |ticket, expected, event| {
                let mut current = stored.lock().unwrap();
                if current.version != expected {
                    return Err(StoreError::VersionConflict);
                }
                *current = ticket.clone();
                sink.push(Updated {
                    ticket: ticket.clone(),
                    expected,
                    event: event.cloned(),
                });
                Ok(())
            });
        written
    }

    /// The store accepts exactly `times` ticket updates (recorded).
    fn updates(&mut self, times: usize) -> Recorded<Updated> {
        let written = Recorded::new();
        let sink = written.clone();
        self.tickets
            .expect_update()
            .times(times)
            .returning(move |ticket, expected, event| {
                sink.push(Updated {
                    ticket: ticket.clone(),
                    expected,
                    event: event.cloned(),
                });
                Ok(())
            });
        written
    }

    /// The store refuses the one ticket update with `error`.
    fn update_fails(&mut self, error: fn() -> StoreError) -> &mut Self {
        self.tickets
            .expect_update()
            .times(1)
            .returning(move |_, _, _| Err(error()));
        self
    }

    /// The store accepts exactly `times` comments (recorded).
    fn comments_added(&mut self, times: usize) -> Recorded<Commented> {
        let written = Recorded::new();
        let sink = written.clone();
        self.tickets
            .expect_add_comment()
            .times(times)
            .returning(move |comment, answer| {
                sink.push(Commented {
                    comment: comment.clone(),
                    answer,
                });
                Ok(())
            });
        written
    }

    /// Nothing is written to the store.
    fn no_write(&mut self) -> &mut Self {
        self.tickets.expect_insert().never();
        self.tickets.expect_update().never();
        self.tickets.expect_add_comment().never();
        self
    }

    /// `customers.customer_ref(id)` answers `found`, once.
    fn customer_lookup(&mut self, id: CustomerId, found: Option<CustomerRef>) -> &mut Self {
        self.customers
            .expect_customer_ref()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(found));
        self
    }

    /// No customer is looked up at all.
    fn no_customer_lookup(&mut self) -> &mut Self {
        self.customers.expect_customer_ref().never();
        self.customers.expect_any_customer_ref().never();
        self
    }

    /// The store answers exactly `times` inserts with `answer` (recorded).
    fn inserts(
        &mut self,
        times: usize,
        answer: fn() -> Result<Inserted, StoreError>,
    ) -> Recorded<Insert> {
        let written = Recorded::new();
        let sink = written.clone();
        self.tickets
            .expect_insert()
            .times(times)
            .returning(move |ticket, event, idempotency| {
                sink.push(Insert {
                    ticket: ticket.clone(),
                    event: event.clone(),
                    idempotency: idempotency.cloned(),
                });
                answer()
            });
        written
    }

    /// `assignees.can_be_assigned(id)` answers `answer`, exactly `times` times.
    fn assignable(&mut self, id: UserId, answer: bool, times: usize) -> &mut Self {
        self.assignees
            .expect_can_be_assigned()
            .withf(move |given| *given == id)
            .times(times)
            .returning(move |_| Ok(answer));
        self
    }
}

// ---------------------------------------------------------------------------
// The outcome table: every status × every action × every role
// ---------------------------------------------------------------------------

/// What a caller does with a stored ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Act {
    /// `get`.
    View,
    /// `comment`, public.
    Comment,
    /// `comment`, staff-only.
    Note,
    /// `resolve`.
    Resolve,
    /// `reopen`.
    Reopen,
    /// `close`.
    Close,
    /// `update` with status `in_progress`.
    Start,
    /// `update` of subject, priority and assignee ([`EDITED`]).
    Edit,
}

impl Act {
    const ALL: [Self; 8] = [
        Self::View,
        Self::Comment,
        Self::Note,
        Self::Resolve,
        Self::Reopen,
        Self::Close,
        Self::Start,
        Self::Edit,
    ];

    fn is_transition(self) -> bool {
        matches!(
            self,
            Self::Resolve | Self::Reopen | Self::Close | Self::Start
        )
    }
}

/// What one cell of the table expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// It goes through and the ticket is then in this status.
    Done(TicketStatus),
    /// `InvalidTransition { from, to }` (409).
    Invalid(TicketStatus, TicketStatus),
    /// `Forbidden` (403).
    Forbidden,
    /// `FieldsNotEditable` naming exactly these fields (403).
    NotEditable(&'static [&'static str]),
    /// `TicketNotFound` (404): the caller may not know the ticket exists.
    NotFound,
}

use Outcome::{Done, Forbidden, Invalid, NotEditable, NotFound};

/// The fields [`Act::Edit`] sends.
const EDITED: &[&str] = &["subject", "priority", "assignee_id"];

/// The field [`Act::Start`] sends.
const STATUS: &[&str] = &["status"];

/// Per action and status, the outcome for each role, in the columns of
/// [`Cast::roles`]: admin, agent of its company, agent owning it, agent not
/// seeing it, the customer itself, another customer.
///
/// Written out from the product rules, not computed from the code: staff who
/// see the customer may do everything the state machine allows
/// (open → in_progress → resolved → closed; resolved → reopened →
/// in_progress; open and reopened → resolved); the customer may view,
/// comment, resolve and reopen (within the window: these tickets were
/// resolved a day ago), but not write notes, close or patch; whoever does
/// not see the customer does not see its tickets.
#[rustfmt::skip]
fn outcome_table() -> Vec<(Act, TicketStatus, [Outcome; 6])> {
    use Act::{Close, Comment, Edit, Note, Reopen, Resolve, Start, View};
    vec![
        //                     admin                        agent of company             agent owning it              agent not seeing  the customer                 another customer
        (View,    Open,       [Done(Open),                 Done(Open),                  Done(Open),                  NotFound,         Done(Open),                  NotFound]),
        (View,    InProgress, [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         Done(InProgress),            NotFound]),
        (View,    Resolved,   [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         Done(Resolved),              NotFound]),
        (View,    Closed,     [Done(Closed),               Done(Closed),                Done(Closed),                NotFound,         Done(Closed),                NotFound]),
        (View,    Reopened,   [Done(Reopened),             Done(Reopened),              Done(Reopened),              NotFound,         Done(Reopened),              NotFound]),

        (Comment, Open,       [Done(Open),                 Done(Open),                  Done(Open),                  NotFound,         Done(Open),                  NotFound]),
        (Comment, InProgress, [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         Done(InProgress),            NotFound]),
        (Comment, Resolved,   [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         Done(Resolved),              NotFound]),
        (Comment, Closed,     [Done(Closed),               Done(Closed),                Done(Closed),                NotFound,         Done(Closed),                NotFound]),
        (Comment, Reopened,   [Done(Reopened),             Done(Reopened),              Done(Reopened),              NotFound,         Done(Reopened),              NotFound]),

        (Note,    Open,       [Done(Open),                 Done(Open),                  Done(Open),                  NotFound,         Forbidden,                   NotFound]),
        (Note,    InProgress, [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         Forbidden,                   NotFound]),
        (Note,    Resolved,   [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         Forbidden,                   NotFound]),
        (Note,    Closed,     [Done(Closed),               Done(Closed),                Done(Closed),                NotFound,         Forbidden,                   NotFound]),
        (Note,    Reopened,   [Done(Reopened),             Done(Reopened),              Done(Reopened),              NotFound,         Forbidden,                   NotFound]),

        (Resolve, Open,       [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         Done(Resolved),              NotFound]),
        (Resolve, InProgress, [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         Done(Resolved),              NotFound]),
        (Resolve, Resolved,   [Invalid(Resolved, Resolved), Invalid(Resolved, Resolved), Invalid(Resolved, Resolved), NotFound,        Invalid(Resolved, Resolved), NotFound]),
        (Resolve, Closed,     [Invalid(Closed, Resolved),  Invalid(Closed, Resolved),   Invalid(Closed, Resolved),   NotFound,         Invalid(Closed, Resolved),   NotFound]),
        (Resolve, Reopened,   [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         Done(Resolved),              NotFound]),

        (Reopen,  Open,       [Invalid(Open, Reopened),    Invalid(Open, Reopened),     Invalid(Open, Reopened),     NotFound,         Invalid(Open, Reopened),     NotFound]),
        (Reopen,  InProgress, [Invalid(InProgress, Reopened), Invalid(InProgress, Reopened), Invalid(InProgress, Reopened), NotFound, Invalid(InProgress, Reopened), NotFound]),
        (Reopen,  Resolved,   [Done(Reopened),             Done(Reopened),              Done(Reopened),              NotFound,         Done(Reopened),              NotFound]),
        (Reopen,  Closed,     [Invalid(Closed, Reopened),  Invalid(Closed, Reopened),   Invalid(Closed, Reopened),   NotFound,         Invalid(Closed, Reopened),   NotFound]),
        (Reopen,  Reopened,   [Invalid(Reopened, Reopened), Invalid(Reopened, Reopened), Invalid(Reopened, Reopened), NotFound,        Invalid(Reopened, Reopened), NotFound]),

        (Close,   Open,       [Invalid(Open, Closed),      Invalid(Open, Closed),       Invalid(Open, Closed),       NotFound,         Forbidden,                   NotFound]),
        (Close,   InProgress, [Invalid(InProgress, Closed), Invalid(InProgress, Closed), Invalid(InProgress, Closed), NotFound,        Forbidden,                   NotFound]),
        (Close,   Resolved,   [Done(Closed),               Done(Closed),                Done(Closed),                NotFound,         Forbidden,                   NotFound]),
        (Close,   Closed,     [Invalid(Closed, Closed),    Invalid(Closed, Closed),     Invalid(Closed, Closed),     NotFound,         Forbidden,                   NotFound]),
        (Close,   Reopened,   [Invalid(Reopened, Closed),  Invalid(Reopened, Closed),   Invalid(Reopened, Closed),   NotFound,         Forbidden,                   NotFound]),

        // Asking for the status a ticket already has is a no-op patch.
        (Start,   Open,       [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         NotEditable(STATUS),         NotFound]),
        (Start,   InProgress, [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         NotEditable(STATUS),         NotFound]),
        (Start,   Resolved,   [Invalid(Resolved, InProgress), Invalid(Resolved, InProgress), Invalid(Resolved, InProgress), NotFound, NotEditable(STATUS),         NotFound]),
        (Start,   Closed,     [Invalid(Closed, InProgress), Invalid(Closed, InProgress), Invalid(Closed, InProgress), NotFound,        NotEditable(STATUS),         NotFound]),
        (Start,   Reopened,   [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         NotEditable(STATUS),         NotFound]),

        (Edit,    Open,       [Done(Open),                 Done(Open),                  Done(Open),                  NotFound,         NotEditable(EDITED),         NotFound]),
        (Edit,    InProgress, [Done(InProgress),           Done(InProgress),            Done(InProgress),            NotFound,         NotEditable(EDITED),         NotFound]),
        (Edit,    Resolved,   [Done(Resolved),             Done(Resolved),              Done(Resolved),              NotFound,         NotEditable(EDITED),         NotFound]),
        (Edit,    Closed,     [Done(Closed),               Done(Closed),                Done(Closed),                NotFound,         NotEditable(EDITED),         NotFound]),
        (Edit,    Reopened,   [Done(Reopened),             Done(Reopened),              Done(Reopened),              NotFound,         NotEditable(EDITED),         NotFound]),
    ]
}

/// The subject [`Act::Edit`] sets.
const EDITED_SUBJECT: &str = "Fire!";

/// Does `act` to the ticket `id` as `caller` (an edit assigns `assignee`):
/// the ticket as the service returns it, `None` for a comment.
async fn perform(
    service: &TicketService,
    caller: &Principal,
    id: TicketId,
    act: Act,
    assignee: UserId,
) -> Result<Option<Ticket>, TicketError> {
    let edit = || {
        patch()
            .subject(EDITED_SUBJECT)
            .priority(Priority::Urgent)
            .assignee(Some(assignee))
    };
    match act {
        Act::View => service.get(caller, id).await.map(Some),
        Act::Comment => service
            .comment(caller, id, comment("Any news?"))
            .await
            .map(|_| None),
        Act::Note => service
            .comment(caller, id, internal_note("VIP"))
            .await
            .map(|_| None),
        Act::Resolve => service.resolve(caller, id).await.map(Some),
        Act::Reopen => service.reopen(caller, id).await.map(Some),
        Act::Close => service.close(caller, id).await.map(Some),
        Act::Start => service
            .update(caller, id, patch().status(InProgress), None)
            .await
            .map(Some),
        Act::Edit => service.update(caller, id, edit(), None).await.map(Some),
    }
}

/// One cell of the table, ready to run.
struct Cell<'a> {
    case: String,
    customer: &'a CustomerRef,
    caller: &'a Principal,
    act: Act,
    status: TicketStatus,
    expected: Outcome,
}

/// Whether `error` is the refusal `expected` names.
fn is_refusal(expected: Outcome, error: &TicketError) -> bool {
    match (expected, error) {
        (Invalid(from, to), TicketError::InvalidTransition { from: f, to: t }) => {
            (*f, *t) == (from, to)
        }
        (NotEditable(fields), TicketError::FieldsNotEditable(given)) => given == fields,
        (Forbidden, TicketError::Forbidden) | (NotFound, TicketError::TicketNotFound) => true,
        _ => false,
    }
}

impl Cell<'_> {
    async fn check(&self) {
        let (case, caller, act, status) = (&self.case, self.caller, self.act, self.status);
        let ticket = a_ticket(self.customer).status(status).build();
        let assignee = UserId::new();
        let done = match self.expected {
            Done(to) => Some(to),
            _ => None,
        };
        // Exactly the writes the outcome implies; a refusal writes nothing.
        let (update_count, comment_count) = match (done, act) {
            (Some(_), Act::Comment | Act::Note) => (0, 1),
            (Some(to), _) if act.is_transition() => (usize::from(to != status), 0),
            (Some(_), Act::Edit) => (1, 0),
            _ => (0, 0),
        };
        let mut mocks = Mocks::new();
        mocks.ticket_found(&ticket, self.customer);
        mocks.tickets.expect_insert().never();
        let updated = mocks.updates(update_count);
        let commented = mocks.comments_added(comment_count);
        let edits = usize::from(done.is_some() && act == Act::Edit);
        mocks.assignable(assignee, true, edits);
        let service = mocks.service();

        let result = perform(&service, caller, ticket.id, act, assignee).await;

        let Some(to) = done else {
            match result {
                Err(error) if is_refusal(self.expected, &error) => {}
                other => panic!("{case}: expected {:?}, got {other:?}", self.expected),
            }
            return;
        };
        let returned = result.unwrap_or_else(|e| panic!("{case}: expected Done({to}), got {e:?}"));
        match act {
            Act::View => assert_eq!(returned, Some(ticket), "{case}"),
            Act::Comment | Act::Note => {
                let Commented { comment, answer } = commented.single();
                let internal = act == Act::Note;
                assert_eq!(
                    (
                        comment.ticket_id,
                        comment.author,
                        comment.internal,
                        comment.created_at
                    ),
                    (ticket.id, caller.id, internal, now()),
                    "{case}: the stored comment"
                );
                let first_answer = caller.is_staff() && !internal;
                assert_eq!(
                    answer.map(|answer| answer.at),
                    first_answer.then_some(now()),
                    "{case}: only staff's public comment answers the ticket ({to})"
                );
            }
            Act::Edit => {
                let edited = Ticket {
                    subject: subject(EDITED_SUBJECT),
                    priority: Priority::Urgent,
                    assignee_id: Some(assignee),
                    updated_at: now(),
                    version: ticket.version.next(),
                    ..ticket.clone()
                };
                assert_eq!(edited.status, to, "{case}: an edit keeps the status");
                let written = updated.single();
                assert_eq!(written.ticket, edited, "{case}");
                assert_eq!(written.expected, ticket.version, "{case}");
                assert_eq!(written.event, None, "{case}: an edit records no event");
                assert_eq!(returned, Some(edited), "{case}");
            }
            _ if to == status => assert_eq!(returned, Some(ticket), "{case}: nothing changed"),
            _ => {
                let written = updated.single();
                assert_eq!(written.ticket.status, to, "{case}");
                assert_eq!(written.ticket.version, ticket.version.next(), "{case}");
                assert_eq!(written.expected, ticket.version, "{case}");
                assert_eq!(
                    written.event,
                    Some(moved(&ticket, to, now(), caller)),
                    "{case}"
                );
                assert_eq!(returned, Some(written.ticket), "{case}");
            }
        }
    }
}

#[tokio::test]
async fn every_action_in_every_status_has_a_written_out_outcome_for_every_role() {
    let table = outcome_table();
    let rows: HashSet<(Act, TicketStatus)> = table.iter().map(|(a, s, _)| (*a, *s)).collect();
    assert_eq!(
        rows.len(),
        Act::ALL.len() * TicketStatus::ALL.len(),
        "one row per action and status"
    );
    assert_eq!(table.len(), rows.len(), "no row twice");

    let cast = Cast::new();
    for (act, status, outcomes) in table {
        for ((role, caller), expected) in cast.roles().iter().zip(outcomes) {
            let cell = Cell {
                case: format!("{role}: {act:?} a ticket in {status}"),
                customer: &cast.customer,
                caller,
                act,
                status,
                expected,
            };
            cell.check().await;
        }
    }
}

#[tokio::test]
async fn resolving_a_resolved_or_closed_ticket_is_refused_naming_both_states() {
    let cast = Cast::new();
    for status in [Resolved, Closed] {
        let ticket = a_ticket(&cast.customer).status(status).build();
        let mut mocks = Mocks::new();
        mocks.ticket_found(&ticket, &cast.customer).no_write();

        let error = mocks
            .service()
            .resolve(&cast.itself, ticket.id)
            .await
            .unwrap_err();

        assert_eq!(
            error.to_string(),
            format!("a ticket cannot go from `{status}` to `resolved`")
        );
        assert_err!(
            Err::<(), _>(error),
            TicketError::InvalidTransition { from, to: Resolved } if from == status,
            status
        );
    }
}

// ---------------------------------------------------------------------------
// Reopen window
// ---------------------------------------------------------------------------

/// Reopens a ticket of `customer` resolved `resolved_ago`, as `caller`,
/// under `policy`; checks that it writes exactly when it succeeds.
async fn reopen_resolved(
    policy: TicketPolicy,
    customer: &CustomerRef,
    caller: &Principal,
    resolved_ago: Duration,
    allowed: bool,
) -> Result<Ticket, TicketError> {
    let ticket = a_ticket(customer)
        .created_at(ago(days(400)))
        .status(Resolved)
        .resolved_at(ago(resolved_ago))
        .build();
    let mut mocks = Mocks::with_policy(policy);
    mocks.ticket_found(&ticket, customer);
    let written = mocks.updates(usize::from(allowed));
    let result = mocks.service().reopen(caller, ticket.id).await;
    if allowed {
        assert_eq!(
            written.single().event,
            Some(moved(&ticket, Reopened, now(), caller))
        );
    }
    result
}

#[tokio::test]
async fn the_customer_may_reopen_within_14_days_of_resolution_and_not_after() {
    let cast = Cast::new();
    let policy = TicketPolicy::default();
    let one_second = Duration::from_secs(1);
    let cases = [
        ("an hour ago", hours(1), true),
        ("13 days ago", days(13), true),
        ("exactly 14 days ago", days(14), true),
        ("14 days and a second ago", days(14) + one_second, false),
        ("a month ago", days(30), false),
    ];
    for (case, resolved_ago, allowed) in cases {
        let result = reopen_resolved(policy, &cast.customer, &cast.itself, resolved_ago, allowed);
        let result = result.await;
        if allowed {
            assert_eq!(result.unwrap().status, Reopened, "{case}");
        } else {
            assert_err!(result, TicketError::ReopenWindowClosed { days: 14 }, case);
        }
    }
}

#[tokio::test]
async fn staff_may_reopen_however_long_ago_the_ticket_was_resolved() {
    let cast = Cast::new();
    for (role, caller) in cast.seeing_staff() {
        for resolved_ago in [days(15), days(365)] {
            let result = reopen_resolved(
                TicketPolicy::default(),
                &cast.customer,
                &caller,
                resolved_ago,
                true,
            );
            assert_eq!(result.await.unwrap().status, Reopened, "{role}");
        }
    }
}

#[tokio::test]
async fn a_custom_reopen_window_is_honoured_both_ways() {
    let cast = Cast::new();
    let window = |days_long| TicketPolicy {
        reopen_window: days(days_long),
        ..TicketPolicy::default()
    };
    let cases = [
        ("3-day window, 2 days ago", 3, days(2), true),
        ("3-day window, 4 days ago", 3, days(4), false),
        ("30-day window, 20 days ago", 30, days(20), true),
        ("30-day window, 31 days ago", 30, days(31), false),
    ];
    for (case, window_days, resolved_ago, allowed) in cases {
        let policy = window(window_days);
        let result = reopen_resolved(policy, &cast.customer, &cast.itself, resolved_ago, allowed);
        let result = result.await;
        if allowed {
            assert_eq!(result.unwrap().status, Reopened, "{case}");
        } else {
            assert_err!(
                result,
                TicketError::ReopenWindowClosed { days } if days == window_days,
                case
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Raising
// ---------------------------------------------------------------------------

#[allow(clippy::unnecessary_wraps, reason = "the store answers a `Result`")]
fn created() -> Result<Inserted, StoreError> {
    Ok(Inserted::Created)
}

/// What `caller` raising "Printer on fire\nIt started this morning." about
/// `customer`, with nothing else given, should store (ticket and first
/// event), under the id the service chose (`stored`).
fn expected_raise(
    stored: &Insert,
    customer: CustomerId,
    caller: &Principal,
) -> (Ticket, TicketEvent) {
    let ticket = Ticket {
        id: stored.ticket.id,
        customer_id: customer,
        subject: subject("Printer on fire"),
        issue: long_text("Printer on fire\nIt started this morning."),
        status: Open,
        priority: Priority::Normal,
        assignee_id: None,
        channel: if caller.is_staff() {
            Channel::Api
        } else {
            Channel::Portal
        },
        created_at: now(),
        updated_at: now(),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        first_response_seconds: None,
        resolution_seconds: None,
        version: Version::FIRST,
    };
    let event = TicketEvent {
        ticket_id: stored.ticket.id,
        from: None,
        to: Open,
        at: now(),
        actor: caller.id,
    };
    (ticket, event)
}

#[tokio::test]
async fn a_customer_raises_for_itself_with_or_without_naming_its_id() {
    let customer = a_customer();
    let caller = signed_in(customer.id);
    for (case, named) in [
        ("without customer_id", None),
        ("with its own id", Some(customer.id)),
    ] {
        let new = NewTicket {
            customer_id: named,
            ..new_ticket("\n  Printer on fire\nIt started this morning.")
        };
        let mut mocks = Mocks::new();
        mocks.customer_lookup(customer.id, Some(customer));
        let inserted = mocks.inserts(1, created);

        let raised = mocks.service().raise(&caller, new, None).await.unwrap();

        let stored = inserted.single();
        let (ticket, event) = expected_raise(&stored, customer.id, &caller);
        assert_eq!(
            stored.ticket, ticket,
            "{case}: derived subject, normal, portal"
        );
        assert_eq!(
            stored.event, event,
            "{case}: the first event comes from nothing"
        );
        assert_eq!(stored.idempotency, None, "{case}");
        assert_eq!(
            raised,
            Raised {
                ticket,
                replayed: false
            },
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_customer_naming_another_customer_gets_not_found_and_nothing_is_looked_up() {
    let caller = signed_in(CustomerId::new());
    let mut mocks = Mocks::new();
    mocks.no_customer_lookup().no_write();

    let new = new_ticket_for(CustomerId::new(), "Printer on fire");
    let result = mocks.service().raise(&caller, new, None).await;

    assert_err!(result, TicketError::CustomerNotFound);
}

#[tokio::test]
async fn staff_must_name_the_customer() {
    let mut mocks = Mocks::new();
    mocks.no_customer_lookup().no_write();

    let result = mocks
        .service()
        .raise(&admin(), new_ticket("Printer on fire"), None)
        .await;

    assert_err!(result, TicketError::Validation(e) if invalid_fields(&e) == ["customer_id"]);
}

#[tokio::test]
async fn staff_raise_through_the_api_for_the_customers_they_see_only() {
    let cast = Cast::new();
    let cases = [
        ("admin", admin(), true),
        ("agent of its company", cast.company_agent.clone(), true),
        ("agent owning it", cast.owner.clone(), true),
        ("agent not seeing it", cast.stranger.clone(), false),
    ];
    for (case, caller, visible) in cases {
        let mut mocks = Mocks::new();
        mocks.customer_lookup(cast.customer.id, Some(cast.customer));
        let inserted = mocks.inserts(usize::from(visible), created);
        let new = new_ticket_for(
            cast.customer.id,
            "Printer on fire\nIt started this morning.",
        );

        let result = mocks.service().raise(&caller, new, None).await;

        if visible {
            let stored = inserted.single();
            let (ticket, event) = expected_raise(&stored, cast.customer.id, &caller);
            assert_eq!(
                stored.ticket, ticket,
                "{case}: derived subject, normal, api"
            );
            assert_eq!(stored.event, event, "{case}");
            assert_eq!(
                result.unwrap(),
                Raised {
                    ticket,
                    replayed: false
                },
                "{case}"
            );
        } else {
            assert_err!(result, TicketError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn raising_for_an_unknown_or_erased_customer_is_not_found() {
    let unknown = CustomerId::new();
    for (case, caller, new) in [
        ("staff", admin(), new_ticket_for(unknown, "Hello")),
        (
            "the customer itself",
            signed_in(unknown),
            new_ticket("Hello"),
        ),
    ] {
        let mut mocks = Mocks::new();
        mocks.customer_lookup(unknown, None).no_write();

        let result = mocks.service().raise(&caller, new, None).await;

        assert_err!(result, TicketError::CustomerNotFound, case);
    }
}

#[tokio::test]
async fn a_given_subject_priority_and_channel_are_kept() {
    let customer = a_customer();
    let mut mocks = Mocks::new();
    mocks.customer_lookup(customer.id, Some(customer));
    let inserted = mocks.inserts(1, created);
    let new = NewTicket {
        subject: Some(subject("Burning printer")),
        priority: Some(Priority::Urgent),
        channel: Some(Channel::Email),
        ..new_ticket_for(customer.id, "Printer on fire")
    };

    mocks.service().raise(&admin(), new, None).await.unwrap();

    let ticket = inserted.single().ticket;
    assert_eq!(
        (ticket.subject.as_str(), ticket.priority, ticket.channel),
        ("Burning printer", Priority::Urgent, Channel::Email)
    );
}

#[tokio::test]
async fn the_idempotency_key_and_the_request_fingerprint_reach_the_store() {
    let customer = a_customer();
    let caller = signed_in(customer.id);
    let new = new_ticket("Printer on fire");
    let mut mocks = Mocks::new();
    mocks.customer_lookup(customer.id, Some(customer));
    let inserted = mocks.inserts(1, created);

    mocks
        .service()
        .raise(&caller, new.clone(), Some("retry-42"))
        .await
        .unwrap();

    let expected = IdempotencyKey {
        principal: caller.id,
        key: "retry-42".to_owned(),
        fingerprint: new.fingerprint(),
    };
    assert_eq!(inserted.single().idempotency, Some(expected));
}

#[tokio::test]
async fn a_replayed_raise_returns_the_first_ticket_and_says_so() {
    let customer = a_customer();
    let first = a_ticket(&customer).build();
    let mut mocks = Mocks::new();
    mocks.customer_lookup(customer.id, Some(customer));
    let first_id = first.id;
    let inserted = Recorded::new();
    let sink = inserted.clone();
    mocks
        .tickets
        .expect_insert()
        .times(1)
        .returning(move |ticket, _, _| {
            sink.push(ticket.id);
            Ok(Inserted::Replayed(first_id))
        });
    let stored = first.clone();
    mocks
        .tickets
        .expect_get()
        .withf(move |id| *id == first_id)
        .times(1)
        .returning(move |_| Ok(Some(stored.clone())));

    let raised = mocks
        .service()
        .raise(
            &signed_in(customer.id),
            new_ticket("Printer on fire"),
            Some("k-1"),
        )
        .await
        .unwrap();

    assert_ne!(inserted.single(), first.id, "a new id was offered");
    assert_eq!(
        raised,
        Raised {
            ticket: first,
            replayed: true
        }
    );
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() {
    let customer = a_customer();
    let mut mocks = Mocks::new();
    mocks.customer_lookup(customer.id, Some(customer));
    mocks.inserts(1, || Err(StoreError::IdempotencyMismatch));
    mocks.tickets.expect_get().never();

    let result = mocks
        .service()
        .raise(
            &signed_in(customer.id),
            new_ticket("Something else"),
            Some("k-1"),
        )
        .await;

    assert_err!(result, TicketError::IdempotencyKeyReused);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_a_validation_error_before_any_lookup() {
    let too_long = "k".repeat(256);
    let cases = [
        ("empty", ""),
        ("256 characters", too_long.as_str()),
        ("non-ASCII", "clé-1"),
        ("with a space", "two words"),
    ];
    for (case, key) in cases {
        let customer = CustomerId::new();
        let mut mocks = Mocks::new();
        mocks.no_customer_lookup().no_write();

        let result = mocks
            .service()
            .raise(&signed_in(customer), new_ticket("Hi"), Some(key))
            .await;

        assert_err!(
            result,
            TicketError::Validation(e) if invalid_fields(&e) == ["Idempotency-Key"],
            case
        );
    }
}

#[tokio::test]
async fn an_idempotency_key_of_255_visible_ascii_characters_is_accepted() {
    let customer = a_customer();
    let key = "~".repeat(255);
    let mut mocks = Mocks::new();
    mocks.customer_lookup(customer.id, Some(customer));
    let inserted = mocks.inserts(1, created);

    let caller = signed_in(customer.id);
    let result = mocks
        .service()
        .raise(&caller, new_ticket("Hi"), Some(&key))
        .await;

    assert!(result.is_ok());
    assert_eq!(inserted.single().idempotency.map(|k| k.key), Some(key));
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

#[tokio::test]
async fn resolving_records_when_and_the_seconds_since_raising() {
    let customer = a_customer();
    let raised_at = ago(days(3) + Duration::from_mins(5));
    let ticket = a_ticket(&customer)
        .created_at(raised_at)
        .status(InProgress)
        .build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer);
    let written = mocks.updates(1);

    let resolved = mocks.service().resolve(&admin(), ticket.id).await.unwrap();

    let stored = written.single().ticket;
    assert_eq!(stored.resolved_at, Some(now()));
    assert_eq!(stored.resolution_seconds, Some(3 * 86_400 + 300));
    assert_eq!(stored.closed_at, None);
    assert_eq!(resolved, stored);
}

#[tokio::test]
async fn a_reopen_then_a_second_resolve_records_the_second_resolution() {
    let customer = a_customer();
    let caller = signed_in(customer.id);
    let ticket = a_ticket(&customer).status(Resolved).build();
    let mut mocks = Mocks::new();
    let written = mocks.ticket_kept(&ticket, &customer, 2);
    let clock = mocks.clock();
    let service = mocks.service();

    let reopened = service.reopen(&caller, ticket.id).await.unwrap();
    clock.advance(hours(2));
    let resolved = service.resolve(&caller, ticket.id).await.unwrap();

    assert_eq!(reopened.status, Reopened);
    assert_eq!(resolved.resolved_at, Some(now().plus(hours(2))));
    assert_eq!(
        resolved.resolution_seconds,
        Some((days(3) + hours(2)).as_secs())
    );
    let events: Vec<_> = written.all().into_iter().map(|w| w.event).collect();
    assert_eq!(
        events,
        [
            Some(moved(&ticket, Reopened, now(), &caller)),
            Some(moved(&reopened, Resolved, now().plus(hours(2)), &caller)),
        ]
    );
    assert_eq!(resolved.version, ticket.version.next().next());
}

#[tokio::test]
async fn closing_records_when() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).status(Resolved).build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer);
    let written = mocks.updates(1);

    let closed = mocks.service().close(&admin(), ticket.id).await.unwrap();

    let stored = written.single().ticket;
    assert_eq!(stored.closed_at, Some(now()));
    assert_eq!(
        stored.resolved_at, ticket.resolved_at,
        "the resolution stays"
    );
    assert_eq!(closed, stored);
}

#[tokio::test]
async fn only_a_staff_members_first_public_comment_is_the_first_response() {
    let cast = Cast::new();
    let unanswered = a_ticket(&cast.customer).build();
    let answered = a_ticket(&cast.customer).answered().build();
    let first_response = FirstResponse {
        at: now(),
        seconds: days(3).as_secs(),
    };
    let cases = [
        (
            "staff, first comment",
            &cast.company_agent,
            &unanswered,
            comment("On it"),
            Some(first_response),
        ),
        (
            "staff, later comment",
            &cast.company_agent,
            &answered,
            comment("Still on it"),
            None,
        ),
        (
            "staff, internal note",
            &cast.company_agent,
            &unanswered,
            internal_note("VIP"),
            None,
        ),
        (
            "customer comment",
            &cast.itself,
            &unanswered,
            comment("Any news?"),
            None,
        ),
    ];
    for (case, caller, ticket, new, answer) in cases {
        let mut mocks = Mocks::new();
        mocks.ticket_found(ticket, &cast.customer);
        let written = mocks.comments_added(1);

        let stored = mocks
            .service()
            .comment(caller, ticket.id, new.clone())
            .await
            .unwrap();

        let Commented {
            comment,
            answer: given,
        } = written.single();
        assert_eq!(stored, comment, "{case}");
        assert_eq!(
            (comment.body, comment.internal),
            (new.body, new.internal),
            "{case}"
        );
        assert_eq!(
            given, answer,
            "{case}: the first response's time and seconds since raising"
        );
    }
}

#[tokio::test]
async fn a_customer_cannot_write_an_internal_note() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer).no_write();

    let result = mocks
        .service()
        .comment(
            &signed_in(customer.id),
            ticket.id,
            internal_note("Pretend staff"),
        )
        .await;

    assert_err!(result, TicketError::Forbidden);
}

#[tokio::test]
async fn customers_list_comments_without_internal_notes_and_staff_with() {
    let cast = Cast::new();
    let cases = [
        ("admin", admin(), true),
        ("agent of its company", cast.company_agent.clone(), true),
        ("agent owning it", cast.owner.clone(), true),
        ("the customer itself", cast.itself.clone(), false),
    ];
    for (case, caller, include_internal) in cases {
        let ticket = a_ticket(&cast.customer).build();
        let mut mocks = Mocks::new();
        mocks.ticket_found(&ticket, &cast.customer);
        let id = ticket.id;
        mocks
            .tickets
            .expect_comments()
            .withf(move |given, internal, page| {
                (*given, *internal, page) == (id, include_internal, &ten_per_page())
            })
            .times(1)
            .returning(|_, _, _| Ok(empty_page()));

        let page = mocks.service().comments(&caller, id, &ten_per_page()).await;

        assert_eq!(page.unwrap(), empty_page(), "{case}");
    }
}

#[tokio::test]
async fn comments_and_events_of_a_ticket_one_cannot_see_are_not_found() {
    let cast = Cast::new();
    for (case, caller) in [
        ("agent", &cast.stranger),
        ("customer", &cast.another_customer),
    ] {
        let ticket = a_ticket(&cast.customer).build();
        let mut mocks = Mocks::new();
        mocks.ticket_found(&ticket, &cast.customer);
        mocks.tickets.expect_comments().never();
        let comments = mocks
            .service()
            .comments(caller, ticket.id, &PageRequest::default())
            .await;

        let mut mocks = Mocks::new();
        mocks.ticket_found(&ticket, &cast.customer);
        mocks.tickets.expect_events().never();
        let events = mocks.service().events(caller, ticket.id).await;

        assert_err!(comments, TicketError::TicketNotFound, case);
        assert_err!(events, TicketError::TicketNotFound, case);
    }
}

#[tokio::test]
async fn events_of_a_visible_ticket_come_from_the_store() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let history = vec![TicketEvent {
        ticket_id: ticket.id,
        from: None,
        to: Open,
        at: ticket.created_at,
        actor: PrincipalId::Customer(customer.id),
    }];
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer);
    let (id, stored) = (ticket.id, history.clone());
    mocks
        .tickets
        .expect_events()
        .withf(move |given| *given == id)
        .times(1)
        .returning(move |_| Ok(stored.clone()));

    let events = mocks.service().events(&signed_in(customer.id), id).await;

    assert_eq!(events.unwrap(), history);
}

// ---------------------------------------------------------------------------
// Updating
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_assignee_who_cannot_be_assigned_is_a_validation_error() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let nobody = UserId::new();
    let mut mocks = Mocks::new();
    mocks
        .ticket_found(&ticket, &customer)
        .assignable(nobody, false, 1)
        .no_write();

    let result = mocks
        .service()
        .update(&admin(), ticket.id, patch().assignee(Some(nobody)), None)
        .await;

    assert_err!(result, TicketError::Validation(e) if invalid_fields(&e) == ["assignee_id"]);
}

#[tokio::test]
async fn unassigning_asks_no_directory_and_clears_the_assignee() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).assigned_to(UserId::new()).build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer);
    mocks.assignees.expect_can_be_assigned().never();
    let written = mocks.updates(1);

    let updated = mocks
        .service()
        .update(&admin(), ticket.id, patch().assignee(None), None)
        .await
        .unwrap();

    let written = written.single();
    assert_eq!(written.ticket.assignee_id, None);
    assert_eq!(written.event, None);
    assert_eq!(written.expected, ticket.version);
    assert_eq!(updated, written.ticket);
}

#[tokio::test]
async fn a_customer_patching_is_told_exactly_which_fields_it_may_not_change() {
    let customer = a_customer();
    let cases: [(TicketPatch, &[&str]); 4] = [
        (patch().priority(Priority::Urgent), &["priority"]),
        (patch().assignee(Some(UserId::new())), &["assignee_id"]),
        (
            patch().subject("Mine").status(Resolved),
            &["subject", "status"],
        ),
        (
            patch().assignee(None).status(Closed),
            &["assignee_id", "status"],
        ),
    ];
    for (change, fields) in cases {
        let ticket = a_ticket(&customer).build();
        let mut mocks = Mocks::new();
        mocks.ticket_found(&ticket, &customer).no_write();
        mocks.assignees.expect_can_be_assigned().never();

        let result = mocks
            .service()
            .update(&signed_in(customer.id), ticket.id, change, None)
            .await;

        assert_err!(result, TicketError::FieldsNotEditable(f) if f == fields, fields.join(", "));
    }
}

/// Staff's empty patch is a no-op (above), and so is a customer's empty
/// patch in the customers context; here it is a 403 naming no field.
#[tokio::test]
async fn a_customers_empty_patch_changes_nothing_and_is_not_refused() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer).no_write();

    let result = mocks
        .service()
        .update(&signed_in(customer.id), ticket.id, patch(), None)
        .await;

    assert_eq!(result.unwrap(), ticket);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let customer = a_customer();
    let assignee = UserId::new();
    let ticket = a_ticket(&customer)
        .status(InProgress)
        .priority(Priority::High)
        .assigned_to(assignee)
        .build();
    let same = patch()
        .subject(ticket.subject.as_str())
        .priority(Priority::High)
        .assignee(Some(assignee))
        .status(InProgress);
    for (case, change, lookups) in [("empty", patch(), 0), ("same values", same, 1)] {
        let mut mocks = Mocks::new();
        mocks
            .ticket_found(&ticket, &customer)
            .assignable(assignee, true, lookups)
            .no_write();

        let result = mocks
            .service()
            .update(&admin(), ticket.id, change, None)
            .await;

        assert_eq!(result.unwrap(), ticket, "{case}");
    }
}

#[tokio::test]
async fn a_status_and_fields_in_one_patch_are_one_write_with_its_event() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let caller = admin();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer);
    let written = mocks.updates(1);

    let change = patch().status(InProgress).priority(Priority::Low);
    let updated = mocks
        .service()
        .update(&caller, ticket.id, change, None)
        .await
        .unwrap();

    let written = written.single();
    let expected = Ticket {
        status: InProgress,
        priority: Priority::Low,
        updated_at: now(),
        version: ticket.version.next(),
        ..ticket.clone()
    };
    assert_eq!(written.ticket, expected);
    assert_eq!(written.expected, ticket.version);
    assert_eq!(
        written.event,
        Some(moved(&ticket, InProgress, now(), &caller))
    );
    assert_eq!(updated, expected);
}

#[tokio::test]
async fn a_stale_if_match_fails_with_the_current_version_and_writes_nothing() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer).no_write();

    let result = mocks
        .service()
        .update(
            &admin(),
            ticket.id,
            patch().priority(Priority::Low),
            Some(Version::new(3)),
        )
        .await;

    assert_err!(result, TicketError::PreconditionFailed { current } if current == Version::new(4));
}

#[tokio::test]
async fn with_if_match_a_lost_race_fails_with_the_version_that_won() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut meanwhile = a_ticket(&customer).priority(Priority::Urgent).build();
    meanwhile.id = ticket.id;
    meanwhile.version = Version::new(5);
    let mut mocks = Mocks::new();
    mocks
        .ticket_found(&ticket, &customer)
        .update_fails(|| StoreError::VersionConflict)
        .ticket_found(&meanwhile, &customer);

    let result = mocks
        .service()
        .update(
            &admin(),
            ticket.id,
            patch().priority(Priority::Low),
            Some(Version::new(4)),
        )
        .await;

    assert_err!(result, TicketError::PreconditionFailed { current } if current == Version::new(5));
}

#[tokio::test]
async fn without_if_match_a_lost_race_applies_the_change_to_the_latest_version() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let assignee = UserId::new();
    let mut meanwhile = a_ticket(&customer).assigned_to(assignee).build();
    meanwhile.id = ticket.id;
    meanwhile.version = Version::new(5);
    let mut mocks = Mocks::new();
    mocks
        .ticket_found(&ticket, &customer)
        .update_fails(|| StoreError::VersionConflict)
        .ticket_found(&meanwhile, &customer);
    let written = mocks.updates(1);

    let updated = mocks
        .service()
        .update(&admin(), ticket.id, patch().priority(Priority::Low), None)
        .await
        .unwrap();

    let written = written.single();
    assert_eq!(
        written.expected,
        Version::new(5),
        "written at the latest version"
    );
    assert_eq!(
        (
            written.ticket.priority,
            written.ticket.assignee_id,
            written.ticket.version
        ),
        (Priority::Low, Some(assignee), Version::new(6)),
        "the change applies to the latest ticket, keeping the concurrent one"
    );
    assert_eq!(updated, written.ticket);
}

#[tokio::test]
async fn a_transition_that_loses_a_race_is_decided_again_on_the_latest_ticket() {
    // Two resolve at once: the one that loses finds the ticket resolved.
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut meanwhile = a_ticket(&customer).status(Resolved).build();
    meanwhile.id = ticket.id;
    meanwhile.version = Version::new(5);
    let mut mocks = Mocks::new();
    mocks
        .ticket_found(&ticket, &customer)
        .update_fails(|| StoreError::VersionConflict)
        .ticket_found(&meanwhile, &customer);

    let result = mocks.service().resolve(&admin(), ticket.id).await;

    assert_err!(
        result,
        TicketError::InvalidTransition {
            from: Resolved,
            to: Resolved
        }
    );
}

/// Edits (or resolves) a ticket while the store refuses the write with `error`.
/// A change of a ticket that the store refuses with `error` every time: a
/// lost version race is attempted again on a fresh read, up to the bound.
async fn write_refused(edit: bool, error: fn() -> StoreError) -> Result<Ticket, TicketError> {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut mocks = Mocks::new();
    let attempts = match error() {
        StoreError::VersionConflict => crm_kernel::WRITE_ATTEMPTS,
        _ => 1,
    };
    for _ in 0..attempts {
        mocks.ticket_found(&ticket, &customer).update_fails(error);
    }
    let service = mocks.service();
    if edit {
        service
            .update(&admin(), ticket.id, patch().priority(Priority::Low), None)
            .await
    } else {
        service.resolve(&admin(), ticket.id).await
    }
}

#[tokio::test]
async fn a_store_version_conflict_is_a_conflict_and_a_vanished_ticket_not_found() {
    for (case, edit) in [("edit", true), ("resolve", false)] {
        let result = write_refused(edit, || StoreError::VersionConflict).await;
        assert_err!(result, TicketError::Conflict, case);

        let result = write_refused(edit, || StoreError::NotFound).await;
        assert_err!(result, TicketError::TicketNotFound, case);
    }
}

#[tokio::test]
async fn a_comment_on_a_ticket_that_vanished_is_not_found() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();
    let mut mocks = Mocks::new();
    mocks.ticket_found(&ticket, &customer);
    mocks
        .tickets
        .expect_add_comment()
        .times(1)
        .returning(|_, _| Err(StoreError::NotFound));

    let result = mocks
        .service()
        .comment(&admin(), ticket.id, comment("On it"))
        .await;

    assert_err!(result, TicketError::TicketNotFound);
}

#[tokio::test]
async fn a_missing_ticket_or_one_whose_customer_is_unknown_is_not_found() {
    let customer = a_customer();
    let ticket = a_ticket(&customer).build();

    let mut mocks = Mocks::new();
    mocks
        .ticket_missing(ticket.id)
        .no_customer_lookup()
        .no_write();
    let result = mocks.service().resolve(&admin(), ticket.id).await;
    assert_err!(result, TicketError::TicketNotFound, "no ticket");

    let mut mocks = Mocks::new();
    let (id, found) = (ticket.id, ticket.clone());
    mocks
        .tickets
        .expect_get()
        .withf(move |given| *given == id)
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
    mocks
        .customers
        .expect_any_customer_ref()
        .times(1)
        .returning(|_| Ok(None));
    mocks.no_write();
    let result = mocks.service().get(&admin(), ticket.id).await;
    assert_err!(result, TicketError::TicketNotFound, "no customer");
}

// ---------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------

#[tokio::test]
async fn list_passes_the_callers_visibility_query_and_page_to_the_store() {
    let cast = Cast::new();
    let agent = &cast.company_agent;
    let agents_part = Visibility::Agent {
        company_ids: vec![cast.company],
        owner_id: user_id(agent),
    };
    let cases = [
        ("admin", admin(), AgentScope::Assigned, Visibility::All),
        ("agent", agent.clone(), AgentScope::Assigned, agents_part),
        (
            "agent seeing all",
            agent.clone(),
            AgentScope::All,
            Visibility::All,
        ),
        (
            "customer",
            cast.itself.clone(),
            AgentScope::Assigned,
            Visibility::Own(cast.customer.id),
        ),
    ];
    for (case, caller, agent_scope, visibility) in cases {
        let query = TicketQuery {
            status: Some(Open),
            ..TicketQuery::default()
        };
        let listed = Page {
            items: vec![a_ticket(&cast.customer).build()],
            next: None,
        };
        let mut mocks = Mocks::with_policy(TicketPolicy {
            agent_scope,
            ..TicketPolicy::default()
        });
        let (expected_query, answer) = (query.clone(), listed.clone());
        mocks
            .tickets
            .expect_list()
            .withf(move |q, v, page| {
                (q, v, page) == (&expected_query, &visibility, &ten_per_page())
            })
            .times(1)
            .returning(move |_, _, _| Ok(answer.clone()));

        let page = mocks.service().list(&caller, &query, &ten_per_page()).await;

        assert_eq!(page.unwrap(), listed, "{case}");
    }
}

#[tokio::test]
async fn customer_tickets_lists_a_visible_customers_tickets_only() {
    let cast = Cast::new();
    let cases = [
        ("admin", admin(), Some(Visibility::All)),
        (
            "the customer itself",
            cast.itself.clone(),
            Some(Visibility::Own(cast.customer.id)),
        ),
        ("agent not seeing it", cast.stranger.clone(), None),
        ("another customer", cast.another_customer.clone(), None),
    ];
    for (case, caller, visibility) in cases {
        let mut mocks = Mocks::new();
        mocks.customer_lookup(cast.customer.id, Some(cast.customer));
        let forced = TicketQuery {
            status: Some(Resolved),
            customer_id: Some(cast.customer.id),
            ..TicketQuery::default()
        };
        let visible = visibility.is_some();
        mocks
            .tickets
            .expect_list()
            .withf(move |q, v, _| *q == forced && Some(v) == visibility.as_ref())
            .times(usize::from(visible))
            .returning(|_, _, _| Ok(empty_page()));
        let query = TicketQuery {
            status: Some(Resolved),
            customer_id: Some(CustomerId::new()),
            ..TicketQuery::default()
        };

        let result = mocks
            .service()
            .customer_tickets(&caller, cast.customer.id, query, &PageRequest::default())
            .await;

        if visible {
            assert_eq!(result.unwrap(), empty_page(), "{case}");
        } else {
            assert_err!(result, TicketError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn customer_tickets_of_an_unknown_customer_is_not_found() {
    let unknown = CustomerId::new();
    let mut mocks = Mocks::new();
    mocks.customer_lookup(unknown, None);
    mocks.tickets.expect_list().never();

    let result = mocks
        .service()
        .customer_tickets(
            &admin(),
            unknown,
            TicketQuery::default(),
            &PageRequest::default(),
        )
        .await;

    assert_err!(result, TicketError::CustomerNotFound);
}
