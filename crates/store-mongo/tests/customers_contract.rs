//! The customers contract suite of `crm-testkit`, run against a `MongoStore`
//! on a fresh database of the server `CRM_TEST_MONGO_URI` names.

mod support;

mod customers {
    crm_testkit::customers_contract_tests!(super::support::fresh_store);
}
