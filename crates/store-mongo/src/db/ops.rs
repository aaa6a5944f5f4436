//! Reading many documents, inside a transaction or not.

use futures_util::TryStreamExt;
use mongodb::bson::Document;
use mongodb::{ClientSession, Collection};

/// How a list is read: its filter, its order and how many documents at most.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FindSpec {
    /// Which documents.
    pub(crate) filter: Document,
    /// In which order (empty: the server's).
    pub(crate) sort: Document,
    /// How many at most (`None`: all).
    pub(crate) limit: Option<i64>,
    /// Which fields (`None`: all).
    pub(crate) projection: Option<Document>,
}

impl FindSpec {
    /// Every document matching `filter`, in `sort` order.
    pub(crate) fn all(filter: Document, sort: Document) -> Self {
        Self {
            filter,
            sort,
            limit: None,
            projection: None,
        }
    }
}

/// The documents `spec` describes, read in `session` when one is given.
pub(crate) async fn find_all(
    collection: &Collection<Document>,
    spec: FindSpec,
    session: Option<&mut ClientSession>,
) -> Result<Vec<Document>, mongodb::error::Error> {
    let find = collection.find(spec.filter).sort(spec.sort);
    let find = match spec.limit {
        Some(limit) => find.limit(limit),
        None => find,
    };
    let find = match spec.projection {
        Some(projection) => find.projection(projection),
        None => find,
    };
    match session {
        None => find.await?.try_collect().await,
        Some(session) => {
            let mut cursor = find.session(&mut *session).await?;
            cursor.stream(session).try_collect().await
        }
    }
}

/// Every document the aggregation `pipeline` on `collection` yields, read in
/// `session` when one is given.
pub(crate) async fn aggregate_all(
    collection: &Collection<Document>,
    pipeline: Vec<Document>,
    session: Option<&mut ClientSession>,
) -> Result<Vec<Document>, mongodb::error::Error> {
    let aggregate = collection.aggregate(pipeline);
    match session {
        None => aggregate.await?.try_collect().await,
        Some(session) => {
            let mut cursor = aggregate.session(&mut *session).await?;
            cursor.stream(session).try_collect().await
        }
    }
}

/// A limit of `n` as the driver takes it.
pub(crate) fn limit(n: u32) -> i64 {
    i64::from(n)
}
