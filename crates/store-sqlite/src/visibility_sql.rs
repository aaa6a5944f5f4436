//! The SQL form of [`crm_kernel::Visibility`]'s agent rule, shared by every
//! list that filters by the customers an agent may see.

use crm_kernel::{CompanyId, UserId};
use rusqlite::types::Value;

/// The condition "the customer (aliased `c`) belongs to one of the agent's
/// companies or is owned by the agent", and its parameters in order.
pub(crate) fn agent_condition(company_ids: &[CompanyId], owner_id: UserId) -> (String, Vec<Value>) {
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
            vec!["?"; company_ids.len()].join(", ")
        )
    };
    (condition, params)
}
