//! What only the SQLite store of tickets can show: stored values that do
//! not parse are backend errors, never panics, and spoil only their rows.

use crm_kernel::{PageRequest, PrincipalId, Visibility};
use crm_store_sqlite::SqliteStore;
use crm_testkit::builders::{comment, customer, first_status_change, raised_event, ticket};
use crm_tickets::TicketQuery;
use crm_tickets::ports::{StoreError, TicketRepository};

#[tokio::test]
async fn a_ticket_comment_or_event_that_does_not_parse_is_a_backend_error() {
    use crm_customers::ports::CustomerRepository;

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let owner = customer();
    CustomerRepository::insert(&store, &owner, &first_status_change(&owner))
        .await
        .unwrap();
    let actor = PrincipalId::Customer(owner.id);
    let (broken, fine) = (ticket(owner.id), ticket(owner.id));
    for item in [&broken, &fine] {
        TicketRepository::insert(&store, item, &raised_event(item, actor), None)
            .await
            .unwrap();
        TicketRepository::add_comment(&store, &comment(item.id, actor), None)
            .await
            .unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "UPDATE tickets SET subject = '   ' WHERE id = '{id}'; \
         UPDATE ticket_comments SET body = '' WHERE ticket_id = '{id}'; \
         DROP TRIGGER ticket_events_are_not_updated; \
         UPDATE ticket_events SET at = 'yesterday' WHERE ticket_id = '{id}';",
        id = broken.id
    ))
    .unwrap();

    let result = TicketRepository::get(&store, broken.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = TicketRepository::list(
        &store,
        &TicketQuery::default(),
        &Visibility::All,
        &PageRequest::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = TicketRepository::events(&store, broken.id).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    let result = TicketRepository::comments(&store, broken.id, true, &PageRequest::default()).await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");

    // Other rows still read fine.
    assert_eq!(
        TicketRepository::get(&store, fine.id).await.unwrap(),
        Some(fine.clone())
    );
    assert_eq!(
        TicketRepository::events(&store, fine.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        TicketRepository::comments(&store, fine.id, true, &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}
