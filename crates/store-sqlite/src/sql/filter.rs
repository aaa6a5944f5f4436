//! The conditions of a `WHERE` clause and their parameters, kept in step.

use crm_kernel::Timestamp;
use rusqlite::types::Value;

use super::like::contains_pattern;

/// The conditions of a query (joined by `AND`) and the values of their
/// `?`s, in the order they appear in the statement.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    /// No condition yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// No condition yet, but `params` bound before every condition's: the
    /// values of `?`s that stand before the `WHERE` clause (in a subquery
    /// of the `FROM` clause).
    pub(crate) fn after_from(params: Vec<Value>) -> Self {
        Self {
            conditions: Vec::new(),
            params,
        }
    }

    /// True when it holds no condition.
    pub(crate) fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Adds a condition without parameter.
    pub(crate) fn condition(&mut self, condition: impl Into<String>) {
        self.conditions.push(condition.into());
    }

    /// Adds a condition with one `?`.
    pub(crate) fn push(&mut self, condition: impl Into<String>, param: Value) {
        self.conditions.push(condition.into());
        self.params.push(param);
    }

    /// Adds a condition with one `?` that takes `text`.
    pub(crate) fn push_text(&mut self, condition: impl Into<String>, text: impl Into<String>) {
        self.push(condition, Value::Text(text.into()));
    }

    /// Adds a condition with several `?`s, taking `params` in order.
    pub(crate) fn push_all(
        &mut self,
        condition: impl Into<String>,
        params: impl IntoIterator<Item = Value>,
    ) {
        self.conditions.push(condition.into());
        self.params.extend(params);
    }

    /// Adds `column IN (?, …)` over `values` (which must not be empty: an
    /// empty list matches nothing, which the caller says without a query).
    pub(crate) fn one_of(&mut self, column: &str, values: impl IntoIterator<Item = String>) {
        let params: Vec<Value> = values.into_iter().map(Value::Text).collect();
        self.push_all(
            format!("{column} IN ({})", placeholders(params.len())),
            params,
        );
    }

    /// Adds `from <= column < to`, each bound only when given; `column`
    /// holds RFC 3339 instants, which sort like the instants.
    pub(crate) fn within(&mut self, column: &str, from: Option<Timestamp>, to: Option<Timestamp>) {
        if let Some(from) = from {
            self.push_text(format!("{column} >= ?"), from.to_rfc3339());
        }
        if let Some(to) = to {
            self.push_text(format!("{column} < ?"), to.to_rfc3339());
        }
    }

    /// Adds "one of `columns` contains `text`" (`LIKE`, wildcards escaped,
    /// lower-cased: see [`contains_pattern`]).
    pub(crate) fn contains(&mut self, columns: &[&str], text: &str) {
        let pattern = contains_pattern(text);
        let tests: Vec<String> = columns
            .iter()
            .map(|column| format!("{column} LIKE ? ESCAPE '\\'"))
            .collect();
        let condition = match tests.as_slice() {
            [one] => one.clone(),
            _ => format!("({})", tests.join(" OR ")),
        };
        self.push_all(
            condition,
            columns.iter().map(|_| Value::Text(pattern.clone())),
        );
    }

    /// Adds the conditions of `other` after these.
    pub(crate) fn append(&mut self, other: Self) {
        self.conditions.extend(other.conditions);
        self.params.extend(other.params);
    }

    /// ` WHERE a AND b …`, or nothing without conditions.
    pub(crate) fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The parameters, in order.
    pub(crate) fn into_params(self) -> Vec<Value> {
        self.params
    }
}

/// `?, ?, …`: `count` placeholders for an `IN` list.
pub(crate) fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// The text a user searched for, trimmed; `None` when there is none or it
/// is blank (a blank search does not filter).
pub(crate) fn search_text(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_and_params_stay_in_step() {
        let mut filter = Filter::after_from(vec![Value::Integer(0)]);
        filter.condition("a IS NULL");
        filter.push_text("b = ?", "x");
        filter.one_of("c", ["1".to_owned(), "2".to_owned()]);
        filter.contains(&["d", "lower(e)"], "50%");
        filter.contains(&["f"], "A");
        filter.within("g", Some(Timestamp::from_millis(0).unwrap()), None);
        let sql = filter.where_clause();
        assert_eq!(
            sql,
            " WHERE a IS NULL AND b = ? AND c IN (?, ?) \
             AND (d LIKE ? ESCAPE '\\' OR lower(e) LIKE ? ESCAPE '\\') \
             AND f LIKE ? ESCAPE '\\' AND g >= ?"
        );
        let params = filter.into_params();
        assert_eq!(sql.matches('?').count() + 1, params.len());
        assert_eq!(params[0], Value::Integer(0));
        assert_eq!(params[4], Value::Text(r"%50\%%".into()));
        assert_eq!(params[6], Value::Text("%a%".into()));
    }

    #[test]
    fn no_condition_is_no_where_clause() {
        assert_eq!(Filter::new().where_clause(), "");
        assert_eq!(search_text(Some("  ")), None);
        assert_eq!(search_text(Some(" ann ")), Some("ann"));
        assert_eq!(search_text(None), None);
    }
}
