//! Checks of a customer's history: its interactions merged with its tickets
//! and lifecycle status changes, read across the contexts' records.

use std::collections::HashSet;

use crm_customers::ports::CustomerRepository;
use crm_customers::{Customer, LifecycleStatus};
use crm_interactions::{
    HistoryEntry, HistoryFilter, HistorySource, Interaction, InteractionKind, InteractionStatus,
    Sources,
};
use crm_kernel::{PrincipalId, SortDirection, Timestamp, UserId};
use crm_tickets::{Ticket, TicketStatus};

use super::InteractionsStore;
use super::support::{add_customer, add_customer_record, history, raise, record, walk_history};
use crate::builders::{at_minute, customer, interaction_at, status_change, ticket_about};

/// An entry as the contract describes it: (source, at, description,
/// status). Ids are compared separately.
type Line = (HistorySource, Timestamp, String, Option<String>);

fn line(entry: &HistoryEntry) -> Line {
    (
        entry.source,
        entry.at,
        entry.description.clone(),
        entry.status.clone(),
    )
}

fn interaction_line(interaction: &Interaction) -> Line {
    (
        HistorySource::Interaction,
        interaction.date_time,
        interaction.description.as_str().to_owned(),
        Some(interaction.status.as_str().to_owned()),
    )
}

fn ticket_line(ticket: &Ticket) -> Line {
    (
        HistorySource::Ticket,
        ticket.created_at,
        ticket.subject.as_str().to_owned(),
        Some(ticket.status.as_str().to_owned()),
    )
}

fn change_line(at: Timestamp, description: &str, status: LifecycleStatus) -> Line {
    (
        HistorySource::StatusChange,
        at,
        description.to_owned(),
        Some(status.as_str().to_owned()),
    )
}

fn filter(sources: Sources, direction: SortDirection) -> HistoryFilter {
    HistoryFilter {
        sources,
        direction,
        ..HistoryFilter::default()
    }
}

/// A customer created at minute 0 (a lead), made a prospect at minute 30.
async fn prospect<S: InteractionsStore + ?Sized>(store: &S) -> Customer {
    let created = Customer {
        created_at: at_minute(0),
        updated_at: at_minute(0),
        ..customer()
    };
    add_customer_record(store, &created).await;
    let promoted = Customer {
        status: LifecycleStatus::Prospect,
        updated_at: at_minute(30),
        version: created.version.next(),
        ..created.clone()
    };
    let change = status_change(
        created.id,
        Some(LifecycleStatus::Lead),
        LifecycleStatus::Prospect,
        at_minute(30),
        PrincipalId::User(UserId::new()),
    );
    CustomerRepository::update(store, &promoted, created.version, Some(&change))
        .await
        .expect("promote the customer");
    promoted
}

fn meeting(customer: &Customer, status: InteractionStatus, minute: u64, text: &str) -> Interaction {
    Interaction {
        description: crate::builders::long_text(text),
        ..interaction_at(
            customer.id,
            InteractionKind::Meeting,
            status,
            at_minute(minute),
            30,
        )
    }
}

fn ticket_at(customer: &Customer, minute: u64, subject: &str, status: TicketStatus) -> Ticket {
    Ticket {
        created_at: at_minute(minute),
        updated_at: at_minute(minute),
        status,
        ..ticket_about(customer.id, subject)
    }
}

/// By default the history holds the customer's interactions only, newest
/// first; each entry carries the interaction itself, its id, start,
/// description and status.
pub async fn history_lists_interactions_only_by_default<S: InteractionsStore + ?Sized>(store: &S) {
    let customer = prospect(store).await;
    let other = add_customer(store, None, None).await;
    let first = meeting(
        &customer,
        InteractionStatus::Completed,
        10,
        "First meeting.",
    );
    let second = meeting(
        &customer,
        InteractionStatus::Scheduled,
        50,
        "Second meeting.",
    );
    record(
        store,
        &[
            first.clone(),
            second.clone(),
            meeting(&other, InteractionStatus::Completed, 20, "Not theirs."),
        ],
    )
    .await;
    raise(
        store,
        &ticket_at(&customer, 40, "Printer", TicketStatus::Open),
    )
    .await;

    let entries = history(store, customer.id, &HistoryFilter::default(), true).await;
    let expected: Vec<HistoryEntry> = [&second, &first]
        .iter()
        .map(|i| HistoryEntry {
            source: HistorySource::Interaction,
            id: i.id.to_string(),
            at: i.date_time,
            description: i.description.as_str().to_owned(),
            status: Some(i.status.as_str().to_owned()),
            interaction: Some((*i).clone()),
        })
        .collect();
    assert_eq!(
        entries, expected,
        "interactions only, newest first, each with the interaction itself"
    );
}

/// Interactions, tickets and status changes merged, without emails.
const MERGED: Sources = Sources {
    interactions: true,
    tickets: true,
    status_changes: true,
    emails: false,
};

/// The records of a [`prospect`] (and, to be ignored, of another customer)
/// that the merge checks read.
struct MergeScene {
    customer: Customer,
    early: Interaction,
    same_time: Interaction,
    call: Interaction,
    printer: Ticket,
    login: Ticket,
}

/// The status change that created a [`prospect`], at minute 0.
fn set_line() -> Line {
    change_line(at_minute(0), "Status set to lead", LifecycleStatus::Lead)
}

/// Its promotion, at minute 30.
fn promoted_line() -> Line {
    change_line(
        at_minute(30),
        "Status changed from lead to prospect",
        LifecycleStatus::Prospect,
    )
}

async fn merge_scene<S: InteractionsStore + ?Sized>(store: &S) -> MergeScene {
    let customer = prospect(store).await;
    let other = add_customer(store, None, None).await;
    let early = meeting(
        &customer,
        InteractionStatus::Completed,
        10,
        "Intro meeting.",
    );
    let same_time = meeting(&customer, InteractionStatus::Completed, 30, "Pricing talk.");
    let call = Interaction {
        kind: InteractionKind::Call,
        ..meeting(
            &customer,
            InteractionStatus::Scheduled,
            50,
            "Follow-up call.",
        )
    };
    record(store, &[early.clone(), same_time.clone(), call.clone()]).await;
    record(
        store,
        &[meeting(
            &other,
            InteractionStatus::Completed,
            30,
            "Not theirs.",
        )],
    )
    .await;
    let printer = ticket_at(&customer, 30, "Printer jam", TicketStatus::Open);
    let login = ticket_at(&customer, 40, "Login fails", TicketStatus::Resolved);
    raise(store, &printer).await;
    raise(store, &login).await;
    raise(
        store,
        &ticket_at(&other, 35, "Not theirs", TicketStatus::Open),
    )
    .await;
    MergeScene {
        customer,
        early,
        same_time,
        call,
        printer,
        login,
    }
}

async fn lines<S: InteractionsStore + ?Sized>(
    store: &S,
    scene: &MergeScene,
    filter: &HistoryFilter,
) -> Vec<Line> {
    history(store, scene.customer.id, filter, true)
        .await
        .iter()
        .map(line)
        .collect()
}

/// With tickets and status changes asked for, the history merges them with
/// the interactions by time, ties broken by source then id, in both
/// directions; emails add nothing while there are none; only interaction
/// entries carry an interaction.
pub async fn history_merges_tickets_and_status_changes_in_order<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let scene = merge_scene(store).await;
    // At minute 30 the interaction, the status change and the ticket tie:
    // sources order them (interaction < status_change < ticket).
    let ascending = vec![
        set_line(),
        interaction_line(&scene.early),
        interaction_line(&scene.same_time),
        promoted_line(),
        ticket_line(&scene.printer),
        ticket_line(&scene.login),
        interaction_line(&scene.call),
    ];
    for direction in [SortDirection::Asc, SortDirection::Desc] {
        let mut expected = ascending.clone();
        if direction == SortDirection::Desc {
            expected.reverse();
        }
        assert_eq!(
            lines(store, &scene, &filter(MERGED, direction)).await,
            expected,
            "merged history, {direction:?}"
        );
        assert_eq!(
            history(
                store,
                scene.customer.id,
                &filter(Sources::ALL, direction),
                true
            )
            .await,
            history(store, scene.customer.id, &filter(MERGED, direction), true).await,
            "emails add nothing while the email context stores none"
        );
    }
    let entries = history(
        store,
        scene.customer.id,
        &filter(MERGED, SortDirection::Asc),
        true,
    )
    .await;
    assert_eq!(
        entries[4].id,
        scene.printer.id.to_string(),
        "a ticket entry's id"
    );
    assert_eq!(entries[4].interaction, None, "only interactions carry one");
    assert_eq!(entries[1].interaction.as_ref(), Some(&scene.early));
    assert_ne!(
        entries[0].id, entries[3].id,
        "status changes have distinct ids"
    );
}

/// A source can be left out, even interactions; kind and status filter
/// interaction entries only, `from` (inclusive) and `to` (exclusive) every
/// entry.
pub async fn history_filters_apply_to_their_entries<S: InteractionsStore + ?Sized>(store: &S) {
    let scene = merge_scene(store).await;
    let tickets_only = Sources {
        interactions: false,
        tickets: true,
        status_changes: false,
        emails: false,
    };
    assert_eq!(
        lines(store, &scene, &filter(tickets_only, SortDirection::Asc)).await,
        vec![ticket_line(&scene.printer), ticket_line(&scene.login)],
        "tickets only"
    );
    let calls = HistoryFilter {
        kind: Some(InteractionKind::Call),
        ..filter(MERGED, SortDirection::Asc)
    };
    assert_eq!(
        lines(store, &scene, &calls).await,
        vec![
            set_line(),
            promoted_line(),
            ticket_line(&scene.printer),
            ticket_line(&scene.login),
            interaction_line(&scene.call),
        ],
        "the kind filters interaction entries only"
    );
    let completed = HistoryFilter {
        status: Some(InteractionStatus::Completed),
        ..filter(MERGED, SortDirection::Asc)
    };
    assert_eq!(
        lines(store, &scene, &completed).await,
        vec![
            set_line(),
            interaction_line(&scene.early),
            interaction_line(&scene.same_time),
            promoted_line(),
            ticket_line(&scene.printer),
            ticket_line(&scene.login),
        ],
        "the status filters interaction entries only"
    );
    let window = HistoryFilter {
        from: Some(at_minute(30)),
        to: Some(at_minute(50)),
        ..filter(MERGED, SortDirection::Asc)
    };
    assert_eq!(
        lines(store, &scene, &window).await,
        vec![
            interaction_line(&scene.same_time),
            promoted_line(),
            ticket_line(&scene.printer),
            ticket_line(&scene.login),
        ],
        "from and to apply to every source"
    );
}

/// Walking the merged history in small pages lists every entry once, in
/// the order of one page, in both directions, across sources and equal
/// instants.
pub async fn history_pages_across_sources_without_duplicates<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let customer = prospect(store).await;
    let interactions: Vec<Interaction> = (0..9_u64)
        .map(|n| {
            meeting(
                &customer,
                InteractionStatus::Completed,
                n * 10 % 40,
                &format!("Meeting {n}."),
            )
        })
        .collect();
    record(store, &interactions).await;
    for n in 0..6_u64 {
        raise(
            store,
            &ticket_at(
                &customer,
                n * 10 % 40,
                &format!("Ticket {n}"),
                TicketStatus::Open,
            ),
        )
        .await;
    }
    let mut current = CustomerRepository::get(store, customer.id)
        .await
        .expect("get customer")
        .expect("the customer exists");
    for (n, (from, to)) in [
        (LifecycleStatus::Prospect, LifecycleStatus::Customer),
        (LifecycleStatus::Customer, LifecycleStatus::Churned),
        (LifecycleStatus::Churned, LifecycleStatus::Lead),
    ]
    .into_iter()
    .enumerate()
    {
        let minute = if n == 0 { 30 } else { 20 };
        let next = Customer {
            status: to,
            version: current.version.next(),
            company: None,
            has_account: false,
            ..current.clone()
        };
        let change = status_change(
            customer.id,
            Some(from),
            to,
            at_minute(minute),
            PrincipalId::User(UserId::new()),
        );
        CustomerRepository::update(store, &next, current.version, Some(&change))
            .await
            .expect("change the status");
        current = next;
    }
    for direction in [SortDirection::Asc, SortDirection::Desc] {
        let filter = filter(MERGED, direction);
        let whole = history(store, customer.id, &filter, true).await;
        assert_eq!(whole.len(), 9 + 6 + 5, "every entry, {direction:?}");
        let mut keys: Vec<(String, HistorySource, String)> = whole
            .iter()
            .map(|e| (e.at.to_rfc3339(), e.source, e.id.clone()))
            .collect();
        let unique: HashSet<_> = keys.iter().cloned().collect();
        assert_eq!(unique.len(), keys.len(), "no entry twice, {direction:?}");
        keys.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let sources_in_order: Vec<(String, HistorySource)> = keys
            .iter()
            .map(|(at, source, _)| (at.clone(), *source))
            .collect();
        let mut sorted = sources_in_order.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.as_str().cmp(b.1.as_str())));
        if direction == SortDirection::Desc {
            sorted.reverse();
        }
        assert_eq!(
            sources_in_order, sorted,
            "ordered by instant, then source, {direction:?}"
        );
        for limit in [1, 2, 3, 7] {
            let walked = walk_history(store, customer.id, &filter, true, limit).await;
            assert_eq!(
                walked, whole,
                "pages of {limit} list every entry once, in order, {direction:?}"
            );
        }
    }
}

/// Notes are staff-only: without `include_staff_only` the history leaves
/// them out, also when asked for by kind.
pub async fn history_hides_notes_without_include_staff_only<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let customer = add_customer(store, None, None).await;
    let visit = meeting(&customer, InteractionStatus::Completed, 10, "Visit.");
    let note = Interaction {
        kind: InteractionKind::Note,
        ..meeting(&customer, InteractionStatus::Completed, 20, "Staff only.")
    };
    record(store, &[visit.clone(), note.clone()]).await;
    let ids = |entries: Vec<HistoryEntry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let newest_first = HistoryFilter::default();
    assert_eq!(
        ids(history(store, customer.id, &newest_first, true).await),
        vec![note.id.to_string(), visit.id.to_string()],
        "staff see notes"
    );
    assert_eq!(
        ids(history(store, customer.id, &newest_first, false).await),
        vec![visit.id.to_string()],
        "customers do not"
    );
    let notes = HistoryFilter {
        kind: Some(InteractionKind::Note),
        ..HistoryFilter::default()
    };
    assert!(
        history(store, customer.id, &notes, false).await.is_empty(),
        "not even when asked for by kind"
    );
}
