//! The email contract suite of `crm-testkit`, run against a `MongoStore`
//! on a fresh database of the server `CRM_TEST_MONGO_URI` names.

mod support;

mod email {
    crm_testkit::email_contract_tests!(super::support::fresh_store);
}
