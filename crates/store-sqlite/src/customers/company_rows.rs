//! How a company is read: the columns of `companies co` and their parsing
//! back into a domain [`Company`].

use crm_customers::{Company, Website};
use crm_kernel::{CompanyId, LongText, PersonName, PhoneNumber};
use rusqlite::Row;
use rusqlite::types::Value;

use crate::db::rows::{self, CorruptData, decode, decode_opt, stored_version};

/// The columns a company is read from, on `companies co`, in [`CompanyRow`]'s order.
pub(crate) const COMPANY_COLUMNS: &str = "co.id, co.name, co.address, co.phone, co.website, \
     co.notes, co.created_at, co.updated_at, co.version";

/// How many columns [`COMPANY_COLUMNS`] has.
pub(crate) const COMPANY_COLUMN_COUNT: usize = 9;

/// Every stored column of a company, bound as `?1`…`?10` in [`columns`]' order.
pub(crate) const INSERT_COMPANY: &str = "INSERT INTO companies (id, name, name_sort, address, \
     phone, website, notes, created_at, updated_at, version) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// The same columns but the id; `?11` is the expected version. Only a
/// company still at the expected version is changed.
pub(crate) const UPDATE_COMPANY: &str = "UPDATE companies SET name = ?2, name_sort = ?3, \
     address = ?4, phone = ?5, website = ?6, notes = ?7, created_at = ?8, updated_at = ?9, \
     version = ?10 WHERE id = ?1 AND version = ?11";

/// The stored values of `company`, in the order of [`INSERT_COMPANY`].
pub(crate) fn columns(company: &Company) -> Vec<Value> {
    let optional = |value: Option<&str>| value.map_or(Value::Null, |v| Value::Text(v.to_owned()));
    vec![
        Value::Text(company.id.to_string()),
        Value::Text(company.name.as_str().to_owned()),
        Value::Text(company.name.as_str().to_lowercase()),
        optional(company.address.as_ref().map(LongText::as_str)),
        optional(company.phone.as_ref().map(PhoneNumber::as_str)),
        optional(company.website.as_ref().map(Website::as_str)),
        optional(company.notes.as_ref().map(LongText::as_str)),
        Value::Text(company.created_at.to_rfc3339()),
        Value::Text(company.updated_at.to_rfc3339()),
        Value::Integer(stored_version(company.version)),
    ]
}

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

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    #[test]
    fn columns_bind_one_value_per_placeholder() {
        let count = |sql: &str| (1..=30).filter(|n| sql.contains(&format!("?{n}"))).count();
        let at = Timestamp::from_millis(0).unwrap();
        let company = Company {
            id: CompanyId::new(),
            name: PersonName::parse("Ünal GmbH").unwrap(),
            address: None,
            phone: None,
            website: None,
            notes: None,
            created_at: at,
            updated_at: at,
            version: crm_kernel::Version::FIRST,
        };
        let values = columns(&company);
        assert_eq!(values.len(), count(INSERT_COMPANY));
        assert_eq!(values.len() + 1, count(UPDATE_COMPANY));
        assert_eq!(values[2], Value::Text("ünal gmbh".into()));
        assert_eq!(values[3], Value::Null);
    }
}
