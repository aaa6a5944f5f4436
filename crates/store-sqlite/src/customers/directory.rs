//! The customer directory the other contexts read: a customer's company
//! and owner, which their visibility rules need. The tickets' and the
//! interactions' `CustomerDirectory` read them here.

use crm_kernel::{CompanyId, CustomerId, UserId};
use rusqlite::{Connection, OptionalExtension};

use crate::db::error::DbError;
use crate::db::rows::decode_opt;

/// Which customers a lookup finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Erased {
    /// Only customers that are not erased.
    Excluded,
    /// Erased customers too (a tombstone keeps its company and owner).
    Included,
}

/// A customer's company and owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CustomerLinks {
    /// Its company, if any.
    pub(crate) company_id: Option<CompanyId>,
    /// The staff user who owns it, if any.
    pub(crate) owner_id: Option<UserId>,
}

/// The company and owner of customer `id`, or `None` when no customer
/// (with `erased`: no customer that is not erased) has this id.
pub(crate) fn customer_links<R>(
    conn: &Connection,
    id: CustomerId,
    erased: Erased,
) -> Result<Option<CustomerLinks>, DbError<R>> {
    let sql = match erased {
        Erased::Excluded => {
            "SELECT company_id, owner_id FROM customers WHERE id = ?1 AND erased_at IS NULL"
        }
        Erased::Included => "SELECT company_id, owner_id FROM customers WHERE id = ?1",
    };
    let row: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(sql)?
        .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((company_id, owner_id)) = row else {
        return Ok(None);
    };
    Ok(Some(CustomerLinks {
        company_id: decode_opt(
            "customers.company_id",
            company_id.as_deref(),
            CompanyId::parse,
        )?,
        owner_id: decode_opt("customers.owner_id", owner_id.as_deref(), UserId::parse)?,
    }))
}
