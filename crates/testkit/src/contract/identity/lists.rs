//! Checks of the staff user list: filters, sorts and keyset pagination.

use std::collections::HashSet;

use crm_identity::{StaffRole, StaffUser, UserQuery, UserStatus};
use crm_kernel::{SortDirection, UserId};

use super::IdentityStore;
use super::support::{
    add_user, all_users, expected_order, matching_ids, page, query, sort_key, sorted_ids,
    user_named, walk,
};
use crate::builders::{admin, agent, at_minute, now, person_name, phone, staff_user};

/// The text filter is a case-insensitive substring match over name, email
/// and phone, with `%` and `_` taken literally.
pub async fn list_filters_by_text_over_name_email_and_phone<S: IdentityStore + ?Sized>(store: &S) {
    let empty = store
        .list(&UserQuery::default(), &page(10))
        .await
        .expect("list");
    assert!(
        empty.items.is_empty() && empty.next.is_none(),
        "an empty store lists nothing"
    );

    let ann = StaffUser {
        phone: Some(phone("+49 30 901820")),
        ..user_named("Ann Lee", "ann@alpha.test")
    };
    let bob = StaffUser {
        phone: Some(phone("+1 650 253 0000")),
        ..user_named("Bob Stone", "Robert.Stone@beta.test")
    };
    let zoe = StaffUser {
        phone: None,
        ..user_named("Zoë Ünal", "zoe_unal@gamma.test")
    };
    let dan = StaffUser {
        phone: Some(phone("+44 20 7946 0958")),
        ..user_named("Dan Brown", "dan@delta.test")
    };
    for user in [&ann, &bob, &zoe, &dan] {
        add_user(store, user).await;
    }
    let cases: [(&str, Vec<&StaffUser>); 12] = [
        ("lee", vec![&ann]),
        ("LEE", vec![&ann]),
        ("robert.", vec![&bob]),
        ("BETA.test", vec![&bob]),
        ("650253", vec![&bob]),
        ("+44", vec![&dan]),
        ("ünal", vec![&zoe]),
        ("ÜNAL", vec![&zoe]),
        ("_", vec![&zoe]),
        ("%", vec![]),
        ("an", vec![&ann, &dan]),
        ("nobody", vec![]),
    ];
    for (text, expected) in cases {
        let query = UserQuery {
            text: Some(text.to_owned()),
            ..UserQuery::default()
        };
        assert_eq!(
            matching_ids(store, &query).await,
            sorted_ids(&expected),
            "text filter {text:?}"
        );
    }
}

/// The role and status filters, alone and together with text.
pub async fn list_filters_by_role_and_status<S: IdentityStore + ?Sized>(store: &S) {
    let active_admin = admin();
    let disabled_admin = StaffUser {
        status: UserStatus::Disabled,
        ..admin()
    };
    let active_agent = StaffUser {
        name: person_name("Agent Smith"),
        ..agent()
    };
    let disabled_agent = StaffUser {
        status: UserStatus::Disabled,
        ..agent()
    };
    for user in [
        &active_admin,
        &disabled_admin,
        &active_agent,
        &disabled_agent,
    ] {
        add_user(store, user).await;
    }
    let cases = [
        (
            Some(StaffRole::Admin),
            None,
            None,
            vec![&active_admin, &disabled_admin],
        ),
        (
            Some(StaffRole::Agent),
            None,
            None,
            vec![&active_agent, &disabled_agent],
        ),
        (
            None,
            Some(UserStatus::Active),
            None,
            vec![&active_admin, &active_agent],
        ),
        (
            None,
            Some(UserStatus::Disabled),
            None,
            vec![&disabled_admin, &disabled_agent],
        ),
        (
            Some(StaffRole::Admin),
            Some(UserStatus::Disabled),
            None,
            vec![&disabled_admin],
        ),
        (
            Some(StaffRole::Agent),
            None,
            Some("smith"),
            vec![&active_agent],
        ),
        (Some(StaffRole::Admin), None, Some("smith"), vec![]),
    ];
    for (role, status, text, expected) in cases {
        let query = UserQuery {
            text: text.map(str::to_owned),
            role,
            status,
            ..UserQuery::default()
        };
        assert_eq!(
            matching_ids(store, &query).await,
            sorted_ids(&expected),
            "filter role={role:?} status={status:?} text={text:?}"
        );
    }
}

/// Every sort, both directions, in one page and in pages of two: name and
/// email ignore case; equal keys are ordered by id.
pub async fn list_sorts_by_every_field_in_both_directions<S: IdentityStore + ?Sized>(store: &S) {
    let spec = [
        ("bob", "c@sort.test", 3, 9),
        ("Alice", "E@sort.test", 1, 7),
        ("carol", "a@sort.test", 5, 5),
        ("Dave", "B@sort.test", 1, 8),
        ("alice", "d@sort.test", 4, 7),
        ("Érica", "f@sort.test", 2, 6),
    ];
    let users: Vec<StaffUser> = spec
        .iter()
        .map(|&(name, address, created, updated)| StaffUser {
            created_at: at_minute(created),
            updated_at: at_minute(updated),
            ..user_named(name, address)
        })
        .collect();
    for user in &users {
        add_user(store, user).await;
    }
    for sort in [
        "name",
        "-name",
        "email",
        "-email",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ] {
        let query = query(sort);
        let expected = expected_order(&users, query.sort);
        let one_page: Vec<UserId> = all_users(store, &query)
            .await
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(one_page, expected, "sort {sort} in one page");
        let paged: Vec<UserId> = walk(store, &query, 2, || async {})
            .await
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(paged, expected, "sort {sort} in pages of 2");
    }
}

/// Walking pages of two while users are created between pages returns
/// every user that existed at the start exactly once, no user twice, and
/// keeps the sort order.
pub async fn pagination_walks_every_item_once_while_items_are_inserted<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let names = ["Kim", "abe", "Lou", "mia", "Ned", "ola", "Pat"];
    for (minute, name) in (1..).zip(names) {
        let user = StaffUser {
            name: person_name(name),
            created_at: at_minute(minute),
            updated_at: at_minute(100 - minute),
            ..staff_user()
        };
        add_user(store, &user).await;
    }
    let mut inserted = 0_usize;
    for sort in ["name", "-created_at", "email", "-updated_at"] {
        let query = query(sort);
        let before: HashSet<UserId> = all_users(store, &query)
            .await
            .iter()
            .map(|u| u.id)
            .collect();
        let walked = walk(store, &query, 2, || {
            inserted += 1;
            // Names spread over the alphabet, times before and after the others.
            let name = ["Aaron", "zed", "Molly", "bea", "Yves"][inserted % 5];
            let user = StaffUser {
                name: person_name(name),
                created_at: at_minute(50 + u64::try_from(inserted).unwrap_or_default()),
                updated_at: if inserted.is_multiple_of(2) {
                    at_minute(0)
                } else {
                    now()
                },
                ..staff_user()
            };
            async move { add_user(store, &user).await }
        })
        .await;
        let ids: Vec<UserId> = walked.iter().map(|u| u.id).collect();
        let unique: HashSet<UserId> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "sort {sort}: no user is listed twice"
        );
        assert!(
            before.is_subset(&unique),
            "sort {sort}: every user that existed is listed"
        );
        let keys: Vec<(String, String)> = walked
            .iter()
            .map(|u| (sort_key(u, query.sort.field), u.id.to_string()))
            .collect();
        let in_order = keys.windows(2).all(|pair| match query.sort.direction {
            SortDirection::Asc => pair[0] < pair[1],
            SortDirection::Desc => pair[0] > pair[1],
        });
        assert!(in_order, "sort {sort}: the walk keeps the sort order");
    }
}
