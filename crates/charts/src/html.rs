//! A standalone HTML page that draws a chart with ECharts from our own server.

/// Where an HTML chart page loads its scripts from: paths on our own server,
/// never a CDN, so pages work offline and under a `script-src 'self'` policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageScripts {
    /// The ECharts build ([`crate::ECHARTS_JS`]).
    pub echarts: String,
    /// The script that draws the page's chart ([`crate::CHART_PAGE_JS`]).
    pub page: String,
}

/// The page: `title`, the two scripts of `scripts`, and `option_json` as a
/// JSON data block that the page script draws as SVG into a `width` ×
/// `height` box following window resizes. The page holds no inline script
/// and no inline style, so a strict Content-Security-Policy lets it work.
#[must_use]
pub fn page(
    title: &str,
    scripts: &PageScripts,
    option_json: &str,
    width: u32,
    height: u32,
) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<script src="{echarts}" defer></script>
<script src="{page}" defer></script>
</head>
<body>
<div id="chart" data-width="{width}" data-height="{height}"></div>
<script type="application/json" id="chart-option">{option}</script>
</body>
</html>
"#,
        title = escape_html(title),
        echarts = escape_html(&scripts.echarts),
        page = escape_html(&scripts.page),
        option = escape_script(option_json),
    )
}

/// Text safe in HTML content and in double-quoted attributes.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON safe inside a `<script>` element: no `</script>`, `<!--` or HTML
/// entities can form, and the line separators JavaScript once rejected are
/// escaped. The JSON value is unchanged.
fn escape_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_break_out_of_the_page() {
        let scripts = PageScripts {
            echarts: "/assets/echarts.min.js?v=\"x\"".to_owned(),
            page: "/assets/chart.js".to_owned(),
        };
        let html = page(
            "A <b>&</b> \"B\"",
            &scripts,
            r#"{"title":{"text":"</script><script>alert(1)</script>"}}"#,
            800,
            400,
        );
        assert!(html.contains("<title>A &lt;b&gt;&amp;&lt;/b&gt; &quot;B&quot;</title>"));
        assert!(
            html.contains(
                r#"<script src="/assets/echarts.min.js?v=&quot;x&quot;" defer></script>"#
            )
        );
        assert_eq!(html.matches("</script>").count(), 3);
        assert!(html.contains(r"\u003c/script\u003e\u003cscript\u003ealert(1)"));
        assert!(!html.contains("cdn"));
    }
}
