//! The ceiling server: the same HTTP stack as the CRM (actix-web, its
//! default workers) with the same access-token check (HS256, the server's
//! `JwtIssuer`), answering either a fixed document or one customer row read
//! by primary key from the same SQLite file on a connection of the worker's
//! own thread. Nothing else: no session lookup, no middleware, no pool.
//! Run as `crm-bench ceiling` (a child process, like the server).

use std::cell::RefCell;
use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use crm_auth::{JwtIssuer, JwtSecret};
use crm_identity::ports::TokenIssuer as _;
use crm_kernel::{Clock as _, SystemClock};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::BenchError;

/// The variable that names the database file of the ceiling server.
pub const DATABASE_VAR: &str = "CRM_BENCH_DATABASE";

/// A document of about the size of a customer's JSON.
const FIXED: &str = r#"{"customer_id":"01890a5d-ac96-774b-bcce-b302099a8057","first_name":"Ann","last_name":"Lee","email":"ann.lee@example.com","phone":null,"company_id":"01890a5d-ac96-774b-bcce-b302099a8058","company":"Example Ltd","status":"customer","notes":null,"owner_id":null,"tags":["vip"],"source":"website","created_at":"2025-01-01T10:00:00.000Z","updated_at":"2025-01-01T10:00:00.000Z","last_interaction":null,"has_account":false,"version":3}"#;

struct State {
    tokens: JwtIssuer,
    database: PathBuf,
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
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

fn read_row(database: &PathBuf, id: &str) -> rusqlite::Result<Option<serde_json::Value>> {
    CONNECTION.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let conn = Connection::open_with_flags(
                database,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            *slot = Some(conn);
        }
        let Some(conn) = slot.as_ref() else {
            return Ok(None);
        };
        conn.prepare_cached(
            "SELECT id, first_name, last_name, email, company_id, status, created_at, \
             updated_at, last_interaction, version FROM customers WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok(serde_json::json!({
                "customer_id": row.get::<_, String>(0)?,
                "first_name": row.get::<_, String>(1)?,
                "last_name": row.get::<_, String>(2)?,
                "email": row.get::<_, Option<String>>(3)?,
                "company_id": row.get::<_, Option<String>>(4)?,
                "status": row.get::<_, String>(5)?,
                "created_at": row.get::<_, String>(6)?,
                "updated_at": row.get::<_, String>(7)?,
                "last_interaction": row.get::<_, Option<String>>(8)?,
                "version": row.get::<_, i64>(9)?,
            }))
        })
        .optional()
    })
}

async fn row(req: HttpRequest, state: web::Data<State>, id: web::Path<String>) -> HttpResponse {
    if !authorized(&req, &state) {
        return HttpResponse::Unauthorized().finish();
    }
    match read_row(&state.database, &id) {
        Ok(Some(value)) => HttpResponse::Ok().json(value),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// Serves the ceiling routes until killed (`CRM_LISTEN`, `CRM_JWT_SECRET`,
/// [`DATABASE_VAR`] from the environment).
pub fn serve() -> Result<(), BenchError> {
    let var = |name: &str| {
        std::env::var(name).map_err(|_| BenchError::Server(format!("{name} is not set")))
    };
    let listen = var("CRM_LISTEN")?;
    let secret = JwtSecret::new(var("CRM_JWT_SECRET")?.into_bytes())
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let database = PathBuf::from(var(DATABASE_VAR)?);
    let state = web::Data::new(State {
        tokens: JwtIssuer::new(&secret),
        database,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/ceiling/fixed", web::get().to(fixed))
                .route("/ceiling/row/{id}", web::get().to(row))
                .route("/health/ready", web::get().to(HttpResponse::Ok))
        })
        .bind(listen)?
        .run()
        .await
    })?;
    Ok(())
}
