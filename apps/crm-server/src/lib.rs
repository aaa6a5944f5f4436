//! # crm-server
//!
//! The CRM's binary: configuration, wiring of adapters into services, the
//! actix-web HTTP layer with its OpenAPI document, and the operator's
//! commands (`serve`, `migrate`, `create-admin`, `seed-demo`). It holds no
//! business rule: those live in the domain crates.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod entry;
pub mod error;
pub mod http;
pub mod mail;
pub mod secret_file;
pub mod state;
pub mod stores;
pub mod telemetry;
pub mod wiring;
