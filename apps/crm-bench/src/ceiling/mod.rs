//! The ceiling server: the same HTTP stack as the CRM (actix-web, its
//! default workers) with the same access-token check (HS256, the server's
//! `JwtIssuer`), answering either a fixed document or one customer read by
//! primary key (`rows.rs`): from the same SQLite file on a connection of the
//! worker's own thread, or from the same MongoDB database with one
//! `find_one` by `_id` through the driver's pool. Nothing else: no session
//! lookup, no middleware. Run as `crm-bench ceiling` (a child process, like
//! the server).

mod rows;

use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use crm_auth::{JwtIssuer, JwtSecret};
use crm_identity::ports::TokenIssuer as _;
use crm_kernel::{Clock as _, SystemClock};

use crate::error::BenchError;

/// The variable that names the database file of the ceiling server.
pub const DATABASE_VAR: &str = "CRM_BENCH_DATABASE";
/// The variable that names the MongoDB server of the ceiling server.
pub const MONGO_URI_VAR: &str = "CRM_BENCH_CEILING_MONGO_URI";
/// The variable that names the MongoDB database of the ceiling server.
pub const MONGO_DATABASE_VAR: &str = "CRM_BENCH_CEILING_MONGO_DATABASE";

/// A document of about the size of a customer's JSON.
const FIXED: &str = r#"{"customer_id":"01890a5d-ac96-774b-bcce-b302099a8057","first_name":"Ann","last_name":"Lee","email":"ann.lee@example.com","phone":null,"company_id":"01890a5d-ac96-774b-bcce-b302099a8058","company":"Example Ltd","status":"customer","notes":null,"owner_id":null,"tags":["vip"],"source":"website","created_at":"2025-01-01T10:00:00.000Z","updated_at":"2025-01-01T10:00:00.000Z","last_interaction":null,"has_account":false,"version":3}"#;

struct State {
    tokens: JwtIssuer,
    rows: rows::Rows,
}

fn authorized(req: &HttpRequest, state: &State) -> bool {
    let Some(token) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    state.tokens.verify_access(token, SystemClock.now()).is_ok()
}

async fn fixed(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    if !authorized(&req, &state) {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .body(FIXED)
}

async fn row(req: HttpRequest, state: web::Data<State>, id: web::Path<String>) -> HttpResponse {
    if !authorized(&req, &state) {
        return HttpResponse::Unauthorized().finish();
    }
    match state.rows.read(&id).await {
        Ok(Some(value)) => HttpResponse::Ok().json(value),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(error) => {
            tracing::warn!(%error, "ceiling read");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Serves the ceiling routes until killed (`CRM_LISTEN`, `CRM_JWT_SECRET`,
/// and [`DATABASE_VAR`] or [`MONGO_URI_VAR`] with [`MONGO_DATABASE_VAR`]
/// from the environment).
pub fn serve() -> Result<(), BenchError> {
    let var = |name: &str| {
        std::env::var(name).map_err(|_| BenchError::Server(format!("{name} is not set")))
    };
    let listen = var("CRM_LISTEN")?;
    let secret = JwtSecret::new(var("CRM_JWT_SECRET")?.into_bytes())
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let rows = match (var(MONGO_URI_VAR), var(MONGO_DATABASE_VAR)) {
            (Ok(uri), Ok(name)) => rows::Rows::mongo(&uri, &name).await?,
            _ => rows::Rows::Sqlite(PathBuf::from(var(DATABASE_VAR)?)),
        };
        let state = web::Data::new(State {
            tokens: JwtIssuer::new(&secret),
            rows,
        });
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/ceiling/fixed", web::get().to(fixed))
                .route("/ceiling/row/{id}", web::get().to(row))
                .route("/health/ready", web::get().to(HttpResponse::Ok))
        })
        .bind(listen)?
        .run()
        .await?;
        Ok::<(), BenchError>(())
    })
}
