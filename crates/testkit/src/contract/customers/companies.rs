//! Checks of companies ([`CompanyRepository`]) and what they do to their customers.

use crm_customers::ports::{CompanyRepository, CustomerRepository, StoreError};
use crm_customers::{Company, CompanyQuery, CompanySort, CustomerQuery};
use crm_kernel::{CompanyId, Page, PageRequest, SortDirection};

use super::CustomersStore;
use super::support::{
    add_company, add_customer, as_read, assert_refused, company as stored_company, customer,
    history, matching, page, searching,
};
use crate::builders::{
    at_minute, company, company_named, customer as new_record, long_text, person_name, phone,
    website,
};

/// `insert` then `get` returns the company exactly; `update` at the stored
/// version replaces it, at another version is a conflict, and an unknown id
/// is not found.
pub async fn company_insert_get_update_round_trip<S: CustomersStore + ?Sized>(store: &S) {
    let full = Company {
        created_at: at_minute(1),
        updated_at: at_minute(2),
        ..company()
    };
    let bare = Company {
        address: None,
        phone: None,
        website: None,
        notes: None,
        ..company_named("Bare Bones")
    };
    for item in [&full, &bare] {
        add_company(store, item).await;
        assert_eq!(
            stored_company(store, item.id).await.as_ref(),
            Some(item),
            "get returns what insert stored"
        );
    }
    assert_eq!(stored_company(store, CompanyId::new()).await, None);

    let next = Company {
        name: person_name("Acme Renamed"),
        address: None,
        phone: Some(phone("+1 650 253 0000")),
        website: Some(website("https://renamed.example.com/")),
        notes: Some(long_text("New notes.")),
        updated_at: at_minute(3),
        version: full.version.next(),
        ..full.clone()
    };
    CompanyRepository::update(store, &next, full.version)
        .await
        .expect("update at the stored version");
    assert_eq!(stored_company(store, full.id).await, Some(next.clone()));

    let stale = Company {
        name: person_name("Stale"),
        version: next.version,
        ..next.clone()
    };
    assert_refused(
        CompanyRepository::update(store, &stale, full.version).await,
        &StoreError::VersionConflict,
        "update at a stale version",
    );
    assert_eq!(
        stored_company(store, full.id).await,
        Some(next),
        "a conflict changes nothing"
    );

    let unknown = Company {
        version: full.version.next(),
        ..company()
    };
    assert_refused(
        CompanyRepository::update(store, &unknown, full.version).await,
        &StoreError::NotFound,
        "update of an unknown company",
    );
    assert_eq!(
        stored_company(store, unknown.id).await,
        None,
        "update does not create"
    );
}

/// Renaming a company shows on its customers at once: `get` and the
/// customer list name the new company, and the text search finds them by
/// the new name only.
pub async fn company_rename_shows_on_its_customers_at_once<S: CustomersStore + ?Sized>(store: &S) {
    let acme = company_named("Acme Widgets");
    add_company(store, &acme).await;
    let member = crm_customers::Customer {
        company_id: Some(acme.id),
        ..new_record()
    };
    let outsider = new_record();
    add_customer(store, &member).await;
    add_customer(store, &outsider).await;
    assert_eq!(matching(store, &searching("acme")).await, vec![member.id]);

    let renamed = Company {
        name: person_name("Globex Industries"),
        version: acme.version.next(),
        ..acme.clone()
    };
    CompanyRepository::update(store, &renamed, acme.version)
        .await
        .expect("rename");
    assert_eq!(
        customer(store, member.id).await,
        Some(as_read(&member, Some(&renamed), false)),
        "get shows the new name"
    );
    assert_eq!(
        matching(store, &searching("glob")).await,
        vec![member.id],
        "found by the new name"
    );
    assert_eq!(
        matching(store, &searching("industries")).await,
        vec![member.id]
    );
    assert!(
        matching(store, &searching("acme")).await.is_empty(),
        "not by the old name"
    );
    let listed = CustomerRepository::list(
        store,
        &CustomerQuery {
            company_id: Some(acme.id),
            ..CustomerQuery::default()
        },
        &crm_customers::Visibility::All,
        &PageRequest::default(),
    )
    .await
    .expect("list");
    assert_eq!(
        listed
            .items
            .iter()
            .map(|c| c.company.clone())
            .collect::<Vec<_>>(),
        vec![Some("Globex Industries".to_owned())],
        "the list shows the new name"
    );
}

/// A company with customers is not deleted without `detach`; with it, its
/// customers lose the link (a change: version raised, `updated_at` = the
/// deletion time) and keep everything else. Erased customers do not count.
/// An unknown company is not found.
pub async fn company_delete_refuses_while_customers_remain_unless_detached<S>(store: &S)
where
    S: CustomersStore + ?Sized,
{
    let acme = company();
    add_company(store, &acme).await;
    let member = crm_customers::Customer {
        company_id: Some(acme.id),
        updated_at: at_minute(1),
        ..new_record()
    };
    let erased = crm_customers::Customer {
        company_id: Some(acme.id),
        ..new_record()
    };
    add_customer(store, &member).await;
    add_customer(store, &erased).await;
    store.erase(erased.id, at_minute(2)).await.expect("erase");
    let member_history = history(store, member.id).await;

    assert_refused(
        CompanyRepository::delete(store, acme.id, false, at_minute(3)).await,
        &StoreError::CompanyHasCustomers,
        "delete of a company with customers",
    );
    assert_eq!(
        stored_company(store, acme.id).await,
        Some(acme.clone()),
        "the company stays"
    );
    assert_eq!(
        customer(store, member.id).await,
        Some(as_read(&member, Some(&acme), false)),
        "its customers are untouched"
    );

    CompanyRepository::delete(store, acme.id, true, at_minute(4))
        .await
        .expect("delete with detach");
    assert_eq!(
        stored_company(store, acme.id).await,
        None,
        "the company is gone"
    );
    let detached = crm_customers::Customer {
        company_id: None,
        updated_at: at_minute(4),
        version: member.version.next(),
        ..member.clone()
    };
    assert_eq!(
        customer(store, member.id).await,
        Some(as_read(&detached, None, false)),
        "the customer is kept without the link"
    );
    assert_eq!(
        history(store, member.id).await,
        member_history,
        "no status change"
    );
    assert_refused(
        CompanyRepository::delete(store, acme.id, true, at_minute(5)).await,
        &StoreError::NotFound,
        "a second delete",
    );

    let only_erased = company_named("Tombstones Ltd");
    add_company(store, &only_erased).await;
    let gone = crm_customers::Customer {
        company_id: Some(only_erased.id),
        ..new_record()
    };
    add_customer(store, &gone).await;
    store.erase(gone.id, at_minute(6)).await.expect("erase");
    CompanyRepository::delete(store, only_erased.id, false, at_minute(7))
        .await
        .expect("erased customers do not keep a company");
    assert_eq!(stored_company(store, only_erased.id).await, None);

    let empty = company_named("Nobody Inc");
    add_company(store, &empty).await;
    CompanyRepository::delete(store, empty.id, false, at_minute(8))
        .await
        .expect("delete of a company without customers");
}

async fn company_ids<S: CustomersStore + ?Sized>(
    store: &S,
    query: &CompanyQuery,
    only: Option<&[CompanyId]>,
    limit: u32,
) -> Vec<CompanyId> {
    let mut request = page(limit);
    let mut ids = Vec::new();
    for _ in 0..1000 {
        let Page { items, next } = CompanyRepository::list(store, query, only, &request)
            .await
            .expect("list companies");
        assert!(items.len() <= limit as usize);
        ids.extend(items.iter().map(|c| c.id));
        match next {
            None => return ids,
            Some(next) => request.after = Some(next),
        }
    }
    panic!("the walk never ended: the cursor does not advance");
}

fn sorted(mut ids: Vec<CompanyId>) -> Vec<CompanyId> {
    ids.sort();
    ids
}

/// The company list: a case-insensitive substring search over name,
/// website and phone (`%` and `_` literal), the `only` ids, and every sort
/// in both directions, in one page and in pages of two.
pub async fn company_list_filters_sorts_and_paginates<S: CustomersStore + ?Sized>(store: &S) {
    let spec = [
        (
            "Acme Widgets",
            "https://acme.example.com/",
            "+44 20 7946 0958",
            3,
            9,
        ),
        (
            "globex",
            "https://globex.example.org/Shop",
            "+1 650 253 0000",
            1,
            7,
        ),
        (
            "Under_Score",
            "https://under.example.net/",
            "+49 30 901820",
            5,
            5,
        ),
        (
            "acme",
            "https://second.example.com/",
            "+33 1 42 68 53 00",
            1,
            8,
        ),
        (
            "Éclair",
            "https://eclair.example.fr/",
            "+61 2 9374 4000",
            4,
            7,
        ),
    ];
    let companies: Vec<Company> = spec
        .iter()
        .map(|&(name, site, number, created, updated)| Company {
            website: Some(website(site)),
            phone: Some(phone(number)),
            created_at: at_minute(created),
            updated_at: at_minute(updated),
            ..company_named(name)
        })
        .collect();
    for item in &companies {
        add_company(store, item).await;
    }
    check_company_filters(store, &companies).await;
    check_company_sorts(store, &companies).await;
}

/// The text and `only` filters over the companies of
/// [`company_list_filters_sorts_and_paginates`].
async fn check_company_filters<S: CustomersStore + ?Sized>(store: &S, companies: &[Company]) {
    let [acme, globex, under, second, eclair] = [0, 1, 2, 3, 4].map(|i| companies[i].id);
    let cases: [(&str, Vec<CompanyId>); 10] = [
        ("ACME", vec![acme, second]),
        ("widget", vec![acme]),
        ("globex.example", vec![globex]),
        ("shop", vec![globex]),
        ("6502530", vec![globex]),
        ("+4930", vec![under]),
        ("_", vec![under]),
        ("%", vec![]),
        ("éCLAIR", vec![eclair]),
        ("nothing", vec![]),
    ];
    for (text, expected) in cases {
        let query = CompanyQuery {
            text: Some(text.to_owned()),
            ..CompanyQuery::default()
        };
        assert_eq!(
            sorted(company_ids(store, &query, None, 200).await),
            sorted(expected),
            "text {text:?}"
        );
    }
    let only = [globex, eclair, CompanyId::new()];
    assert_eq!(
        sorted(company_ids(store, &CompanyQuery::default(), Some(&only), 200).await),
        sorted(vec![globex, eclair]),
        "only those ids"
    );
    assert!(
        company_ids(store, &CompanyQuery::default(), Some(&[]), 200)
            .await
            .is_empty(),
        "only no ids is nothing"
    );
    let acme_only = CompanyQuery {
        text: Some("acme".into()),
        ..CompanyQuery::default()
    };
    assert_eq!(
        company_ids(store, &acme_only, Some(&[second, globex]), 200).await,
        vec![second],
        "text and only together"
    );
}

/// Every sort of the company list, both directions, in one page and in pages of two.
async fn check_company_sorts<S: CustomersStore + ?Sized>(store: &S, companies: &[Company]) {
    for sort in [
        CompanySort::Name,
        CompanySort::CreatedAt,
        CompanySort::UpdatedAt,
    ] {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            let query = CompanyQuery {
                text: None,
                sort,
                direction,
            };
            let mut keyed: Vec<(String, String, CompanyId)> = companies
                .iter()
                .map(|c| {
                    let key = match sort {
                        CompanySort::Name => c.name.as_str().to_lowercase(),
                        CompanySort::CreatedAt => c.created_at.to_rfc3339(),
                        CompanySort::UpdatedAt => c.updated_at.to_rfc3339(),
                    };
                    (key, c.id.to_string(), c.id)
                })
                .collect();
            keyed.sort();
            if direction == SortDirection::Desc {
                keyed.reverse();
            }
            let expected: Vec<CompanyId> = keyed.into_iter().map(|(_, _, id)| id).collect();
            assert_eq!(
                company_ids(store, &query, None, 200).await,
                expected,
                "{sort:?} {direction:?} in one page"
            );
            assert_eq!(
                company_ids(store, &query, None, 2).await,
                expected,
                "{sort:?} {direction:?} in pages of 2"
            );
        }
    }
}
