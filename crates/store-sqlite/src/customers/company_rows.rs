//! How a company is read: the columns of `companies co` and their parsing
//! back into a domain [`Company`].

use crm_customers::{Company, Website};
use crm_kernel::{CompanyId, LongText, PersonName, PhoneNumber};
use rusqlite::Row;

use crate::db::rows::{self, CorruptData, decode, decode_opt};

/// The columns a company is read from, on `companies co`, in [`CompanyRow`]'s order.
pub(crate) const COMPANY_COLUMNS: &str = "co.id, co.name, co.address, co.phone, co.website, \
     co.notes, co.created_at, co.updated_at, co.version";

/// How many columns [`COMPANY_COLUMNS`] has.
pub(crate) const COMPANY_COLUMN_COUNT: usize = 9;

/// A company as stored, in the order of [`COMPANY_COLUMNS`].
#[derive(Debug)]
pub(crate) struct CompanyRow {
    id: String,
    name: String,
    address: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    notes: Option<String>,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl CompanyRow {
    /// Reads the columns of [`COMPANY_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            name: row.get(1)?,
            address: row.get(2)?,
            phone: row.get(3)?,
            website: row.get(4)?,
            notes: row.get(5)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            version: row.get(8)?,
        })
    }

    /// The domain company, every field parsed by its own constructor.
    pub(crate) fn into_company(self) -> Result<Company, CorruptData> {
        Ok(Company {
            id: decode("companies.id", &self.id, CompanyId::parse)?,
            name: decode("companies.name", &self.name, PersonName::parse)?,
            address: decode_opt(
                "companies.address",
                self.address.as_deref(),
                LongText::parse,
            )?,
            phone: decode_opt("companies.phone", self.phone.as_deref(), PhoneNumber::parse)?,
            website: decode_opt("companies.website", self.website.as_deref(), Website::parse)?,
            notes: decode_opt("companies.notes", self.notes.as_deref(), LongText::parse)?,
            created_at: rows::timestamp("companies.created_at", &self.created_at)?,
            updated_at: rows::timestamp("companies.updated_at", &self.updated_at)?,
            version: rows::version("companies.version", self.version)?,
        })
    }
}
