//! Connecting: the client, its database and the write concern every write uses.

use std::fmt;

use mongodb::bson::Document;
use mongodb::options::{ClientOptions, WriteConcern};
use mongodb::{Client, Collection, Database};

/// The database used when the connection string names none.
pub const DEFAULT_DATABASE: &str = "crm";

/// The CRM's store on one MongoDB database.
///
/// Every write is acknowledged by a majority of the replica set (a write a
/// failover could lose is never reported as done); reads inside transactions
/// read a majority-committed snapshot. Clones are cheap and share the
/// driver's connection pool.
#[derive(Clone)]
pub struct MongoStore {
    client: Client,
    database: Database,
}

impl fmt::Debug for MongoStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client's options may hold credentials: show the database only.
        f.debug_struct("MongoStore")
            .field("database", &self.database.name())
            .finish_non_exhaustive()
    }
}

/// Why the store could not connect.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The connection string is not one the driver accepts.
    #[error("invalid MongoDB connection string: {0}")]
    InvalidUri(#[source] mongodb::error::Error),
    /// No server answered (or it refused the credentials).
    #[error("cannot reach MongoDB: {0}")]
    Unavailable(#[source] mongodb::error::Error),
    /// The server is a standalone `mongod`: it has no multi-document
    /// transactions, which the store's writes need.
    #[error(
        "MongoDB runs standalone, without transactions: run it as a replica set \
         (a one-node set will do: start mongod with --replSet rs0 and run rs.initiate() once)"
    )]
    NotReplicaSet,
}

/// Whether the server that answered `hello` runs transactions: a member of
/// a replica set (`setName`) or a sharded cluster's router (`isdbgrid`).
pub(crate) fn has_transactions(hello: &Document) -> bool {
    hello.get_str("setName").is_ok() || hello.get_str("msg") == Ok("isdbgrid")
}

impl MongoStore {
    /// Connects with a `mongodb://` or `mongodb+srv://` connection string and
    /// uses the database it names (`/crm` in `mongodb://host/crm`), or
    /// [`DEFAULT_DATABASE`]. Asks the server `hello`, so a wrong address
    /// fails here, and so does a standalone server
    /// ([`ConnectError::NotReplicaSet`]: the store needs transactions).
    ///
    /// It does not migrate: call [`MongoStore::migrate`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect(uri: &str) -> Result<Self, ConnectError> {
        Self::connect_to(uri, None).await
    }

    /// Connects as [`MongoStore::connect`] does, to the database `name`
    /// whatever the connection string says (tests use one database each).
    #[tracing::instrument(level = "debug", skip_all, fields(database = name))]
    pub async fn connect_to_database(uri: &str, name: &str) -> Result<Self, ConnectError> {
        Self::connect_to(uri, Some(name)).await
    }

    async fn connect_to(uri: &str, name: Option<&str>) -> Result<Self, ConnectError> {
        let mut options = ClientOptions::parse(uri)
            .await
            .map_err(ConnectError::InvalidUri)?;
        options.write_concern = Some(WriteConcern::majority());
        if options.app_name.is_none() {
            options.app_name = Some("crm".to_owned());
        }
        let database = name
            .map(str::to_owned)
            .or_else(|| options.default_database.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        let client = Client::with_options(options).map_err(ConnectError::InvalidUri)?;
        let store = Self {
            database: client.database(&database),
            client,
        };
        let hello = store
            .database
            .run_command(mongodb::bson::doc! { "hello": 1 })
            .await
            .map_err(ConnectError::Unavailable)?;
        if !has_transactions(&hello) {
            return Err(ConnectError::NotReplicaSet);
        }
        tracing::debug!(database = %database, "MongoDB store connected");
        Ok(store)
    }

    /// The name of the database the store uses.
    #[must_use]
    pub fn database_name(&self) -> &str {
        self.database.name()
    }

    /// Deletes the whole database: every collection and the migration
    /// record. For tests and for tearing down a demo; there is no undo.
    #[tracing::instrument(level = "debug", skip_all, fields(database = self.database.name()))]
    pub async fn drop_database(&self) -> Result<(), crm_kernel::BackendError> {
        self.database
            .drop()
            .await
            .map_err(crm_kernel::BackendError::new)
    }

    /// Asks the server whether it answers.
    pub(crate) async fn ping(&self) -> Result<(), mongodb::error::Error> {
        self.database
            .run_command(mongodb::bson::doc! { "ping": 1 })
            .await
            .map(|_| ())
    }

    /// The driver's client (for sessions).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The database.
    pub(crate) fn database(&self) -> &Database {
        &self.database
    }

    /// A collection of the database, as plain documents.
    pub(crate) fn collection(&self, name: &str) -> Collection<Document> {
        self.database.collection(name)
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;

    #[test]
    fn replica_sets_and_routers_have_transactions_standalone_servers_not() {
        assert!(has_transactions(
            &doc! { "isWritablePrimary": true, "setName": "rs0" }
        ));
        assert!(has_transactions(
            &doc! { "isWritablePrimary": true, "msg": "isdbgrid" }
        ));
        assert!(!has_transactions(&doc! { "isWritablePrimary": true }));
    }
}
