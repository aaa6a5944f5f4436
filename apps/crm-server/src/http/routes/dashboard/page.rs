//! The dashboard's HTML: no inline script or style (its CSP forbids them);
//! what the script needs from the server is in `data-` attributes.

use std::fmt::Write as _;

use crate::http::links::asset_path;

/// Signed links of a dashboard opened from a signed link.
#[derive(Debug)]
pub struct Signed {
    /// `GET /api/reports` for the link's parameters.
    pub report: String,
    /// Each chart's `.json`, by chart name.
    pub charts: Vec<(&'static str, String)>,
}

const CHARTS: [(&str, &str, &str); 4] = [
    (
        "interactions-by-kind",
        "Interactions by kind",
        "Interactions per period by their start, one bar segment per kind (meeting, call, task, note, email).",
    ),
    (
        "conversion-funnel",
        "Conversion funnel",
        "Leads in the range, those qualified as prospects and those who became customers, with the median days of each step, from the status history.",
    ),
    (
        "ticket-backlog",
        "Ticket backlog and resolution time",
        "Open tickets at the end of each period (bars) and the median and 90th-percentile hours from raising to resolution (lines).",
    ),
    (
        "email-engagement",
        "Email engagement",
        "Recipients per period of sending opened by a person or by machines only, clicked by a person and replied, and the human open rate.",
    ),
];

/// Text safe in HTML content and in double-quoted attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page; `signed` when opened from a valid signed link.
pub fn html(signed: Option<&Signed>) -> String {
    let signed_attributes = signed.map_or_else(String::new, |s| {
        let charts: Vec<String> = s
            .charts
            .iter()
            .map(|(name, url)| {
                format!(
                    "\"{name}\":\"{}\"",
                    url.replace('\\', "\\\\").replace('"', "\\\"")
                )
            })
            .collect();
        format!(
            " data-signed-report=\"{}\" data-signed-charts=\"{}\"",
            escape(&s.report),
            escape(&format!("{{{}}}", charts.join(",")))
        )
    });
    let figures = CHARTS
        .iter()
        .fold(String::new(), |mut out, (name, title, about)| {
            let _ = writeln!(
                out,
                "<figure><figcaption>{title}</figcaption>\
                 <div class=\"chart\" id=\"chart-{name}\" data-chart=\"{name}\"></div>\
                 <p class=\"about\">{about}</p></figure>"
            );
            out
        });
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM reports</title>
<link rel="stylesheet" href="{css}">
<script src="{echarts}" defer></script>
<script src="{js}" defer></script>
</head>
<body data-state="loading"{signed_attributes}>
<header><h1>CRM reports</h1><p id="status" role="status"></p></header>
<section id="signin" hidden>
<h2>Sign in</h2>
<form id="login-form"><label>Email <input id="email" type="email" autocomplete="username" required></label>
<label>Password <input id="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<form id="token-form"><label>Or paste an access token <input id="token" type="password" autocomplete="off" required></label>
<button type="submit">Use token</button></form>
<p id="signin-error" role="alert"></p>
</section>
<section id="controls" hidden>
<form id="range-form">
<label>From <input id="from" type="date"></label>
<label>To <input id="to" type="date"></label>
<label>By <select id="granularity"><option value="day">day</option><option value="week">week</option><option value="month">month</option></select></label>
<label>Time zone <input id="tz" type="text" value="UTC"></label>
<button type="submit">Show</button>
<button type="button" id="signout">Sign out</button>
</form>
</section>
<section id="kpis" hidden>
<div class="kpi"><span class="label">Interactions</span><span class="value" id="kpi-interactions"></span></div>
<div class="kpi"><span class="label">Conversion rate</span><span class="value" id="kpi-conversion"></span></div>
<div class="kpi"><span class="label">New customers</span><span class="value" id="kpi-new"></span></div>
<div class="kpi"><span class="label">Tickets opened</span><span class="value" id="kpi-opened"></span></div>
<div class="kpi"><span class="label">Backlog at the end</span><span class="value" id="kpi-backlog"></span></div>
<div class="kpi"><span class="label">Emails sent</span><span class="value" id="kpi-sent"></span></div>
</section>
<section id="charts" hidden>
{figures}</section>
</body>
</html>
"#,
        css = asset_path("dashboard.css"),
        echarts = asset_path("echarts.min.js"),
        js = asset_path("dashboard.js"),
    )
}
