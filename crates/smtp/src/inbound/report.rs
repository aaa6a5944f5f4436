//! The `message/delivery-status` body of a DSN (RFC 3464 §2).

use std::collections::HashMap;

use crm_email::{DeliveryReport, ReportedRecipient};

/// Reads the status blocks: the first (per-message) block is skipped, each
/// later block with `Final-Recipient`, `Action` or `Status` is one
/// recipient. Address and diagnostic types (`rfc822;`, `smtp;`) are dropped.
pub(super) fn parse_delivery_status(text: &str) -> DeliveryReport {
    let mut recipients = Vec::new();
    for block in blocks(text).into_iter().skip(1) {
        let field = |name: &str| block.get(name).map(|v| untyped(v));
        if field("final-recipient").is_none()
            && field("action").is_none()
            && field("status").is_none()
        {
            continue;
        }
        recipients.push(ReportedRecipient {
            final_recipient: field("final-recipient").or_else(|| field("original-recipient")),
            action: field("action").map(|a| a.to_ascii_lowercase()),
            status: field("status")
                .map(|s| s.split_whitespace().next().unwrap_or_default().to_owned()),
            diagnostic: field("diagnostic-code"),
        });
    }
    DeliveryReport {
        original_message_id: None,
        recipients,
    }
}

/// `type; value` → `value`; a value without a type stays as it is.
fn untyped(value: &str) -> String {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.trim().is_empty() && !kind.contains(' ') => {
            rest.trim().to_owned()
        }
        _ => value.trim().to_owned(),
    }
}

/// Header-like blocks separated by blank lines, continuation lines unfolded,
/// names lower-cased.
fn blocks(text: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let mut current: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            last = None;
        } else if line.starts_with([' ', '\t']) {
            if let Some(value) = last.as_ref().and_then(|name| current.get_mut(name)) {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            current.insert(name.clone(), value.trim().to_owned());
            last = Some(name);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
