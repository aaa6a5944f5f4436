//! What can stop a benchmark run.

/// Why the benchmark failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The run cannot start as configured (exit status 2): a missing
    /// variable, a store that cannot be reached.
    #[error("configuration: {0}")]
    Config(String),
    /// A value the generator made was refused by the domain.
    #[error("generated data was refused: {0}")]
    Data(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
    /// The loaded data breaks an invariant.
    #[error("invariants broken after loading: {0}")]
    Invariants(String),
    /// The server or the ceiling server misbehaved.
    #[error("server: {0}")]
    Server(String),
    /// A file could not be written or read.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A service refused a call.
    #[error("service: {0}")]
    Service(String),
}

macro_rules! data_errors {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for BenchError {
            fn from(error: $error) -> Self {
                Self::Data(error.to_string())
            }
        })*
    };
}

data_errors!(
    crm_kernel::TextError,
    crm_kernel::EmailError,
    crm_customers::values::ValueError,
    crm_identity::PasswordError,
    crm_kernel::ValidationErrors,
);

macro_rules! service_errors {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for BenchError {
            fn from(error: $error) -> Self {
                Self::Service(error.to_string())
            }
        })*
    };
}

service_errors!(
    crm_email::EmailError,
    crm_customers::CustomerError,
    crm_tickets::TicketError,
    crm_interactions::InteractionError,
    crm_identity::IdentityError,
    crm_identity::ports::HasherError,
);

macro_rules! store_errors {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for BenchError {
            fn from(error: $error) -> Self {
                Self::Store(error.to_string())
            }
        })*
    };
}

store_errors!(
    crm_kernel::BackendError,
    crm_identity::ports::StoreError,
    crm_customers::ports::StoreError,
    crm_store_sqlite::OpenError,
    crm_store_sqlite::MigrationError,
    crm_store_mongo::MigrationError,
);

impl From<serde_json::Error> for BenchError {
    fn from(error: serde_json::Error) -> Self {
        Self::Io(std::io::Error::other(error))
    }
}
