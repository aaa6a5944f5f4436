//! Tracking added to an HTML body at send time: links rewritten, a hidden
//! honeypot link and the 1×1 image appended. HTML is parsed by `lol_html`
//! (Cloudflare's streaming rewriter), not by patterns.

use std::cell::{Cell, RefCell};

use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, end, rewrite_str};

use crate::html::is_web_url;

/// The HTML could not be parsed for rewriting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the HTML body could not be rewritten: {0}")]
pub struct InstrumentError(String);

/// The URLs that tracking puts into one recipient's copy.
pub struct TrackingUrls<'a> {
    /// The click URL of the `index`th web link.
    pub click: &'a dyn Fn(u16) -> String,
    /// The 1×1 image.
    pub pixel: String,
    /// The hidden link no person sees.
    pub honeypot: String,
}

impl std::fmt::Debug for TrackingUrls<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackingUrls")
            .field("pixel", &self.pixel)
            .field("honeypot", &self.honeypot)
            .finish_non_exhaustive()
    }
}

/// The web links of an HTML body, in document order: the entity-decoded
/// `href` of every `<a>` whose target is `http://` or `https://`. Index `n`
/// of this list is what the click token `Click(n)` redirects to; nothing
/// else can be a redirect target.
pub fn web_links(html: &str) -> Result<Vec<String>, InstrumentError> {
    let links = RefCell::new(Vec::new());
    rewrite_str(
        html,
        RewriteStrSettings::new().append_element_content_handler(element!("a[href]", |el| {
            if let Some(target) = web_target(el.get_attribute("href")) {
                links.borrow_mut().push(target);
            }
            Ok(())
        })),
    )
    .map_err(|e| InstrumentError(e.to_string()))?;
    Ok(links.into_inner())
}

/// One recipient's copy of an HTML body: the `n`th web link (as
/// [`web_links`] counts them) points to `urls.click(n)`, and the honeypot
/// link and the image are appended inside `<body>` (or at the end when the
/// body is a fragment). Links after the 65 536th stay as they are.
pub fn instrument(html: &str, urls: &TrackingUrls<'_>) -> Result<String, InstrumentError> {
    let next = Cell::new(0_u32);
    let in_body = Cell::new(false);
    let tail = format!(
        "<a href=\"{}\" style=\"display:none!important;font-size:0;line-height:0;max-height:0;overflow:hidden;opacity:0\" aria-hidden=\"true\" tabindex=\"-1\">&#8203;</a>\
         <img src=\"{}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">",
        html_escape::encode_double_quoted_attribute(&urls.honeypot),
        html_escape::encode_double_quoted_attribute(&urls.pixel),
    );
    rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("a[href]", |el| {
                if web_target(el.get_attribute("href")).is_some() {
                    let index = next.get();
                    next.set(index + 1);
                    if let Ok(index) = u16::try_from(index) {
                        el.set_attribute("href", &(urls.click)(index))?;
                    }
                }
                Ok(())
            }))
            .append_element_content_handler(element!("body", |el| {
                if !in_body.replace(true) {
                    el.append(&tail, ContentType::Html);
                }
                Ok(())
            }))
            .append_document_content_handler(end!(|end| {
                if !in_body.get() {
                    end.append(&tail, ContentType::Html);
                }
                Ok(())
            })),
    )
    .map_err(|e| InstrumentError(e.to_string()))
}

fn web_target(href: Option<String>) -> Option<String> {
    let href = href?;
    let decoded = html_escape::decode_html_entities(href.trim()).into_owned();
    is_web_url(&decoded).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(click: &dyn Fn(u16) -> String) -> TrackingUrls<'_> {
        TrackingUrls {
            click,
            pixel: "https://crm.example.com/t/o/PIX".into(),
            honeypot: "https://crm.example.com/t/c/HONEY".into(),
        }
    }

    const HTML: &str = "<html><body><p>Hi <a href=\"https://example.com/a?x=1&amp;y=2\">one</a>, \
        <a href=\"mailto:ann@example.com\">mail</a>, <a href=\"#top\">top</a>, \
        <a href='HTTP://Example.org/b'>two</a> <a>none</a></p></body></html>";

    #[test]
    fn lists_web_links_decoded_in_order() {
        assert_eq!(
            web_links(HTML).unwrap(),
            vec!["https://example.com/a?x=1&y=2", "HTTP://Example.org/b"]
        );
        assert!(web_links("<p>no links</p>").unwrap().is_empty());
    }

    #[test]
    fn rewrites_web_links_and_appends_inside_body() {
        let click = |i: u16| format!("https://crm.example.com/t/c/L{i}");
        let out = instrument(HTML, &urls(&click)).unwrap();
        assert!(
            out.contains("<a href=\"https://crm.example.com/t/c/L0\">one</a>"),
            "{out}"
        );
        assert!(
            out.contains("<a href=\"https://crm.example.com/t/c/L1\">two</a>"),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:ann@example.com\""));
        assert!(out.contains("href=\"#top\""));
        assert!(
            !out.contains("example.com/a?x"),
            "the original target is gone: {out}"
        );
        let tail_at = out.find("https://crm.example.com/t/c/HONEY").unwrap();
        let pixel_at = out
            .find("<img src=\"https://crm.example.com/t/o/PIX\" width=\"1\" height=\"1\"")
            .unwrap();
        let body_end = out.find("</body>").unwrap();
        assert!(tail_at < pixel_at && pixel_at < body_end, "{out}");
        assert!(
            out.contains("display:none"),
            "the honeypot is hidden: {out}"
        );
        assert_eq!(out.matches("<img").count(), 1);
    }

    #[test]
    fn appends_to_fragments() {
        let click = |i: u16| format!("C{i}");
        let out = instrument("<p><a href=\"http://x.org\">x</a></p>", &urls(&click)).unwrap();
        assert!(
            out.starts_with(
                "<p><a href=\"C0\">x</a></p><a href=\"https://crm.example.com/t/c/HONEY\""
            ),
            "{out}"
        );
        assert!(out.ends_with("height:1px\">"), "{out}");
    }

    #[test]
    fn counts_links_as_web_links_does() {
        let html = "<a href=\"https://a.org\">a</a><a href=\"ftp://b.org\">b</a><a href=\" https://c.org \">c</a>";
        let click = |i: u16| format!("C{i}");
        let out = instrument(html, &urls(&click)).unwrap();
        assert_eq!(
            web_links(html).unwrap(),
            vec!["https://a.org", "https://c.org"]
        );
        assert!(
            out.contains("<a href=\"C0\">a</a><a href=\"ftp://b.org\">b</a><a href=\"C1\">c</a>"),
            "{out}"
        );
    }
}
