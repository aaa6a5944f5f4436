//! Checks of an organizer's overlapping interactions and of a staff user's
//! calendar.

use crm_interactions::ports::InteractionRepository;
use crm_interactions::{Attendee, Interaction, InteractionKind, InteractionStatus};
use crm_kernel::{InteractionId, SortDirection, Timestamp, UserId};

use super::InteractionsStore;
use super::support::{add_customer, expected_order, new_staff, plus_millis, record};
use crate::builders::{at_minute, interaction_at};

async fn overlapping<S: InteractionsStore + ?Sized>(
    store: &S,
    organizer: UserId,
    start: Timestamp,
    end: Timestamp,
) -> Vec<InteractionId> {
    InteractionRepository::overlapping(store, organizer, start, end)
        .await
        .expect("overlapping interactions")
        .iter()
        .map(|i| i.id)
        .collect()
}

/// The interactions of [`interaction_overlapping_finds_the_organizers_scheduled_meetings_and_calls`],
/// all of one customer, named by where they lie against the window
/// `[minute 100, minute 160)`.
struct OverlapScene {
    organizer: UserId,
    other: UserId,
    straddles_start: Interaction,
    straddles_end: Interaction,
    contains: Interaction,
    inside: Interaction,
    instant_at_start: Interaction,
    instant_inside: Interaction,
    last_millisecond: Interaction,
}

impl OverlapScene {
    /// What overlaps the window `[100, 160)`.
    fn overlapping(&self) -> Vec<Interaction> {
        vec![
            self.straddles_start.clone(),
            self.straddles_end.clone(),
            self.contains.clone(),
            self.inside.clone(),
            self.instant_at_start.clone(),
            self.instant_inside.clone(),
            self.last_millisecond.clone(),
        ]
    }
}

/// Stores the scene: the overlapping interactions, and as many that touch
/// the window or are of another status, kind or organizer.
async fn overlap_scene<S: InteractionsStore + ?Sized>(store: &S) -> OverlapScene {
    use InteractionKind::{Call, Email, Meeting, Note, Task};
    use InteractionStatus::{Cancelled, Completed, NoShow, Scheduled};
    let customer = add_customer(store, None, None).await;
    let organizer = new_staff(store).await.id;
    let other = new_staff(store).await.id;
    let by =
        |who: Option<UserId>, kind, status, start: Timestamp, end: Option<Timestamp>| Interaction {
            organizer_id: who,
            end_time: end,
            ..interaction_at(customer.id, kind, status, start, 0)
        };
    let mine = |kind, start: u64, end: Option<u64>| {
        by(
            Some(organizer),
            kind,
            Scheduled,
            at_minute(start),
            end.map(at_minute),
        )
    };
    let scene = OverlapScene {
        organizer,
        other,
        straddles_start: mine(Meeting, 90, Some(110)),
        straddles_end: mine(Call, 150, Some(170)),
        contains: mine(Meeting, 80, Some(200)),
        inside: mine(Call, 110, Some(120)),
        instant_at_start: mine(Call, 100, None),
        instant_inside: mine(Meeting, 115, None),
        last_millisecond: by(
            Some(organizer),
            Meeting,
            Scheduled,
            plus_millis(at_minute(159), 59_999),
            Some(at_minute(161)),
        ),
    };
    let to = Some(at_minute(120));
    let ignored = [
        // Touching the window.
        mine(Meeting, 40, Some(100)),
        mine(Meeting, 160, Some(200)),
        mine(Call, 160, None),
        by(
            Some(organizer),
            Call,
            Scheduled,
            plus_millis(at_minute(99), 59_999),
            None,
        ),
        // Inside it, but not a scheduled meeting or call of the organizer.
        by(Some(organizer), Meeting, Cancelled, at_minute(110), to),
        by(Some(organizer), Call, Completed, at_minute(110), to),
        by(Some(organizer), Meeting, NoShow, at_minute(110), to),
        by(Some(organizer), Task, Scheduled, at_minute(110), to),
        by(Some(organizer), Note, Scheduled, at_minute(110), to),
        by(Some(organizer), Email, Scheduled, at_minute(110), to),
        by(Some(other), Meeting, Scheduled, at_minute(110), to),
        by(None, Meeting, Scheduled, at_minute(110), to),
    ];
    let mut all = scene.overlapping();
    all.extend(ignored);
    record(store, &all).await;
    scene
}

/// The organizer's scheduled meetings and calls that overlap `[start, end)`,
/// by start: an interval `[s, e)` overlaps when `s < end` and `e > start`
/// (touching ends do not overlap), one without end occupies its start
/// instant and overlaps when `start <= s < end`. Other statuses, other kinds
/// and other organizers are ignored. An empty window (`end <= start`) is the
/// instant `start`.
pub async fn interaction_overlapping_finds_the_organizers_scheduled_meetings_and_calls<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    let scene = overlap_scene(store).await;
    let organizer = scene.organizer;
    let order = |items: &[&Interaction]| {
        let items: Vec<Interaction> = items.iter().map(|i| (*i).clone()).collect();
        expected_order(&items, SortDirection::Asc)
    };
    assert_eq!(
        overlapping(store, organizer, at_minute(100), at_minute(160)).await,
        expected_order(&scene.overlapping(), SortDirection::Asc),
        "the window [100, 160): overlapping scheduled meetings and calls, by start"
    );
    assert_eq!(
        overlapping(store, organizer, at_minute(100), at_minute(101)).await,
        order(&[
            &scene.straddles_start,
            &scene.contains,
            &scene.instant_at_start
        ]),
        "a one-minute window at 100"
    );
    assert_eq!(
        overlapping(store, organizer, at_minute(115), at_minute(115)).await,
        order(&[&scene.contains, &scene.inside, &scene.instant_inside]),
        "an empty window is the instant at its start"
    );
    assert_eq!(
        overlapping(store, organizer, at_minute(100), at_minute(100)).await,
        order(&[
            &scene.straddles_start,
            &scene.contains,
            &scene.instant_at_start
        ]),
        "the instant 100: what contains it, and an instant there; not what ends there"
    );
    assert!(
        overlapping(store, scene.other, at_minute(0), at_minute(100))
            .await
            .is_empty(),
        "another organizer's window is its own"
    );
    assert!(
        overlapping(store, UserId::new(), at_minute(0), at_minute(1000))
            .await
            .is_empty(),
        "an unknown organizer has none"
    );
}

/// The longest interaction the domain allows ([`crm_interactions::MAX_LENGTH`])
/// is found by a window near its end, however long ago it started (a store
/// that bounds its search by that length must not bound it tighter), and
/// one that ends where the window starts is not.
pub async fn interaction_overlapping_finds_the_longest_interaction_by_its_end<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    let customer = add_customer(store, None, None).await;
    let organizer = new_staff(store).await.id;
    let longest = i64::try_from(crm_interactions::MAX_LENGTH.as_millis()).expect("a week in ms");
    let week_before = |end: Timestamp| {
        Timestamp::from_millis(end.as_millis() - longest).expect("an instant a week earlier")
    };
    let lasting_until = |end: Timestamp| Interaction {
        organizer_id: Some(organizer),
        end_time: Some(end),
        ..interaction_at(
            customer.id,
            InteractionKind::Meeting,
            InteractionStatus::Scheduled,
            week_before(end),
            0,
        )
    };
    let ends_inside = lasting_until(plus_millis(at_minute(100), 1));
    let ends_at_start = lasting_until(at_minute(100));
    record(store, &[ends_inside.clone(), ends_at_start.clone()]).await;
    assert_eq!(
        overlapping(store, organizer, at_minute(100), at_minute(160)).await,
        vec![ends_inside.id],
        "a week-long meeting ending a millisecond into the window overlaps it; one ending at its start does not"
    );
}

/// Around a day, the length a store may read differently (SQLite's
/// organizer index from a day before the window, and its index of longer
/// interactions before that): each interaction that overlaps the window is
/// found, whichever side of a day its length falls on, and none that ends
/// where the window starts, or is not a scheduled meeting or call.
pub async fn interaction_overlapping_finds_interactions_around_a_day_long<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    use InteractionKind::{Meeting, Task};
    use InteractionStatus::{Cancelled, Scheduled};
    let customer = add_customer(store, None, None).await;
    let organizer = new_staff(store).await.id;
    let window = at_minute(10_000);
    let day = 24 * 60 * 60 * 1000;
    let at = |millis: i64| {
        Timestamp::from_millis(window.as_millis() + millis).expect("an instant near the window")
    };
    let lasting = |kind, status, from: i64, to: i64| Interaction {
        organizer_id: Some(organizer),
        end_time: Some(at(to)),
        ..interaction_at(customer.id, kind, status, at(from), 0)
    };
    let a_day_ending_inside = lasting(Meeting, Scheduled, 1 - day, 1);
    let a_day_and_a_millisecond = lasting(Meeting, Scheduled, -day, 1);
    let two_days = lasting(Meeting, Scheduled, 30 * 60_000 - 2 * day, 30 * 60_000);
    let ignored = [
        lasting(Meeting, Scheduled, -day, 0),
        lasting(Meeting, Scheduled, -3 * day, 0),
        lasting(Meeting, Cancelled, -2 * day, 1),
        lasting(Task, Scheduled, -2 * day, 1),
    ];
    let mut all = vec![
        a_day_ending_inside.clone(),
        a_day_and_a_millisecond.clone(),
        two_days.clone(),
    ];
    all.extend(ignored);
    record(store, &all).await;
    assert_eq!(
        overlapping(store, organizer, window, plus_millis(window, 3_600_000)).await,
        vec![
            two_days.id,
            a_day_and_a_millisecond.id,
            a_day_ending_inside.id
        ],
        "meetings of two days, a day and a millisecond, and a day, each ending inside the window"
    );
}

async fn calendar<S: InteractionsStore + ?Sized>(
    store: &S,
    user: UserId,
    from: Timestamp,
    to: Timestamp,
) -> Vec<InteractionId> {
    InteractionRepository::calendar(store, user, from, to)
        .await
        .expect("calendar")
        .iter()
        .map(|i| i.id)
        .collect()
}

/// A staff user's calendar: what it organises or attends as a staff
/// attendee (not as an email), starting in `[from, to)`, any status and
/// kind, oldest first, each once.
pub async fn calendar_lists_what_a_user_organises_or_attends<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    use InteractionKind::{Call, Meeting, Note, Task};
    use InteractionStatus::{Cancelled, Completed, NoShow, Scheduled};
    let customer = add_customer(store, None, None).await;
    let user = new_staff(store).await;
    let other = new_staff(store).await;
    let with =
        |kind, status, minute: u64, organizer: UserId, attendees: Vec<Attendee>| Interaction {
            organizer_id: Some(organizer),
            attendees,
            ..interaction_at(customer.id, kind, status, at_minute(minute), 30)
        };
    let organised = with(Meeting, Completed, 100, user.id, Vec::new());
    let attended = with(
        Call,
        Scheduled,
        150,
        other.id,
        vec![
            Attendee::Email(user.email.clone()),
            Attendee::Staff(user.id),
        ],
    );
    let both = with(
        Task,
        Cancelled,
        120,
        user.id,
        vec![Attendee::Staff(user.id)],
    );
    let note = with(Note, NoShow, 150, user.id, Vec::new());
    let at_the_end = with(Meeting, Scheduled, 200, user.id, Vec::new());
    let before = with(Meeting, Scheduled, 99, user.id, Vec::new());
    let only_by_email = with(
        Meeting,
        Scheduled,
        130,
        other.id,
        vec![Attendee::Email(user.email.clone())],
    );
    let others = with(
        Meeting,
        Scheduled,
        140,
        other.id,
        vec![Attendee::Staff(other.id)],
    );
    record(
        store,
        &[
            organised.clone(),
            attended.clone(),
            both.clone(),
            note.clone(),
            at_the_end,
            before,
            only_by_email,
            others,
        ],
    )
    .await;
    assert_eq!(
        calendar(store, user.id, at_minute(100), at_minute(200)).await,
        expected_order(&[organised, attended, both, note], SortDirection::Asc),
        "organised or attended as staff, starting in [100, 200), oldest first"
    );
    assert!(
        calendar(store, UserId::new(), at_minute(0), at_minute(1000))
            .await
            .is_empty(),
        "an unknown user has an empty calendar"
    );
}
