//! Typed ids in paths.
//!
//! Every path parameter of this API is an id, named after its resource
//! (`{customer_id}`), and handlers take it typed: `web::Path<CustomerId>`.
//! The kernel's ids deserialize from their text, so a malformed one fails
//! extraction; [`config`] answers that with a problem+json 400 naming the
//! path segment, and [`PathIds`] documents each segment in the OpenAPI
//! document. Both read the segment names from the route, so the field a
//! client is told about is the one in the path it called.

use actix_web::error::PathError;
use actix_web::{HttpRequest, web};
use crm_kernel::ValidationErrors;
use utoipa::Modify;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};

use super::error::ApiError;
use super::openapi::operations;

/// What a client is told about a path id that does not parse.
const INVALID_ID: &str = "is not a valid id";

/// The `web::Path` configuration: a malformed id is a 400 naming its segment.
pub fn config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, req| invalid_id(&error, req))
}

fn invalid_id(error: &PathError, req: &HttpRequest) -> actix_web::Error {
    tracing::debug!(%error, "path parameter refused");
    let mut errors = ValidationErrors::new();
    for (segment, _) in req.match_info().iter() {
        errors.add(segment, INVALID_ID);
    }
    if errors.is_empty() {
        errors.add("path", INVALID_ID);
    }
    ApiError::from(errors).into()
}

/// Documents every `{…_id}` segment of every path as a required UUID path
/// parameter, unless the operation's annotation already describes it.
#[derive(Debug)]
pub struct PathIds;

impl Modify for PathIds {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            let ids = segments(path);
            if ids.is_empty() {
                continue;
            }
            for operation in operations(item) {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                for (position, name) in ids.iter().enumerate() {
                    let documented = parameters.iter().any(|p| match p {
                        RefOr::T(p) => p.name == *name && p.parameter_in == ParameterIn::Path,
                        RefOr::Ref(_) => false,
                    });
                    if !documented {
                        parameters.insert(position, RefOr::T(id_parameter(name)));
                    }
                }
            }
        }
    }
}

/// The `{name}` segments of a path template that name ids, in order.
fn segments(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name.to_owned())
        .filter(|name| name.ends_with("_id"))
        .collect()
}

fn id_parameter(name: &str) -> utoipa::openapi::path::Parameter {
    let resource = name.trim_end_matches("_id");
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!("The {resource}'s id.")))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_id_segments_of_a_path() {
        assert_eq!(
            segments("/api/interactions/{interaction_id}.ics"),
            ["interaction_id"]
        );
        assert_eq!(
            segments("/api/customers/{customer_id}/tickets"),
            ["customer_id"]
        );
        assert!(segments("/api/customers").is_empty());
        assert!(segments("/docs/{tail}").is_empty());
    }
}
