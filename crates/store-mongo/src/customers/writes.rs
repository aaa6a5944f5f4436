//! The writes of a customer record, shared by [`CustomerRepository`] and the
//! import: each runs inside the caller's transaction, decides the port's
//! refusals by reading before it writes anything, and, inside an import,
//! notes in an [`UndoLog`] how to take its writes back.
//!
//! [`CustomerRepository`]: crm_customers::ports::CustomerRepository

use crm_customers::ports::StoreError;
use crm_customers::{Customer, StatusChange, Version};
use crm_kernel::{CompanyId, PrincipalId, UserId};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use crate::bson::convert::{Fields, date, opt_id, stored_version};
use crate::customers::docs::{customer_document, customer_fields};
use crate::customers::undo::UndoLog;
use crate::db::client::MongoStore;
use crate::db::error::{CustomerDbError, DbError, retry_on_duplicate};
use crate::db::names;
use crate::identity::credential_id;
use crate::identity::email_keys::{Claim, Holder};

/// The refusal naming who holds an email.
fn duplicate(holder: Holder) -> CustomerDbError {
    DbError::refused(StoreError::DuplicateEmail {
        existing: holder.customer(),
    })
}

impl MongoStore {
    /// Stores a new customer and its first status change.
    ///
    /// Refuses with [`StoreError::DuplicateEmail`], [`StoreError::UnknownCompany`]
    /// or [`StoreError::UnknownOwner`], in that order, before writing anything.
    pub(crate) async fn write_new_customer(
        &self,
        session: &mut ClientSession,
        customer: &Customer,
        change: &StatusChange,
        mut undo: Option<&mut UndoLog>,
    ) -> Result<(), CustomerDbError> {
        let id = customer.id.to_string();
        let holder = Holder::Customer(customer.id);
        let key = customer.email.as_ref().map(crm_kernel::EmailAddress::key);
        if let Some(key) = &key
            && let Claim::Taken(other) =
                self.email_holder_claim(session, key, holder, false).await?
        {
            return Err(duplicate(other));
        }
        let company = self.company_reference(session, customer.company_id).await?;
        self.owner_reference(session, customer.owner_id).await?;
        if let Some(key) = &key
            && self.email_holder_claim(session, key, holder, true).await? == Claim::New
            && let Some(log) = undo.as_deref_mut()
        {
            log.restore(names::EMAIL_KEYS, key, None);
        }
        self.collection(names::CUSTOMERS)
            .insert_one(customer_document(customer, company.as_deref(), false))
            .session(&mut *session)
            .await?;
        if let Some(log) = undo.as_deref_mut() {
            log.restore(names::CUSTOMERS, &id, None);
        }
        self.append_status_change(session, customer, change, undo)
            .await
    }

    /// Replaces the customer stored at version `expected` with `customer`
    /// (all but `last_interaction`, which the interactions context keeps),
    /// moves its credential's email along, rewrites the copies its tickets
    /// and interactions keep of its company and owner, and appends `change`.
    ///
    /// Refuses with [`StoreError::NotFound`] (unknown or erased),
    /// [`StoreError::VersionConflict`], [`StoreError::DuplicateEmail`],
    /// [`StoreError::UnknownCompany`] or [`StoreError::UnknownOwner`], in
    /// that order, before writing anything.
    pub(crate) async fn write_customer_update(
        &self,
        session: &mut ClientSession,
        customer: &Customer,
        expected: Version,
        change: Option<&StatusChange>,
        mut undo: Option<&mut UndoLog>,
    ) -> Result<(), CustomerDbError> {
        let id = customer.id.to_string();
        if customer.version <= expected {
            return Err(DbError::backend(format!(
                "customer {id} must be written with a version above {} (got {})",
                expected.get(),
                customer.version.get()
            )));
        }
        let stored = self.stored_customer(session, &id, expected).await?;
        let fields = Fields::of(names::CUSTOMERS, &stored);
        let has_account = fields.flag("has_account")?;
        let stored_key = fields.opt_text("email_key")?;
        let holder = Holder::Customer(customer.id);
        let key = customer.email.as_ref().map(crm_kernel::EmailAddress::key);
        match &key {
            Some(key) if Some(key.as_str()) != stored_key => {
                if let Claim::Taken(other) =
                    self.email_holder_claim(session, key, holder, false).await?
                {
                    return Err(duplicate(other));
                }
            }
            None if has_account => {
                return Err(DbError::backend(format!(
                    "customer {id} can sign in, so its email cannot be cleared"
                )));
            }
            _ => {}
        }
        let stored_company = fields.opt_text("company_id")?;
        let stored_owner = fields.opt_text("owner_id")?;
        let company_changed =
            customer.company_id.map(|c| c.to_string()).as_deref() != stored_company;
        let owner_changed = customer.owner_id.map(|o| o.to_string()).as_deref() != stored_owner;
        let company = if company_changed {
            self.company_reference(session, customer.company_id).await?
        } else {
            fields.opt_text("company_name")?.map(str::to_owned)
        };
        if owner_changed {
            self.owner_reference(session, customer.owner_id).await?;
        }
        // Every refusal is decided: write.
        if let Some(log) = undo.as_deref_mut() {
            log.restore(names::CUSTOMERS, &id, Some(stored.clone()));
        }
        if key.as_deref() != stored_key {
            if let Some(key) = &key
                && self.email_holder_claim(session, key, holder, true).await? == Claim::New
                && let Some(log) = undo.as_deref_mut()
            {
                log.restore(names::EMAIL_KEYS, key, None);
            }
            if let Some(old) = stored_key
                && self.release_email(session, old, holder).await?
                && let Some(log) = undo.as_deref_mut()
            {
                log.restore(names::EMAIL_KEYS, old, Some(holder.document(old)));
            }
        }
        let changed = self
            .collection(names::CUSTOMERS)
            .update_one(
                doc! { "_id": &id, "version": stored_version(expected), "erased_at": Bson::Null },
                doc! { "$set": customer_fields(customer, company.as_deref()) },
            )
            .session(&mut *session)
            .await?;
        if changed.matched_count == 0 {
            // Cannot happen: the version was read in this transaction.
            return Err(DbError::refused(StoreError::VersionConflict));
        }
        if has_account {
            // The credential's email follows the customer's, its case too.
            self.move_sign_in_email(session, customer, undo.as_deref_mut())
                .await?;
        }
        if company_changed || owner_changed {
            if let Some(log) = undo.as_deref_mut() {
                log.copies(&id, opt_id(stored_company), opt_id(stored_owner));
            }
            self.copy_customer_refs(
                session,
                &id,
                opt_id(customer.company_id),
                opt_id(customer.owner_id),
            )
            .await?;
        }
        match change {
            Some(change) => {
                self.append_status_change(session, customer, change, undo)
                    .await
            }
            None => Ok(()),
        }
    }

    /// The stored customer `id` at version `expected`: [`StoreError::NotFound`]
    /// when unknown or erased, [`StoreError::VersionConflict`] at another version.
    async fn stored_customer(
        &self,
        session: &mut ClientSession,
        id: &str,
        expected: Version,
    ) -> Result<Document, CustomerDbError> {
        let stored = self
            .collection(names::CUSTOMERS)
            .find_one(doc! { "_id": id, "erased_at": Bson::Null })
            .session(session)
            .await?
            .ok_or(DbError::refused(StoreError::NotFound))?;
        if Fields::of(names::CUSTOMERS, &stored).int("version")? != stored_version(expected) {
            return Err(DbError::refused(StoreError::VersionConflict));
        }
        Ok(stored)
    }

    /// Looks `key` up for `holder` (`claim` false) or claims it (`claim` true).
    async fn email_holder_claim(
        &self,
        session: &mut ClientSession,
        key: &str,
        holder: Holder,
        claim: bool,
    ) -> Result<Claim, CustomerDbError> {
        if claim {
            return self.claim_email(session, key, holder).await;
        }
        Ok(match self.email_holder(session, key).await? {
            None => Claim::New,
            Some(current) if current == holder => Claim::Own,
            Some(other) => Claim::Taken(other),
        })
    }

    /// The current name of the company a customer is given (touching it,
    /// see `db::references`); [`StoreError::UnknownCompany`] when there is none.
    async fn company_reference(
        &self,
        session: &mut ClientSession,
        company: Option<CompanyId>,
    ) -> Result<Option<String>, CustomerDbError> {
        let Some(company) = company else {
            return Ok(None);
        };
        let touched = self
            .touch(session, names::COMPANIES, &company.to_string())
            .await?
            .ok_or(DbError::refused(StoreError::UnknownCompany))?;
        Ok(Some(
            Fields::of(names::COMPANIES, &touched)
                .text("name")?
                .to_owned(),
        ))
    }

    /// [`StoreError::UnknownOwner`] unless the owner a customer is given exists.
    async fn owner_reference(
        &self,
        session: &mut ClientSession,
        owner: Option<UserId>,
    ) -> Result<(), CustomerDbError> {
        if let Some(owner) = owner
            && self
                .touch(session, names::USERS, &owner.to_string())
                .await?
                .is_none()
        {
            return Err(DbError::refused(StoreError::UnknownOwner));
        }
        Ok(())
    }

    /// Gives the customer's credential the customer's email.
    async fn move_sign_in_email(
        &self,
        session: &mut ClientSession,
        customer: &Customer,
        undo: Option<&mut UndoLog>,
    ) -> Result<(), CustomerDbError> {
        let Some(email) = &customer.email else {
            return Ok(());
        };
        let id = credential_id(PrincipalId::Customer(customer.id));
        let before = self
            .collection(names::CREDENTIALS)
            .find_one_and_update(
                doc! { "_id": &id },
                doc! { "$set": {
                    "email": email.as_str(),
                    "email_key": email.key(),
                    "updated_at": date(customer.updated_at),
                } },
            )
            .return_document(ReturnDocument::Before)
            .session(session)
            .await
            .map_err(retry_on_duplicate)?;
        if let (Some(log), Some(before)) = (undo, before) {
            log.restore(names::CREDENTIALS, &id, Some(before));
        }
        Ok(())
    }

    /// Appends `change`, which must be a change of `customer`, with the
    /// customer's company and owner copied for reports.
    async fn append_status_change(
        &self,
        session: &mut ClientSession,
        customer: &Customer,
        change: &StatusChange,
        undo: Option<&mut UndoLog>,
    ) -> Result<(), CustomerDbError> {
        if change.customer_id != customer.id {
            return Err(DbError::backend(format!(
                "the status change of customer {} was given with customer {}",
                change.customer_id, customer.id
            )));
        }
        self.record_status_change(
            session,
            change,
            opt_id(customer.company_id),
            opt_id(customer.owner_id),
            undo,
        )
        .await
    }
}
