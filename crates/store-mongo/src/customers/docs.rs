//! How a customer and its status changes are stored and read back.

use crm_customers::{Customer, LifecycleStatus, StatusChange, Tags};
use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, LongText, PersonName, PhoneNumber, ShortText, UserId,
};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{
    Fields, date, new_record_id, opt_date, opt_id, opt_text, principal_fields, stored_version,
};
use crate::customers::search::keywords;
use crate::db::error::CorruptData;
use crate::db::names;

/// The name sort key of a customer: "last first", lower-cased (Unicode).
pub(crate) fn name_sort(first_name: &PersonName, last_name: &PersonName) -> String {
    format!("{} {}", last_name.as_str(), first_name.as_str()).to_lowercase()
}

/// The fields a customer update replaces: every field of the record but
/// `last_interaction` (the interactions context keeps it), `has_account`
/// (its credential does) and `erased_at`. `company` is the company's
/// current name (the value given on `customer` is ignored).
pub(crate) fn customer_fields(customer: &Customer, company: Option<&str>) -> Document {
    doc! {
        "first_name": customer.first_name.as_str(),
        "last_name": customer.last_name.as_str(),
        "name_sort": name_sort(&customer.first_name, &customer.last_name),
        "email": opt_text(customer.email.as_ref().map(EmailAddress::as_str)),
        "email_key": customer.email.as_ref().map_or(Bson::Null, |e| Bson::String(e.key())),
        "phone": opt_text(customer.phone.as_ref().map(PhoneNumber::as_str)),
        "company_id": opt_id(customer.company_id),
        "company_name": opt_text(company),
        "status": customer.status.as_str(),
        "notes": opt_text(customer.notes.as_ref().map(LongText::as_str)),
        "owner_id": opt_id(customer.owner_id),
        "tags": customer.tags.to_strings(),
        "source": opt_text(customer.source.as_ref().map(ShortText::as_str)),
        "created_at": date(customer.created_at),
        "updated_at": date(customer.updated_at),
        "version": stored_version(customer.version),
        "keywords": keywords(customer, company),
    }
}

/// The document of a new customer (not erased), with its company's current
/// name and whether it has a sign-in credential.
pub(crate) fn customer_document(
    customer: &Customer,
    company: Option<&str>,
    has_account: bool,
) -> Document {
    let mut document = doc! { "_id": customer.id.to_string() };
    document.extend(customer_fields(customer, company));
    document.insert("last_interaction", opt_date(customer.last_interaction));
    document.insert("erased_at", Bson::Null);
    document.insert("has_account", has_account);
    document
}

/// The domain customer of a stored document, every field parsed by its own
/// constructor; `company` and `has_account` are the read models kept on it.
pub(crate) fn read_customer(document: &Document) -> Result<Customer, CorruptData> {
    let fields = Fields::of(names::CUSTOMERS, document);
    Ok(Customer {
        id: fields.parse("_id", CustomerId::parse)?,
        first_name: fields.parse("first_name", PersonName::parse)?,
        last_name: fields.parse("last_name", PersonName::parse)?,
        email: fields.opt_parse("email", EmailAddress::parse)?,
        phone: fields.opt_parse("phone", PhoneNumber::parse)?,
        company_id: fields.opt_parse("company_id", CompanyId::parse)?,
        company: fields.opt_text("company_name")?.map(str::to_owned),
        status: fields.named("status", LifecycleStatus::parse)?,
        notes: fields.opt_parse("notes", LongText::parse)?,
        owner_id: fields.opt_parse("owner_id", UserId::parse)?,
        tags: Tags::parse(&fields.texts("tags")?).map_err(|error| fields.corrupt("tags", error))?,
        source: fields.opt_parse("source", ShortText::parse)?,
        created_at: fields.time("created_at")?,
        updated_at: fields.time("updated_at")?,
        last_interaction: fields.opt_time("last_interaction")?,
        has_account: fields.flag("has_account")?,
        version: fields.version()?,
    })
}

/// The document of a status change (a new time-ordered `_id`: changes of
/// one customer at one instant keep the order they were written in).
pub(crate) fn status_change_document(change: &StatusChange) -> Document {
    let (actor_kind, actor_id) = principal_fields(change.actor);
    doc! {
        "_id": new_record_id(),
        "customer_id": change.customer_id.to_string(),
        "from": opt_text(change.from.map(LifecycleStatus::as_str)),
        "to": change.to.as_str(),
        "at": date(change.at),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
    }
}

/// A stored status change.
pub(crate) fn read_status_change(document: &Document) -> Result<StatusChange, CorruptData> {
    let fields = Fields::of(names::STATUS_CHANGES, document);
    Ok(StatusChange {
        customer_id: fields.parse("customer_id", CustomerId::parse)?,
        from: fields.opt_named("from", LifecycleStatus::parse)?,
        to: fields.named("to", LifecycleStatus::parse)?,
        at: fields.time("at")?,
        actor: fields.principal("actor_kind", "actor_id")?,
    })
}

#[cfg(test)]
mod tests {
    use crm_customers::Version;
    use crm_kernel::{PrincipalId, Timestamp};

    use super::*;

    fn customer() -> Customer {
        let at = Timestamp::from_millis(60_000).unwrap();
        Customer {
            id: CustomerId::new(),
            first_name: PersonName::parse("Zoë").unwrap(),
            last_name: PersonName::parse("Ünal").unwrap(),
            email: Some(EmailAddress::parse("Zoe@Gamma.test").unwrap()),
            phone: None,
            company_id: Some(CompanyId::new()),
            company: Some("ignored".into()),
            status: LifecycleStatus::Prospect,
            notes: None,
            owner_id: Some(UserId::new()),
            tags: Tags::parse(&["vip"]).unwrap(),
            source: Some(ShortText::parse("fair").unwrap()),
            created_at: at,
            updated_at: at,
            last_interaction: Some(at),
            has_account: false,
            version: Version::new(3),
        }
    }

    #[test]
    fn customers_round_trip_with_their_read_models() {
        let customer = customer();
        let document = customer_document(&customer, Some("Globex"), true);
        assert_eq!(document.get_str("name_sort").unwrap(), "ünal zoë");
        assert_eq!(document.get_str("email_key").unwrap(), "zoe@gamma.test");
        assert_eq!(document.get("erased_at"), Some(&Bson::Null));
        let read = read_customer(&document).unwrap();
        assert_eq!(
            read,
            Customer {
                company: Some("Globex".into()),
                has_account: true,
                ..customer
            }
        );
    }

    #[test]
    fn updates_leave_the_read_models_alone() {
        let fields = customer_fields(&customer(), None);
        for kept in ["last_interaction", "has_account", "erased_at", "_id"] {
            assert!(!fields.contains_key(kept), "{kept}");
        }
        assert_eq!(fields.get("company_name"), Some(&Bson::Null));
    }

    #[test]
    fn status_changes_round_trip() {
        let change = StatusChange {
            customer_id: CustomerId::new(),
            from: None,
            to: LifecycleStatus::Lead,
            at: Timestamp::from_millis(0).unwrap(),
            actor: PrincipalId::Customer(CustomerId::new()),
        };
        let document = status_change_document(&change);
        assert_eq!(document.get("from"), Some(&Bson::Null));
        assert_eq!(read_status_change(&document).unwrap(), change);
    }
}
