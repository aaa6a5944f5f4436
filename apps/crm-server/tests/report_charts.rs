//! Report charts over HTTP in every format, the signed chart links
//! (expired and forged ones refused), the assets and the dashboard page.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use common::{TestApp, spawn_app_with};
use crm_kernel::UserId;
use crm_server::http::signed::LinkSigner;
use resvg::tiny_skia::Pixmap;
use serde_json::json;

const SECRET: &str = "a-test-secret-of-enough-length-for-the-token-signer-0123456789";
const CHARTS: [&str; 4] = [
    "interactions-by-kind",
    "conversion-funnel",
    "ticket-backlog",
    "email-engagement",
];

async fn app() -> (TestApp, String, String) {
    let app = spawn_app_with(|o| o.jwt_secret = Some(SECRET.into())).await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(
            &admin,
            json!({"first_name": "Ada", "last_name": "Lovelace"}),
        )
        .await;
    let customer = customer["customer_id"].as_str().unwrap().to_owned();
    app.post(
        "/api/interactions",
        Some(&admin),
        json!({"customer_id": customer, "date_time": "2026-03-05T10:00:00Z", "description": "Demo", "kind": "meeting"}),
    )
    .await
    .expect(201);
    let me = app.get("/api/me", Some(&admin)).await.expect(200).body;
    let id = me["user_id"].as_str().unwrap_or_default().to_owned();
    (app, admin, id)
}

/// Pixels that are not white.
fn ink(png: &[u8]) -> usize {
    let pixmap = Pixmap::decode_png(png).unwrap();
    pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
        .count()
}

async fn raw(app: &TestApp, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_chart_comes_in_every_format() {
    let (app, admin, _) = app().await;
    let q = "from=2026-03-01&to=2026-03-14";
    for chart in CHARTS {
        let base = format!("{}/api/reports/charts/{chart}", app.base);
        let svg = raw(&app, &format!("{base}.svg?{q}"), Some(&admin)).await;
        assert_eq!(svg.status(), 200, "{chart}.svg");
        assert_eq!(svg.headers()["content-type"], "image/svg+xml");
        let text = svg.text().await.unwrap();
        assert!(
            text.starts_with("<svg") && text.contains("<path"),
            "{chart}.svg"
        );
        let png = raw(
            &app,
            &format!("{base}.png?{q}&width=640&height=320"),
            Some(&admin),
        )
        .await;
        assert_eq!(png.status(), 200, "{chart}.png");
        assert_eq!(png.headers()["content-type"], "image/png");
        let bytes = png.bytes().await.unwrap();
        assert!(bytes.len() > 4_000, "{chart}.png has {} bytes", bytes.len());
        let pixmap = Pixmap::decode_png(&bytes).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (640, 320));
        assert!(ink(&bytes) > 2_000, "{chart}.png is drawn, not blank");
        let option = app
            .get(
                &format!("/api/reports/charts/{chart}.json?{q}"),
                Some(&admin),
            )
            .await
            .expect(200);
        assert!(
            option.body["series"].is_array(),
            "{chart}.json: {:#}",
            option.body
        );
        let html = raw(&app, &format!("{base}.html?{q}"), Some(&admin)).await;
        assert_eq!(html.status(), 200);
        assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
        let csp = html.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        let page = html.text().await.unwrap();
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no CDN"
        );
        for script in page.split("<script src=\"").skip(1) {
            let path = &script[..script.find('"').unwrap()];
            let asset = raw(&app, &format!("{}{path}", app.base), None).await;
            assert_eq!(asset.status(), 200, "{path}");
            assert!(
                asset.headers()["cache-control"]
                    .to_str()
                    .unwrap()
                    .contains("immutable")
            );
        }
    }
    let png = raw(
        &app,
        &format!(
            "{}/api/reports/charts/ticket-backlog.png?width=20",
            app.base
        ),
        Some(&admin),
    )
    .await;
    assert_eq!(png.status(), 400);
    app.get("/api/reports/charts/pie.png", Some(&admin))
        .await
        .expect_problem(404);
    app.get("/api/reports/charts/ticket-backlog.png", None)
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn the_signed_chart_url_loads_without_a_header_until_it_expires() {
    let (app, admin, user_id) = app().await;
    let body = app
        .get("/api/reports?from=2026-03-01&to=2026-03-14", Some(&admin))
        .await
        .expect(200)
        .body;
    let url = body["metrics"]["chart"].as_str().unwrap().to_owned();
    let image = raw(&app, &url, None).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(ink(&image.bytes().await.unwrap()) > 2_000);
    // Forged: another range, another chart, a later expiry, a made-up signature.
    let forged = [
        url.replace("to=2026-03-15", "to=2026-03-20"),
        url.replace("interactions-by-kind.png", "ticket-backlog.png"),
        url.replace("exp=", "exp=9"),
        format!(
            "{}AAAA",
            url.split("sig=").next().unwrap().to_owned() + "sig="
        ),
    ];
    for forged in forged {
        let answer = raw(&app, &forged, None).await;
        assert_eq!(answer.status(), 401, "{forged}");
    }
    // Expired: signed with the server's key, an hour ago.
    let signer = LinkSigner::new(SECRET.as_bytes());
    let by = UserId::parse(&user_id).unwrap();
    let path = "/api/reports/charts/interactions-by-kind.png";
    let now = chrono::Utc::now().timestamp();
    let expired = signer.link(&app.base, path, &[], by, now - 7200, None);
    let answer = raw(&app, &expired, None).await;
    assert_eq!(answer.status(), 401);
    let detail = answer.json::<serde_json::Value>().await.unwrap();
    assert!(
        detail["detail"].as_str().unwrap().contains("expired"),
        "{detail}"
    );
    let fresh = signer.link(&app.base, path, &[], by, now, None);
    assert_eq!(raw(&app, &fresh, None).await.status(), 200);
    // Every chart in every format has a signed link in the report.
    for chart in CHARTS {
        for format in ["svg", "png", "json", "html"] {
            let link = body["metrics"]["charts"][chart][format].as_str().unwrap();
            assert!(
                link.contains(&format!("/api/reports/charts/{chart}.{format}?")),
                "{link}"
            );
            assert_eq!(raw(&app, link, None).await.status(), 200, "{link}");
        }
    }
    // A link of a user that no longer exists is refused.
    let stranger = signer.link(&app.base, path, &[], UserId::new(), now, None);
    assert_eq!(raw(&app, &stranger, None).await.status(), 401);
}

#[tokio::test]
async fn the_dashboard_is_a_page_with_its_own_strict_policy() {
    let (app, admin, _) = app().await;
    let page = raw(&app, &format!("{}/dashboard", app.base), None).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"login-form\"") && html.contains("id=\"token-form\""));
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("data-signed-report"));
    for chart in CHARTS {
        assert!(html.contains(&format!("data-chart=\"{chart}\"")), "{chart}");
    }
    for asset in ["dashboard.js", "dashboard.css", "echarts.min.js"] {
        let stem = asset.rsplit_once('.').unwrap().0;
        let start = html
            .find(&format!("/assets/{stem}."))
            .unwrap_or_else(|| panic!("{asset}"));
        let path = &html[start..start + html[start..].find('"').unwrap()];
        let answer = raw(&app, &format!("{}{path}", app.base), None).await;
        assert_eq!(answer.status(), 200, "{path}");
    }
    // Opened from a signed link, it carries signed links to its data.
    let body = app
        .get("/api/reports?from=2026-03-01&to=2026-03-14", Some(&admin))
        .await
        .expect(200)
        .body;
    let signed = raw(&app, body["metrics"]["dashboard"].as_str().unwrap(), None).await;
    assert_eq!(signed.status(), 200);
    let html = signed.text().await.unwrap();
    let start = html.find("data-signed-report=\"").unwrap() + "data-signed-report=\"".len();
    let report = html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&");
    let data = raw(&app, &format!("{}{report}", app.base), None).await;
    assert_eq!(data.status(), 200, "{report}");
    let data: serde_json::Value = data.json().await.unwrap();
    assert_eq!(data["total_interactions"], 1);
    let tampered = body["metrics"]["dashboard"]
        .as_str()
        .unwrap()
        .replace("to=2026-03-15", "to=2026-03-16");
    assert_eq!(raw(&app, &tampered, None).await.status(), 401);
}

common::also_on_mongo!(
    every_chart_comes_in_every_format,
    the_signed_chart_url_loads_without_a_header_until_it_expires,
    the_dashboard_is_a_page_with_its_own_strict_policy,
);
