//! Query-string pieces shared by every list: `limit`, `cursor`, `sort`.

use crm_kernel::{CursorCodec, Limit, Page, PageRequest, ValidationErrors};
use serde::Serialize;

/// Parses `limit` and `cursor` for the list identified by `scope`, recording
/// errors against those parameter names.
pub fn page_request(
    errors: &mut ValidationErrors,
    codec: &CursorCodec,
    scope: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> PageRequest {
    let limit = match limit {
        None => Limit::default(),
        Some(text) => {
            let parsed = text
                .trim()
                .parse::<u32>()
                .ok()
                .and_then(|n| Limit::parse(Some(n)).ok());
            parsed.unwrap_or_else(|| {
                errors.add(
                    "limit",
                    format!("must be a whole number between 1 and {}", Limit::MAX),
                );
                Limit::default()
            })
        }
    };
    let after = cursor
        .filter(|c| !c.is_empty())
        .and_then(|cursor| errors.check("cursor", codec.decode(scope, cursor)));
    PageRequest { limit, after }
}

/// The cursor of the page after `page`, if any.
pub fn next_cursor<T>(codec: &CursorCodec, scope: &str, page: &Page<T>) -> Option<String> {
    page.next
        .as_ref()
        .map(|position| codec.encode(scope, position))
}

/// Longest free-text query (`q`) a list accepts.
pub const MAX_QUERY_CHARS: usize = 200;

/// The `q` parameter: trimmed, `None` when blank; an error on `q` when
/// longer than [`MAX_QUERY_CHARS`].
pub fn search_text(errors: &mut ValidationErrors, value: Option<&String>) -> Option<String> {
    let text = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS)
    {
        errors.add("q", format!("must be at most {MAX_QUERY_CHARS} characters"));
    }
    text
}

/// The scope a cursor is bound to: the list's name and every parameter that
/// shapes it, so a cursor only continues the query it came from.
pub fn scope<T: Serialize>(list: &str, shape: &T) -> String {
    format!(
        "{list}|{}",
        serde_json::to_string(shape).unwrap_or_default()
    )
}
