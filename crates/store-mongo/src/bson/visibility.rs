//! [`Visibility`] as a BSON condition: which customers a principal may see,
//! applied in the query of every list that holds customer data.

use crm_kernel::Visibility;
use mongodb::bson::{Document, doc};

/// Where a collection keeps a customer's id, company and owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CustomerFields {
    /// The customer's id.
    pub(crate) id: &'static str,
    /// Its company's id.
    pub(crate) company: &'static str,
    /// Its owner's id.
    pub(crate) owner: &'static str,
}

/// The fields of a customer document.
pub(crate) const ON_CUSTOMERS: CustomerFields = CustomerFields {
    id: "_id",
    company: "company_id",
    owner: "owner_id",
};

/// The copies a ticket or an interaction keeps of its customer's fields.
pub(crate) const ON_RECORDS: CustomerFields = CustomerFields {
    id: "customer_id",
    company: "customer_company_id",
    owner: "customer_owner_id",
};

/// The condition that keeps what `visibility` lets see (`{}`: everything),
/// or `None` when it lets see nothing.
pub(crate) fn visible(visibility: &Visibility, fields: CustomerFields) -> Option<Document> {
    match visibility {
        Visibility::All => Some(Document::new()),
        Visibility::Nothing => None,
        Visibility::Own(id) => Some(doc! { fields.id: id.to_string() }),
        Visibility::Agent {
            company_ids,
            owner_id,
        } => {
            let owned = doc! { fields.owner: owner_id.to_string() };
            if company_ids.is_empty() {
                return Some(owned);
            }
            let companies: Vec<String> = company_ids.iter().map(ToString::to_string).collect();
            Some(doc! { "$or": [{ fields.company: { "$in": companies } }, owned] })
        }
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CompanyId, CustomerId, UserId};

    use super::*;

    #[test]
    fn each_visibility_becomes_a_condition() {
        assert_eq!(visible(&Visibility::All, ON_CUSTOMERS), Some(doc! {}));
        assert_eq!(visible(&Visibility::Nothing, ON_CUSTOMERS), None);
        let own = CustomerId::new();
        assert_eq!(
            visible(&Visibility::Own(own), ON_RECORDS),
            Some(doc! { "customer_id": own.to_string() })
        );
        let (a, b, agent) = (CompanyId::new(), CompanyId::new(), UserId::new());
        assert_eq!(
            visible(
                &Visibility::Agent {
                    company_ids: vec![a, b],
                    owner_id: agent
                },
                ON_RECORDS
            ),
            Some(doc! { "$or": [
                { "customer_company_id": { "$in": [a.to_string(), b.to_string()] } },
                { "customer_owner_id": agent.to_string() },
            ] })
        );
        assert_eq!(
            visible(
                &Visibility::Agent {
                    company_ids: Vec::new(),
                    owner_id: agent
                },
                ON_CUSTOMERS
            ),
            Some(doc! { "owner_id": agent.to_string() })
        );
    }
}
