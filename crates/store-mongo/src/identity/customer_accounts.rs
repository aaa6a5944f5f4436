//! Customer accounts: [`CustomerAccounts`] on the `customers`,
//! `credentials` and `email_keys` collections. Signing up creates the full
//! customer record (a `lead`, at version 1) and its first status change,
//! set by the customer, with its credential, in one transaction.

use async_trait::async_trait;
use crm_customers::{Customer, LifecycleStatus, StatusChange, Tags, Version};
use crm_identity::ports::{CustomerAccounts, StoreError};
use crm_identity::{CustomerProfile, NewCustomerAccount, PasswordHash};
use crm_kernel::{CustomerId, EmailAddress, PersonName, PhoneNumber, PrincipalId};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, opt_id};
use crate::customers::docs::customer_document;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, DbError, IdentityDbError, retry_on_duplicate};
use crate::db::names;
use crate::identity::credentials::credential_document;
use crate::identity::email_keys::{Claim, Holder};

/// The customer record of a new account.
fn new_customer(account: &NewCustomerAccount) -> Customer {
    Customer {
        id: account.id,
        first_name: account.first_name.clone(),
        last_name: account.last_name.clone(),
        email: Some(account.email.clone()),
        phone: account.phone.clone(),
        company_id: account.company_id,
        company: None,
        status: LifecycleStatus::Lead,
        notes: None,
        owner_id: None,
        tags: Tags::default(),
        source: None,
        created_at: account.created_at,
        updated_at: account.created_at,
        last_interaction: None,
        has_account: true,
        version: Version::FIRST,
    }
}

fn read_profile(document: &Document) -> Result<CustomerProfile, CorruptData> {
    let fields = Fields::of(names::CUSTOMERS, document);
    Ok(CustomerProfile {
        id: fields.parse("_id", CustomerId::parse)?,
        first_name: fields.parse("first_name", PersonName::parse)?,
        last_name: fields.parse("last_name", PersonName::parse)?,
        // Customers entered by staff may have no email; an account always has one.
        email: fields.parse("email", EmailAddress::parse)?,
        phone: fields.opt_parse("phone", PhoneNumber::parse)?,
        created_at: fields.time("created_at")?,
    })
}

#[async_trait]
impl CustomerAccounts for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %account.id))]
    async fn register(
        &self,
        account: &NewCustomerAccount,
        password_hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        self.transaction(
            &(self, account, password_hash),
            |session, (store, account, hash)| {
                Box::pin(async move {
                    let company = match account.company_id {
                        None => None,
                        Some(company) => {
                            let touched = store
                                .touch(session, names::COMPANIES, &company.to_string())
                                .await?
                                .ok_or(DbError::refused(StoreError::UnknownCompany))?;
                            Some(
                                Fields::of(names::COMPANIES, &touched)
                                    .text("name")?
                                    .to_owned(),
                            )
                        }
                    };
                    let holder = Holder::Customer(account.id);
                    if let Claim::Taken(_) = store
                        .claim_email(session, &account.email.key(), holder)
                        .await?
                    {
                        return Err(DbError::refused(StoreError::DuplicateEmail));
                    }
                    let customer = new_customer(account);
                    store
                        .collection(names::CUSTOMERS)
                        .insert_one(customer_document(&customer, company.as_deref(), true))
                        .session(&mut *session)
                        .await?;
                    let principal = PrincipalId::Customer(account.id);
                    let first = StatusChange {
                        customer_id: account.id,
                        from: None,
                        to: LifecycleStatus::Lead,
                        at: account.created_at,
                        actor: principal,
                    };
                    store
                        .record_status_change(
                            session,
                            &first,
                            opt_id(customer.company_id),
                            opt_id(customer.owner_id),
                            None,
                        )
                        .await?;
                    store
                        .collection(names::CREDENTIALS)
                        .insert_one(credential_document(
                            principal,
                            &account.email,
                            hash,
                            account.created_at,
                        ))
                        .session(&mut *session)
                        .await
                        .map_err(retry_on_duplicate)?;
                    Ok::<_, IdentityDbError>(())
                })
            },
        )
        .await?;
        Ok(())
    }

    /// The profile of a customer that is not erased.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn profile(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        let found = self
            .collection(names::CUSTOMERS)
            .find_one(doc! { "_id": id.to_string(), "erased_at": Bson::Null })
            .await
            .map_err(IdentityDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_profile)
            .transpose()
            .map_err(IdentityDbError::from)?)
    }
}
