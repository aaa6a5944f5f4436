//! Companies: [`CompanyRepository`] on the `companies` collection, and the
//! copies their customers keep of their name (kept in the same transaction
//! as a rename or a deletion).

use async_trait::async_trait;
use crm_customers::ports::{CompanyRepository, StoreError};
use crm_customers::{Company, CompanyQuery, Version, Website};
use crm_kernel::{CompanyId, LongText, Page, PageRequest, PersonName, PhoneNumber, Timestamp};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use crate::bson::convert::{Fields, date, opt_text, stored_version};
use crate::bson::keyset::page_of;
use crate::customers::company_list;
use crate::customers::search::{Column, column_keywords};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, CustomerDbError, DbError};
use crate::db::names;
use crate::db::ops::find_all;

/// The fields of a company (all but `_id`). `website_key` is the website
/// lower-cased as the SQLite store's `lower()` does it (ASCII only).
fn company_fields(company: &Company) -> Document {
    doc! {
        "name": company.name.as_str(),
        "name_sort": company.name.as_str().to_lowercase(),
        "address": opt_text(company.address.as_ref().map(LongText::as_str)),
        "phone": opt_text(company.phone.as_ref().map(PhoneNumber::as_str)),
        "website": opt_text(company.website.as_ref().map(Website::as_str)),
        "website_key": opt_text(company.website.as_ref().map(|w| w.as_str().to_ascii_lowercase()).as_deref()),
        "notes": opt_text(company.notes.as_ref().map(LongText::as_str)),
        "created_at": date(company.created_at),
        "updated_at": date(company.updated_at),
        "version": stored_version(company.version),
    }
}

fn read_company(document: &Document) -> Result<Company, CorruptData> {
    let fields = Fields::of(names::COMPANIES, document);
    Ok(Company {
        id: fields.parse("_id", CompanyId::parse)?,
        name: fields.parse("name", PersonName::parse)?,
        address: fields.opt_parse("address", LongText::parse)?,
        phone: fields.opt_parse("phone", PhoneNumber::parse)?,
        website: fields.opt_parse("website", Website::parse)?,
        notes: fields.opt_parse("notes", LongText::parse)?,
        created_at: fields.time("created_at")?,
        updated_at: fields.time("updated_at")?,
        version: fields.version()?,
    })
}

#[async_trait]
impl CompanyRepository for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %company.id))]
    async fn insert(&self, company: &Company) -> Result<(), StoreError> {
        let mut document = doc! { "_id": company.id.to_string() };
        document.extend(company_fields(company));
        self.collection(names::COMPANIES)
            .insert_one(document)
            .await
            .map_err(CustomerDbError::from)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %id))]
    async fn get(&self, id: CompanyId) -> Result<Option<Company>, StoreError> {
        let found = self
            .collection(names::COMPANIES)
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(CustomerDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_company)
            .transpose()
            .map_err(CustomerDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %company.id))]
    async fn update(&self, company: &Company, expected: Version) -> Result<(), StoreError> {
        if company.version <= expected {
            return Err(StoreError::Backend(crm_kernel::BackendError::msg(format!(
                "company {} must be written with a version above {} (got {})",
                company.id,
                expected.get(),
                company.version.get()
            ))));
        }
        self.transaction(
            &(self, company, expected),
            |session, (store, company, expected)| {
                Box::pin(async move {
                    let id = company.id.to_string();
                    let before = store
                        .collection(names::COMPANIES)
                        .find_one_and_update(
                            doc! { "_id": &id, "version": stored_version(*expected) },
                            doc! { "$set": company_fields(company) },
                        )
                        .return_document(ReturnDocument::Before)
                        .session(&mut *session)
                        .await?;
                    let Some(before) = before else {
                        let exists = store
                            .collection(names::COMPANIES)
                            .find_one(doc! { "_id": &id })
                            .session(&mut *session)
                            .await?
                            .is_some();
                        return Err(DbError::refused(if exists {
                            StoreError::VersionConflict
                        } else {
                            StoreError::NotFound
                        }));
                    };
                    if Fields::of(names::COMPANIES, &before).text("name")? != company.name.as_str()
                    {
                        store
                            .rename_company(session, &id, company.name.as_str())
                            .await?;
                    }
                    Ok(())
                })
            },
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(company_id = %id, detach))]
    async fn delete(&self, id: CompanyId, detach: bool, at: Timestamp) -> Result<(), StoreError> {
        self.transaction(
            &(self, id, detach, at),
            |session, (store, id, detach, at)| {
                Box::pin(async move {
                    let company = id.to_string();
                    let companies = store.collection(names::COMPANIES);
                    if companies
                        .find_one(doc! { "_id": &company })
                        .session(&mut *session)
                        .await?
                        .is_none()
                    {
                        return Err(DbError::refused(StoreError::NotFound));
                    }
                    let customers = store.collection(names::CUSTOMERS);
                    let has_customers = customers
                        .find_one(doc! { "company_id": &company, "erased_at": Bson::Null })
                        .projection(doc! { "_id": 1 })
                        .session(&mut *session)
                        .await?
                        .is_some();
                    if has_customers && !detach {
                        return Err(DbError::refused(StoreError::CompanyHasCustomers));
                    }
                    customers
                        .update_many(
                            doc! { "company_id": &company, "erased_at": Bson::Null },
                            doc! {
                                "$set": {
                                    "company_id": Bson::Null,
                                    "company_name": Bson::Null,
                                    "updated_at": date(*at),
                                },
                                "$inc": { "version": 1_i64 },
                                "$pull": { "keywords": { "c": Column::Company.code() } },
                            },
                        )
                        .session(&mut *session)
                        .await?;
                    customers
                    .update_many(
                        doc! { "company_id": &company },
                        doc! { "$set": { "company_id": Bson::Null, "company_name": Bson::Null } },
                    )
                    .session(&mut *session)
                    .await?;
                    store
                        .move_report_counts(
                            session,
                            &doc! { "customer_company_id": &company },
                            Some(&Bson::Null),
                            None,
                        )
                        .await?;
                    for collection in names::COPIES_OF_CUSTOMERS {
                        store
                            .collection(collection)
                            .update_many(
                                doc! { "customer_company_id": &company },
                                doc! { "$set": { "customer_company_id": Bson::Null } },
                            )
                            .session(&mut *session)
                            .await?;
                    }
                    companies
                        .delete_one(doc! { "_id": &company })
                        .session(&mut *session)
                        .await?;
                    Ok(())
                })
            },
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list<'a>(
        &self,
        query: &CompanyQuery,
        only: Option<&'a [CompanyId]>,
        page: &PageRequest,
    ) -> Result<Page<Company>, StoreError> {
        let Some(spec) = company_list::list_spec(query, only, page)? else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let documents = find_all(&self.collection(names::COMPANIES), spec, None)
            .await
            .map_err(CustomerDbError::from)?;
        let order = company_list::order(query);
        Ok(page_of(
            names::COMPANIES,
            &documents,
            page.limit,
            &order,
            read_company,
        )
        .map_err(CustomerDbError::from)?)
    }
}

impl MongoStore {
    /// Shows the new name on the company's customers (and in their search
    /// keywords, for those not erased) in the session's transaction.
    async fn rename_company(
        &self,
        session: &mut ClientSession,
        company: &str,
        name: &str,
    ) -> Result<(), CustomerDbError> {
        let customers = self.collection(names::CUSTOMERS);
        customers
            .update_many(
                doc! { "company_id": company },
                doc! { "$set": { "company_name": name } },
            )
            .session(&mut *session)
            .await?;
        let searchable = doc! { "company_id": company, "erased_at": Bson::Null };
        customers
            .update_many(
                searchable.clone(),
                doc! { "$pull": { "keywords": { "c": Column::Company.code() } } },
            )
            .session(&mut *session)
            .await?;
        customers
            .update_many(
                searchable,
                doc! { "$push": { "keywords": { "$each": column_keywords(Column::Company, name) } } },
            )
            .session(&mut *session)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companies_round_trip() {
        let at = Timestamp::from_millis(0).unwrap();
        let company = Company {
            id: CompanyId::new(),
            name: PersonName::parse("Ünal & Co").unwrap(),
            address: Some(LongText::parse("1 Main St\nSpringfield").unwrap()),
            phone: None,
            website: Some(Website::parse("https://Example.com/Ä").unwrap()),
            notes: None,
            created_at: at,
            updated_at: at,
            version: Version::new(2),
        };
        let mut document = doc! { "_id": company.id.to_string() };
        document.extend(company_fields(&company));
        assert_eq!(document.get_str("name_sort").unwrap(), "ünal & co");
        assert_eq!(
            document.get_str("website_key").unwrap(),
            company
                .website
                .as_ref()
                .unwrap()
                .as_str()
                .to_ascii_lowercase()
        );
        assert_eq!(read_company(&document).unwrap(), company);
    }
}
