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

/// SQLite rewrites the entry of every index one of whose columns the `SET`
/// of an `UPDATE` names, changed or not (each a random page to read and
/// write), and fires an `AFTER UPDATE OF column` trigger exactly when the
/// `SET` names that column: triggers here record what a resolution named.
#[tokio::test]
async fn a_resolution_names_only_the_columns_it_changes_and_still_checks_the_version() {
    use crm_customers::ports::CustomerRepository;
    use crm_tickets::TicketStatus;

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("crm.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let owner = customer();
    CustomerRepository::insert(&store, &owner, &first_status_change(&owner))
        .await
        .unwrap();
    let raised = ticket(owner.id);
    let actor = PrincipalId::Customer(owner.id);
    TicketRepository::insert(&store, &raised, &raised_event(&raised, actor), None)
        .await
        .unwrap();

    let columns = [
        "customer_id",
        "subject",
        "issue",
        "search_text",
        "status",
        "priority",
        "priority_rank",
        "assignee_id",
        "channel",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "first_response_seconds",
        "resolution_seconds",
        "version",
    ];
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE named (column_name TEXT NOT NULL);")
        .unwrap();
    for column in columns {
        conn.execute_batch(&format!(
            "CREATE TRIGGER named_{column} AFTER UPDATE OF {column} ON tickets \
             BEGIN INSERT INTO named VALUES ('{column}'); END;"
        ))
        .unwrap();
    }

    let now = raised.created_at.plus(std::time::Duration::from_secs(90));
    let resolved = raised.transitioned(TicketStatus::Resolved, now);
    TicketRepository::update(&store, &resolved, raised.version, None)
        .await
        .unwrap();

    let mut named: Vec<String> = conn
        .prepare("SELECT column_name FROM named ORDER BY column_name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    named.dedup();
    assert_eq!(
        named,
        [
            "resolution_seconds",
            "resolved_at",
            "status",
            "updated_at",
            "version"
        ]
    );
    assert_eq!(
        TicketRepository::get(&store, raised.id).await.unwrap(),
        Some(resolved.clone())
    );
    let again = TicketRepository::update(&store, &resolved, raised.version, None).await;
    assert!(
        matches!(again, Err(StoreError::VersionConflict)),
        "{again:?}"
    );
    let mut unknown = ticket(owner.id);
    unknown.version = unknown.version.next();
    let missing = TicketRepository::update(&store, &unknown, raised.version, None).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}
