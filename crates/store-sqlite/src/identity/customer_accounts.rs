//! Customer accounts: [`CustomerAccounts`] on the `customers` and
//! `credentials` tables. Signing up creates the full customer record (a
//! `lead`, at version 1) and its first status change, set by the customer.

use async_trait::async_trait;
use crm_identity::ports::{CustomerAccounts, StoreError};
use crm_identity::{CustomerProfile, NewCustomerAccount, PasswordHash};
use crm_kernel::{CustomerId, EmailAddress, PersonName, PhoneNumber, PrincipalId};
use rusqlite::{OptionalExtension, Row, params};

use crate::customers::rows::name_sort;
use crate::db::error::{DbError, email_taken};
use crate::db::open::SqliteStore;
use crate::db::rows::{self, CorruptData, decode, decode_opt};
use crate::identity::credentials::insert_credential;

#[async_trait]
impl CustomerAccounts for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %account.id))]
    async fn register(
        &self,
        account: &NewCustomerAccount,
        password_hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        let hash = password_hash.as_str().to_owned();
        self.write(move |tx| {
            let id = account.id.to_string();
            let at = account.created_at.to_rfc3339();
            let company = account.company_id.map(|c| c.to_string());
            if let Some(company) = &company {
                let known = tx
                    .prepare_cached("SELECT 1 FROM companies WHERE id = ?1")?
                    .exists([company])?;
                if !known {
                    return Err(DbError::refused(StoreError::UnknownCompany));
                }
            }
            tx.prepare_cached(
                "INSERT INTO customers \
                 (id, first_name, last_name, name_sort, email, email_key, phone, status, \
                  created_at, updated_at, version, company_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'lead', ?8, ?8, 1, ?9)",
            )?
            .execute(params![
                id,
                account.first_name.as_str(),
                account.last_name.as_str(),
                name_sort(&account.first_name, &account.last_name),
                account.email.as_str(),
                account.email.key(),
                account.phone.as_ref().map(PhoneNumber::as_str),
                at,
                company,
            ])
            .map_err(email_taken)?;
            tx.prepare_cached(
                "INSERT INTO customer_status_changes \
                 (customer_id, from_status, to_status, at, actor_kind, actor_id) \
                 VALUES (?1, NULL, 'lead', ?2, 'customer', ?1)",
            )?
            .execute(params![id, at])?;
            insert_credential(
                tx,
                PrincipalId::Customer(account.id),
                &account.email,
                &hash,
                account.created_at,
            )
        })
        .await?;
        Ok(())
    }

    /// The profile of a customer that is not erased.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn profile(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        let profile = self
            .read(move |conn| {
                let row = conn
                    .prepare_cached(
                        "SELECT id, first_name, last_name, email, phone, created_at \
                         FROM customers WHERE id = ?1 AND erased_at IS NULL",
                    )?
                    .query_row([id.to_string()], ProfileRow::read)
                    .optional()?;
                Ok(row.map(ProfileRow::into_profile).transpose()?)
            })
            .await?;
        Ok(profile)
    }
}

/// A customer's profile columns as stored.
#[derive(Debug)]
struct ProfileRow {
    id: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
    phone: Option<String>,
    created_at: String,
}

impl ProfileRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            first_name: row.get(1)?,
            last_name: row.get(2)?,
            email: row.get(3)?,
            phone: row.get(4)?,
            created_at: row.get(5)?,
        })
    }

    fn into_profile(self) -> Result<CustomerProfile, CorruptData> {
        // Customers entered by staff may have no email; an account always has one.
        let email = self.email.ok_or_else(|| {
            CorruptData::new("customers.email", "a customer account has no email")
        })?;
        Ok(CustomerProfile {
            id: decode("customers.id", &self.id, CustomerId::parse)?,
            first_name: decode("customers.first_name", &self.first_name, PersonName::parse)?,
            last_name: decode("customers.last_name", &self.last_name, PersonName::parse)?,
            email: decode("customers.email", &email, EmailAddress::parse)?,
            phone: decode_opt("customers.phone", self.phone.as_deref(), PhoneNumber::parse)?,
            created_at: rows::timestamp("customers.created_at", &self.created_at)?,
        })
    }
}
