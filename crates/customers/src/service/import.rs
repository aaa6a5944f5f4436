//! Bulk import of customers from validated rows.

use std::collections::HashMap;

use crm_kernel::{Action, CompanyId, Principal, Timestamp, UserId};
use tracing::info;

use super::CustomerService;
use crate::customer::Customer;
use crate::error::CustomerError;
use crate::import::{ImportOptions, ImportReport, ImportRow, ParsedRow, RowError};
use crate::lifecycle::StatusChange;
use crate::policy::CustomerResource;
use crate::ports::{ImportTransaction, ImportWrite, StoreError};

/// Rows written per store round trip.
const BATCH: usize = 500;

/// State of one import run.
struct Run<'a> {
    service: &'a CustomerService,
    caller: &'a Principal,
    options: ImportOptions,
    now: Timestamp,
    report: ImportReport,
    emails: HashMap<String, u64>,
    companies: HashMap<CompanyId, bool>,
    owners: HashMap<UserId, bool>,
    batch: Vec<(u64, ImportWrite)>,
    /// The atomic import's one transaction.
    transaction: Option<Box<dyn ImportTransaction>>,
}

impl CustomerService {
    /// Imports customers (admins). Each row is validated on its own and every
    /// problem is reported with its line. A row whose email belongs to a
    /// customer updates it with `upsert` (through the lifecycle rules) and is
    /// an error otherwise. With `dry_run` nothing is written; with `atomic`
    /// nothing is written unless every row is valid. Rows are processed as
    /// they come, in batches, so memory stays bounded by the batch size.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, ?options))]
    pub async fn import_customers<I>(
        &self,
        caller: &Principal,
        rows: I,
        options: ImportOptions,
    ) -> Result<ImportReport, CustomerError>
    where
        I: IntoIterator<Item = Result<ImportRow, RowError>>,
    {
        self.require(caller, Action::Create, &CustomerResource::Import)?;
        let mut run = Run {
            service: self,
            caller,
            options,
            now: self.ports.clock.now(),
            report: ImportReport {
                dry_run: options.dry_run,
                atomic: options.atomic,
                ..ImportReport::default()
            },
            emails: HashMap::new(),
            companies: HashMap::new(),
            owners: HashMap::new(),
            batch: Vec::new(),
            transaction: None,
        };
        for row in rows {
            match row {
                Ok(row) => run.take(&row).await?,
                Err(error) => run.report.errors.push(error),
            }
            if run.batch.len() >= BATCH {
                run.flush().await?;
            }
        }
        run.flush().await?;
        let report = run.finish().await?;
        info!(
            created = report.created,
            updated = report.updated,
            errors = report.errors.len(),
            committed = report.committed,
            "import finished"
        );
        Ok(report)
    }
}

impl Run<'_> {
    fn error(&mut self, row: u64, field: &str, message: impl Into<String>) {
        self.report.errors.push(RowError {
            row,
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Whether writes still happen: never in a dry run, and no more in an
    /// atomic import once a row failed.
    fn writing(&self) -> bool {
        !self.options.dry_run && (!self.options.atomic || self.report.errors.is_empty())
    }

    async fn take(&mut self, row: &ImportRow) -> Result<(), CustomerError> {
        let parsed = match row.parse() {
            Ok(parsed) => parsed,
            Err(errors) => {
                self.report.errors.extend(errors);
                return Ok(());
            }
        };
        if !self.references_exist(&parsed).await? {
            return Ok(());
        }
        let existing = match &parsed.new.email {
            Some(email) => {
                if let Some(first) = self.emails.get(&email.key()).copied() {
                    self.error(
                        parsed.line,
                        "email",
                        format!("repeats the email of line {first}"),
                    );
                    return Ok(());
                }
                self.emails.insert(email.key(), parsed.line);
                self.service
                    .ports
                    .customers
                    .find_by_email(email)
                    .await
                    .map_err(CustomerError::from_store)?
            }
            None => None,
        };
        let write = match existing {
            Some(current) if self.options.upsert => match self.update(&parsed, &current) {
                Some(write) => write,
                None => return Ok(()),
            },
            Some(current) => {
                self.error(
                    parsed.line,
                    "email",
                    format!(
                        "is used by customer {} (import with upsert=true to update it)",
                        current.id
                    ),
                );
                return Ok(());
            }
            None => self.create(parsed.new.clone()),
        };
        if self.options.dry_run {
            self.count(&write);
        } else {
            self.batch.push((parsed.line, write));
        }
        Ok(())
    }

    async fn references_exist(&mut self, parsed: &ParsedRow) -> Result<bool, CustomerError> {
        let mut ok = true;
        if let Some(id) = parsed.new.company_id {
            let exists = if let Some(known) = self.companies.get(&id) {
                *known
            } else {
                let found = self
                    .service
                    .ports
                    .companies
                    .get(id)
                    .await
                    .map_err(CustomerError::from_store)?
                    .is_some();
                self.companies.insert(id, found);
                found
            };
            if !exists {
                self.error(parsed.line, "company_id", "names no company");
                ok = false;
            }
        }
        if let Some(id) = parsed.new.owner_id {
            let exists = if let Some(known) = self.owners.get(&id) {
                *known
            } else {
                let found = self
                    .service
                    .ports
                    .staff
                    .staff_exists(id)
                    .await
                    .map_err(CustomerError::from_store)?;
                self.owners.insert(id, found);
                found
            };
            if !exists {
                self.error(parsed.line, "owner_id", "names no staff user");
                ok = false;
            }
        }
        Ok(ok)
    }

    fn create(&self, new: crate::customer::NewCustomer) -> ImportWrite {
        let (customer, change) = new.into_customer(self.now, self.caller.id);
        ImportWrite::Create(customer, change)
    }

    fn update(&mut self, parsed: &ParsedRow, current: &Customer) -> Option<ImportWrite> {
        if let Some(to) = parsed.patch.status
            && to != current.status
            && !current.status.can_become(to)
        {
            self.error(
                parsed.line,
                "status",
                format!("a customer cannot go from `{}` to `{to}`", current.status),
            );
            return None;
        }
        let next = parsed.patch.apply_to(current, self.now);
        let change = (next.status != current.status).then_some(StatusChange {
            customer_id: current.id,
            from: Some(current.status),
            to: next.status,
            at: self.now,
            actor: self.caller.id,
        });
        Some(ImportWrite::Update(next, current.version, change))
    }

    fn count(&mut self, write: &ImportWrite) {
        match write {
            ImportWrite::Create(..) => self.report.created += 1,
            ImportWrite::Update(..) => self.report.updated += 1,
        }
    }

    /// Writes the pending batch; a write that fails is reported on its line
    /// and the rest of the batch is written without it.
    async fn flush(&mut self) -> Result<(), CustomerError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        if !self.writing() {
            // Atomic import after a failure: count what would have been written.
            for (_, write) in std::mem::take(&mut self.batch) {
                self.count(&write);
            }
            return Ok(());
        }
        let mut transaction = match self.transaction.take() {
            Some(transaction) => transaction,
            None => self
                .service
                .ports
                .customers
                .begin_import()
                .await
                .map_err(CustomerError::from_store)?,
        };
        let mut pending = std::mem::take(&mut self.batch);
        while !pending.is_empty() {
            let writes: Vec<ImportWrite> = pending.iter().map(|(_, w)| w.clone()).collect();
            match transaction.write(&writes).await {
                Ok(()) => {
                    for write in &writes {
                        self.count(write);
                    }
                    pending.clear();
                }
                Err(failure) => {
                    if let StoreError::Backend(error) = failure.error {
                        return Err(CustomerError::Backend(error));
                    }
                    let (line, _) = pending.remove(failure.index.min(pending.len() - 1));
                    let (field, message) = describe(&failure.error);
                    self.error(line, field, message);
                    if self.options.atomic {
                        // Nothing more will be written; count the rest as valid rows.
                        for (_, write) in std::mem::take(&mut pending) {
                            self.count(&write);
                        }
                    }
                }
            }
        }
        if self.options.atomic {
            self.transaction = Some(transaction);
        } else {
            transaction
                .commit()
                .await
                .map_err(CustomerError::from_store)?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<ImportReport, CustomerError> {
        self.report.committed = if self.options.dry_run {
            false
        } else if self.options.atomic {
            match self.transaction.take() {
                Some(transaction) if self.report.errors.is_empty() => {
                    transaction
                        .commit()
                        .await
                        .map_err(CustomerError::from_store)?;
                    true
                }
                // Dropping the transaction rolls it back.
                Some(_) => false,
                None => self.report.errors.is_empty(),
            }
        } else {
            true
        };
        Ok(self.report)
    }
}

fn describe(error: &StoreError) -> (&'static str, String) {
    match error {
        StoreError::DuplicateEmail { .. } => ("email", "is already in use".to_owned()),
        StoreError::UnknownCompany => ("company_id", "names no company".to_owned()),
        StoreError::UnknownOwner => ("owner_id", "names no staff user".to_owned()),
        StoreError::VersionConflict => (
            "row",
            "the customer changed during the import; import the row again".to_owned(),
        ),
        StoreError::NotFound => (
            "row",
            "the customer was erased during the import".to_owned(),
        ),
        other => ("row", other.to_string()),
    }
}
