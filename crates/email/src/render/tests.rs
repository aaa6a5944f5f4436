//! Templates: compile checks, variables, escaping.

use crm_kernel::{CustomerId, EmailAddress};

use super::{Variables, render};
use crate::content::{HtmlBody, Subject, TextBody};
use crate::ports::CustomerContact;
use crate::template::TemplateSource;

fn source(
    subject: &str,
    text: &str,
    html: Option<&str>,
) -> Result<TemplateSource, crm_kernel::ValidationErrors> {
    TemplateSource::new(
        Subject::parse(subject).unwrap(),
        TextBody::parse(text).unwrap(),
        html.map(|h| HtmlBody::parse(h).unwrap()),
    )
}

fn customer(first: &str, company: Option<&str>) -> CustomerContact {
    CustomerContact {
        id: CustomerId::new(),
        company_id: None,
        owner_id: None,
        email: Some(EmailAddress::parse("ann@example.com").unwrap()),
        first_name: first.into(),
        last_name: "Lee".into(),
        company: company.map(str::to_owned),
    }
}

fn values(customer: Option<&CustomerContact>) -> Variables {
    let address = EmailAddress::parse("ann@example.com").unwrap();
    Variables::for_recipient(Some(&address), customer, Some("Bob Smith"))
}

fn messages(errors: &crm_kernel::ValidationErrors) -> Vec<String> {
    errors
        .fields()
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect()
}

#[test]
fn renders_every_part() {
    let t = source(
        "Hello {{ first_name }}",
        "Dear {{ full_name }} of {{ company }},\n\nregards, {{ sender_name }}",
        Some("<p>Hi {{ first_name }} ({{ email }})</p>"),
    )
    .unwrap();
    let content = render(&t, &values(Some(&customer("Ann", Some("ACME"))))).unwrap();
    assert_eq!(content.subject.as_str(), "Hello Ann");
    assert_eq!(
        content.text.as_str(),
        "Dear Ann Lee of ACME,\n\nregards, Bob Smith"
    );
    assert_eq!(content.html.as_str(), "<p>Hi Ann (ann@example.com)</p>");
    assert!(!content.html_generated);
}

#[test]
fn html_is_auto_escaped_text_is_not() {
    let t = source(
        "For {{ first_name }}",
        "Hi {{ first_name }}",
        Some("<p>Hi {{ first_name }}</p>"),
    )
    .unwrap();
    let content = render(&t, &values(Some(&customer("<b>Ann</b> & Co", None)))).unwrap();
    assert_eq!(content.text.as_str(), "Hi <b>Ann</b> & Co");
    assert_eq!(
        content.html.as_str(),
        "<p>Hi &lt;b&gt;Ann&lt;&#x2f;b&gt; &amp; Co</p>"
    );

    let generated = render(
        &source("S", "Hi {{ first_name }}", None).unwrap(),
        &values(Some(&customer("<i>x</i>", None))),
    )
    .unwrap();
    assert!(generated.html_generated);
    assert_eq!(
        generated.html.as_str(),
        "<p>Hi &lt;i&gt;x&lt;/i&gt;</p>",
        "generated from the rendered text, escaped"
    );
}

#[test]
fn unknown_variables_are_refused_when_the_template_is_saved() {
    let errors = source(
        "Hi {{ frist_name }}",
        "Body {{ first_name }} {{ secret.key }}",
        None,
    )
    .unwrap_err();
    assert_eq!(
        messages(&errors),
        [
            "subject: unknown variable `frist_name` (known: first_name, last_name, full_name, email, company, sender_name)",
            "body: unknown variable `secret` (known: first_name, last_name, full_name, email, company, sender_name)",
        ]
    );
    assert!(
        source("S", "{% for i in range(2) %}{{ i }}{% endfor %}", None).is_ok(),
        "the engine's globals are fine"
    );
}

#[test]
fn syntax_errors_name_the_part_and_line() {
    let errors = source("S", "line one\n{{ first_name ", None).unwrap_err();
    let message = &messages(&errors)[0];
    assert!(message.starts_with("body: line 2: "), "{message}");
    let html = source("S", "x", Some("<p>{% if %}</p>")).unwrap_err();
    assert!(
        messages(&html)[0].starts_with("html: line 1: "),
        "{:?}",
        messages(&html)
    );
}

#[test]
fn missing_values_are_named() {
    let t = source("Hi {{ first_name }}", "From {{ company }}", None).unwrap();
    let errors = render(&t, &values(None)).unwrap_err();
    assert_eq!(
        messages(&errors),
        [
            "subject: `first_name` has no value for this recipient",
            "body: `company` has no value for this recipient",
        ]
    );
    let no_company = render(&t, &values(Some(&customer("Ann", None)))).unwrap_err();
    assert_eq!(
        messages(&no_company),
        ["body: `company` has no value for this recipient"]
    );
}

#[test]
fn conditions_may_test_a_missing_value() {
    let t = source(
        "S",
        "Hi{% if company %} from {{ company }}{% endif %}.",
        None,
    )
    .unwrap();
    assert_eq!(
        render(&t, &values(Some(&customer("Ann", None))))
            .unwrap()
            .text
            .as_str(),
        "Hi."
    );
    assert_eq!(
        render(&t, &values(Some(&customer("Ann", Some("ACME")))))
            .unwrap()
            .text
            .as_str(),
        "Hi from ACME."
    );
}

#[test]
fn a_subject_that_renders_empty_is_refused() {
    let t = source("{{ company }}{% if false %}x{% endif %}", "b", None).unwrap();
    let mut c = customer("Ann", Some(" "));
    c.company = Some("   ".into());
    let errors = render(&t, &values(Some(&c))).unwrap_err();
    assert_eq!(
        messages(&errors),
        ["subject: renders empty or invalid: must not be empty"]
    );
}
