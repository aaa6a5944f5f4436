//! The business rules of [`CustomerService`], with every port mocked: no
//! database; the clock stands still at [`now`].
//!
//! Mocks are strict: a port method a test did not expect panics when called,
//! so each test states only the calls that matter to its rule, and a refused
//! use case that reached the store anyway fails loudly.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crm_kernel::{
    BackendError, CompanyId, CursorPosition, CustomerId, EmailAddress, FixedClock, Limit, LongText,
    Page, PageRequest, PersonName, PhoneNumber, Principal, PrincipalId, Role, ShortText, Timestamp,
    UserId, ValidationErrors,
};

use super::{CustomerPorts, CustomerService};
use crate::company::{Company, CompanyPatch, NewCompany};
use crate::customer::{Customer, CustomerPatch, NewCustomer};
use crate::error::CustomerError;
use crate::import::{ImportOptions, ImportReport, ImportRow, RowError};
// `Buying` is the `customer` status, renamed so that it does not read as the record.
use crate::lifecycle::LifecycleStatus::{self, Churned, Customer as Buying, Lead, Prospect};
use crate::lifecycle::StatusChange;
use crate::policy::AgentScope::{self, All, Assigned};
use crate::policy::Visibility;
use crate::ports::{
    ImportWrite, ImportWriteError, MockCompanyRepository, MockCustomerRepository,
    MockImportTransaction, MockStaffDirectory, StoreError,
};
use crate::query::{CompanyQuery, CustomerQuery};
use crate::values::{Tags, Version};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// Milliseconds since the epoch at which the test clock stands.
const NOW_MS: i64 = 1_780_000_000_000;

/// The lifecycle as the product defines it, written out here rather than read
/// from the code under test.
const ALLOWED_TRANSITIONS: [(LifecycleStatus, LifecycleStatus); 5] = [
    (Lead, Prospect),
    (Prospect, Buying),
    (Buying, Churned),
    (Churned, Lead),
    (Churned, Buying),
];

fn now() -> Timestamp {
    Timestamp::from_millis(NOW_MS).unwrap()
}

fn yesterday() -> Timestamp {
    Timestamp::from_millis(NOW_MS - 86_400_000).unwrap()
}

fn person(text: &str) -> PersonName {
    PersonName::parse(text).unwrap()
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

fn long_text(text: &str) -> LongText {
    LongText::parse(text).unwrap()
}

fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).unwrap()
}

/// The fields a validation error names, in order.
fn invalid_fields(errors: &ValidationErrors) -> Vec<&str> {
    errors.fields().iter().map(|f| f.field.as_str()).collect()
}

/// What a table case expects of a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// It goes through.
    Allowed,
    /// `Forbidden` (403).
    Forbidden,
    /// `CustomerNotFound` / `CompanyNotFound` (404): the caller may not know it exists.
    NotFound,
}

use Expect::{Allowed, Forbidden, NotFound};

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

/// An agent assigned to no company.
fn agent() -> Principal {
    agent_of(&[])
}

/// The customer `customer`, signed in.
fn signed_in_as(customer: &Customer) -> Principal {
    Principal {
        id: PrincipalId::Customer(customer.id),
        role: Role::Customer,
        company_ids: Vec::new(),
    }
}

fn user_id(principal: &Principal) -> UserId {
    principal.user_id().unwrap()
}

// --- customers and companies -----------------------------------------------

/// A valid stored customer: a lead created yesterday, without company, owner,
/// email, account or notes, at version 1. Methods change what a test needs.
fn a_customer() -> CustomerBuilder {
    CustomerBuilder(Customer {
        id: CustomerId::new(),
        first_name: person("Ann"),
        last_name: person("Lee"),
        email: None,
        phone: None,
        company_id: None,
        company: None,
        status: Lead,
        notes: None,
        owner_id: None,
        tags: Tags::default(),
        source: None,
        created_at: yesterday(),
        updated_at: yesterday(),
        last_interaction: None,
        has_account: false,
        version: Version::FIRST,
    })
}

struct CustomerBuilder(Customer);

impl CustomerBuilder {
    fn status(mut self, status: LifecycleStatus) -> Self {
        self.0.status = status;
        self
    }

    /// At `company` (whose name the store shows as `Acme`).
    fn at(mut self, company: CompanyId) -> Self {
        self.0.company_id = Some(company);
        self.0.company = Some("Acme".to_owned());
        self
    }

    fn owned_by(mut self, owner: &Principal) -> Self {
        self.0.owner_id = Some(user_id(owner));
        self
    }

    fn email(mut self, address: &str) -> Self {
        self.0.email = Some(email(address));
        self
    }

    /// The customer can sign in (and so has an email).
    fn with_account(mut self) -> Self {
        self.0.email.get_or_insert_with(|| email("ann@example.org"));
        self.0.has_account = true;
        self
    }

    fn notes(mut self, text: &str) -> Self {
        self.0.notes = Some(long_text(text));
        self
    }

    fn version(mut self, n: u64) -> Self {
        self.0.version = Version::new(n);
        self
    }

    fn build(self) -> Customer {
        self.0
    }
}

/// What a staff user fills in to create a customer: names and an email.
fn new_customer() -> NewCustomer {
    NewCustomer {
        first_name: person("Bea"),
        last_name: person("Ng"),
        email: Some(email("bea@example.org")),
        phone: None,
        company_id: None,
        status: None,
        notes: None,
        owner_id: None,
        tags: Tags::default(),
        source: None,
    }
}

/// [`new_customer`] at `company_id`, owned by `owner_id`.
fn new_customer_at(company_id: Option<CompanyId>, owner_id: Option<UserId>) -> NewCustomer {
    NewCustomer {
        company_id,
        owner_id,
        ..new_customer()
    }
}

/// An empty patch; [`PatchShortcuts`] sets fields in one line.
fn patch() -> CustomerPatch {
    CustomerPatch::default()
}

/// One-line patches: `patch().status(Prospect).first_name("Anna")`.
trait PatchShortcuts {
    fn first_name(self, name: &str) -> Self;
    fn last_name(self, name: &str) -> Self;
    fn email(self, address: Option<&str>) -> Self;
    fn phone(self, number: &str) -> Self;
    fn company(self, company: Option<CompanyId>) -> Self;
    fn status(self, status: LifecycleStatus) -> Self;
    fn notes(self, text: Option<&str>) -> Self;
    fn owner(self, owner: Option<UserId>) -> Self;
    fn tags(self, tags: &[&str]) -> Self;
    fn source(self, text: Option<&str>) -> Self;
}

impl PatchShortcuts for CustomerPatch {
    fn first_name(mut self, name: &str) -> Self {
        self.first_name = Some(person(name));
        self
    }

    fn last_name(mut self, name: &str) -> Self {
        self.last_name = Some(person(name));
        self
    }

    fn email(mut self, address: Option<&str>) -> Self {
        self.email = Some(address.map(email));
        self
    }

    fn phone(mut self, number: &str) -> Self {
        self.phone = Some(Some(phone(number)));
        self
    }

    fn company(mut self, company: Option<CompanyId>) -> Self {
        self.company_id = Some(company);
        self
    }

    fn status(mut self, status: LifecycleStatus) -> Self {
        self.status = Some(status);
        self
    }

    fn notes(mut self, text: Option<&str>) -> Self {
        self.notes = Some(text.map(long_text));
        self
    }

    fn owner(mut self, owner: Option<UserId>) -> Self {
        self.owner_id = Some(owner);
        self
    }

    fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = Some(Tags::parse(tags).unwrap());
        self
    }

    fn source(mut self, text: Option<&str>) -> Self {
        self.source = Some(text.map(|t| ShortText::parse(t).unwrap()));
        self
    }
}

/// A valid stored company at version 1, created yesterday.
fn a_company() -> CompanyBuilder {
    CompanyBuilder(Company {
        id: CompanyId::new(),
        name: person("Acme"),
        address: None,
        phone: None,
        website: None,
        notes: None,
        created_at: yesterday(),
        updated_at: yesterday(),
        version: Version::FIRST,
    })
}

struct CompanyBuilder(Company);

impl CompanyBuilder {
    fn id(mut self, id: CompanyId) -> Self {
        self.0.id = id;
        self
    }

    fn version(mut self, n: u64) -> Self {
        self.0.version = Version::new(n);
        self
    }

    fn build(self) -> Company {
        self.0
    }
}

fn rename_company() -> CompanyPatch {
    CompanyPatch {
        name: Some(person("Initech")),
        ..CompanyPatch::default()
    }
}

fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        next: None,
    }
}

// --- import rows -----------------------------------------------------------

/// A row as the CSV reader yields it.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the import takes the reader's results"
)]
fn row(line: u64, columns: &[(&str, &str)]) -> Result<ImportRow, RowError> {
    Ok(ImportRow {
        line,
        values: columns
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    })
}

/// A valid row without email whose first name (`RowN`) tells its line.
fn new_row(line: u64) -> Result<ImportRow, RowError> {
    let name = format!("Row{line}");
    row(line, &[("first_name", &name), ("last_name", "Imported")])
}

/// [`new_row`] with an email.
fn new_row_with_email(line: u64, address: &str) -> Result<ImportRow, RowError> {
    let name = format!("Row{line}");
    let columns = [
        ("first_name", &*name),
        ("last_name", "Imported"),
        ("email", address),
    ];
    row(line, &columns)
}

fn dry_run() -> ImportOptions {
    ImportOptions {
        dry_run: true,
        ..ImportOptions::default()
    }
}

fn atomic() -> ImportOptions {
    ImportOptions {
        atomic: true,
        ..ImportOptions::default()
    }
}

fn upsert() -> ImportOptions {
    ImportOptions {
        upsert: true,
        ..ImportOptions::default()
    }
}

/// The `(row, field)` of each reported problem.
fn error_places(report: &ImportReport) -> Vec<(u64, &str)> {
    report
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str()))
        .collect()
}

/// The first names of the customers each batch wrote.
fn first_names(batches: &Batches) -> Vec<Vec<String>> {
    let name = |write: &ImportWrite| match write {
        ImportWrite::Create(c, _) | ImportWrite::Update(c, _, _) => c.first_name.to_string(),
    };
    batches
        .all()
        .iter()
        .map(|batch| batch.iter().map(name).collect())
        .collect()
}

/// The first names [`new_row`] gives `lines`.
fn row_names(lines: std::ops::RangeInclusive<u64>) -> Vec<String> {
    lines.map(|line| format!("Row{line}")).collect()
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

    /// The latest recorded value.
    fn last(&self) -> Option<T> {
        self.all().last().cloned()
    }

    /// Whether a mock still holds a handle to this record (it was not dropped).
    fn still_held(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }
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

/// Fails unless `$result` is what `$expect` says (`NotFound` as `$not_found`).
macro_rules! assert_outcome {
    ($result:expr, $expect:expr, $not_found:pat, $case:expr) => {
        match ($expect, $result) {
            (Allowed, Ok(_))
            | (Forbidden, Err(CustomerError::Forbidden))
            | (NotFound, Err($not_found)) => {}
            (expect, other) => panic!("{}: expected {expect:?}, got {other:?}", $case),
        }
    };
}

// ---------------------------------------------------------------------------
// The service under test
// ---------------------------------------------------------------------------

/// One customer update as the store received it.
#[derive(Debug, Clone)]
struct Written {
    customer: Customer,
    expected: Version,
    change: Option<StatusChange>,
}

/// The ports of one test, all strict, and the agent scope in force
/// (agents see what they are assigned unless a test says otherwise).
struct Mocks {
    customers: MockCustomerRepository,
    companies: MockCompanyRepository,
    staff: MockStaffDirectory,
    agent_scope: AgentScope,
}

impl Mocks {
    fn new() -> Self {
        Self::with_scope(Assigned)
    }

    fn with_scope(agent_scope: AgentScope) -> Self {
        Self {
            customers: MockCustomerRepository::new(),
            companies: MockCompanyRepository::new(),
            staff: MockStaffDirectory::new(),
            agent_scope,
        }
    }

    fn service(self) -> CustomerService {
        let ports = CustomerPorts {
            customers: Arc::new(self.customers),
            companies: Arc::new(self.companies),
            staff: Arc::new(self.staff),
            clock: Arc::new(FixedClock::at(now())),
        };
        CustomerService::new(ports, self.agent_scope)
    }

    /// `customers.get(customer.id)` finds `customer`, once.
    fn customer_found(&mut self, customer: &Customer) -> &mut Self {
        let id = customer.id;
        let found = customer.clone();
        self.customers
            .expect_get()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(Some(found.clone())));
        self
    }

    /// Nothing is written to the customers store.
    fn no_customer_write(&mut self) -> &mut Self {
        self.customers.expect_insert().never();
        self.customers.expect_update().never();
        self.customers.expect_erase().never();
        self.customers.expect_begin_import().never();
        self
    }

    /// `current` is read, the store accepts one update of it (recorded), and
    /// the re-read that follows finds what was written.
    fn update_goes_through(&mut self, current: &Customer) -> Recorded<Written> {
        self.customer_found(current);
        let written = Recorded::new();
        let sink = written.clone();
        self.customers
            .expect_update()
            .times(1)
            .returning(move |customer, expected, change| {
                sink.push(Written {
                    customer: customer.clone(),
                    expected,
                    change: change.cloned(),
                });
                Ok(())
            });
        let stored = written.clone();
        let id = current.id;
        self.customers
            .expect_get()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(stored.last().map(|w| w.customer)));
        written
    }

    /// `current` is read and the store refuses its update with `error`, once.
    fn update_fails(&mut self, current: &Customer, error: fn() -> StoreError) -> &mut Self {
        self.customer_found(current);
        self.customers
            .expect_update()
            .times(1)
            .returning(move |_, _, _| Err(error()));
        self
    }

    /// The store accepts one insert (recorded) and the re-read that follows
    /// finds the inserted customer.
    fn insert_goes_through(&mut self) -> Recorded<(Customer, StatusChange)> {
        let inserted = Recorded::new();
        let sink = inserted.clone();
        self.customers
            .expect_insert()
            .times(1)
            .returning(move |customer, change| {
                sink.push((customer.clone(), change.clone()));
                Ok(())
            });
        let stored = inserted.clone();
        self.customers
            .expect_get()
            .times(1)
            .returning(move |id| Ok(stored.last().map(|(c, _)| c).filter(|c| c.id == id)));
        inserted
    }

    /// The store refuses the insert with `error`, once.
    fn insert_fails(&mut self, error: impl Fn() -> StoreError + Send + 'static) -> &mut Self {
        self.customers
            .expect_insert()
            .times(1)
            .returning(move |_, _| Err(error()));
        self
    }

    /// `companies.get(company.id)` finds `company`, once.
    fn company_found(&mut self, company: &Company) -> &mut Self {
        let id = company.id;
        let found = company.clone();
        self.companies
            .expect_get()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(Some(found.clone())));
        self
    }

    /// `companies.get(id)` finds nothing, once.
    fn company_missing(&mut self, id: CompanyId) -> &mut Self {
        self.companies
            .expect_get()
            .withf(move |given| *given == id)
            .times(1)
            .returning(|_| Ok(None));
        self
    }

    /// Nothing is written to the companies store.
    fn no_company_write(&mut self) -> &mut Self {
        self.companies.expect_insert().never();
        self.companies.expect_update().never();
        self.companies.expect_delete().never();
        self
    }

    /// `customers.find_by_email` finds `found` for `address` (by its key), once.
    fn email_lookup(&mut self, address: &str, found: Option<Customer>) -> &mut Self {
        let key = email(address).key();
        self.customers
            .expect_find_by_email()
            .withf(move |given| given.key() == key)
            .times(1)
            .returning(move |_| Ok(found.clone()));
        self
    }

    /// `staff.staff_exists(id)` answers `exists`, once.
    fn staff_exists(&mut self, id: UserId, exists: bool) -> &mut Self {
        self.staff
            .expect_staff_exists()
            .withf(move |given| *given == id)
            .times(1)
            .returning(move |_| Ok(exists));
        self
    }

    /// `begin_import` opens `transaction`, once.
    fn opens(&mut self, transaction: MockImportTransaction) -> &mut Self {
        self.customers
            .expect_begin_import()
            .times(1)
            .return_once(move || Ok(Box::new(transaction)));
        self
    }

    /// `begin_import` is called `times` times, each opening a transaction
    /// that writes one batch (recorded in `batches`) and commits it.
    fn opens_one_per_batch(&mut self, times: usize, batches: &Batches) -> &mut Self {
        let batches = batches.clone();
        self.customers
            .expect_begin_import()
            .times(times)
            .returning(move || Ok(Box::new(accepting(&batches, 1, 1))));
        self
    }
}

/// The batches written through mocked import transactions.
type Batches = Recorded<Vec<ImportWrite>>;

/// A transaction whose writes answer `replies` in order (`None`: written,
/// `Some(error)`: refused), each batch recorded in `batches`, and that
/// expects exactly `commits` commits.
fn transaction(
    batches: &Batches,
    replies: Vec<Option<ImportWriteError>>,
    commits: usize,
) -> MockImportTransaction {
    let mut transaction = MockImportTransaction::new();
    let mut replies = VecDeque::from(replies);
    let sink = batches.clone();
    transaction
        .expect_write()
        .times(replies.len())
        .returning(move |batch| {
            sink.push(batch.to_vec());
            replies.pop_front().flatten().map_or(Ok(()), Err)
        });
    transaction
        .expect_commit()
        .times(commits)
        .returning(|| Ok(()));
    transaction
}

/// A transaction that writes `writes` batches without failure.
fn accepting(batches: &Batches, writes: usize, commits: usize) -> MockImportTransaction {
    transaction(batches, (0..writes).map(|_| None).collect(), commits)
}

fn write_failed(index: usize, error: StoreError) -> ImportWriteError {
    ImportWriteError { index, error }
}

// ---------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_customer_follows_the_lifecycle_for_every_pair_of_statuses() {
    for from in LifecycleStatus::ALL {
        for to in LifecycleStatus::ALL {
            let case = format!("{from} -> {to}");
            let caller = admin();
            let current = a_customer().status(from).build();
            let mut mocks = Mocks::new();

            if from == to || ALLOWED_TRANSITIONS.contains(&(from, to)) {
                let written = mocks.update_goes_through(&current);
                let updated = mocks
                    .service()
                    .update_customer(&caller, current.id, patch().status(to), None)
                    .await
                    .unwrap();
                let written = written.single();
                assert_eq!(updated.status, to, "{case}");
                assert_eq!(written.customer.status, to, "{case}");
                let change = (from != to).then_some(StatusChange {
                    customer_id: current.id,
                    from: Some(from),
                    to,
                    at: now(),
                    actor: caller.id,
                });
                assert_eq!(written.change, change, "{case}: recorded change");
            } else {
                mocks.customer_found(&current).no_customer_write();
                let result = mocks
                    .service()
                    .update_customer(&caller, current.id, patch().status(to), None)
                    .await;
                assert_err!(
                    result,
                    CustomerError::InvalidTransition { from: f, to: t } if f == from && t == to,
                    case
                );
            }
        }
    }
}

#[tokio::test]
async fn an_update_without_status_records_no_status_change_and_raises_the_version() {
    let current = a_customer().status(Prospect).version(3).build();
    let mut mocks = Mocks::new();
    let written = mocks.update_goes_through(&current);

    let updated = mocks
        .service()
        .update_customer(&admin(), current.id, patch().first_name("Anna"), None)
        .await
        .unwrap();

    let written = written.single();
    assert_eq!(written.change, None);
    assert_eq!(written.expected, Version::new(3));
    assert_eq!(written.customer.version, Version::new(4));
    assert_eq!(written.customer.updated_at, now());
    assert_eq!(updated.first_name, person("Anna"));
    assert_eq!(updated.status, Prospect);
}

// ---------------------------------------------------------------------------
// Who sees which customer
// ---------------------------------------------------------------------------

/// A caller, a stored customer (with staff notes), the agent scope, and
/// whether the caller may see the customer.
struct Sight {
    case: &'static str,
    caller: Principal,
    customer: Customer,
    scope: AgentScope,
    visible: bool,
}

fn sight_cases() -> Vec<Sight> {
    let assigned = CompanyId::new();
    let elsewhere = CompanyId::new();
    let agent = agent_of(&[assigned]);
    let colleague = agent_of(&[elsewhere]);
    let customer = || a_customer().notes("pays late");
    let own = customer().build();
    let me = signed_in_as(&own);
    let sight = |case, caller: &Principal, customer: CustomerBuilder, scope, visible| Sight {
        case,
        caller: caller.clone(),
        customer: customer.build(),
        scope,
        visible,
    };
    #[rustfmt::skip]
    let cases = vec![
        sight("admin", &admin(), customer().at(elsewhere), Assigned, true),
        sight("agent, assigned company", &agent, customer().at(assigned).owned_by(&colleague), Assigned, true),
        sight("agent, other company", &agent, customer().at(elsewhere).owned_by(&colleague), Assigned, false),
        sight("agent without assignment", &agent_of(&[]), customer().at(assigned), Assigned, false),
        sight("agent, owned elsewhere", &agent, customer().at(elsewhere).owned_by(&agent), Assigned, true),
        sight("agent, owned, no company", &agent, customer().owned_by(&agent), Assigned, true),
        sight("agent, no company, not owned", &agent, customer(), Assigned, false),
        sight("agent seeing all", &agent, customer().at(elsewhere).owned_by(&colleague), All, true),
        sight("customer, itself", &me, CustomerBuilder(own.clone()), Assigned, true),
        sight("customer, another", &me, customer(), Assigned, false),
    ];
    cases
}

#[tokio::test]
async fn get_customer_shows_visible_customers_and_hides_the_rest_as_not_found() {
    for sight in sight_cases() {
        let (case, caller, customer) = (sight.case, &sight.caller, &sight.customer);
        let mut mocks = Mocks::with_scope(sight.scope);
        mocks.customer_found(customer);

        let result = mocks.service().get_customer(caller, customer.id).await;

        if sight.visible {
            let seen = result.unwrap();
            assert_eq!(seen.id, customer.id, "{case}");
            let notes = caller.is_staff().then(|| long_text("pays late"));
            assert_eq!(
                seen.notes, notes,
                "{case}: staff see notes, customers never"
            );
        } else {
            assert_err!(result, CustomerError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn update_customer_changes_visible_customers_only() {
    for sight in sight_cases() {
        let (case, caller, customer) = (sight.case, &sight.caller, &sight.customer);
        let rename = patch().last_name("Lee-Smith");
        let mut mocks = Mocks::with_scope(sight.scope);

        if sight.visible {
            let written = mocks.update_goes_through(customer);
            let updated = mocks
                .service()
                .update_customer(caller, customer.id, rename, None)
                .await
                .unwrap();
            assert_eq!(
                written.single().customer.last_name,
                person("Lee-Smith"),
                "{case}"
            );
            let notes = caller.is_staff().then(|| long_text("pays late"));
            assert_eq!(updated.notes, notes, "{case}: the answer is redacted too");
        } else {
            mocks.customer_found(customer).no_customer_write();
            let result = mocks
                .service()
                .update_customer(caller, customer.id, rename, None)
                .await;
            assert_err!(result, CustomerError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn status_history_is_shown_for_visible_customers_only() {
    for sight in sight_cases() {
        let (case, customer) = (sight.case, &sight.customer);
        let history = vec![StatusChange {
            customer_id: customer.id,
            from: None,
            to: Lead,
            at: yesterday(),
            actor: admin().id,
        }];
        let mut mocks = Mocks::with_scope(sight.scope);
        mocks.customer_found(customer);
        let (id, stored) = (customer.id, history.clone());
        mocks
            .customers
            .expect_status_history()
            .withf(move |given| *given == id)
            .times(usize::from(sight.visible))
            .returning(move |_| Ok(stored.clone()));

        let result = mocks.service().status_history(&sight.caller, id).await;

        if sight.visible {
            assert_eq!(result.unwrap(), history, "{case}");
        } else {
            assert_err!(result, CustomerError::CustomerNotFound, case);
        }
    }
}

#[tokio::test]
async fn only_admins_erase_customers_and_others_get_forbidden_or_not_found() {
    let company = CompanyId::new();
    let customer = a_customer().at(company).build();
    let cases = [
        ("admin", admin(), Assigned, Allowed),
        ("agent seeing it", agent_of(&[company]), Assigned, Forbidden),
        ("agent seeing all", agent(), All, Forbidden),
        (
            "customer itself",
            signed_in_as(&customer),
            Assigned,
            Forbidden,
        ),
        ("agent not seeing it", agent(), Assigned, NotFound),
    ];
    for (case, caller, scope, expect) in cases {
        let mut mocks = Mocks::with_scope(scope);
        mocks.customer_found(&customer);
        let id = customer.id;
        mocks
            .customers
            .expect_erase()
            .withf(move |given, at| *given == id && *at == now())
            .times(usize::from(expect == Allowed))
            .returning(|_, _| Ok(()));

        let result = mocks.service().erase_customer(&caller, id).await;

        assert_outcome!(result, expect, CustomerError::CustomerNotFound, case);
    }
}

#[tokio::test]
async fn list_customers_passes_the_callers_visibility_to_the_store() {
    let company = CompanyId::new();
    let agent = agent_of(&[company]);
    let agents_part = Visibility::Agent {
        company_ids: vec![company],
        owner_id: user_id(&agent),
    };
    let cases = [
        ("admin", admin(), Assigned, Visibility::All),
        ("agent", agent.clone(), Assigned, agents_part),
        ("agent seeing all", agent.clone(), All, Visibility::All),
    ];
    for (case, caller, scope, visibility) in cases {
        let query = CustomerQuery {
            status: Some(Prospect),
            ..CustomerQuery::default()
        };
        let listed = a_customer().at(company).notes("pays late").build();
        let expected_query = query.clone();
        let mut mocks = Mocks::with_scope(scope);
        mocks
            .customers
            .expect_list()
            .withf(move |q, v, page| {
                *q == expected_query && *v == visibility && *page == PageRequest::default()
            })
            .times(1)
            .returning(move |_, _, _| {
                Ok(Page {
                    items: vec![listed.clone()],
                    next: None,
                })
            });

        let page = mocks
            .service()
            .list_customers(&caller, &query, &PageRequest::default())
            .await
            .unwrap();

        let notes: Vec<_> = page.items.into_iter().map(|c| c.notes).collect();
        assert_eq!(
            notes,
            [Some(long_text("pays late"))],
            "{case}: staff see notes"
        );
    }
}

#[tokio::test]
async fn customers_may_not_list_customers() {
    let own = a_customer().build();
    let mut mocks = Mocks::new();
    mocks.customers.expect_list().never();

    let result = mocks
        .service()
        .list_customers(
            &signed_in_as(&own),
            &CustomerQuery::default(),
            &PageRequest::default(),
        )
        .await;

    assert_err!(result, CustomerError::Forbidden);
}

// ---------------------------------------------------------------------------
// Creating customers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn create_customer_records_the_first_status_as_a_change_from_nothing() {
    for (given, first) in [
        (None, Lead),
        (Some(Prospect), Prospect),
        (Some(Buying), Buying),
    ] {
        let caller = admin();
        let mut mocks = Mocks::new();
        let inserted = mocks.insert_goes_through();
        let new = NewCustomer {
            status: given,
            ..new_customer()
        };

        let created = mocks.service().create_customer(&caller, new).await.unwrap();

        let (customer, change) = inserted.single();
        assert_eq!(customer.status, first, "given {given:?}");
        assert_eq!((customer.created_at, customer.updated_at), (now(), now()));
        assert_eq!(customer.version, Version::FIRST);
        let expected = StatusChange {
            customer_id: customer.id,
            from: None,
            to: first,
            at: now(),
            actor: caller.id,
        };
        assert_eq!(change, expected, "given {given:?}");
        assert_eq!(created, customer, "the answer is the stored record");
    }
}

#[tokio::test]
async fn an_agent_who_names_no_owner_owns_the_new_customer() {
    let company = CompanyId::new();
    let agent = agent_of(&[company]);
    let colleague = user_id(&agent_of(&[company]));
    let for_colleague = new_customer_at(Some(company), Some(colleague));
    #[rustfmt::skip]
    let cases = [
        ("agent, no owner", agent.clone(), new_customer(), Some(user_id(&agent))),
        ("agent, colleague at its company", agent.clone(), for_colleague, Some(colleague)),
        ("admin, no owner", admin(), new_customer(), None),
    ];
    for (case, caller, new, owner) in cases {
        let mut mocks = Mocks::new();
        let inserted = mocks.insert_goes_through();

        let created = mocks.service().create_customer(&caller, new).await.unwrap();

        assert_eq!(inserted.single().0.owner_id, owner, "{case}");
        assert_eq!(created.owner_id, owner, "{case}");
    }
}

#[tokio::test]
async fn only_staff_create_customers_and_agents_only_within_their_scope() {
    let assigned = CompanyId::new();
    let elsewhere = CompanyId::new();
    let agent = agent_of(&[assigned]);
    let colleague = user_id(&agent_of(&[elsewhere]));
    let existing = a_customer().build();
    #[rustfmt::skip]
    let cases = [
        ("agent, other company and owner", agent.clone(), new_customer_at(Some(elsewhere), Some(colleague))),
        ("agent, no company, other owner", agent.clone(), new_customer_at(None, Some(colleague))),
        ("customer", signed_in_as(&existing), new_customer()),
    ];
    for (case, caller, new) in cases {
        let mut mocks = Mocks::new();
        mocks.no_customer_write();

        let result = mocks.service().create_customer(&caller, new).await;

        assert_err!(result, CustomerError::Forbidden, case);
    }
}

#[tokio::test]
async fn a_duplicate_email_names_the_existing_customer_only_when_the_caller_may_see_it() {
    let company = CompanyId::new();
    let holder = a_customer().at(company).email("bea@example.org").build();
    let cases = [
        ("admin", admin(), Some(holder.id)),
        (
            "agent of its company",
            agent_of(&[company]),
            Some(holder.id),
        ),
        (
            "agent of another company",
            agent_of(&[CompanyId::new()]),
            None,
        ),
    ];
    for (case, caller, named) in cases {
        let existing = Some(holder.id);
        let mut mocks = Mocks::new();
        mocks
            .insert_fails(move || StoreError::DuplicateEmail { existing })
            .customer_found(&holder);

        let result = mocks
            .service()
            .create_customer(&caller, new_customer())
            .await;

        assert_err!(result, CustomerError::DuplicateEmail { existing } if existing == named, case);
    }
}

#[tokio::test]
async fn a_duplicate_email_of_a_staff_user_names_nobody() {
    let mut mocks = Mocks::new();
    mocks.insert_fails(|| StoreError::DuplicateEmail { existing: None });
    mocks.customers.expect_get().never();

    let result = mocks
        .service()
        .create_customer(&admin(), new_customer())
        .await;

    assert_err!(result, CustomerError::DuplicateEmail { existing: None });
}

#[tokio::test]
async fn dangling_company_or_owner_references_are_validation_errors_on_their_field() {
    for field in ["company_id", "owner_id"] {
        let mut mocks = Mocks::new();
        mocks.insert_fails(move || match field {
            "company_id" => StoreError::UnknownCompany,
            _ => StoreError::UnknownOwner,
        });
        let new = new_customer_at(Some(CompanyId::new()), Some(UserId::new()));

        let result = mocks.service().create_customer(&admin(), new).await;

        assert_err!(
            result,
            CustomerError::Validation(errors) if invalid_fields(&errors) == [field],
            field
        );
    }
}

// ---------------------------------------------------------------------------
// Updating customers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_stale_if_match_fails_with_the_current_version_and_writes_nothing() {
    let current = a_customer().version(3).build();
    let mut mocks = Mocks::new();
    mocks.customer_found(&current).no_customer_write();

    let result = mocks
        .service()
        .update_customer(
            &admin(),
            current.id,
            patch().first_name("Anna"),
            Some(Version::new(2)),
        )
        .await;

    assert_err!(result, CustomerError::PreconditionFailed { current } if current == Version::new(3));
}

#[tokio::test]
async fn a_matching_if_match_updates_from_that_version() {
    let current = a_customer().version(3).build();
    let mut mocks = Mocks::new();
    let written = mocks.update_goes_through(&current);

    mocks
        .service()
        .update_customer(
            &admin(),
            current.id,
            patch().first_name("Anna"),
            Some(Version::new(3)),
        )
        .await
        .unwrap();

    let written = written.single();
    assert_eq!(written.expected, Version::new(3));
    assert_eq!(written.customer.version, Version::new(4));
}

#[tokio::test]
async fn a_version_conflict_in_the_store_fails_with_the_reread_version() {
    let current = a_customer().version(3).build();
    let meanwhile = CustomerBuilder(current.clone()).version(5).build();
    let mut mocks = Mocks::new();
    mocks
        .update_fails(&current, || StoreError::VersionConflict)
        .customer_found(&meanwhile);

    // The client based its change on version 3; a concurrent write landed
    // between the read and the write: the next attempt finds version 5.
    let result = mocks
        .service()
        .update_customer(
            &admin(),
            current.id,
            patch().first_name("Anna"),
            Some(Version::new(3)),
        )
        .await;

    assert_err!(result, CustomerError::PreconditionFailed { current } if current == Version::new(5));
}

#[tokio::test]
async fn without_if_match_a_lost_race_applies_the_change_to_the_latest_version() {
    let current = a_customer().version(3).build();
    let meanwhile = CustomerBuilder(Customer {
        last_name: person("Changed"),
        ..current.clone()
    })
    .version(5)
    .build();
    let mut mocks = Mocks::new();
    mocks.update_fails(&current, || StoreError::VersionConflict);
    let written = mocks.update_goes_through(&meanwhile);

    let updated = mocks
        .service()
        .update_customer(&admin(), current.id, patch().first_name("Anna"), None)
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
            written.customer.first_name,
            written.customer.last_name,
            written.customer.version
        ),
        (person("Anna"), person("Changed"), Version::new(6)),
        "the change applies to the latest record, keeping the concurrent one"
    );
    assert_eq!(updated.version, Version::new(6));
}

#[tokio::test]
async fn without_if_match_a_write_that_keeps_losing_gives_up_with_a_conflict() {
    let current = a_customer().version(3).build();
    let mut mocks = Mocks::new();
    for _ in 0..crm_kernel::WRITE_ATTEMPTS {
        mocks.update_fails(&current, || StoreError::VersionConflict);
    }

    let result = mocks
        .service()
        .update_customer(&admin(), current.id, patch().first_name("Anna"), None)
        .await;

    assert_err!(result, CustomerError::Conflict);
}

#[tokio::test]
async fn the_email_of_a_customer_who_can_sign_in_cannot_be_cleared() {
    let current = a_customer().with_account().build();
    let mut mocks = Mocks::new();
    mocks.customer_found(&current).no_customer_write();

    let result = mocks
        .service()
        .update_customer(&admin(), current.id, patch().email(None), None)
        .await;

    assert_err!(result, CustomerError::Validation(errors) if invalid_fields(&errors) == ["email"]);
}

#[tokio::test]
async fn the_email_of_a_customer_without_account_can_be_cleared() {
    let current = a_customer().email("ann@example.org").build();
    let mut mocks = Mocks::new();
    let written = mocks.update_goes_through(&current);

    let updated = mocks
        .service()
        .update_customer(&admin(), current.id, patch().email(None), None)
        .await
        .unwrap();

    assert_eq!(written.single().customer.email, None);
    assert_eq!(updated.email, None);
}

#[tokio::test]
async fn an_agent_cannot_move_a_customer_out_of_its_own_sight() {
    let (assigned, also_assigned, elsewhere) =
        (CompanyId::new(), CompanyId::new(), CompanyId::new());
    let agent = agent_of(&[assigned, also_assigned]);
    let colleague = agent_of(&[elsewhere]);
    let at_assigned = a_customer().at(assigned).owned_by(&colleague).build();
    let owned = a_customer().owned_by(&agent).build();
    #[rustfmt::skip]
    let cases = [
        ("to an unassigned company", &at_assigned, patch().company(Some(elsewhere)), Forbidden),
        ("out of any company", &at_assigned, patch().company(None), Forbidden),
        ("handed to a colleague", &owned, patch().owner(Some(user_id(&colleague))), Forbidden),
        ("to another assigned company", &at_assigned, patch().company(Some(also_assigned)), Allowed),
        ("owner cleared, still assigned", &at_assigned, patch().owner(None), Allowed),
        ("handed over at an assigned company", &at_assigned, patch().owner(Some(UserId::new())), Allowed),
    ];
    for (case, current, change, expect) in cases {
        let mut mocks = Mocks::new();
        let written = if expect == Allowed {
            mocks.update_goes_through(current)
        } else {
            mocks.customer_found(current).no_customer_write();
            Recorded::new()
        };

        let result = mocks
            .service()
            .update_customer(&agent, current.id, change, None)
            .await;

        assert_outcome!(result, expect, CustomerError::CustomerNotFound, case);
        assert_eq!(
            written.all().len(),
            usize::from(expect == Allowed),
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_customer_changes_its_own_names_email_and_phone_and_never_sees_notes() {
    let own = a_customer()
        .with_account()
        .notes("pays late")
        .version(2)
        .build();
    let mut mocks = Mocks::new();
    let written = mocks.update_goes_through(&own);
    let change = patch()
        .first_name("Annie")
        .last_name("Lee-Smith")
        .email(Some("annie@example.org"))
        .phone("+14155552671");

    let updated = mocks
        .service()
        .update_customer(&signed_in_as(&own), own.id, change, Some(Version::new(2)))
        .await
        .unwrap();

    let written = written.single().customer;
    assert_eq!(written.first_name, person("Annie"));
    assert_eq!(written.last_name, person("Lee-Smith"));
    assert_eq!(written.email, Some(email("annie@example.org")));
    assert_eq!(written.phone, Some(phone("+14155552671")));
    assert_eq!(
        written.notes,
        Some(long_text("pays late")),
        "notes are kept"
    );
    assert_eq!(updated.notes, None, "but not shown to the customer");
}

#[tokio::test]
async fn a_customer_changing_staff_fields_is_told_exactly_which() {
    let every = patch()
        .first_name("Annie")
        .company(Some(CompanyId::new()))
        .status(Prospect)
        .notes(None)
        .owner(Some(UserId::new()))
        .tags(&["vip"])
        .source(Some("fair"));
    #[rustfmt::skip]
    let cases = [
        (patch().status(Prospect), vec!["status"]),
        (patch().company(None), vec!["company_id"]),
        (patch().first_name("Annie").notes(Some("hi")), vec!["notes"]),
        (patch().owner(None), vec!["owner_id"]),
        (patch().tags(&[]), vec!["tags"]),
        (patch().source(None), vec!["source"]),
        (every, vec!["company_id", "status", "notes", "owner_id", "tags", "source"]),
    ];
    for (change, fields) in cases {
        let own = a_customer().build();
        let mut mocks = Mocks::new();
        mocks.customer_found(&own).no_customer_write();

        let result = mocks
            .service()
            .update_customer(&signed_in_as(&own), own.id, change, None)
            .await;

        assert_err!(
            result,
            CustomerError::FieldsNotEditable(refused) if refused == fields,
            format!("{fields:?}")
        );
    }
}

#[tokio::test]
async fn a_customer_taking_anothers_email_is_not_told_whose_it_is() {
    let own = a_customer().with_account().build();
    let holder = a_customer().email("bob@example.org").build();
    let existing = Some(holder.id);
    let mut mocks = Mocks::new();
    mocks.customer_found(&own);
    mocks
        .customers
        .expect_update()
        .times(1)
        .returning(move |_, _, _| Err(StoreError::DuplicateEmail { existing }));
    mocks.customer_found(&holder);

    let result = mocks
        .service()
        .update_customer(
            &signed_in_as(&own),
            own.id,
            patch().email(Some("bob@example.org")),
            None,
        )
        .await;

    assert_err!(result, CustomerError::DuplicateEmail { existing: None });
}

// ---------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_admins_create_companies() {
    let customer = a_customer().build();
    let cases = [
        ("admin", admin(), Assigned, Allowed),
        ("agent", agent(), Assigned, Forbidden),
        ("agent seeing all", agent(), All, Forbidden),
        ("customer", signed_in_as(&customer), Assigned, Forbidden),
    ];
    for (case, caller, scope, expect) in cases {
        let inserted = Recorded::new();
        let sink = inserted.clone();
        let mut mocks = Mocks::with_scope(scope);
        mocks
            .companies
            .expect_insert()
            .times(usize::from(expect == Allowed))
            .returning(move |company| {
                sink.push(company.clone());
                Ok(())
            });
        let new = NewCompany {
            name: person("Globex"),
            address: None,
            phone: None,
            website: None,
            notes: None,
        };

        let result = mocks.service().create_company(&caller, new).await;

        if expect == Allowed {
            let created = result.unwrap();
            assert_eq!(inserted.single(), created, "{case}");
            assert_eq!(created.name, person("Globex"));
            assert_eq!((created.created_at, created.updated_at), (now(), now()));
            assert_eq!(created.version, Version::FIRST);
        } else {
            assert_err!(result, CustomerError::Forbidden, case);
        }
    }
}

#[tokio::test]
async fn staff_read_the_companies_they_can_see_and_others_get_not_found() {
    let company = a_company().build();
    let customer = a_customer().at(company.id).build();
    let cases = [
        ("admin", admin(), Assigned, Allowed),
        ("agent assigned", agent_of(&[company.id]), Assigned, Allowed),
        (
            "agent not assigned",
            agent_of(&[CompanyId::new()]),
            Assigned,
            NotFound,
        ),
        ("agent seeing all", agent(), All, Allowed),
        (
            "customer of the company",
            signed_in_as(&customer),
            Assigned,
            NotFound,
        ),
    ];
    for (case, caller, scope, expect) in cases {
        let mut mocks = Mocks::with_scope(scope);
        if expect == Allowed {
            mocks.company_found(&company);
        } else {
            mocks.companies.expect_get().never();
        }

        let result = mocks.service().get_company(&caller, company.id).await;

        assert_outcome!(
            result.as_ref(),
            expect,
            CustomerError::CompanyNotFound,
            case
        );
        if let Ok(found) = result {
            assert_eq!(found, company, "{case}");
        }
    }
}

#[tokio::test]
async fn agents_and_customers_cannot_change_or_delete_companies() {
    let company = a_company().build();
    let customer = a_customer().at(company.id).build();
    let cases = [
        (
            "agent assigned",
            agent_of(&[company.id]),
            Assigned,
            Forbidden,
        ),
        ("agent seeing all", agent(), All, Forbidden),
        ("agent not assigned", agent(), Assigned, NotFound),
        ("customer", signed_in_as(&customer), Assigned, NotFound),
    ];
    for (case, caller, scope, expect) in cases {
        for delete in [false, true] {
            let mut mocks = Mocks::with_scope(scope);
            mocks.no_company_write();
            if expect == Forbidden {
                // It may read the company, so it is told "forbidden", not "not found".
                mocks.company_found(&company);
            }
            let service = mocks.service();

            let result = if delete {
                service.delete_company(&caller, company.id, true).await
            } else {
                let update = service.update_company(&caller, company.id, rename_company(), None);
                update.await.map(drop)
            };

            let case = format!("{case}, delete: {delete}");
            assert_outcome!(result, expect, CustomerError::CompanyNotFound, case);
        }
    }
}

#[tokio::test]
async fn list_companies_restricts_agents_to_their_assigned_companies() {
    let assigned = [CompanyId::new(), CompanyId::new()];
    let cases = [
        ("admin", admin(), Assigned, None),
        (
            "agent",
            agent_of(&assigned),
            Assigned,
            Some(assigned.to_vec()),
        ),
        ("agent seeing all", agent_of(&assigned), All, None),
    ];
    for (case, caller, scope, only) in cases {
        let mut mocks = Mocks::with_scope(scope);
        mocks
            .companies
            .expect_list()
            .withf(move |_, given, _| given.map(<[CompanyId]>::to_vec) == only)
            .times(1)
            .returning(|_, _, _| Ok(empty_page()));

        let result = mocks
            .service()
            .list_companies(&caller, &CompanyQuery::default(), &PageRequest::default())
            .await;

        assert!(result.unwrap().items.is_empty(), "{case}");
    }
}

#[tokio::test]
async fn customers_may_not_list_companies() {
    let own = a_customer().build();
    let mut mocks = Mocks::new();
    mocks.companies.expect_list().never();

    let result = mocks
        .service()
        .list_companies(
            &signed_in_as(&own),
            &CompanyQuery::default(),
            &PageRequest::default(),
        )
        .await;

    assert_err!(result, CustomerError::Forbidden);
}

#[tokio::test]
async fn deleting_a_company_that_has_customers_without_detach_is_refused() {
    let company = a_company().build();
    let id = company.id;
    let mut mocks = Mocks::new();
    mocks.company_found(&company);
    mocks
        .companies
        .expect_delete()
        .withf(move |given, detach, at| *given == id && !*detach && *at == now())
        .times(1)
        .returning(|_, _, _| Err(StoreError::CompanyHasCustomers));

    let result = mocks.service().delete_company(&admin(), id, false).await;

    assert_err!(result, CustomerError::CompanyHasCustomers);
}

#[tokio::test]
async fn deleting_a_company_with_detach_asks_the_store_to_detach() {
    let company = a_company().build();
    let id = company.id;
    let mut mocks = Mocks::new();
    mocks.company_found(&company);
    mocks
        .companies
        .expect_delete()
        .withf(move |given, detach, at| *given == id && *detach && *at == now())
        .times(1)
        .returning(|_, _, _| Ok(()));

    mocks
        .service()
        .delete_company(&admin(), id, true)
        .await
        .unwrap();
}

#[tokio::test]
async fn updating_a_company_with_a_stale_if_match_fails_with_the_current_version() {
    let company = a_company().version(4).build();
    let mut mocks = Mocks::new();
    mocks.company_found(&company).no_company_write();

    let result = mocks
        .service()
        .update_company(
            &admin(),
            company.id,
            rename_company(),
            Some(Version::new(3)),
        )
        .await;

    assert_err!(result, CustomerError::PreconditionFailed { current } if current == Version::new(4));
}

#[tokio::test]
async fn updating_a_company_writes_the_next_version_and_a_conflict_rereads_it() {
    let company = a_company().version(4).build();
    let meanwhile = a_company().id(company.id).version(6).build();
    for conflict in [false, true] {
        let written = Recorded::new();
        let sink = written.clone();
        let mut mocks = Mocks::new();
        mocks.company_found(&company);
        mocks
            .companies
            .expect_update()
            .withf(|_, expected| *expected == Version::new(4))
            .times(1)
            .returning(move |next, _| {
                sink.push(next.clone());
                if conflict {
                    Err(StoreError::VersionConflict)
                } else {
                    Ok(())
                }
            });
        if conflict {
            mocks.company_found(&meanwhile);
        }

        let result = mocks
            .service()
            .update_company(
                &admin(),
                company.id,
                rename_company(),
                Some(Version::new(4)),
            )
            .await;

        let next = written.single();
        assert_eq!(next.name, person("Initech"));
        assert_eq!((next.version, next.updated_at), (Version::new(5), now()));
        if conflict {
            let six = Version::new(6);
            assert_err!(result, CustomerError::PreconditionFailed { current } if current == six);
        } else {
            assert_eq!(result.unwrap(), next);
        }
    }
}

#[tokio::test]
async fn updating_a_company_without_if_match_applies_to_the_latest_version() {
    let company = a_company().version(4).build();
    let meanwhile = Company {
        notes: Some(long_text("Changed meanwhile")),
        ..a_company().id(company.id).version(6).build()
    };
    let written = Recorded::new();
    let sink = written.clone();
    let mut mocks = Mocks::new();
    mocks.company_found(&company).company_found(&meanwhile);
    mocks
        .companies
        .expect_update()
        .withf(|_, expected| *expected == Version::new(4))
        .times(1)
        .returning(|_, _| Err(StoreError::VersionConflict));
    mocks
        .companies
        .expect_update()
        .withf(|_, expected| *expected == Version::new(6))
        .times(1)
        .returning(move |next, _| {
            sink.push(next.clone());
            Ok(())
        });

    let updated = mocks
        .service()
        .update_company(&admin(), company.id, rename_company(), None)
        .await
        .unwrap();

    let next = written.single();
    assert_eq!(updated, next);
    assert_eq!(
        (next.name, next.notes, next.version),
        (person("Initech"), meanwhile.notes, Version::new(7))
    );
}

#[tokio::test]
async fn company_customers_forces_the_company_filter_and_keeps_the_callers_visibility() {
    let company = a_company().build();
    let agent = agent_of(&[company.id]);
    let (id, owner_id) = (company.id, user_id(&agent));
    let mut mocks = Mocks::new();
    mocks.company_found(&company);
    mocks
        .customers
        .expect_list()
        .withf(move |query, visibility, _| {
            let company_ids = vec![id];
            query.company_id == Some(id)
                && query.status == Some(Buying)
                && *visibility
                    == Visibility::Agent {
                        company_ids,
                        owner_id,
                    }
        })
        .times(1)
        .returning(|_, _, _| Ok(empty_page()));
    let query = CustomerQuery {
        company_id: Some(CompanyId::new()),
        status: Some(Buying),
        ..CustomerQuery::default()
    };

    let page = mocks
        .service()
        .company_customers(&agent, id, query, &PageRequest::default())
        .await
        .unwrap();

    assert!(page.items.is_empty());
}

#[tokio::test]
async fn company_customers_of_a_company_the_agent_cannot_see_is_not_found() {
    let mut mocks = Mocks::new();
    mocks.companies.expect_get().never();
    mocks.customers.expect_list().never();

    let result = mocks
        .service()
        .company_customers(
            &agent(),
            CompanyId::new(),
            CustomerQuery::default(),
            &PageRequest::default(),
        )
        .await;

    assert_err!(result, CustomerError::CompanyNotFound);
}

// ---------------------------------------------------------------------------
// Import: validation
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_admins_import() {
    let own = a_customer().build();
    let cases = [
        ("agent", agent(), Assigned),
        ("agent seeing all", agent(), All),
        ("customer", signed_in_as(&own), Assigned),
    ];
    for (case, caller, scope) in cases {
        let mut mocks = Mocks::with_scope(scope);
        mocks.no_customer_write();
        mocks.customers.expect_find_by_email().never();

        let result = mocks
            .service()
            .import_customers(&caller, vec![new_row(2)], ImportOptions::default())
            .await;

        assert_err!(result, CustomerError::Forbidden, case);
    }
}

#[tokio::test]
async fn a_dry_run_counts_creations_and_updates_and_opens_no_transaction() {
    let existing = a_customer().email("ann@example.org").build();
    let mut mocks = Mocks::new();
    mocks
        .email_lookup("new@example.org", None)
        .email_lookup("ann@example.org", Some(existing))
        .no_customer_write();
    let rows = vec![
        new_row_with_email(2, "new@example.org"),
        new_row_with_email(3, "ann@example.org"),
        new_row(4),
    ];
    let options = ImportOptions {
        upsert: true,
        ..dry_run()
    };

    let report = mocks
        .service()
        .import_customers(&admin(), rows, options)
        .await
        .unwrap();

    let expected = ImportReport {
        created: 2,
        updated: 1,
        errors: Vec::new(),
        dry_run: true,
        atomic: false,
        committed: false,
    };
    assert_eq!(report, expected);
}

#[tokio::test]
async fn invalid_rows_are_reported_with_their_line_and_field() {
    let mut mocks = Mocks::new();
    mocks.no_customer_write();
    let unreadable = RowError {
        row: 4,
        field: "row".to_owned(),
        message: "unterminated quote".to_owned(),
    };
    let rows = vec![
        row(
            2,
            &[
                ("first_name", "Ann"),
                ("last_name", "Lee"),
                ("email", "not-an-email"),
            ],
        ),
        row(3, &[("first_name", "Bob")]),
        Err(unreadable.clone()),
        new_row(5),
    ];

    let report = mocks
        .service()
        .import_customers(&admin(), rows, dry_run())
        .await
        .unwrap();

    assert_eq!(
        error_places(&report),
        [(2, "email"), (3, "last_name"), (4, "row")]
    );
    assert_eq!(
        report.errors[2], unreadable,
        "reader errors are passed on as they are"
    );
    assert_eq!(report.created, 1);
}

#[tokio::test]
async fn a_repeated_email_is_reported_on_its_second_line() {
    let mut mocks = Mocks::new();
    mocks
        .email_lookup("ann@example.org", None)
        .email_lookup("bob@example.org", None);
    let rows = vec![
        new_row_with_email(2, "ann@example.org"),
        new_row_with_email(3, "bob@example.org"),
        new_row_with_email(4, "ANN@Example.org"),
    ];

    let report = mocks
        .service()
        .import_customers(&admin(), rows, dry_run())
        .await
        .unwrap();

    assert_eq!(error_places(&report), [(4, "email")]);
    assert_eq!(report.errors[0].message, "repeats the email of line 2");
    assert_eq!(report.created, 2);
}

/// Every repeat points at the first line with the email, not at an earlier
/// repeat (which was itself refused and not imported).
#[tokio::test]
async fn every_repeat_of_an_email_names_the_first_line_with_it() {
    let mut mocks = Mocks::new();
    mocks.email_lookup("ann@example.org", None);
    let rows = (2..=4).map(|line| new_row_with_email(line, "ann@example.org"));

    let report = mocks
        .service()
        .import_customers(&admin(), rows, dry_run())
        .await
        .unwrap();

    let messages: Vec<&str> = report.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["repeats the email of line 2", "repeats the email of line 2"]
    );
}

#[tokio::test]
async fn unknown_companies_and_owners_are_reported_and_each_looked_up_once() {
    let (unknown_company, known_company) = (CompanyId::new(), CompanyId::new());
    let (unknown_owner, known_owner) = (UserId::new(), UserId::new());
    let mut mocks = Mocks::new();
    mocks
        .company_missing(unknown_company)
        .company_found(&a_company().id(known_company).build())
        .staff_exists(unknown_owner, false)
        .staff_exists(known_owner, true);
    let at = |line, company: CompanyId, owner: UserId| {
        let (company, owner) = (company.to_string(), owner.to_string());
        let columns = [
            ("first_name", "Ann"),
            ("last_name", "Lee"),
            ("company_id", &*company),
            ("owner_id", &*owner),
        ];
        row(line, &columns)
    };
    let rows = vec![
        at(2, unknown_company, known_owner),
        at(3, unknown_company, unknown_owner),
        at(4, known_company, unknown_owner),
        at(5, known_company, known_owner),
        at(6, known_company, known_owner),
    ];

    let report = mocks
        .service()
        .import_customers(&admin(), rows, dry_run())
        .await
        .unwrap();

    let expected = [
        (2, "company_id"),
        (3, "company_id"),
        (3, "owner_id"),
        (4, "owner_id"),
    ];
    assert_eq!(error_places(&report), expected);
    assert_eq!(report.created, 2);
}

#[tokio::test]
async fn an_existing_email_without_upsert_is_an_error_naming_the_customer() {
    let existing = a_customer().email("ann@example.org").build();
    let id = existing.id;
    let mut mocks = Mocks::new();
    mocks
        .email_lookup("ann@example.org", Some(existing))
        .no_customer_write();
    let rows = vec![new_row_with_email(2, "ann@example.org")];

    let report = mocks
        .service()
        .import_customers(&admin(), rows, ImportOptions::default())
        .await
        .unwrap();

    assert_eq!(error_places(&report), [(2, "email")]);
    assert!(
        report.errors[0].message.contains(&id.to_string()),
        "{:?}",
        report.errors
    );
    assert_eq!((report.created, report.updated), (0, 0));
}

// ---------------------------------------------------------------------------
// Import: upserts
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_upsert_updates_the_customer_with_a_raised_version_and_its_status_change() {
    let cases = [
        (Some("prospect"), Lead, Some(Prospect)),
        (None, Lead, None),
        (Some("lead"), Lead, None),
        (Some("customer"), Churned, Some(Buying)),
    ];
    for (status, from, to) in cases {
        let caller = admin();
        let existing = a_customer()
            .email("ann@example.org")
            .status(from)
            .notes("pays late")
            .version(4)
            .build();
        let mut columns = vec![
            ("first_name", "Annie"),
            ("last_name", "Lee"),
            ("email", "ann@example.org"),
        ];
        columns.extend(status.map(|s| ("status", s)));
        let batches = Batches::new();
        let mut mocks = Mocks::new();
        mocks
            .email_lookup("ann@example.org", Some(existing.clone()))
            .opens(accepting(&batches, 1, 1));

        let report = mocks
            .service()
            .import_customers(&caller, vec![row(2, &columns)], upsert())
            .await
            .unwrap();

        let next = Customer {
            first_name: person("Annie"),
            status: to.unwrap_or(from),
            updated_at: now(),
            version: Version::new(5),
            ..existing.clone()
        };
        let change = to.map(|to| StatusChange {
            customer_id: existing.id,
            from: Some(from),
            to,
            at: now(),
            actor: caller.id,
        });
        let update = ImportWrite::Update(next, Version::new(4), change);
        assert_eq!(batches.all(), [vec![update]], "status column {status:?}");
        assert_eq!(
            (report.created, report.updated, report.committed),
            (0, 1, true)
        );
    }
}

#[tokio::test]
async fn an_upsert_against_the_lifecycle_is_reported_on_status() {
    let existing = a_customer().email("ann@example.org").status(Buying).build();
    let mut mocks = Mocks::new();
    mocks
        .email_lookup("ann@example.org", Some(existing))
        .no_customer_write();
    let columns = [
        ("first_name", "Ann"),
        ("last_name", "Lee"),
        ("email", "ann@example.org"),
        ("status", "lead"),
    ];

    let report = mocks
        .service()
        .import_customers(&admin(), vec![row(2, &columns)], upsert())
        .await
        .unwrap();

    assert_eq!(error_places(&report), [(2, "status")]);
    assert_eq!(report.updated, 0);
}

// ---------------------------------------------------------------------------
// Import: writing
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_import_creates_customers_from_every_column_stamped_now_with_their_first_status() {
    let caller = admin();
    let company = a_company().build();
    let owner = UserId::new();
    let batches = Batches::new();
    let mut mocks = Mocks::new();
    mocks
        .company_found(&company)
        .staff_exists(owner, true)
        .email_lookup("ann@example.org", None)
        .opens(accepting(&batches, 1, 1));
    let (company_id, owner_id) = (company.id.to_string(), owner.to_string());
    let columns = [
        ("first_name", "Ann"),
        ("last_name", "Lee"),
        ("email", "ann@example.org"),
        ("phone", "+14155552671"),
        ("company_id", &*company_id),
        ("status", "prospect"),
        ("notes", "met at the fair"),
        ("owner_id", &*owner_id),
        ("tags", "VIP; newsletter"),
        ("source", "fair 2026"),
    ];

    let report = mocks
        .service()
        .import_customers(&caller, vec![row(2, &columns)], ImportOptions::default())
        .await
        .unwrap();

    let batch = batches.single();
    let [ImportWrite::Create(customer, change)] = batch.as_slice() else {
        panic!("expected one creation, got {batch:?}");
    };
    let expected = Customer {
        id: customer.id,
        first_name: person("Ann"),
        last_name: person("Lee"),
        email: Some(email("ann@example.org")),
        phone: Some(phone("+14155552671")),
        company_id: Some(company.id),
        company: None,
        status: Prospect,
        notes: Some(long_text("met at the fair")),
        owner_id: Some(owner),
        tags: Tags::parse(&["newsletter", "vip"]).unwrap(),
        source: Some(ShortText::parse("fair 2026").unwrap()),
        created_at: now(),
        updated_at: now(),
        last_interaction: None,
        has_account: false,
        version: Version::FIRST,
    };
    assert_eq!(*customer, expected);
    let first = StatusChange {
        customer_id: customer.id,
        from: None,
        to: Prospect,
        at: now(),
        actor: caller.id,
    };
    assert_eq!(*change, first);
    assert_eq!((report.created, report.committed), (1, true));
}

#[tokio::test]
async fn a_failing_write_is_reported_on_its_line_and_the_rest_of_the_batch_is_written() {
    let duplicate = write_failed(1, StoreError::DuplicateEmail { existing: None });
    let batches = Batches::new();
    let mut mocks = Mocks::new();
    mocks
        .email_lookup("a@example.org", None)
        .email_lookup("b@example.org", None)
        .email_lookup("c@example.org", None)
        .opens(transaction(&batches, vec![Some(duplicate), None], 1));
    let rows = vec![
        new_row_with_email(2, "a@example.org"),
        new_row_with_email(3, "b@example.org"),
        new_row_with_email(4, "c@example.org"),
    ];

    let report = mocks
        .service()
        .import_customers(&admin(), rows, ImportOptions::default())
        .await
        .unwrap();

    assert_eq!(
        first_names(&batches),
        [vec!["Row2", "Row3", "Row4"], vec!["Row2", "Row4"]]
    );
    let refused = RowError {
        row: 3,
        field: "email".to_owned(),
        message: "is already in use".to_owned(),
    };
    assert_eq!(report.errors, [refused]);
    assert_eq!((report.created, report.committed), (2, true));
}

#[tokio::test]
async fn a_non_atomic_import_writes_and_commits_each_batch_of_500_on_its_own() {
    let batches = Batches::new();
    let mut mocks = Mocks::new();
    mocks.opens_one_per_batch(2, &batches);

    let report = mocks
        .service()
        .import_customers(&admin(), (2..=502).map(new_row), ImportOptions::default())
        .await
        .unwrap();

    assert_eq!(
        first_names(&batches),
        [row_names(2..=501), row_names(502..=502)]
    );
    assert_eq!((report.created, report.committed), (501, true));
}

#[tokio::test]
async fn an_atomic_import_writes_every_batch_in_one_transaction_committed_once() {
    let batches = Batches::new();
    let mut mocks = Mocks::new();
    mocks.opens(accepting(&batches, 2, 1));

    let report = mocks
        .service()
        .import_customers(&admin(), (2..=502).map(new_row), atomic())
        .await
        .unwrap();

    assert_eq!(
        first_names(&batches),
        [row_names(2..=501), row_names(502..=502)]
    );
    let expected = ImportReport {
        created: 501,
        atomic: true,
        committed: true,
        ..ImportReport::default()
    };
    assert_eq!(report, expected);
}

#[tokio::test]
async fn an_atomic_import_whose_later_batch_fails_is_rolled_back() {
    let unknown_owner = write_failed(0, StoreError::UnknownOwner);
    let batches = Batches::new();
    let mut mocks = Mocks::new();
    mocks.opens(transaction(&batches, vec![None, Some(unknown_owner)], 0));

    let report = mocks
        .service()
        .import_customers(&admin(), (2..=502).map(new_row), atomic())
        .await
        .unwrap();

    assert_eq!(
        batches.all().len(),
        2,
        "both batches went into the transaction"
    );
    assert!(
        !batches.still_held(),
        "the transaction was dropped, which rolls it back"
    );
    assert_eq!(error_places(&report), [(502, "owner_id")]);
    assert_eq!((report.created, report.committed), (500, false));
}

#[tokio::test]
async fn an_atomic_import_stops_writing_at_the_first_failing_write() {
    let unknown_company = write_failed(1, StoreError::UnknownCompany);
    let batches = Batches::new();
    let mut mocks = Mocks::new();
    mocks.opens(transaction(&batches, vec![Some(unknown_company)], 0));

    let report = mocks
        .service()
        .import_customers(&admin(), (2..=4).map(new_row), atomic())
        .await
        .unwrap();

    assert_eq!(
        first_names(&batches),
        [row_names(2..=4)],
        "the rest is not retried"
    );
    assert!(
        !batches.still_held(),
        "the transaction was dropped, which rolls it back"
    );
    assert_eq!(error_places(&report), [(3, "company_id")]);
    assert_eq!((report.created, report.committed), (2, false));
}

#[tokio::test]
async fn committed_says_whether_the_counted_rows_were_written_in_every_mode() {
    let atomic_dry_run = ImportOptions {
        atomic: true,
        ..dry_run()
    };
    let plain = ImportOptions::default();
    // (case, options, a bad row among three, transactions opened, committed)
    #[rustfmt::skip]
    let modes = [
        ("dry run", dry_run(), false, 0, false),
        ("atomic dry run, bad row", atomic_dry_run, true, 0, false),
        ("non-atomic", plain, false, 1, true),
        ("non-atomic, bad row", plain, true, 1, true),
        ("atomic", atomic(), false, 1, true),
        ("atomic, bad row", atomic(), true, 0, false),
    ];
    for (case, options, bad_row, transactions, committed) in modes {
        let batches = Batches::new();
        let mut mocks = Mocks::new();
        mocks.opens_one_per_batch(transactions, &batches);
        let middle = if bad_row {
            row(3, &[("first_name", "Nameless")])
        } else {
            new_row(3)
        };

        let report = mocks
            .service()
            .import_customers(&admin(), vec![new_row(2), middle, new_row(4)], options)
            .await
            .unwrap();

        assert_eq!(report.committed, committed, "{case}");
        assert_eq!(
            (report.dry_run, report.atomic),
            (options.dry_run, options.atomic),
            "{case}"
        );
        assert_eq!(report.errors.len(), usize::from(bad_row), "{case}");
        let valid: Vec<String> = ["Row2", "Row3", "Row4"]
            .into_iter()
            .filter(|name| !bad_row || *name != "Row3")
            .map(str::to_owned)
            .collect();
        assert_eq!(
            report.created,
            u64::try_from(valid.len()).unwrap(),
            "{case}: counted"
        );
        let written = if transactions == 0 {
            vec![]
        } else {
            vec![valid]
        };
        assert_eq!(first_names(&batches), written, "{case}");
    }
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

/// Where a page of `n` ended, as the store would say.
fn position(n: u32) -> CursorPosition {
    CursorPosition {
        key: Some(format!("key-{n}")),
        id: format!("id-{n}"),
    }
}

/// The largest page, from the start or after `after`.
fn export_page(after: Option<CursorPosition>) -> PageRequest {
    PageRequest {
        limit: Limit::parse(Some(Limit::MAX)).unwrap(),
        after,
    }
}

#[tokio::test]
async fn an_export_yields_every_page_of_visible_customers_in_order_then_ends() {
    let company = CompanyId::new();
    let agent = agent_of(&[company]);
    let visibility = Visibility::Agent {
        company_ids: vec![company],
        owner_id: user_id(&agent),
    };
    let query = CustomerQuery {
        status: Some(Prospect),
        ..CustomerQuery::default()
    };
    let [a, b, c] = [(); 3].map(|()| a_customer().at(company).notes("staff only").build());
    let pages = [
        (None, vec![a.clone(), b.clone()], Some(position(1))),
        (Some(position(1)), vec![c.clone()], Some(position(2))),
        (Some(position(2)), Vec::new(), None),
    ];
    let mut mocks = Mocks::new();
    for (after, items, next) in pages {
        let (expected_query, expected_visibility) = (query.clone(), visibility.clone());
        let expected_page = export_page(after);
        mocks
            .customers
            .expect_list()
            .withf(move |q, v, page| {
                *q == expected_query && *v == expected_visibility && *page == expected_page
            })
            .times(1)
            .returning(move |_, _, _| {
                Ok(Page {
                    items: items.clone(),
                    next: next.clone(),
                })
            });
    }

    let mut export = mocks
        .service()
        .export_customers(&agent, query)
        .await
        .unwrap();

    assert_eq!(export.next_batch().await.unwrap(), Some(vec![a, b]));
    assert_eq!(export.next_batch().await.unwrap(), Some(vec![c.clone()]));
    assert_eq!(
        c.notes,
        Some(long_text("staff only")),
        "staff see what they see in the list"
    );
    assert_eq!(
        export.next_batch().await.unwrap(),
        None,
        "an empty last page"
    );
    assert_eq!(
        export.next_batch().await.unwrap(),
        None,
        "and nothing is read after the end"
    );
}

#[tokio::test]
async fn an_export_reads_its_first_page_at_once_and_ends_after_the_last() {
    let listed = a_customer().build();
    let mut mocks = Mocks::new();
    let answer = listed.clone();
    mocks
        .customers
        .expect_list()
        .withf(|_, _, page| *page == export_page(None))
        .times(1)
        .returning(move |_, _, _| {
            Ok(Page {
                items: vec![answer.clone()],
                next: None,
            })
        });
    let service = mocks.service();

    let mut export = service
        .export_customers(&admin(), CustomerQuery::default())
        .await
        .unwrap();

    assert_eq!(export.next_batch().await.unwrap(), Some(vec![listed]));
    assert_eq!(export.next_batch().await.unwrap(), None);
}

#[tokio::test]
async fn an_export_of_no_customers_yields_no_batch() {
    let mut mocks = Mocks::new();
    mocks
        .customers
        .expect_list()
        .times(1)
        .returning(|_, _, _| Ok(empty_page()));

    let mut export = mocks
        .service()
        .export_customers(&admin(), CustomerQuery::default())
        .await
        .unwrap();

    assert_eq!(export.next_batch().await.unwrap(), None);
}

#[tokio::test]
async fn customers_may_not_export_customers() {
    let own = a_customer().build();
    let mut mocks = Mocks::new();
    mocks.customers.expect_list().never();

    let result = mocks
        .service()
        .export_customers(&signed_in_as(&own), CustomerQuery::default())
        .await;

    assert_err!(result, CustomerError::Forbidden);
}

#[tokio::test]
async fn a_page_that_cannot_be_read_ends_the_export_with_its_error() {
    let mut mocks = Mocks::new();
    mocks
        .customers
        .expect_list()
        .withf(|_, _, page| page.after.is_none())
        .times(1)
        .returning(|_, _, _| {
            Ok(Page {
                items: vec![a_customer().build()],
                next: Some(position(1)),
            })
        });
    mocks
        .customers
        .expect_list()
        .withf(|_, _, page| page.after == Some(position(1)))
        .times(1)
        .returning(|_, _, _| Err(StoreError::Backend(BackendError::msg("disk gone"))));

    let mut export = mocks
        .service()
        .export_customers(&admin(), CustomerQuery::default())
        .await
        .unwrap();

    assert!(export.next_batch().await.unwrap().is_some());
    assert_err!(export.next_batch().await, CustomerError::Backend(_));
    assert_eq!(
        export.next_batch().await.unwrap(),
        None,
        "the export is over after an error"
    );
}
