//! # crm-charts
//!
//! Renders `crm-analytics` chart specifications (see the following commits).
