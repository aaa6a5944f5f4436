//! Inbound mail: a raw RFC 5322 message into `crm-email`'s `InboundMail`.

mod report;

use crm_email::{InboundMail, MessageId};
use crm_kernel::Timestamp;
use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};

use self::report::parse_delivery_status;

/// The body is not a mail message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 5322 message")]
pub struct InboundError;

/// Parses a raw message as a mail gateway posts it (`message/rfc822`):
/// its ids, addresses (`To`, `Cc`, `Delivered-To`, `X-Original-To`),
/// subject, text (the text/plain part, or the HTML part as text), date,
/// and, for a `multipart/report; report-type=delivery-status` (RFC 3464),
/// the per-recipient status blocks and the original `Message-ID` from the
/// returned message or headers.
pub fn parse_inbound(raw: &[u8]) -> Result<InboundMail, InboundError> {
    let message = MessageParser::default().parse(raw).ok_or(InboundError)?;
    if message.headers().is_empty() {
        return Err(InboundError);
    }
    let mut to: Vec<String> = message
        .to()
        .into_iter()
        .chain(message.cc())
        .flat_map(|list| list.iter())
        .filter_map(|addr| addr.address().map(str::to_owned))
        .collect();
    for (name, value) in message.headers_raw() {
        if name.eq_ignore_ascii_case("Delivered-To") || name.eq_ignore_ascii_case("X-Original-To") {
            to.push(value.trim().trim_matches(['<', '>']).to_owned());
        }
    }
    let mut seen = std::collections::HashSet::new();
    to.retain(|address| seen.insert(address.to_lowercase()));
    Ok(InboundMail {
        message_id: message.message_id().and_then(MessageId::parse),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        from: message
            .from()
            .and_then(|list| list.first())
            .and_then(|addr| addr.address())
            .map(str::to_owned),
        to,
        subject: message.subject().map(str::to_owned),
        text: message.body_text(0).map(|t| t.trim_end().to_owned()),
        date: message
            .date()
            .and_then(|d| Timestamp::from_millis(d.to_timestamp().saturating_mul(1000))),
        report: delivery_report(&message),
        raw: String::from_utf8_lossy(raw).into_owned(),
    })
}

fn ids(value: &HeaderValue<'_>) -> Vec<MessageId> {
    value
        .as_text_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|id| MessageId::parse(id))
        .collect()
}

fn is_type<'x>(part: &impl MimeHeaders<'x>, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

fn delivery_report(message: &Message<'_>) -> Option<crm_email::DeliveryReport> {
    let is_dsn = is_type(message, "multipart", "report")
        && message
            .content_type()
            .and_then(|ct| ct.attribute("report-type"))
            .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"));
    if !is_dsn {
        return None;
    }
    let status = message.parts.iter().find(|p| {
        is_type(*p, "message", "delivery-status")
            || is_type(*p, "message", "global-delivery-status")
    })?;
    let text = match &status.body {
        PartType::Message(inner) => String::from_utf8_lossy(inner.raw_message()).into_owned(),
        _ => String::from_utf8_lossy(status.contents()).into_owned(),
    };
    let mut report = parse_delivery_status(&text);
    report.original_message_id = message.parts.iter().find_map(|part| {
        if (is_type(part, "message", "rfc822") || is_type(part, "message", "global"))
            && let PartType::Message(inner) = &part.body
        {
            return inner.message_id().and_then(MessageId::parse);
        }
        if is_type(part, "text", "rfc822-headers") {
            let headers = format!(
                "{}\r\n\r\n",
                String::from_utf8_lossy(part.contents()).trim_end()
            );
            return MessageParser::default()
                .parse(headers.as_bytes())
                .and_then(|m| m.message_id().and_then(MessageId::parse));
        }
        None
    });
    Some(report)
}

#[cfg(test)]
mod tests;
