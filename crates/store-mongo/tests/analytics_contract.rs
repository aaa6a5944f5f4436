//! The analytics contract suite of `crm-testkit`, run against a `MongoStore`
//! on a fresh database of the server `CRM_TEST_MONGO_URI` names.

mod support;

mod analytics {
    crm_testkit::analytics_contract_tests!(super::support::fresh_store);
}
