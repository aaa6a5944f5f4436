//! What the email context asks about other contexts' records: customers
//! (visibility, address, template variables) and staff users (the sender's
//! name, through [`staff_by_ids`]).

use async_trait::async_trait;
use crm_email::ports::{CustomerContact, CustomerDirectory, StaffDirectory, StoreError};
use crm_kernel::{CompanyId, CustomerId, EmailAddress, UserId};
use rusqlite::{Connection, Row, params_from_iter};

use crate::db::error::EmailDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{decode, decode_opt};
use crate::email::rows::RowError;
use crate::identity::directory::staff_by_ids;
use crate::sql::Filter;

const CONTACT: &str = "SELECT c.id, c.company_id, c.owner_id, c.email, c.first_name, \
     c.last_name, co.name FROM customers c LEFT JOIN companies co ON co.id = c.company_id";

#[async_trait]
impl CustomerDirectory for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn by_id(&self, id: CustomerId) -> Result<Option<CustomerContact>, StoreError> {
        let found = self
            .read(move |conn| {
                Ok::<_, EmailDbError>(
                    contacts_where(
                        conn,
                        "c.id = ? AND c.erased_at IS NULL",
                        vec![id.to_string()],
                    )?
                    .pop(),
                )
            })
            .await?;
        Ok(found)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn by_email(
        &self,
        address: &EmailAddress,
    ) -> Result<Option<CustomerContact>, StoreError> {
        let key = address.key();
        let found = self
            .read(move |conn| {
                Ok::<_, EmailDbError>(
                    contacts_where(conn, "c.email_key = ? AND c.erased_at IS NULL", vec![key])?
                        .pop(),
                )
            })
            .await?;
        Ok(found)
    }

    async fn contacts(&self, ids: &[CustomerId]) -> Result<Vec<CustomerContact>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let found = self
            .read(move |conn| {
                let mut filter = Filter::new();
                filter.one_of("c.id", ids);
                let sql = format!("{CONTACT}{}", filter.where_clause());
                let mut statement = conn.prepare_cached(&sql)?;
                let rows =
                    statement.query_and_then(params_from_iter(filter.into_params()), read)?;
                let mut all = Vec::new();
                for row in rows {
                    all.push(row?);
                }
                Ok::<_, EmailDbError>(all)
            })
            .await?;
        Ok(found)
    }
}

#[async_trait]
impl StaffDirectory for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn name(&self, id: UserId) -> Result<Option<String>, StoreError> {
        let name = self
            .read(move |conn| {
                let staff = staff_by_ids::<StoreError>(conn, &[id])?;
                staff
                    .first()
                    .map(|s| s.name().map(|n| n.as_str().to_owned()))
                    .transpose()
                    .map_err(EmailDbError::from)
            })
            .await?;
        Ok(name)
    }
}

fn contacts_where(
    conn: &Connection,
    condition: &str,
    params: Vec<String>,
) -> Result<Vec<CustomerContact>, EmailDbError> {
    let sql = format!("{CONTACT} WHERE {condition}");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_and_then(params_from_iter(params), read)?;
    let mut all = Vec::new();
    for row in rows {
        all.push(row?);
    }
    Ok(all)
}

fn read(row: &Row<'_>) -> Result<CustomerContact, RowError> {
    let id: String = row.get(0)?;
    let company: Option<String> = row.get(1)?;
    let owner: Option<String> = row.get(2)?;
    let email: Option<String> = row.get(3)?;
    Ok(CustomerContact {
        id: decode("customers.id", &id, CustomerId::parse)?,
        company_id: decode_opt("customers.company_id", company.as_deref(), CompanyId::parse)?,
        owner_id: decode_opt("customers.owner_id", owner.as_deref(), UserId::parse)?,
        email: decode_opt("customers.email", email.as_deref(), EmailAddress::parse)?,
        first_name: row.get(4)?,
        last_name: row.get(5)?,
        company: row.get(6)?,
    })
}
