use crm_analytics::ReportScope;
use crm_kernel::{CompanyId, Timestamp};

use super::*;

fn at(hour: i64) -> Timestamp {
    Timestamp::from_millis(hour * 3_600_000).unwrap()
}

/// Periods `[24h, 48h)` and `[48h, 72h)`.
fn request(scope: ReportScope) -> CountRequest {
    crate::analytics::query::days_request(1, 2, scope)
}

#[test]
fn the_journeys_touching_the_range_are_matched_in_scope_and_grouped_by_customer() {
    let company = CompanyId::new();
    let request = request(ReportScope {
        company_id: Some(company),
        ..ReportScope::all()
    });
    let pipeline = pipeline(&request).unwrap();
    let company = company.to_string();
    let (start, end) = (date(at(24)), date(at(72)));
    assert_eq!(
        pipeline[0],
        doc! { "$match": { "$or": [
            // A repeat customer's journeys touching the range.
            {
                "to": "lead", "repeat": true, "at": { "$lt": end }, "prospect_at": null,
                "customer_company_id": &company,
            },
            {
                "to": "lead", "repeat": true, "at": { "$lt": end }, "prospect_at": { "$gte": start },
                "customer_company_id": &company,
            },
            // Every journey qualified in the range.
            {
                "to": "lead", "prospect_at": { "$gte": start, "$lt": end },
                "customer_company_id": &company,
            },
        ] } }
    );
    assert_eq!(
        pipeline[1],
        doc! { "$group": {
            "_id": "$customer_id",
            "j": { "$push": journey_fields(&request, request.range().unwrap()) },
            "k": { "$sum": 1 },
            "r": { "$max": { "$cond": [{ "$eq": ["$repeat", true] }, 1, 0] } },
        } }
    );
    assert_eq!(
        pipeline[2..],
        [
            doc! { "$project": { "_id": 0, "e": customer_events() } },
            doc! { "$unwind": "$e" },
            doc! { "$group": { "_id": "$e", "n": { "$sum": 1 } } },
        ]
    );
    let nothing = ReportScope {
        visibility: crm_kernel::Visibility::Nothing,
        ..ReportScope::all()
    };
    assert!(super::pipeline(&super::tests::request(nothing)).is_none());
}

#[test]
fn a_journey_is_a_lead_from_the_period_after_its_start_to_the_period_of_its_qualification() {
    let request = request(ReportScope::all());
    let fields = journey_fields(&request, request.range().unwrap());
    // f: how many periods end at or before the change to lead.
    assert_eq!(
        fields.get("f").unwrap(),
        &Bson::Document(doc! { "$cond": [
            { "$lt": ["$at", date(at(72))] },
            { "$cond": [{ "$lt": ["$at", date(at(48))] }, 0, 1] },
            2,
        ] })
    );
    // l: all periods while not qualified, else how many start at or before it.
    assert_eq!(
        fields.get("l").unwrap(),
        &Bson::Document(doc! { "$cond": [
            { "$eq": [{ "$ifNull": ["$prospect_at", null] }, null] },
            2,
            { "$cond": [
                { "$lt": ["$prospect_at", date(at(48))] },
                { "$cond": [{ "$lt": ["$prospect_at", date(at(24))] }, 0, 1] },
                2,
            ] },
        ] })
    );
    let in_range = |path: &str| {
        doc! { "$and": [
            { "$gte": [path, date(at(24))] },
            { "$lt": [path, date(at(72))] },
        ] }
    };
    assert_eq!(
        fields.get_document("pr").unwrap(),
        &in_range("$prospect_at")
    );
    assert_eq!(
        fields.get_document("ct").unwrap(),
        &doc! { "$and": [in_range("$prospect_at"), in_range("$customer_at")] }
    );
    assert_eq!(
        fields.get_document("m2").unwrap(),
        &minutes_between("$customer_at", "$prospect_at")
    );
}

/// The rank tree counts the bounds at or before every instant, as
/// `partition_point` does (evaluated here by walking it).
#[test]
fn the_rank_tree_counts_the_bounds_at_or_before_an_instant() {
    fn eval(node: &Bson, hour: i64) -> i32 {
        match node {
            Bson::Int32(n) => *n,
            Bson::Document(d) => {
                let branches = d.get_array("$cond").unwrap();
                let test = branches[0].as_document().unwrap().get_array("$lt").unwrap();
                let bound = test[1].as_datetime().unwrap().timestamp_millis() / 3_600_000;
                eval(&branches[if hour < bound { 1 } else { 2 }], hour)
            }
            other => panic!("{other:?}"),
        }
    }
    for n in 0..9 {
        let bounds: Vec<Timestamp> = (0..n).map(|i| at(i * 3 + 1)).collect();
        let tree = rank("$at", &bounds);
        for hour in 0..30 {
            let expected = bounds.partition_point(|b| *b <= at(hour));
            assert_eq!(
                eval(&tree, hour),
                i32::try_from(expected).unwrap(),
                "{n} bounds, hour {hour}"
            );
        }
    }
}

#[test]
fn one_journey_gives_its_range_and_several_the_union_of_theirs() {
    assert_eq!(
        lead_events(),
        doc! { "$cond": [
            { "$eq": ["$k", 1] },
            { "$let": {
                "vars": { "only": { "$arrayElemAt": ["$j", 0] } },
                "in": { "$cond": [
                    { "$lt": ["$$only.f", "$$only.l"] },
                    [{ "w": "from", "p": "$$only.f" }, { "w": "until", "p": "$$only.l" }],
                    [],
                ] },
            } },
            { "$map": {
                "input": { "$reduce": {
                    "input": "$j",
                    "initialValue": [],
                    "in": { "$setUnion": ["$$value", { "$range": ["$$this.f", "$$this.l"] }] },
                } },
                "in": { "w": "in", "p": "$$this" },
            } },
        ] }
    );
    let events = customer_events();
    let parts = events.get_array("$concatArrays").unwrap();
    assert_eq!(
        parts[0],
        Bson::Document(doc! { "$cond": [
            { "$eq": ["$r", 1] },
            { "$concatArrays": [lead_events(), [{ "w": "lead_total" }], journey_lead_events()] },
            [],
        ] }),
        "only repeat customers give lead events"
    );
    assert_eq!(
        parts[1],
        Bson::Document(doc! { "$map": {
            "input": { "$setUnion": [{ "$filter": {
                "input": { "$map": { "input": "$j", "as": "j", "in": "$$j.pp" } },
                "cond": { "$gte": ["$$this", 0] },
            } }] },
            "in": { "w": "prospect", "p": "$$this" },
        } })
    );
    assert_eq!(
        parts[8],
        Bson::Document(doc! { "$map": {
            "input": { "$filter": { "input": "$j", "as": "j", "cond": { "$eq": ["$$j.ct", true] } } },
            "as": "j",
            "in": { "w": "prospect_to_customer_total", "m": "$$j.m2" },
        } })
    );
}

#[test]
fn the_events_add_up_to_the_figures() {
    let request = request(ReportScope::all());
    let mut counts = LifecycleCounts::zeros(request.periods.len());
    let groups = vec![
        // Two one-journey customers lead in both periods, one in the second only.
        doc! { "_id": { "w": "from", "p": 0 }, "n": 2 },
        doc! { "_id": { "w": "from", "p": 1 }, "n": 1 },
        doc! { "_id": { "w": "until", "p": 1 }, "n": 1 },
        doc! { "_id": { "w": "until", "p": 2 }, "n": 2 },
        // A customer with two journeys, a lead in the second period.
        doc! { "_id": { "w": "in", "p": 1 }, "n": 1 },
        doc! { "_id": { "w": "lead_total" }, "n": 4 },
        doc! { "_id": { "w": "prospect", "p": 1 }, "n": 2 },
        doc! { "_id": { "w": "prospect_total" }, "n": 2 },
        doc! { "_id": { "w": "converted", "p": 1 }, "n": 1 },
        doc! { "_id": { "w": "converted_total" }, "n": 1 },
        doc! { "_id": { "w": "lead_to_prospect", "p": 1, "m": 1440.0 }, "n": 2 },
        doc! { "_id": { "w": "lead_to_prospect_total", "m": 1440.0 }, "n": 2 },
        doc! { "_id": { "w": "prospect_to_customer", "p": 1, "m": 60 }, "n": 1 },
        doc! { "_id": { "w": "prospect_to_customer_total", "m": 60 }, "n": 1 },
    ];
    let none = JourneyFlow::default();
    read(&groups, &request, &mut counts, (none, &[none, none])).unwrap();
    let leads: Vec<u64> = counts.periods.iter().map(|p| p.leads).collect();
    assert_eq!(leads, [2, 3]);
    assert_eq!(
        (
            counts.total.leads,
            counts.total.prospects,
            counts.total.converted
        ),
        (4, 2, 1)
    );
    let second = &counts.periods[1];
    assert_eq!((second.prospects, second.converted), (2, 1));
    assert_eq!(
        second.lead_to_prospect.buckets().collect::<Vec<_>>(),
        [(1440, 2)]
    );
    assert_eq!(
        second.prospect_to_customer.buckets().collect::<Vec<_>>(),
        [(60, 1)]
    );
    assert_eq!(counts.total.lead_to_prospect, second.lead_to_prospect);
    assert_eq!(
        counts.total.prospect_to_customer,
        second.prospect_to_customer
    );
    assert_eq!(counts.periods[0].prospects, 0);
}

#[test]
fn leads_are_the_flows_less_the_repeat_journeys_plus_their_customers() {
    let request = request(ReportScope::all());
    let mut counts = LifecycleCounts::zeros(request.periods.len());
    let flow = |begun, qualified| JourneyFlow { begun, qualified };
    // Journeys touching: 6 in the first period (7 begun before its end, 1
    // qualified before its start), 5 in the second, 6 over the range.
    let flows = (flow(5, 1), &[flow(2, 1), flow(0, 3)][..]);
    // One customer with two journeys, both touching both periods.
    let groups = vec![
        doc! { "_id": { "w": "journey_from", "p": 0 }, "n": 2 },
        doc! { "_id": { "w": "journey_until", "p": 2 }, "n": 2 },
        doc! { "_id": { "w": "journey_total" }, "n": 2 },
        doc! { "_id": { "w": "in", "p": 0 }, "n": 1 },
        doc! { "_id": { "w": "in", "p": 1 }, "n": 1 },
        doc! { "_id": { "w": "lead_total" }, "n": 1 },
    ];
    read(&groups, &request, &mut counts, flows).unwrap();
    let leads: Vec<u64> = counts.periods.iter().map(|p| p.leads).collect();
    assert_eq!(leads, [5, 4]);
    assert_eq!(counts.total.leads, 5);
    // Flows that leave fewer than none are refused.
    let mut counts = LifecycleCounts::zeros(request.periods.len());
    let none = JourneyFlow::default();
    assert!(read(&groups, &request, &mut counts, (none, &[none, none])).is_err());
}

#[test]
fn events_of_no_period_or_no_kind_are_refused() {
    let request = request(ReportScope::all());
    for group in [
        doc! { "_id": { "w": "prospect", "p": 2 }, "n": 1 },
        doc! { "_id": { "w": "from", "p": 3 }, "n": 1 },
        doc! { "_id": { "w": "sideways", "p": 0 }, "n": 1 },
        doc! { "_id": { "p": 0 }, "n": 1 },
        doc! { "_id": { "w": "until", "p": 1 }, "n": 1 },
    ] {
        let mut counts = LifecycleCounts::zeros(request.periods.len());
        let none = JourneyFlow::default();
        assert!(
            read(
                std::slice::from_ref(&group),
                &request,
                &mut counts,
                (none, &[none, none])
            )
            .is_err(),
            "{group}"
        );
    }
}
