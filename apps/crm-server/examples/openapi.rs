//! Writes the OpenAPI document the server serves at `/openapi.json`, without
//! starting a server (for `scripts/openapi-client.sh`):
//!
//! ```text
//! cargo run -p crm-server --example openapi -- target/openapi.json
//! ```
//!
//! Without a path, the document goes to standard output.

use std::io::Write;

use utoipa::OpenApi;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let document = crm_server::http::openapi::ApiDoc::openapi().to_pretty_json()?;
    match std::env::args_os().nth(1) {
        Some(path) => std::fs::write(path, document)?,
        None => std::io::stdout().write_all(document.as_bytes())?,
    }
    Ok(())
}
