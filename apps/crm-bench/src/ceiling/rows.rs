//! The ceiling's bare read of one customer by primary key, from either
//! store: what a store call costs with nothing around it.

use std::cell::RefCell;
use std::path::PathBuf;

use mongodb::bson::{Bson, Document, doc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::BenchError;

/// Where the ceiling reads customers.
pub enum Rows {
    /// The SQLite file, on a read-only connection per worker thread.
    Sqlite(PathBuf),
    /// The customers collection of the run's MongoDB database.
    Mongo(mongodb::Collection<Document>),
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// The fields both reads return (those of the SQLite read).
const FIELDS: [&str; 9] = [
    "first_name",
    "last_name",
    "email",
    "company_id",
    "status",
    "created_at",
    "updated_at",
    "last_interaction",
    "version",
];

impl Rows {
    /// The customers of database `name` on the server at `uri`.
    pub async fn mongo(uri: &str, name: &str) -> Result<Self, BenchError> {
        let client = mongodb::Client::with_uri_str(uri)
            .await
            .map_err(|e| BenchError::Server(format!("ceiling: {e}")))?;
        Ok(Self::Mongo(client.database(name).collection("customers")))
    }

    /// Customer `id` as JSON, if there is one.
    pub async fn read(&self, id: &str) -> Result<Option<serde_json::Value>, String> {
        match self {
            Self::Sqlite(path) => read_sqlite(path, id).map_err(|e| e.to_string()),
            Self::Mongo(customers) => {
                let projection: Document = FIELDS
                    .iter()
                    .map(|f| ((*f).to_owned(), Bson::Int32(1)))
                    .collect();
                let found = customers
                    .find_one(doc! { "_id": id })
                    .projection(projection)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(found.map(|document| {
                    let mut value = Bson::Document(document).into_relaxed_extjson();
                    if let Some(object) = value.as_object_mut()
                        && let Some(id) = object.remove("_id")
                    {
                        object.insert("customer_id".into(), id);
                    }
                    value
                }))
            }
        }
    }
}

fn read_sqlite(database: &PathBuf, id: &str) -> rusqlite::Result<Option<serde_json::Value>> {
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
