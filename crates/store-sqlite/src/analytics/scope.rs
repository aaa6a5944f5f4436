//! A report's scope as SQL: on the counter tables (by the customer's
//! current owner and company keys) and on the customers table.

use crm_analytics::ReportScope;
use crm_kernel::{BackendError, Visibility};
use rusqlite::types::Value;

/// Conditions on a counter table aliased `r`, and their parameters.
pub(crate) type Branch = (String, Vec<Value>);

/// How the counter tables answer for a scope.
#[derive(Debug)]
pub(crate) enum CounterScope {
    /// Every customer, unfiltered: totals tables where they exist.
    Everything,
    /// The sum of disjoint branches, each a condition an index serves
    /// (`owner_key = ?`, `company_key = ?`, `company_key IN (…)`).
    Branches(Vec<Branch>),
    /// Nobody's records.
    Nothing,
}

impl CounterScope {
    /// The scope of `scope` on counter rows.
    pub(crate) fn of(scope: &ReportScope) -> Result<Self, BackendError> {
        let mut filters: Vec<(&str, Value)> = Vec::new();
        if let Some(owner) = scope.owner_id {
            filters.push(("r.owner_key = ?", Value::Text(owner.to_string())));
        }
        if let Some(company) = scope.company_id {
            filters.push(("r.company_key = ?", Value::Text(company.to_string())));
        }
        let mut branches: Vec<Branch> = match &scope.visibility {
            Visibility::All if filters.is_empty() => return Ok(Self::Everything),
            Visibility::All => vec![(String::from("1"), Vec::new())],
            Visibility::Nothing => return Ok(Self::Nothing),
            Visibility::Own(_) => return Err(own_is_not_a_report_scope()),
            Visibility::Agent {
                company_ids,
                owner_id,
            } => {
                let agent = Value::Text(owner_id.to_string());
                let mut branches = vec![("r.owner_key = ?".to_owned(), vec![agent.clone()])];
                if !company_ids.is_empty() {
                    let ids: Vec<String> =
                        company_ids.iter().map(|id| format!("\"{id}\"")).collect();
                    branches.push((
                        "r.company_key IN (SELECT value FROM json_each(?)) AND r.owner_key <> ?"
                            .to_owned(),
                        vec![Value::Text(format!("[{}]", ids.join(","))), agent],
                    ));
                }
                branches
            }
        };
        for (condition, params) in &mut branches {
            for (filter, value) in &filters {
                condition.push_str(" AND ");
                condition.push_str(filter);
                params.push(value.clone());
            }
        }
        Ok(Self::Branches(branches))
    }
}

/// The condition on the customers table aliased `c` that keeps the customers
/// in scope, and its parameters; `None` when nobody is in scope.
pub(crate) fn customer_condition(scope: &ReportScope) -> Result<Option<Branch>, BackendError> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    match &scope.visibility {
        Visibility::All => {}
        Visibility::Nothing => return Ok(None),
        Visibility::Own(_) => return Err(own_is_not_a_report_scope()),
        Visibility::Agent {
            company_ids,
            owner_id,
        } => {
            let ids: Vec<String> = company_ids.iter().map(|id| format!("\"{id}\"")).collect();
            conditions.push(
                "(c.owner_id = ? OR c.company_id IN (SELECT value FROM json_each(?)))".to_owned(),
            );
            params.push(Value::Text(owner_id.to_string()));
            params.push(Value::Text(format!("[{}]", ids.join(","))));
        }
    }
    if let Some(owner) = scope.owner_id {
        conditions.push("c.owner_id = ?".to_owned());
        params.push(Value::Text(owner.to_string()));
    }
    if let Some(company) = scope.company_id {
        conditions.push("c.company_id = ?".to_owned());
        params.push(Value::Text(company.to_string()));
    }
    if conditions.is_empty() {
        conditions.push("1".to_owned());
    }
    Ok(Some((conditions.join(" AND "), params)))
}

fn own_is_not_a_report_scope() -> BackendError {
    BackendError::msg("a report scope is never one customer's own records")
}
