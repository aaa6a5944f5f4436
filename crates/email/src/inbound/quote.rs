//! What a person wrote in a reply, without the quoted message and the
//! signature below it.
//!
//! No Rust crate for this is well kept (the ports of GitHub's
//! `email_reply_parser` are abandoned), so this is a small function of our
//! own, modelled on what those libraries do: cut at the first line that
//! starts the quoted message (an attribution line such as `On … wrote:` in
//! the common languages, `-----Original Message-----`, an Outlook header
//! block), at a signature delimiter (`-- `) or a mobile signature
//! (`Sent from my iPhone`), and drop `>`-quoted lines left above that.

/// Words that end an attribution line (`On Mon, … Ann <a@b> wrote:`), in
/// English, German, French, Spanish, Italian, Dutch, Portuguese, Polish,
/// Scandinavian languages and Finnish.
const ATTRIBUTION_WORDS: &[&str] = &[
    "wrote",
    "schrieb",
    "a écrit",
    "escribió",
    "ha scritto",
    "schreef",
    "escreveu",
    "napisał",
    "skrev",
    "kirjoitti",
];

/// Starts of lines that mobile mail apps append as a signature.
const MOBILE_SIGNATURES: &[&str] = &[
    "sent from my ",
    "sent from mail for windows",
    "sent from outlook",
    "get outlook for ",
    "von meinem ",
    "envoyé de mon ",
    "enviado desde mi ",
    "inviato da ",
    "verzonden vanaf mijn ",
];

/// The reply's own text: the quoted message, the signature and quoted lines
/// removed, surrounding blank lines trimmed. When nothing is left (a reply
/// that is all quote), the whole text, trimmed.
#[must_use]
pub fn strip_quoted(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalised.split('\n').collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if is_signature_start(line) || is_quote_start(&lines[i..]) {
            break;
        }
        if !line.trim_start().starts_with('>') {
            kept.push(line);
        }
    }
    let reply = kept.join("\n").trim().to_owned();
    if reply.is_empty() {
        normalised.trim().to_owned()
    } else {
        reply
    }
}

fn is_signature_start(line: &str) -> bool {
    let trimmed = line.trim_end();
    if trimmed == "--" || trimmed == "-- " || line == "-- " {
        return true;
    }
    let lower = line.trim().to_lowercase();
    MOBILE_SIGNATURES.iter().any(|s| lower.starts_with(s))
}

/// Whether the quoted message starts at the first of `lines`.
fn is_quote_start(lines: &[&str]) -> bool {
    let first = lines[0].trim();
    if first.is_empty() {
        return false;
    }
    let lower = first.to_lowercase();
    if lower.contains("original message") && lower.starts_with("--") {
        return true;
    }
    if first.len() >= 20 && first.chars().all(|c| c == '_') {
        return lines[1..]
            .iter()
            .take(3)
            .any(|l| is_header(l, &["from:", "von:", "de:"]));
    }
    if is_header(first, &["from:", "von:", "de:"]) {
        let next: Vec<&str> = lines[1..].iter().take(5).copied().collect();
        let dated = next.iter().any(|l| {
            is_header(
                l,
                &[
                    "sent:",
                    "date:",
                    "gesendet:",
                    "envoyé :",
                    "envoyé:",
                    "enviado:",
                ],
            )
        });
        let addressed = next.iter().any(|l| {
            is_header(
                l,
                &[
                    "to:", "subject:", "an:", "betreff:", "à :", "objet :", "para:", "asunto:",
                ],
            )
        });
        return dated && addressed;
    }
    // An attribution may be wrapped over up to three lines.
    let mut joined = String::new();
    for line in lines.iter().take(3) {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(line.trim());
        if is_attribution(&joined) {
            return true;
        }
        if line.trim().is_empty() {
            break;
        }
    }
    false
}

/// `… wrote:` with a date or an address in it (so that a sentence such as
/// "Here is what Ann wrote:" is not taken for one).
fn is_attribution(text: &str) -> bool {
    let Some(head) = text.strip_suffix(':') else {
        return false;
    };
    let lower = head.trim_end().to_lowercase();
    ATTRIBUTION_WORDS.iter().any(|w| lower.contains(w))
        && text.chars().any(|c| c.is_ascii_digit() || c == '@')
}

fn is_header(line: &str, names: &[&str]) -> bool {
    let lower = line.trim_start().trim_start_matches('*').to_lowercase();
    names.iter().any(|n| lower.starts_with(n))
}

#[cfg(test)]
mod tests;
