//! # crm-customers
//!
//! The customers context: the people and organisations everything else in
//! the CRM links to.
//!
//! It owns [`Company`] and [`Customer`] records, the customer lifecycle
//! ([`LifecycleStatus`]: lead → prospect → customer → churned, and back from
//! churned) with every change recorded ([`StatusChange`]), who may see and
//! change which customer ([`CustomerPolicy`]), the GDPR-style erasure that
//! keeps an anonymised tombstone, the rules of CSV imports (the header's
//! columns, each row's values) and exports of every customer a query matches.
//!
//! Storage is behind the ports in [`ports`]; [`CustomerService`] holds the
//! rules. With the `mocks` feature the crate exports `mockall` mocks of its ports.

pub mod company;
pub mod csv_cell;
pub mod customer;
pub mod error;
pub mod history;
pub mod import;
pub mod import_header;
pub mod lifecycle;
pub mod policy;
pub mod ports;
pub mod query;
pub mod service;
pub mod values;

pub use company::{Company, CompanyPatch, NewCompany};
pub use customer::{Customer, CustomerPatch, NewCustomer};
pub use error::CustomerError;
pub use history::CustomerHistory;
pub use import::{ImportOptions, ImportReport, ImportRow, RowError};
pub use import_header::ImportHeader;
pub use lifecycle::{LifecycleStatus, StatusChange};
pub use policy::{AgentScope, CustomerPolicy, CustomerResource, Visibility};
pub use query::{
    CompanyQuery, CompanySort, CustomerQuery, CustomerSort, CustomerSortField, UnknownCompanySort,
};
pub use service::{CustomerExport, CustomerPorts, CustomerService};
pub use values::{Tag, Tags, Version, Website};
