//! Email through the HTTP API: the original contract, tracking that tells
//! people from machines, tracked links and forged tokens, replies and
//! bounces through the inbound webhook, opt-outs, idempotency, templates,
//! permissions and histories. No SMTP server: the worker writes `.eml`
//! files into the outbox folder, which the tests read.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::time::Duration;

use common::mail::{Copy, INBOUND_SECRET, simple};
use common::{TestApp, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

async fn app() -> TestApp {
    spawn_app_with(|o| o.inbound_secret = Some(INBOUND_SECRET.into())).await
}

/// Sends `body`, waits until it is sent, and returns (email id, its first
/// recipient's id, that recipient's copy).
async fn sent(app: &TestApp, token: &str, body: Value) -> (String, String, Copy) {
    let answer = app.send_email(token, body).await;
    let email_id = answer["email_id"].as_str().unwrap().to_owned();
    let email = app.wait_sent(token, &email_id).await;
    let recipient = email["recipients"][0]["recipient_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let copy = app.written_copy(&recipient);
    (email_id, recipient, copy)
}

async fn hit(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method, format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn events_of<'a>(email: &'a Value, kind: &str) -> Vec<&'a Value> {
    email["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[tokio::test]
async fn the_original_contract_holds() {
    let app = app().await;
    let admin = app.admin_token().await;
    let answer = app
        .post(
            "/api/emails",
            Some(&admin),
            json!({"to": "ann@example.org", "subject": "Hello", "body": "Hi Ann"}),
        )
        .await
        .expect(202);
    assert_eq!(answer.body["message"], "Email sent successfully");
    let email_id = answer.body["email_id"].as_str().unwrap().to_owned();
    assert_eq!(
        answer.header("location"),
        Some(format!("/api/emails/{email_id}").as_str())
    );
    assert_eq!(
        answer.body["recipients"][0]["status"], "queued",
        "queued until the worker sends it"
    );
    assert_eq!(answer.body["recipients"][0]["email"], "ann@example.org");
    let engagement = app
        .get(&format!("/api/emails/{email_id}/engagement"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(engagement["open_rate"], "0%");
    assert_eq!(engagement["responses"], json!([]));
    let email = app.wait_sent(&admin, &email_id).await;
    assert_eq!(email["subject"], "Hello");
    assert!(
        email["html"].as_str().unwrap().contains("<p>Hi Ann</p>"),
        "HTML generated from the text"
    );
    let listed = app
        .get("/api/emails?status=sent", Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(listed["emails"][0]["email_id"], email_id.as_str());
    let metrics = app.get("/metrics", None).await.expect(200).body;
    let metrics = metrics.as_str().unwrap();
    for name in [
        "email_outbox_depth",
        "email_sends_total",
        "email_retries_total",
        "email_failures_total",
        "email_bounces_total",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test]
async fn opens_are_told_apart_human_prefetch_head_and_too_soon() {
    let app = app().await;
    let admin = app.admin_token().await;
    let body = json!({"to": ["human@example.org", "prefetch@example.org", "early@example.org"], "subject": "News", "body": "Read https://shop.example.com/news"});
    let answer = app.send_email(&admin, body).await;
    let email_id = answer["email_id"].as_str().unwrap().to_owned();
    let email = app.wait_sent(&admin, &email_id).await;
    let pixel = |i: usize| {
        let id = email["recipients"][i]["recipient_id"].as_str().unwrap();
        app.written_copy(id).paths("/t/o/")[0].clone()
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    // One second after delivery: an image proxy's prefetch, not a person.
    let early = hit(&app, Method::GET, &pixel(2), &[("user-agent", BROWSER)]).await;
    assert_eq!(early.status(), 200);
    assert_eq!(early.headers()["content-type"], "image/gif");
    // A prefetching HEAD request.
    let head = hit(
        &app,
        Method::HEAD,
        &pixel(1),
        &[("user-agent", BROWSER), ("sec-purpose", "prefetch")],
    )
    .await;
    assert_eq!(head.status(), 200);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let human = hit(&app, Method::GET, &pixel(0), &[("user-agent", BROWSER)]).await;
    assert_eq!(human.bytes().await.unwrap().len(), 43, "a 1×1 GIF");
    let email = app
        .wait_for(&admin, &email_id, |e| events_of(e, "opened").len() == 3)
        .await;
    let class_of = |i: usize| {
        let id = &email["recipients"][i]["recipient_id"];
        events_of(&email, "opened")
            .into_iter()
            .find(|e| e["recipient_id"] == *id)
            .unwrap()["classification"]
            .clone()
    };
    assert_eq!(class_of(0), json!({"class": "human", "reasons": []}));
    assert_eq!(class_of(1)["class"], "scanner");
    let reasons = class_of(1)["reasons"].clone();
    assert!(
        reasons.as_array().unwrap().contains(&json!("head_request")),
        "{reasons}"
    );
    assert!(
        reasons.as_array().unwrap().contains(&json!("prefetch")),
        "{reasons}"
    );
    assert_eq!(
        class_of(2),
        json!({"class": "privacy_proxy", "reasons": ["too_soon_after_delivery"]})
    );
    let engagement = app
        .get(&format!("/api/emails/{email_id}/engagement"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(engagement["open_rate"], "33.3%", "{engagement:#}");
    assert_eq!(engagement["open_rate_all"], "100%");
    assert_eq!(engagement["machine_opens"], 2);
    assert_eq!(engagement["delivered"], 3);
    // The same open again within the minute is not counted twice.
    hit(&app, Method::GET, &pixel(0), &[("user-agent", BROWSER)]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = app
        .get(&format!("/api/emails/{email_id}"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(events_of(&again, "opened").len(), 3);
}

#[tokio::test]
async fn a_honeypot_click_marks_the_hits_around_it_as_a_scanner() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (email_id, _, copy) = sent(&app, &admin, simple("scanned@example.org")).await;
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let pixel = copy.paths("/t/o/")[0].clone();
    hit(&app, Method::GET, &pixel, &[("user-agent", BROWSER)]).await;
    // The open is recorded in the background: the honeypot comes after it.
    app.wait_for(&admin, &email_id, |e| !events_of(e, "opened").is_empty())
        .await;
    let links = copy.paths("/t/c/");
    assert_eq!(links.len(), 3, "two links and the hidden one: {links:?}");
    let honeypot = hit(
        &app,
        Method::GET,
        links.last().unwrap(),
        &[("user-agent", BROWSER)],
    )
    .await;
    assert_eq!(honeypot.status(), 200, "the hidden link leads nowhere");
    assert!(honeypot.headers().get("location").is_none());
    let email = app
        .wait_for(&admin, &email_id, |e| !events_of(e, "honeypot").is_empty())
        .await;
    let trap = events_of(&email, "honeypot")[0]["classification"].clone();
    assert_eq!(trap["class"], "scanner");
    assert!(
        trap["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("honeypot")),
        "{trap}"
    );
    let open = events_of(&email, "opened")[0]["classification"].clone();
    assert_eq!(
        open["class"], "scanner",
        "the open near the honeypot is a scanner's"
    );
    assert!(
        open["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("near_honeypot")),
        "{open}"
    );
    let engagement = app
        .get(&format!("/api/emails/{email_id}/engagement"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(engagement["open_rate"], "0%");
    assert_eq!(engagement["machine_clicks"], 1);
}

#[tokio::test]
async fn a_click_redirects_only_to_the_original_url_and_forged_tokens_get_nothing() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (email_id, _, copy) = sent(&app, &admin, simple("clicker@example.org")).await;
    assert!(
        !copy.urls().iter().any(|u| u.contains("shop.example.com")),
        "every link is rewritten: {:?}",
        copy.urls()
    );
    let links = copy.paths("/t/c/");
    let first = hit(&app, Method::GET, &links[0], &[("user-agent", BROWSER)]).await;
    assert_eq!(first.status(), 302);
    assert_eq!(
        first.headers()["location"],
        "https://shop.example.com/offer?id=7"
    );
    let second = hit(&app, Method::GET, &links[1], &[("user-agent", BROWSER)]).await;
    assert_eq!(
        second.headers()["location"],
        "https://shop.example.com/terms"
    );
    let email = app
        .wait_for(&admin, &email_id, |e| events_of(e, "clicked").len() == 2)
        .await;
    let urls: Vec<&Value> = events_of(&email, "clicked")
        .iter()
        .map(|e| &e["url"])
        .collect();
    assert!(urls.contains(&&json!("https://shop.example.com/offer?id=7")));

    // A forged or altered token: no redirect, a plain 404 page; the image
    // is still the image.
    let token = links[0].trim_start_matches("/t/c/");
    let altered = format!(
        "{}{}",
        &token[..token.len() - 1],
        if token.ends_with('a') { 'b' } else { 'a' }
    );
    for bad in [
        format!("/t/c/{altered}"),
        "/t/c/abcdef".to_owned(),
        copy.paths("/t/o/")[0].replace("/t/o/", "/t/c/"),
    ] {
        let answer = hit(&app, Method::GET, &bad, &[]).await;
        assert_eq!(answer.status(), 404, "{bad}");
        assert!(answer.headers().get("location").is_none());
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let image = hit(&app, Method::GET, &format!("/t/o/{altered}"), &[]).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/gif");
}

fn reply(copy: &Copy, in_reply_to: Option<&str>, to: &str, text: &str) -> String {
    let threading = in_reply_to
        .map(|id| format!("In-Reply-To: <{id}>\nReferences: <{id}>\n"))
        .unwrap_or_default();
    format!(
        "From: Ann <ann@example.org>\nTo: {to}\nSubject: Re: {}\nMessage-ID: <{}@mail.example.org>\n{threading}Content-Type: text/plain; charset=utf-8\n\n{text}\n\nOn Mon, 1 Jun 2026 at 10:00, Sam wrote:\n> Hello,\n> your offer\n",
        copy.subject,
        uuid_like()
    )
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn replies_match_by_in_reply_to_and_by_plus_address_and_enter_the_history() {
    let app = app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(
            &admin,
            json!({"first_name": "Ann", "last_name": "Lee", "email": "ann@example.org"}),
        )
        .await;
    let customer_id = customer["customer_id"].as_str().unwrap();
    let (email_id, recipient, copy) = sent(&app, &admin, simple("ann@example.org")).await;
    let email = app
        .get(&format!("/api/emails/{email_id}"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(
        email["recipients"][0]["customer_id"], customer_id,
        "matched to the customer by address"
    );

    let by_id = app
        .inbound(&reply(
            &copy,
            Some(&copy.message_id),
            "crm@localhost",
            "Thanks, looks good!",
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(by_id["inbound"]["kind"], "reply");
    assert_eq!(by_id["inbound"]["matched_by"], "message_id");
    assert_eq!(by_id["inbound"]["recipient_id"], recipient.as_str());
    assert_eq!(
        by_id["inbound"]["response"], "Thanks, looks good!",
        "quotes are stripped"
    );

    assert!(copy.reply_to.starts_with("reply+"), "{}", copy.reply_to);
    let by_token = app
        .inbound(&reply(&copy, None, &copy.reply_to, "One more question."))
        .await
        .expect(200)
        .body;
    assert_eq!(by_token["inbound"]["matched_by"], "reply_token");
    assert_eq!(by_token["inbound"]["response"], "One more question.");

    let engagement = app
        .get(&format!("/api/emails/{email_id}/engagement"), Some(&admin))
        .await
        .expect(200)
        .body;
    let responses = engagement["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0]["response"], "Thanks, looks good!");
    assert!(responses[0]["response_time"].is_u64());

    let history = app
        .get(
            &format!("/api/customers/{customer_id}/interactions?include=emails"),
            Some(&admin),
        )
        .await
        .expect(200)
        .body;
    let entries = history["interactions"].as_array().unwrap();
    let lines: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["description"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("One more question.", "replied"),
            ("Thanks, looks good!", "replied"),
            ("Your offer", "sent")
        ]
    );
    assert_eq!(entries[2]["id"], email_id.as_str());
    let without = app
        .get(
            &format!("/api/customers/{customer_id}/interactions"),
            Some(&admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        without["interactions"],
        json!([]),
        "emails only with include=emails"
    );
    let timeline = app
        .get(
            &format!("/api/customers/{customer_id}/timeline"),
            Some(&admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        timeline["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["source"] == "email")
            .count(),
        3
    );
    let customers_emails = app
        .get(
            &format!("/api/customers/{customer_id}/emails"),
            Some(&admin),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(customers_emails["emails"][0]["email_id"], email_id.as_str());
}

fn dsn(copy: &Copy, status: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.org\nTo: {to}\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn-{id}@mx.example.org>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bounce-me@example.org\nAction: failed\nStatus: {status}\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{mid}>\nSubject: {subject}\n\n--B--\n",
        to = copy.return_path,
        id = uuid_like(),
        mid = copy.message_id,
        subject = copy.subject
    )
}

#[tokio::test]
async fn a_hard_bounce_bounces_and_suppresses_and_unmatched_mail_is_kept() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (email_id, _, copy) = sent(&app, &admin, simple("bounce-me@example.org")).await;
    assert!(
        copy.return_path.starts_with("bounce+"),
        "VERP return path: {}",
        copy.return_path
    );
    let soft = app.inbound(&dsn(&copy, "4.2.2")).await.expect(200).body;
    assert_eq!(soft["inbound"]["kind"], "soft_bounce");
    let hard = app.inbound(&dsn(&copy, "5.1.1")).await.expect(200).body;
    assert_eq!(hard["inbound"]["kind"], "hard_bounce");
    assert_eq!(hard["inbound"]["matched_by"], "bounce_token");
    let email = app
        .get(&format!("/api/emails/{email_id}"), Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(email["recipients"][0]["status"], "bounced");
    assert_eq!(events_of(&email, "soft_bounced").len(), 1);
    let suppressions = app
        .get("/api/email-suppressions", Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(
        suppressions["suppressions"][0]["email"],
        "bounce-me@example.org"
    );
    assert_eq!(suppressions["suppressions"][0]["reason"], "hard_bounce");
    let refused = app
        .post("/api/emails", Some(&admin), simple("Bounce-Me@example.org"))
        .await
        .expect_problem(409);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("hard_bounce"),
        "{:#}",
        refused.body
    );
    app.delete(
        "/api/email-suppressions?email=bounce-me@example.org",
        Some(&admin),
    )
    .await
    .expect(204);
    app.post("/api/emails", Some(&admin), simple("bounce-me@example.org"))
        .await
        .expect(202);

    let stranger = "From: someone@example.net\nTo: crm@localhost\nSubject: Hi\nMessage-ID: <stranger-1@example.net>\n\nWho are you?\n";
    let kept = app.inbound(stranger).await.expect(200).body;
    assert_eq!(
        (
            kept["inbound"]["kind"].as_str(),
            kept["duplicate"].as_bool()
        ),
        (Some("unmatched"), Some(false))
    );
    let again = app.inbound(stranger).await.expect(200).body;
    assert_eq!(again["duplicate"], true, "a gateway's retry is filed once");
    let unmatched = app
        .get("/api/emails/inbound/unmatched", Some(&admin))
        .await
        .expect(200)
        .body;
    let messages = unmatched["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["text"], "Who are you?");
}

#[tokio::test]
async fn the_webhook_needs_its_secret_and_is_off_without_one() {
    let off = spawn_app().await;
    off.post_raw(
        "/api/emails/inbound",
        None,
        "message/rfc822",
        b"Subject: x\r\n\r\nx".to_vec(),
    )
    .await
    .expect_problem(404);
    let app = app().await;
    app.post_raw(
        "/api/emails/inbound",
        None,
        "message/rfc822",
        b"Subject: x\r\n\r\nx".to_vec(),
    )
    .await
    .expect_problem(401);
}

#[tokio::test]
async fn an_opt_out_is_recorded_and_refuses_later_sends() {
    let app = app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(
            &admin,
            json!({"first_name": "Olly", "last_name": "Out", "email": "olly@example.org"}),
        )
        .await;
    let customer_id = customer["customer_id"].as_str().unwrap();
    let (_, _, copy) = sent(
        &app,
        &admin,
        json!({"to": [{"customer_id": customer_id}], "subject": "Deals", "body": "Deals!"}),
    )
    .await;
    assert_eq!(
        copy.header_value("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let path = &copy.list_unsubscribe[copy.list_unsubscribe.find("/t/u/").unwrap()..];
    let page = hit(&app, Method::GET, path, &[]).await;
    assert_eq!(page.status(), 200);
    app.post("/api/emails", Some(&admin), simple("olly@example.org"))
        .await
        .expect(202);
    let client = reqwest::Client::new();
    let one_click = client
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status(), 200);
    let refused = app
        .post("/api/emails", Some(&admin), simple("olly@example.org"))
        .await
        .expect_problem(409);
    assert_eq!(refused.body["type"], "/problems/address-suppressed");
    assert!(
        refused.body["detail"].as_str().unwrap().contains("opt_out"),
        "{:#}",
        refused.body
    );
    let history = app
        .get(
            &format!("/api/customers/{customer_id}/timeline"),
            Some(&admin),
        )
        .await
        .expect(200)
        .body;
    assert!(
        history["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["description"] == "Opted out of email")
    );
    assert_eq!(
        hit(&app, Method::POST, "/t/u/forged", &[]).await.status(),
        404
    );
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_send() {
    let app = app().await;
    let admin = app.admin_token().await;
    let send = |body: Value| {
        app.call_with(
            Method::POST,
            "/api/emails",
            Some(&admin),
            &[("idempotency-key", "send-42")],
            Some(body),
        )
    };
    let first = send(simple("idem@example.org")).await.expect(202);
    assert_eq!(first.header("idempotent-replayed"), Some("false"));
    let again = send(simple("idem@example.org")).await.expect(202);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["email_id"], first.body["email_id"]);
    assert_eq!(again.body["message"], "Email sent successfully");
    send(simple("other@example.org")).await.expect_problem(409);
    let all = app.get("/api/emails", Some(&admin)).await.expect(200).body;
    assert_eq!(all["emails"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn templates_render_per_recipient_and_name_unknown_variables() {
    let app = app().await;
    let admin = app.admin_token().await;
    let customer = app
        .customer(
            &admin,
            json!({"first_name": "Tia", "last_name": "<Bold>", "email": "tia@example.org"}),
        )
        .await;
    let customer_id = customer["customer_id"].as_str().unwrap();
    let bad = app
        .post(
            "/api/email-templates",
            Some(&admin),
            json!({"name": "Bad", "subject": "Hi {{ nickname }}", "body": "x"}),
        )
        .await
        .expect_problem(400);
    assert_eq!(bad.error_fields(), ["subject"]);
    assert!(
        bad.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nickname")
    );
    let created = app
        .post("/api/email-templates", Some(&admin), json!({"name": "Welcome", "subject": "Welcome {{ first_name }}", "body": "Dear {{ full_name }},\nwelcome.", "html": "<p>Dear {{ full_name }}</p>"}))
        .await
        .expect(201);
    let template_id = created.body["template_id"].as_str().unwrap().to_owned();
    app.post(
        "/api/email-templates",
        Some(&admin),
        json!({"name": "welcome", "subject": "x", "body": "y"}),
    )
    .await
    .expect_problem(409);
    let preview = app
        .post(
            &format!("/api/email-templates/{template_id}/preview"),
            Some(&admin),
            json!({"customer_id": customer_id}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(preview["subject"], "Welcome Tia");
    assert_eq!(
        preview["html"], "<p>Dear Tia &lt;Bold&gt;</p>",
        "values are escaped in HTML"
    );
    let (_, _, copy) = sent(
        &app,
        &admin,
        json!({"to": [{"customer_id": customer_id}], "template_id": template_id}),
    )
    .await;
    assert_eq!(copy.subject, "Welcome Tia");
    let missing = app
        .post(
            "/api/emails",
            Some(&admin),
            json!({"to": "nobody@example.org", "template_id": template_id}),
        )
        .await
        .expect_problem(400);
    assert!(
        missing.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("first_name"),
        "{:#}",
        missing.body
    );
    let changed = app
        .call_with(
            Method::PATCH,
            &format!("/api/email-templates/{template_id}"),
            Some(&admin),
            &[("if-match", "\"1\"")],
            Some(json!({"name": "Hello"})),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["version"], 2);
    app.call_with(
        Method::PATCH,
        &format!("/api/email-templates/{template_id}"),
        Some(&admin),
        &[("if-match", "\"1\"")],
        Some(json!({"name": "Again"})),
    )
    .await
    .expect_problem(409);
    let list = app
        .get("/api/email-templates", Some(&admin))
        .await
        .expect(200)
        .body;
    assert_eq!(list["templates"][0]["name"], "Hello");
    app.delete(&format!("/api/email-templates/{template_id}"), Some(&admin))
        .await
        .expect(204);
    app.get(&format!("/api/email-templates/{template_id}"), Some(&admin))
        .await
        .expect_problem(404);
}

#[tokio::test]
async fn agents_see_their_customers_emails_and_customers_see_none() {
    let app = app().await;
    let admin = app.admin_token().await;
    let ours = app.company(&admin, "Ours").await;
    let theirs = app.company(&admin, "Theirs").await;
    let (_, agent) = app.agent_of(&admin, "agent@example.com", &[&ours]).await;
    let mine = app.customer(&admin, json!({"first_name": "Mia", "last_name": "Mine", "email": "mia@example.org", "company_id": ours})).await;
    let other = app.customer(&admin, json!({"first_name": "Oz", "last_name": "Other", "email": "oz@example.org", "company_id": theirs})).await;
    let to_mine = app.send_email(&admin, simple("mia@example.org")).await["email_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let to_other = app.send_email(&admin, simple("oz@example.org")).await["email_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/api/emails/{to_mine}"), Some(&agent))
        .await
        .expect(200);
    app.get(&format!("/api/emails/{to_other}"), Some(&agent))
        .await
        .expect_problem(404);
    app.get(&format!("/api/emails/{to_other}/engagement"), Some(&agent))
        .await
        .expect_problem(404);
    let listed = app.get("/api/emails", Some(&agent)).await.expect(200).body;
    let ids: Vec<&str> = listed["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["email_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [to_mine.as_str()]);
    app.get(
        &format!(
            "/api/customers/{}/emails",
            other["customer_id"].as_str().unwrap()
        ),
        Some(&agent),
    )
    .await
    .expect_problem(404);
    app.post("/api/emails", Some(&agent), simple("oz@example.org"))
        .await
        .expect(202);

    let (customer_id, customer) = app.customer_account("self@example.org").await;
    app.post("/api/emails", Some(&customer), simple("x@example.org"))
        .await
        .expect_problem(403);
    app.get("/api/emails", Some(&customer))
        .await
        .expect_problem(404);
    app.get(&format!("/api/emails/{to_mine}"), Some(&customer))
        .await
        .expect_problem(404);
    app.get(
        &format!("/api/customers/{customer_id}/emails"),
        Some(&customer),
    )
    .await
    .expect_problem(404);
    app.get("/api/email-suppressions", Some(&agent))
        .await
        .expect_problem(403);
    assert_eq!(mine["company_id"], ours.as_str());
}

common::also_on_mongo!(
    the_original_contract_holds,
    opens_are_told_apart_human_prefetch_head_and_too_soon,
    a_honeypot_click_marks_the_hits_around_it_as_a_scanner,
    a_click_redirects_only_to_the_original_url_and_forged_tokens_get_nothing,
    replies_match_by_in_reply_to_and_by_plus_address_and_enter_the_history,
    a_hard_bounce_bounces_and_suppresses_and_unmatched_mail_is_kept,
    the_webhook_needs_its_secret_and_is_off_without_one,
    an_opt_out_is_recorded_and_refuses_later_sends,
    an_idempotency_key_replays_the_first_send,
    templates_render_per_recipient_and_name_unknown_variables,
    agents_see_their_customers_emails_and_customers_see_none,
);
