//! OpenAPI schema helpers shared by the value objects of this crate.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// A string schema with an optional well-known format, description and length bounds.
pub(crate) fn string_schema(
    format: Option<KnownFormat>,
    description: &str,
    min_length: Option<usize>,
    max_length: Option<usize>,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(format.map(SchemaFormat::KnownFormat))
        .description(Some(description))
        .min_length(min_length)
        .max_length(max_length)
        .into()
}
