//! `POST /api/emails/inbound`: the webhook a mail gateway posts replies and
//! bounces to (raw RFC 5322, `message/rfc822`), and
//! `GET /api/emails/inbound/unmatched`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use crm_email::InboundKind;
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};

use super::body::{InboundBody, InboundReceivedBody, UnmatchedList};
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::pagination::{PageParams, paginate};
use crate::state::AppState;

/// The header that carries the webhook's secret.
pub const SECRET_HEADER: &str = "x-crm-inbound-secret";

/// Whether the request carries the configured secret. The SHA-256 digests
/// are compared, so the time taken tells nothing about the secret.
fn authorised(req: &HttpRequest, secret: &str) -> bool {
    let given = req
        .headers()
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    Sha256::digest(&given) == Sha256::digest(secret.as_bytes())
}

/// The body, refused beyond `limit` bytes.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid_field("body", e))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Take an inbound message: a reply or a delivery report (no bearer token:
/// the `X-CRM-Inbound-Secret` header authenticates the gateway).
///
/// The body is the raw message (`Content-Type: message/rfc822`). A reply
/// is matched by `In-Reply-To`/`References`, then by its `reply+TOKEN@…`
/// address, and filed with its text stripped of quotes and signature; a
/// delivery status notification (RFC 3464) is matched by its VERP address
/// (`bounce+TOKEN@…`) or the original `Message-ID`: 5.x.x bounces the
/// recipient and suppresses the address, 4.x.x records a soft bounce.
/// Anything else is kept as unmatched. The same `Message-ID` posted again
/// is filed once. With `CRM_INBOUND_SECRET` unset the webhook does not
/// exist (404).
#[utoipa::path(
    tag = "emails",
    params(("x-crm-inbound-secret" = String, Header, description = "The value of CRM_INBOUND_SECRET")),
    request_body(content = inline(crate::http::binary::Binary), content_type = "message/rfc822", description = "The raw RFC 5322 message"),
    responses(
        (status = 200, description = "Filed", body = InboundReceivedBody),
        (status = 401, description = "Missing or wrong X-CRM-Inbound-Secret", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The webhook is off (CRM_INBOUND_SECRET unset)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Message over the configured limit", body = crate::http::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/api/emails/inbound")]
pub async fn receive_inbound(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some(secret) = state.inbound_secret.as_ref() else {
        return Err(ApiError::not_found("No resource at this path."));
    };
    if !authorised(&req, secret.expose()) {
        return Err(ApiError::unauthenticated(
            "Missing or wrong X-CRM-Inbound-Secret.",
        ));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("message/rfc822") {
        return Err(ApiError::invalid_field(
            "Content-Type",
            "must be message/rfc822",
        ));
    }
    let body = read_body(payload, state.max_import_bytes).await?;
    let mail = crm_smtp::parse_inbound(&body).map_err(|e| ApiError::invalid_field("body", e))?;
    let received = state.email.receive(mail).await?;
    if !received.duplicate {
        match received.record.kind {
            InboundKind::HardBounce => {
                metrics::counter!("email_bounces_total", "kind" => "hard").increment(1);
            }
            InboundKind::SoftBounce => {
                metrics::counter!("email_bounces_total", "kind" => "soft").increment(1);
            }
            InboundKind::Reply | InboundKind::Report | InboundKind::Unmatched => {}
        }
    }
    Ok(HttpResponse::Ok().json(InboundReceivedBody {
        duplicate: received.duplicate,
        inbound: InboundBody::from(received.record),
    }))
}

/// Inbound mail that matched none of our messages, newest first (admins).
#[utoipa::path(
    tag = "emails",
    params(PageParams),
    responses((status = 200, description = "One page of unmatched mail", body = UnmatchedList))
)]
#[get("/api/emails/inbound/unmatched")]
pub async fn unmatched_inbound(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let list: UnmatchedList = paginate(
        &state,
        &page,
        "inbound-unmatched",
        crm_kernel::ValidationErrors::new(),
        |state, page| async move { state.email.unmatched(&caller.0, &page).await },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
