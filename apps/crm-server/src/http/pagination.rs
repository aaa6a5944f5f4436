//! Lists: the page parameters every list takes ([`PageParams`]), the body
//! every list answers ([`ListBody`]), and the steps between ([`paginate`]).

use std::future::Future;
use std::marker::PhantomData;

use crm_kernel::{Limit, Page, PageRequest, SearchText, ValidationErrors};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::cursor::CursorCodec;
use super::error::ApiError;
use crate::state::AppState;

/// `limit` and `cursor`: which page of a list. Every list operation takes
/// these beside its own filters (a second `web::Query` extractor, and
/// `params(PageParams, …)` in its OpenAPI annotation).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page these parameters ask for in the list identified by `scope`,
    /// recording errors against `limit` and `cursor`.
    pub fn request(
        &self,
        errors: &mut ValidationErrors,
        codec: &CursorCodec,
        scope: &str,
    ) -> PageRequest {
        let limit = match self.limit.as_deref() {
            None => Limit::default(),
            Some(text) => {
                let parsed = text
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .and_then(|n| Limit::parse(Some(n)).ok());
                parsed.unwrap_or_else(|| {
                    errors.add(
                        "limit",
                        format!("must be a whole number between 1 and {}", Limit::MAX),
                    );
                    Limit::default()
                })
            }
        };
        let after = self
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .and_then(|cursor| errors.check("cursor", codec.decode(scope, cursor)));
        PageRequest { limit, after }
    }
}

/// Runs one page of a list: adds the page parameters' errors to those of
/// the list's own filters (`errors`) and refuses the request (400) if there
/// are any, asks `fetch` for the page, and signs the next page's cursor for
/// `scope`: the list's name and every parameter that shapes it (see
/// [`scope`]), so that a cursor only continues the query it came from.
pub async fn paginate<'s, T, B, K, E, F, Fut>(
    state: &'s AppState,
    page: &PageParams,
    scope: &str,
    mut errors: ValidationErrors,
    fetch: F,
) -> Result<ListBody<B, K>, ApiError>
where
    F: FnOnce(&'s AppState, PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
    ApiError: From<E>,
    B: From<T>,
{
    let codec = &state.cursors;
    let request = page.request(&mut errors, codec, scope);
    errors.into_result()?;
    let page = fetch(state, request).await?;
    let next_cursor = page
        .next
        .as_ref()
        .map(|position| codec.encode(scope, position));
    Ok(ListBody::new(
        page.items.into_iter().map(B::from).collect(),
        next_cursor,
    ))
}

/// The scope a cursor is bound to: the list's name and every parameter that
/// shapes it, so a cursor only continues the query it came from.
pub fn scope<T: Serialize>(list: &str, shape: &T) -> String {
    format!(
        "{list}|{}",
        serde_json::to_string(shape).unwrap_or_default()
    )
}

/// How a list is named: the JSON key its items go under, and its schema in
/// the OpenAPI document. An item body names its usual list by implementing
/// this itself; a second list of the same items gets a marker type of its own.
pub trait ListKey {
    /// The JSON key of the items (`customers`).
    const KEY: &'static str;
    /// The schema's name in the OpenAPI document (`CustomerList`).
    const SCHEMA: &'static str;
    /// What one page is (`One page of customers.`).
    const DESCRIPTION: &'static str;
    /// What the items are (`The customers.`).
    const ITEMS: &'static str;
}

/// One page of a list: `{"<key>": [items], "next_cursor": "…" | null}`.
#[derive(Debug)]
pub struct ListBody<T, K = T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    key: PhantomData<K>,
}

impl<T, K> ListBody<T, K> {
    /// A page of `items`, followed by the page after `next_cursor` if any.
    pub fn new(items: Vec<T>, next_cursor: Option<String>) -> Self {
        Self {
            items,
            next_cursor,
            key: PhantomData,
        }
    }
}

impl<T: Serialize, K: ListKey> Serialize for ListBody<T, K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(K::KEY, &self.items)?;
        map.serialize_entry("next_cursor", &self.next_cursor)?;
        map.end()
    }
}

impl<T: ToSchema, K: ListKey> PartialSchema for ListBody<T, K> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(K::DESCRIPTION))
            .property(
                K::KEY,
                ArrayBuilder::new()
                    .items(Ref::from_schema_name(T::name()))
                    .description(Some(K::ITEMS)),
            )
            .required(K::KEY)
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "Pass as `cursor` for the next page; `null` on the last page.",
                    )),
            )
            .into()
    }
}

impl<T: ToSchema, K: ListKey> ToSchema for ListBody<T, K> {
    fn name() -> std::borrow::Cow<'static, str> {
        K::SCHEMA.into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

/// The `q` parameter: trimmed, `None` when blank; an error on `q` when it
/// is not a [`SearchText`] (too long, or holding a control character).
pub fn search_text(errors: &mut ValidationErrors, value: Option<&String>) -> Option<String> {
    let text = value.map(|v| v.trim()).filter(|v| !v.is_empty())?;
    errors
        .check("q", SearchText::parse(text))
        .map(|text| text.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, ToSchema)]
    struct ThingBody {
        name: String,
    }

    impl ListKey for ThingBody {
        const KEY: &'static str = "things";
        const SCHEMA: &'static str = "ThingList";
        const DESCRIPTION: &'static str = "One page of things.";
        const ITEMS: &'static str = "The things.";
    }

    #[test]
    fn a_list_puts_its_items_under_its_key() {
        let body: ListBody<ThingBody> = ListBody::new(
            vec![ThingBody {
                name: "a".to_owned(),
            }],
            Some("c".to_owned()),
        );
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"things": [{"name": "a"}], "next_cursor": "c"})
        );
        let schema = serde_json::to_value(ListBody::<ThingBody>::schema()).unwrap();
        assert_eq!(schema["required"], serde_json::json!(["things"]));
        assert_eq!(
            schema["properties"]["things"]["items"]["$ref"],
            "#/components/schemas/ThingBody"
        );
        assert_eq!(
            schema["properties"]["next_cursor"]["type"],
            serde_json::json!(["string", "null"])
        );
        assert_eq!(ListBody::<ThingBody>::name(), "ThingList");
    }

    #[test]
    fn page_parameters_are_checked_against_the_scope() {
        let codec = CursorCodec::new(b"secret");
        let position = crm_kernel::CursorPosition {
            key: None,
            id: "x".to_owned(),
        };
        let cursor = codec.encode("things|a", &position);
        let params = PageParams {
            limit: Some("500".to_owned()),
            cursor: Some(cursor),
        };
        let mut errors = ValidationErrors::new();
        let request = params.request(&mut errors, &codec, "things|b");
        let fields: Vec<_> = errors.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
        assert_eq!(request.limit, Limit::default());
        let mut errors = ValidationErrors::new();
        let request = params.request(&mut errors, &codec, "things|a");
        assert_eq!(request.after, Some(position));
    }
}
