//! HTML generated from a plain-text body.

use linkify::{LinkFinder, LinkKind};

/// The HTML form of a plain-text body: every character escaped, paragraphs
/// (separated by blank lines) kept as `<p>`, single line breaks as `<br>`,
/// and `http://` and `https://` URLs made links (found by `linkify`, which
/// leaves trailing punctuation such as the full stop ending a sentence out
/// of the link).
#[must_use]
pub fn text_to_html(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in normalised.split('\n') {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(paragraph(&current));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(paragraph(&current));
    }
    paragraphs.join("\n")
}

fn paragraph(lines: &[&str]) -> String {
    let inner: Vec<String> = lines.iter().map(|line| linkify_line(line)).collect();
    format!("<p>{}</p>", inner.join("<br>\n"))
}

/// One line, escaped, with its web URLs as links.
fn linkify_line(line: &str) -> String {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(true);
    let mut out = String::with_capacity(line.len());
    for span in finder.spans(line) {
        let text = span.as_str();
        let is_web = span.kind() == Some(&LinkKind::Url) && is_web_url(text);
        if is_web {
            out.push_str("<a href=\"");
            out.push_str(&html_escape::encode_double_quoted_attribute(text));
            out.push_str("\">");
            out.push_str(&html_escape::encode_text(text));
            out.push_str("</a>");
        } else {
            out.push_str(&html_escape::encode_text(text));
        }
    }
    out
}

/// Whether a URL is `http://` or `https://` (case-insensitive scheme).
pub(crate) fn is_web_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything() {
        assert_eq!(
            text_to_html("1 < 2 & \"x\" > 'y' <script>alert(1)</script>"),
            "<p>1 &lt; 2 &amp; \"x\" &gt; 'y' &lt;script&gt;alert(1)&lt;/script&gt;</p>"
        );
    }

    #[test]
    fn keeps_paragraphs_and_line_breaks() {
        let text = "Dear Ann,\r\n\r\nthank you.\nSee you soon.\n\n\n  \nBest,\nBob\n";
        assert_eq!(
            text_to_html(text),
            "<p>Dear Ann,</p>\n<p>thank you.<br>\nSee you soon.</p>\n<p>Best,<br>\nBob</p>"
        );
    }

    #[test]
    fn links_web_urls_only() {
        assert_eq!(
            text_to_html("See https://example.com/a?b=1&c=2. Or http://x.org/<y>"),
            "<p>See <a href=\"https://example.com/a?b=1&amp;c=2\">https://example.com/a?b=1&amp;c=2</a>. \
             Or <a href=\"http://x.org/\">http://x.org/</a>&lt;y&gt;</p>"
        );
        assert_eq!(
            text_to_html("ftp://files.example.com and javascript:alert(1) and mailto:a@b.org"),
            "<p>ftp://files.example.com and javascript:alert(1) and mailto:a@b.org</p>"
        );
        assert_eq!(
            text_to_html("HTTPS://EXAMPLE.COM/X"),
            "<p><a href=\"HTTPS://EXAMPLE.COM/X\">HTTPS://EXAMPLE.COM/X</a></p>"
        );
    }
}
