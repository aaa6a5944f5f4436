//! Checks of comments: public ones and staff-only notes, oldest first in
//! keyset pages, and the first response written with its comment, never
//! in conflict with a concurrent change.

use std::sync::Arc;

use crm_kernel::{CommentId, PrincipalId, TicketId, Version};
use crm_tickets::ports::{StoreError, TicketRepository};
use crm_tickets::{Comment, FirstResponse, Ticket, TicketStatus};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::TicketsStore;
use super::support::{
    add_customer, all_comments, assert_refused, change, new_staff, raise, ticket,
};
use crate::builders::{at_minute, comment, internal_note, long_text, ticket as new_ticket};

async fn add<S: TicketsStore + ?Sized>(store: &S, item: &Comment) {
    TicketRepository::add_comment(store, item, None)
        .await
        .unwrap_or_else(|error| panic!("adding comment {} failed: {error}", item.id));
}

fn ids(comments: &[Comment]) -> Vec<CommentId> {
    comments.iter().map(|c| c.id).collect()
}

/// Comments come back exactly as written, oldest first (equal instants by
/// id); staff-only notes only when asked for; another ticket's comments
/// never; an unknown ticket has none.
pub async fn ticket_comments_are_oldest_first_and_internal_only_when_asked<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let item = new_ticket(owner.id);
    let other = new_ticket(owner.id);
    raise(store, &item).await;
    raise(store, &other).await;
    let staff = PrincipalId::User(agent.id);
    let customer = PrincipalId::Customer(owner.id);
    // Written out of order; two pairs share an instant.
    let spec = [
        (3, false, customer),
        (1, false, customer),
        (2, true, staff),
        (2, false, staff),
        (5, true, staff),
        (4, false, customer),
        (4, false, staff),
    ];
    let mut written = Vec::new();
    for (minute, internal, author) in spec {
        let base = if internal {
            internal_note(item.id, author)
        } else {
            comment(item.id, author)
        };
        let entry = Comment {
            created_at: at_minute(minute),
            body: long_text(&format!("Comment at minute {minute}\nby {author:?}")),
            ..base
        };
        add(store, &entry).await;
        written.push(entry);
    }
    add(store, &comment(other.id, customer)).await;
    let mut expected = written.clone();
    expected.sort_by_key(|c| (c.created_at, c.id.to_string()));
    assert_eq!(
        all_comments(store, item.id, true, 200).await,
        expected,
        "every comment, exact and oldest first"
    );
    let public: Vec<Comment> = expected.iter().filter(|c| !c.internal).cloned().collect();
    assert_eq!(public.len(), 5);
    assert_eq!(
        all_comments(store, item.id, false, 200).await,
        public,
        "staff-only notes only when asked for"
    );
    assert!(
        all_comments(store, TicketId::new(), true, 200)
            .await
            .is_empty(),
        "an unknown ticket has no comments"
    );
}

/// Pages of one, two and three walk the comments exactly once in order,
/// with and without staff-only notes, also while comments are added.
pub async fn ticket_comments_are_paged_by_position<S: TicketsStore + ?Sized>(store: &S) {
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let item = new_ticket(owner.id);
    raise(store, &item).await;
    let staff = PrincipalId::User(agent.id);
    let mut written = Vec::new();
    for n in 0..9_u64 {
        let base = if n.is_multiple_of(3) {
            internal_note(item.id, staff)
        } else {
            comment(item.id, staff)
        };
        let entry = Comment {
            created_at: at_minute(n / 2),
            ..base
        };
        add(store, &entry).await;
        written.push(entry);
    }
    written.sort_by_key(|c| (c.created_at, c.id.to_string()));
    for include_internal in [true, false] {
        let expected: Vec<CommentId> = written
            .iter()
            .filter(|c| include_internal || !c.internal)
            .map(|c| c.id)
            .collect();
        for limit in [1, 2, 3] {
            assert_eq!(
                ids(&all_comments(store, item.id, include_internal, limit).await),
                expected,
                "pages of {limit} (internal: {include_internal})"
            );
        }
    }

    // A comment written after the walk began is found on a later page.
    let mut request = super::support::page(2);
    let first = TicketRepository::comments(store, item.id, true, &request)
        .await
        .expect("first page of comments");
    assert_eq!(ids(&first.items), ids(&written[..2]));
    let late = Comment {
        created_at: at_minute(100),
        ..comment(item.id, staff)
    };
    add(store, &late).await;
    request.after = first.next;
    let mut rest = Vec::new();
    loop {
        let page = TicketRepository::comments(store, item.id, true, &request)
            .await
            .expect("next page of comments");
        rest.extend(page.items);
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    let mut expected = ids(&written[2..]);
    expected.push(late.id);
    assert_eq!(ids(&rest), expected, "no comment twice, none missing");
}

/// A staff member's first public answer stores the comment and the
/// answered ticket (its first response, its new version) together.
pub async fn ticket_comment_with_an_answer_updates_the_ticket_atomically<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let item = Ticket {
        created_at: at_minute(0),
        updated_at: at_minute(0),
        ..new_ticket(owner.id)
    };
    raise(store, &item).await;
    let answer = Comment {
        created_at: at_minute(3),
        ..comment(item.id, PrincipalId::User(agent.id))
    };
    let first = item.first_response(at_minute(3)).expect("not answered yet");
    TicketRepository::add_comment(store, &answer, Some(first))
        .await
        .expect("answer");
    let stored = ticket(store, item.id).await.expect("the ticket");
    assert_eq!(
        Some(stored.clone()),
        item.with_first_response(first),
        "the first response is stored with the comment"
    );
    assert_eq!(stored.first_response_seconds, Some(180));
    assert_eq!(stored.version, Version::new(2));
    assert_eq!(all_comments(store, item.id, true, 50).await, vec![answer]);

    // A comment on an unknown ticket is refused, and nothing is stored.
    let stray = comment(new_ticket(owner.id).id, PrincipalId::User(agent.id));
    assert_refused(
        TicketRepository::add_comment(store, &stray, stray_answer(&item)).await,
        &StoreError::NotFound,
        "a comment on an unknown ticket",
    );
    assert!(
        all_comments(store, stray.ticket_id, true, 50)
            .await
            .is_empty()
    );
}

fn stray_answer(item: &Ticket) -> Option<FirstResponse> {
    item.first_response(at_minute(4))
}

/// Adding a comment never conflicts: answers based on a copy of the ticket
/// that changed meanwhile are stored, the other change stays, and the
/// earliest answer is the first response whatever order they arrive in.
pub async fn ticket_comment_never_conflicts_and_the_earliest_answer_is_first<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let item = Ticket {
        created_at: at_minute(0),
        updated_at: at_minute(0),
        ..new_ticket(owner.id)
    };
    raise(store, &item).await;
    // Meanwhile, someone else started working on it.
    let started = item.transitioned(TicketStatus::InProgress, at_minute(1));
    change(store, &started, Version::FIRST, None).await;

    // Answers written from the copy read before that change, in this order.
    let mut expected = started.clone();
    let mut written = Vec::new();
    for minute in [5, 2, 8, 2] {
        let answer = Comment {
            created_at: at_minute(minute),
            ..comment(item.id, PrincipalId::User(agent.id))
        };
        let first = item
            .first_response(at_minute(minute))
            .expect("not answered");
        TicketRepository::add_comment(store, &answer, Some(first))
            .await
            .unwrap_or_else(|error| panic!("the answer at minute {minute} was refused: {error}"));
        if let Some(next) = expected.with_first_response(first) {
            expected = next;
        }
        written.push(answer.id);
        assert_eq!(
            ticket(store, item.id).await.as_ref(),
            Some(&expected),
            "after the answer at minute {minute}"
        );
    }
    assert_eq!(
        expected.status,
        TicketStatus::InProgress,
        "the change stays"
    );
    assert_eq!(expected.first_response_at, Some(at_minute(2)));
    assert_eq!(expected.version, Version::new(4), "two answers changed it");
    let mut stored = ids(&all_comments(store, item.id, true, 50).await);
    stored.sort();
    written.sort();
    assert_eq!(stored, written, "every comment is stored");
}

/// Comments added from concurrent tasks, each believing it is the first
/// answer, are all stored, and the ticket's first response is the earliest.
pub async fn ticket_concurrent_comments_are_all_stored<S>(store: &S)
where
    S: TicketsStore + Clone + 'static,
{
    const TASKS: u64 = 16;
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let item = Ticket {
        created_at: at_minute(0),
        updated_at: at_minute(0),
        ..new_ticket(owner.id)
    };
    raise(store, &item).await;
    let barrier = Arc::new(Barrier::new(16));
    let mut tasks = JoinSet::new();
    for n in 0..TASKS {
        let (store, barrier) = (store.clone(), Arc::clone(&barrier));
        // The latest answer first, so that commit order and time order differ.
        let at = at_minute(TASKS - n);
        let answer = Comment {
            created_at: at,
            ..comment(item.id, PrincipalId::User(agent.id))
        };
        let first = item.first_response(at);
        tasks.spawn(async move {
            barrier.wait().await;
            TicketRepository::add_comment(&store, &answer, first).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined
            .expect("the comment task ran")
            .expect("a concurrent comment is stored");
    }
    let stored = all_comments(store, item.id, true, 50).await;
    assert_eq!(stored.len(), 16, "every comment is stored");
    let ticket = ticket(store, item.id).await.expect("the ticket");
    assert_eq!(ticket.first_response_at, Some(at_minute(1)), "the earliest");
    assert_eq!(ticket.first_response_seconds, Some(60));
}
