//! A standalone HTML page that draws a chart with ECharts from our own server.

/// The page: `title`, ECharts loaded from `script_url` (a path on our
/// server, never a CDN, so the page works offline), and `option_json`
/// drawn as SVG into a `width` × `height` box that follows window resizes.
#[must_use]
pub fn page(title: &str, script_url: &str, option_json: &str, width: u32, height: u32) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>html, body {{ margin: 0; background: #ffffff; }} #chart {{ width: 100%; max-width: {width}px; height: {height}px; margin: 0 auto; }}</style>
<script src="{script_url}"></script>
</head>
<body>
<div id="chart"></div>
<script>
(function () {{
  var option = {option};
  var chart = echarts.init(document.getElementById('chart'), null, {{ renderer: 'svg' }});
  chart.setOption(option);
  window.addEventListener('resize', function () {{ chart.resize(); }});
}})();
</script>
</body>
</html>
"#,
        title = escape_html(title),
        script_url = escape_html(script_url),
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
        let html = page(
            "A <b>&</b> \"B\"",
            "/assets/echarts.min.js?v=\"x\"",
            r#"{"title":{"text":"</script><script>alert(1)</script>"}}"#,
            800,
            400,
        );
        assert!(html.contains("<title>A &lt;b&gt;&amp;&lt;/b&gt; &quot;B&quot;</title>"));
        assert!(html.contains(r#"<script src="/assets/echarts.min.js?v=&quot;x&quot;"></script>"#));
        assert_eq!(html.matches("</script>").count(), 2);
        assert!(html.contains(r"\u003c/script\u003e\u003cscript\u003ealert(1)"));
        assert!(!html.contains("cdn"));
    }
}
