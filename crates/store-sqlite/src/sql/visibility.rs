//! The SQL form of [`crm_kernel::Visibility`], shared by every list that
//! filters by the customers a principal may see.

use crm_kernel::{CompanyId, UserId, Visibility};
use rusqlite::types::Value;

use super::filter::{Filter, placeholders};

impl Filter {
    /// Adds what `visibility` lets see; `false` when it lets see nothing
    /// (the list is then empty, without a query).
    ///
    /// `own_customer` is the column that holds the customer's id (`c.id`,
    /// `t.customer_id`, …); the agent rule reads the customer's row as `c`.
    pub(crate) fn visible(&mut self, visibility: &Visibility, own_customer: &str) -> bool {
        match visibility {
            Visibility::All => {}
            Visibility::Nothing => return false,
            Visibility::Own(id) => self.push_text(format!("{own_customer} = ?"), id.to_string()),
            Visibility::Agent {
                company_ids,
                owner_id,
            } => {
                let (condition, params) = agent_condition(company_ids, *owner_id);
                self.push_all(condition, params);
            }
        }
        true
    }
}

/// The condition "the customer (aliased `c`) belongs to one of the agent's
/// companies or is owned by the agent", and its parameters in order.
fn agent_condition(company_ids: &[CompanyId], owner_id: UserId) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = company_ids
        .iter()
        .map(|id| Value::Text(id.to_string()))
        .collect();
    params.push(Value::Text(owner_id.to_string()));
    let condition = if company_ids.is_empty() {
        "c.owner_id = ?".to_owned()
    } else {
        format!(
            "(c.company_id IN ({}) OR c.owner_id = ?)",
            placeholders(company_ids.len())
        )
    };
    (condition, params)
}
