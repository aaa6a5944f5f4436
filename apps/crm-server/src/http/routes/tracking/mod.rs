//! Tracking and opt-out links, reached from inside messages: no bearer
//! token, always fast. `GET /t/o/{token}` (the 1×1 image), `GET /t/c/{token}`
//! (a tracked link: 302 only to the URL that was in the message), and
//! `GET`/`POST /t/u/{token}` (RFC 8058 one-click unsubscribe: the `GET`
//! page only offers the button, so link scanners opt nobody out).

pub mod pages;

use std::net::IpAddr;

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, get, post, route, web};
use crm_email::tracking::purpose_is_prefetch;
use crm_email::{ClickTarget, EmailError, Hit};

use crate::state::AppState;

/// Registers `/t/o`, `/t/c` and `/t/u`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(open_pixel)
        .service(click)
        .service(unsubscribe_page)
        .service(unsubscribe);
}

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// How the request arrived, for telling people from machines.
fn hit(req: &HttpRequest) -> Hit {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let purpose = [
        header("sec-purpose"),
        header("purpose"),
        header("x-moz"),
        header("x-purpose"),
    ];
    Hit {
        head: req.method() == Method::HEAD,
        user_agent: header("user-agent"),
        ip: req.connection_info().realip_remote_addr().and_then(|addr| {
            addr.parse::<IpAddr>()
                .ok()
                .or_else(|| addr.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        }),
        prefetch: purpose.iter().flatten().any(|p| purpose_is_prefetch(p)),
    }
}

/// Opens recorded in the background at most, per process.
const BACKGROUND_OPENS: usize = 256;

/// The permits of the opens recorded in the background.
static PENDING_OPENS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(BACKGROUND_OPENS);

/// The tracking image of a message: always the image (even for an unknown
/// token), never cached; the open is recorded in the background (or, when
/// [`BACKGROUND_OPENS`] are waiting already, before the answer).
#[utoipa::path(
    get,
    path = "/t/o/{token}",
    tag = "tracking",
    params(("token" = String, Path, description = "The signed token of the recipient's image")),
    responses((status = 200, description = "A transparent 1×1 GIF", content_type = "image/gif", body = inline(crate::http::binary::Binary))),
    security(())
)]
#[route("/t/o/{token}", method = "GET", method = "HEAD")]
pub async fn open_pixel(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let hit = hit(&req);
    let email = state.email.clone();
    let token = token.into_inner();
    let record = async move {
        match email.track_open(&token, &hit).await {
            Ok(()) | Err(EmailError::InvalidToken) => {}
            Err(error) => tracing::warn!(%error, "cannot record an open"),
        }
    };
    // At most BACKGROUND_OPENS opens wait for the writer in the background;
    // beyond that a request records its own before it answers. Unbounded,
    // a flood of image requests (anyone may send them) queued hundreds of
    // thousands of tasks: gigabytes, and minutes of writes behind them.
    match PENDING_OPENS.try_acquire() {
        Ok(permit) => {
            tokio::spawn(async move {
                record.await;
                drop(permit);
            });
        }
        Err(_) => record.await,
    }
    HttpResponse::Ok()
        .content_type("image/gif")
        .insert_header((header::CACHE_CONTROL, "no-store, max-age=0"))
        .body(PIXEL)
}

/// A tracked link: `302` to the URL that was at that place in the message
/// (nothing else: the token is signed); the hidden link answers an empty
/// page; an unknown token a plain 404 page.
#[utoipa::path(
    get,
    path = "/t/c/{token}",
    tag = "tracking",
    params(("token" = String, Path, description = "The signed token of one link of one recipient")),
    responses(
        (status = 302, description = "To the link's URL", headers(("location" = String, description = "The URL in the message"))),
        (status = 200, description = "The hidden link: an empty page", content_type = "text/html", body = String),
        (status = 404, description = "Unknown link: a plain page", content_type = "text/html", body = String),
    ),
    security(())
)]
#[route("/t/c/{token}", method = "GET", method = "HEAD")]
pub async fn click(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    match state.email.track_click(&token, &hit(&req)).await {
        Ok(ClickTarget::Redirect(url)) => HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Ok(ClickTarget::Honeypot) => pages::page(actix_web::http::StatusCode::OK, "", ""),
        Err(EmailError::InvalidToken) => pages::not_found(),
        Err(error) => {
            tracing::error!(%error, "cannot follow a tracked link");
            pages::not_found()
        }
    }
}

/// The unsubscribe page of `List-Unsubscribe`: a button that posts back.
#[utoipa::path(
    tag = "tracking",
    params(("token" = String, Path, description = "The signed unsubscribe token of one recipient")),
    responses(
        (status = 200, description = "A page with the unsubscribe button", content_type = "text/html", body = String),
        (status = 404, description = "Unknown link", content_type = "text/html", body = String),
    ),
    security(())
)]
#[get("/t/u/{token}")]
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    if state.email.verify_unsubscribe(&token).is_some() {
        pages::unsubscribe_form(&token)
    } else {
        pages::not_found()
    }
}

/// Opt out (RFC 8058 one-click: `List-Unsubscribe=One-Click` posted by the
/// mail program, or the page's button; the body is not read): the address goes on the
/// suppression list and the opt-out enters the customer's history.
#[utoipa::path(
    tag = "tracking",
    params(("token" = String, Path, description = "The signed unsubscribe token of one recipient")),
    responses(
        (status = 200, description = "Unsubscribed", content_type = "text/html", body = String),
        (status = 404, description = "Unknown link", content_type = "text/html", body = String),
    ),
    security(())
)]
#[post("/t/u/{token}")]
pub async fn unsubscribe(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.email.unsubscribe(&token).await {
        Ok(_) => pages::unsubscribed(),
        Err(EmailError::InvalidToken) => pages::not_found(),
        Err(error) => {
            tracing::error!(%error, "cannot record an opt-out");
            pages::page(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "We could not record your choice just now. Please try again in a minute.",
            )
        }
    }
}
