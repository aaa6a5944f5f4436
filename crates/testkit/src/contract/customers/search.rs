//! Checks of the customer list's free-text search: word prefixes over names,
//! email, phone, company name and notes; relevance order; hostile input.

use crm_customers::{Customer, CustomerQuery, CustomerSort, Visibility};
use crm_kernel::CustomerId;

use super::CustomersStore;
use super::support::{
    add_company, add_customer, all_visible, ids_of, matching, searching, visible_ids, walk,
};
use crate::builders::{company_named, customer_named, email, long_text, phone};

/// Every word of the text must match the start of a word of the first or
/// last name, email, phone (with or without `+`), company name or notes,
/// ignoring case and diacritics.
pub async fn customer_search_matches_word_prefixes_of_every_field<S: CustomersStore + ?Sized>(
    store: &S,
) {
    let globex = company_named("Globex Corporation");
    add_company(store, &globex).await;
    let ann = Customer {
        email: Some(email("ann.lee@alpha.test")),
        phone: Some(phone("+44 20 7946 0958")),
        notes: Some(long_text("Met at the Berlin fair.")),
        ..customer_named("Ann", "Lee")
    };
    let zoe = Customer {
        email: Some(email("zoe@gamma.test")),
        phone: None,
        notes: None,
        company_id: Some(globex.id),
        ..customer_named("Zoë", "Ünal")
    };
    let bob = Customer {
        email: Some(email("robert.stone@beta.test")),
        phone: Some(phone("+1 650 253 0000")),
        notes: Some(long_text("Prefers email.")),
        ..customer_named("Bob", "Stone")
    };
    for item in [&ann, &zoe, &bob] {
        add_customer(store, item).await;
    }
    let cases: [(&str, Vec<&Customer>); 21] = [
        ("lee", vec![&ann]),
        ("LE", vec![&ann]),
        ("ann lee", vec![&ann]),
        ("lee ann", vec![&ann]),
        ("ann stone", vec![]),
        ("alpha", vec![&ann]),
        ("robert.stone", vec![&bob]),
        ("beta.test", vec![&bob]),
        ("test", vec![&ann, &zoe, &bob]),
        ("4420", vec![&ann]),
        ("+1650", vec![&bob]),
        ("16502530000", vec![&bob]),
        ("glob", vec![&zoe]),
        ("corp", vec![&zoe]),
        ("berl", vec![&ann]),
        ("prefers", vec![&bob]),
        ("zoe", vec![&zoe]),
        ("ünal", vec![&zoe]),
        ("UNAL zo", vec![&zoe]),
        ("Zoë Ünal", vec![&zoe]),
        ("nobody", vec![]),
    ];
    for (text, expected) in cases {
        assert_eq!(
            matching(store, &searching(text)).await,
            ids_of(&expected),
            "search {text:?}"
        );
    }
}

/// Sorted by relevance, a match in a name comes before matches in the
/// company name or notes; `-relevance` is the exact reverse; relevance
/// pages list every match once while nothing changes; visibility holds.
pub async fn customer_search_ranks_name_matches_first<S: CustomersStore + ?Sized>(store: &S) {
    let holdings = company_named("Smith Holdings");
    add_company(store, &holdings).await;
    let by_name = Customer {
        notes: None,
        ..customer_named("Marta", "Smith")
    };
    let by_company = Customer {
        notes: None,
        company_id: Some(holdings.id),
        ..customer_named("Paul", "Jones")
    };
    let by_notes = Customer {
        notes: Some(long_text("Referred to us by a friend called Smith.")),
        ..customer_named("Rita", "Brown")
    };
    let unrelated = customer_named("Otto", "Weiss");
    for item in [&by_notes, &by_company, &unrelated, &by_name] {
        add_customer(store, item).await;
    }
    let query = CustomerQuery {
        text: Some("smith".into()),
        sort: CustomerSort::relevance(),
        ..CustomerQuery::default()
    };
    let ranked: Vec<CustomerId> = all_visible(store, &query, &Visibility::All)
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ranked.len(), 3, "every match, only matches: {ranked:?}");
    assert_eq!(ranked[0], by_name.id, "the name match comes first");
    let mut found = ranked.clone();
    found.sort();
    assert_eq!(found, ids_of(&[&by_name, &by_company, &by_notes]));

    let reversed = CustomerQuery {
        sort: CustomerSort::parse("-relevance").expect("valid sort"),
        ..query.clone()
    };
    let mut worst_first: Vec<CustomerId> = all_visible(store, &reversed, &Visibility::All)
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    worst_first.reverse();
    assert_eq!(worst_first, ranked, "-relevance is the reverse order");

    let paged: Vec<CustomerId> = walk(store, &query, &Visibility::All, 1, || async {})
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        paged, ranked,
        "relevance pages of one list every match once"
    );

    assert_eq!(
        visible_ids(store, &query, &Visibility::Own(by_notes.id)).await,
        vec![by_notes.id],
        "visibility holds for relevance"
    );
}

/// Relevance ranks a match by the first tier of fields that holds every
/// word (name, then email, phone, company name, notes), in creation order
/// within a tier; `-relevance` is the exact reverse, and pages of one list
/// the same order.
pub async fn customer_search_ranks_by_tier_then_creation<S: CustomersStore + ?Sized>(store: &S) {
    let holdings = company_named("Smith Holdings");
    add_company(store, &holdings).await;
    let quiet = |first: &str, last: &str| Customer {
        notes: None,
        ..customer_named(first, last)
    };
    let marta = quiet("Marta", "Smith");
    let by_email = Customer {
        email: Some(email("smithy.kay@example.com")),
        ..quiet("Kay", "Lund")
    };
    let anna = quiet("Anna", "Smithers");
    let by_company = Customer {
        company_id: Some(holdings.id),
        ..quiet("Paul", "Jones")
    };
    let by_notes = Customer {
        notes: Some(long_text("A cousin; met through Smith.")),
        ..quiet("Rita", "Brown")
    };
    let anna_by_notes = Customer {
        notes: Some(long_text("Sister of a Smith.")),
        ..quiet("Anna", "Berg")
    };
    for item in [
        &marta,
        &by_email,
        &anna,
        &by_company,
        &by_notes,
        &anna_by_notes,
    ] {
        add_customer(store, item).await;
    }
    let ranked = |text: &str, sort: &str| CustomerQuery {
        text: Some(text.into()),
        sort: CustomerSort::parse(sort).expect("valid sort"),
        ..CustomerQuery::default()
    };
    let ids = |found: Vec<Customer>| found.iter().map(|c| c.id).collect::<Vec<_>>();
    let in_order = |customers: &[&Customer]| customers.iter().map(|c| c.id).collect::<Vec<_>>();
    let best_first = ids(all_visible(store, &ranked("smith", "relevance"), &Visibility::All).await);
    let expected = in_order(&[
        &marta,
        &anna,
        &by_email,
        &by_company,
        &by_notes,
        &anna_by_notes,
    ]);
    assert_eq!(best_first, expected, "tiers, then creation order");
    let mut worst_first =
        ids(all_visible(store, &ranked("smith", "-relevance"), &Visibility::All).await);
    worst_first.reverse();
    assert_eq!(worst_first, expected, "-relevance is the exact reverse");
    let paged: Vec<CustomerId> = walk(
        store,
        &ranked("smith", "relevance"),
        &Visibility::All,
        2,
        || async {},
    )
    .await
    .iter()
    .map(|c| c.id)
    .collect();
    assert_eq!(paged, expected, "pages of two list the same order");
    assert_eq!(
        ids(all_visible(store, &ranked("anna smi", "relevance"), &Visibility::All).await),
        in_order(&[&anna, &anna_by_notes]),
        "every word within the name comes before a word found in the notes"
    );
}

/// Search text is only ever words: FTS syntax in it (`"`, `AND`, `OR`,
/// `NOT`, `*`, `NEAR(`, `column:`, `^`, `-`, parentheses) is neither an
/// error nor an operator. Text without a letter or digit matches nothing.
pub async fn customer_search_text_cannot_inject_syntax<S: CustomersStore + ?Sized>(store: &S) {
    let ann = Customer {
        notes: None,
        ..customer_named("Ann", "Lee")
    };
    let bob = Customer {
        notes: None,
        ..customer_named("Bob", "Stone")
    };
    add_customer(store, &ann).await;
    add_customer(store, &bob).await;
    let cases: [(&str, Vec<&Customer>); 22] = [
        ("\"", vec![]),
        ("\"\"", vec![]),
        ("*", vec![]),
        ("(", vec![]),
        ("'", vec![]),
        ("\\", vec![]),
        ("%", vec![]),
        ("ann\" OR \"bob", vec![]),
        ("ann OR bob", vec![]),
        ("NOT bob", vec![]),
        ("bob NOT ann", vec![]),
        ("AND", vec![]),
        ("NEAR(ann lee)", vec![]),
        ("first_name:ann", vec![]),
        ("a:b", vec![]),
        ("{first_name}: ann", vec![]),
        ("-ann", vec![&ann]),
        ("ann*", vec![&ann]),
        ("^ann", vec![&ann]),
        ("(ann)", vec![&ann]),
        ("\"bob\"", vec![&bob]),
        ("sto\"ne", vec![]),
    ];
    for (text, expected) in cases {
        assert_eq!(
            matching(store, &searching(text)).await,
            ids_of(&expected),
            "search {text:?}"
        );
        let by_relevance = CustomerQuery {
            sort: CustomerSort::relevance(),
            ..searching(text)
        };
        assert_eq!(
            matching(store, &by_relevance).await,
            ids_of(&expected),
            "search {text:?} by relevance"
        );
    }
}
