//! `/api/customers/import` and `/api/customers/export.csv`: customers as CSV.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use crm_customers::{
    Customer, ImportHeader, ImportOptions, ImportReport, RowError, csv_cell, import,
};
use crm_kernel::ValidationErrors;
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::request::CustomerFilterParams;
use crate::http::auth_guard::Caller;
use crate::http::error::ApiError;
use crate::http::fields::flag;
use crate::http::json::{declared_length, read_limited};
use crate::http::pagination::PageParams;
use crate::state::AppState;

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Update the customer that has a row's email instead of reporting a duplicate.
    #[param(value_type = Option<bool>)]
    pub upsert: Option<String>,
    /// Validate only; write nothing.
    #[param(value_type = Option<bool>)]
    pub dry_run: Option<String>,
    /// Write nothing unless every row is valid.
    #[param(value_type = Option<bool>)]
    pub atomic: Option<String>,
}

/// A CSV file, sent as the raw request body: the document says `binary`
/// so that generated clients send a file's bytes as they are.
#[derive(Debug)]
pub struct CsvFile;

impl PartialSchema for CsvFile {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for CsvFile {}

/// Import customers from CSV (admins).
///
/// The first line names the columns, as the customer's JSON fields:
/// `first_name`, `last_name` (required), `email`, `phone`, `company_id`,
/// `status`, `notes`, `owner_id`, `tags` (separated by `;`), `source`.
/// UTF-8, with or without a byte-order mark. Every row is validated and the
/// answer reports each problem with its line number (the header is line 1).
/// Without `atomic`, valid rows are written and invalid ones skipped; with
/// `atomic`, nothing is written if any row fails. `dry_run` only validates.
#[utoipa::path(
    tag = "customers",
    params(ImportParams),
    request_body(content = inline(CsvFile), content_type = "text/csv", description = "CSV with a header line"),
    responses((status = 200, description = "The import report (also when rows failed)", body = ImportReport))
)]
#[post("/api/customers/import")]
pub async fn import_customers(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<ImportParams>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let options = ImportOptions {
        upsert: flag(&mut errors, "upsert", params.upsert.as_deref()),
        dry_run: flag(&mut errors, "dry_run", params.dry_run.as_deref()),
        atomic: flag(&mut errors, "atomic", params.atomic.as_deref()),
    };
    errors.into_result()?;
    let limit = state.max_import_bytes;
    if declared_length(&req).is_some_and(|length| length > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    if !is_csv(&req) {
        return Err(ApiError::invalid_field("Content-Type", "must be text/csv"));
    }
    let body = read_limited(&mut payload, limit).await?;
    let text = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&body);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let columns = header(&mut reader)?;
    let rows = reader.into_records().map(|record| {
        let record = record.map_err(|error| RowError {
            row: error.position().map_or(0, csv::Position::line),
            field: "row".to_owned(),
            message: format!("is not valid CSV: {error}"),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        columns.row(line, record.iter())
    });
    let report = state
        .customers
        .import_customers(&caller.0, rows, options)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The header's columns, or a 400 naming every problem with them.
fn header(reader: &mut csv::Reader<&[u8]>) -> Result<ImportHeader, ApiError> {
    let header = reader
        .headers()
        .map_err(|e| ApiError::invalid_field("header", format!("is not valid CSV: {e}")))?;
    Ok(ImportHeader::parse(header.iter())?)
}

fn is_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| essence == "text/csv" || essence == "application/csv")
}

fn csv_line(values: &[String]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(values);
    writer.into_inner().unwrap_or_default()
}

/// One customer's cells, each quoted against spreadsheet formulas
/// (`crm_customers::csv_cell`).
fn export_row(customer: Customer) -> Vec<String> {
    let text = |v: Option<String>| v.unwrap_or_default();
    let cells = vec![
        customer.id.to_string(),
        customer.first_name.to_string(),
        customer.last_name.to_string(),
        text(customer.email.map(|e| e.to_string())),
        text(customer.phone.map(|p| p.to_string())),
        text(customer.company_id.map(|c| c.to_string())),
        text(customer.company),
        customer.status.to_string(),
        text(customer.notes.map(|n| n.to_string())),
        text(customer.owner_id.map(|o| o.to_string())),
        customer.tags.to_strings().join(";"),
        text(customer.source.map(|s| s.to_string())),
        customer.created_at.to_string(),
        customer.updated_at.to_string(),
        text(customer.last_interaction.map(|t| t.to_string())),
    ];
    cells
        .into_iter()
        .map(|cell| match csv_cell::neutralise(&cell) {
            std::borrow::Cow::Borrowed(_) => cell,
            std::borrow::Cow::Owned(quoted) => quoted,
        })
        .collect()
}

/// Export the customers the caller may see as CSV (staff).
///
/// Takes the list's filters and sort; streams every matching customer,
/// page by page, so large exports do not build up in memory.
// `limit` and `cursor` are documented (as they always were) but not read:
// the export always runs to the last page.
#[utoipa::path(
    tag = "customers",
    params(PageParams, CustomerFilterParams),
    responses((status = 200, description = "CSV with a header line", body = String, content_type = "text/csv"))
)]
#[get("/api/customers/export.csv")]
pub async fn export_customers(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<CustomerFilterParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = params.query(&mut errors);
    errors.into_result()?;
    // The first batch is read now, so that a refusal is a proper error response.
    let export = state.customers.export_customers(&caller.0, query).await?;
    let header = csv_line(&import::EXPORT_COLUMNS.map(str::to_owned));
    let batches = stream::unfold(Some(export), |export| async move {
        let mut export = export?;
        match export.next_batch().await {
            Ok(None) => None,
            Ok(Some(customers)) => {
                let mut bytes = Vec::new();
                for customer in customers {
                    bytes.extend(csv_line(&export_row(customer)));
                }
                Some((Ok(web::Bytes::from(bytes)), Some(export)))
            }
            Err(error) => {
                tracing::error!(%error, "export stopped: a page could not be read");
                Some((
                    Err(actix_web::error::ErrorInternalServerError("export failed")),
                    None,
                ))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(header)) })
        .chain(batches);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"customers.csv\"",
        ))
        .streaming(body))
}
