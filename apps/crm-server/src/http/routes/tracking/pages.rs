//! The small HTML pages of the tracking and opt-out links.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;

use crate::http::observe::PlainPage;

/// A plain page with a heading and a paragraph.
pub fn page(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">\
         <title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>",
        title = html_escape::encode_text(title),
        text = html_escape::encode_text(text)
    );
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body);
    response.extensions_mut().insert(PlainPage);
    response
}

/// The page of an unknown link.
pub fn not_found() -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        "Link not found",
        "This link is not valid. It may have been copied incompletely.",
    )
}

/// The page that asks before opting out.
pub fn unsubscribe_form(token: &str) -> HttpResponse {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">\
         <title>Unsubscribe</title></head><body><h1>Unsubscribe</h1>\
         <p>Stop receiving email from us at this address?</p>\
         <form method=\"post\" action=\"/t/u/{token}\">\
         <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">Unsubscribe</button></form></body></html>",
        token = html_escape::encode_double_quoted_attribute(token)
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The page after opting out.
pub fn unsubscribed() -> HttpResponse {
    page(
        StatusCode::OK,
        "Unsubscribed",
        "You will not receive email from us at this address any more.",
    )
}
