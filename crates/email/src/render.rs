//! Rendering templates with `minijinja`.
//!
//! The HTML part is rendered with HTML auto-escaping (a customer named
//! `<b>Ann</b>` shows as text, never as markup), subject and text without.
//! Undefined values are an error when printed or iterated (minijinja's
//! `SemiStrict` behaviour: `{% if company %}` still works for a customer
//! without a company), and the error names the variable.

use std::collections::{BTreeMap, BTreeSet};

use crm_kernel::{EmailAddress, TextError, ValidationErrors};
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

use crate::content::{Content, HtmlBody, Subject, TextBody};
use crate::ports::CustomerContact;
use crate::template::TemplateSource;

/// The variables a template may use.
pub const VARIABLES: [&str; 6] = [
    "first_name",
    "last_name",
    "full_name",
    "email",
    "company",
    "sender_name",
];

/// The values of a template's variables for one recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables(BTreeMap<&'static str, String>);

impl Variables {
    /// The values for a recipient at `address`: the customer's names and
    /// company when it is one (a company-less customer has no `company`),
    /// and the sending staff user's name.
    #[must_use]
    pub fn for_recipient(
        address: Option<&EmailAddress>,
        customer: Option<&CustomerContact>,
        sender_name: Option<&str>,
    ) -> Self {
        let mut values = BTreeMap::new();
        if let Some(address) = address {
            values.insert("email", address.as_str().to_owned());
        }
        if let Some(customer) = customer {
            values.insert("first_name", customer.first_name.clone());
            values.insert("last_name", customer.last_name.clone());
            values.insert(
                "full_name",
                format!("{} {}", customer.first_name, customer.last_name),
            );
            if let Some(company) = &customer.company {
                values.insert("company", company.clone());
            }
        }
        if let Some(name) = sender_name {
            values.insert("sender_name", name.to_owned());
        }
        Self(values)
    }

    /// The value of a variable, if it has one.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name == HTML_PART {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

/// The name the HTML part is compiled under (auto-escaped).
const HTML_PART: &str = "part.html";

fn part_name(field: &str) -> &'static str {
    if field == "html" {
        HTML_PART
    } else {
        "part.txt"
    }
}

/// Checks that `source` compiles and uses only [`VARIABLES`] (and the
/// engine's own globals such as `range`), recording errors against `field`.
pub(crate) fn check(field: &str, source: &str, errors: &mut ValidationErrors) {
    let env = environment();
    let template = match env.template_from_named_str(part_name(field), source) {
        Ok(template) => template,
        Err(error) => {
            errors.add(field, syntax_message(&error));
            return;
        }
    };
    let globals: BTreeSet<&str> = env.globals().map(|(name, _)| name).collect();
    let unknown: BTreeSet<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !VARIABLES.contains(&v.as_str()) && !globals.contains(v.as_str()))
        .collect();
    for name in unknown {
        errors.add(
            field,
            format!(
                "unknown variable `{name}` (known: {})",
                VARIABLES.join(", ")
            ),
        );
    }
}

fn syntax_message(error: &minijinja::Error) -> String {
    let detail = error.detail().unwrap_or("invalid template");
    match error.line() {
        Some(line) => format!("line {line}: {detail}"),
        None => detail.to_owned(),
    }
}

/// Renders one part; errors name the variables that have no value.
fn render_part(
    field: &str,
    source: &str,
    values: &Variables,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let env = environment();
    let rendered = env
        .template_from_named_str(part_name(field), source)
        .and_then(|t| t.render(&values.0).map(|out| (t, out)));
    match rendered {
        Ok((_, out)) => Some(out),
        Err(error) if error.kind() == ErrorKind::UndefinedError => {
            let missing: BTreeSet<String> = env
                .template_from_named_str(part_name(field), source)
                .map(|t| t.undeclared_variables(false))
                .unwrap_or_default()
                .into_iter()
                .filter(|v| VARIABLES.contains(&v.as_str()) && values.get(v).is_none())
                .collect();
            if missing.is_empty() {
                errors.add(field, syntax_message(&error));
            }
            for name in missing {
                errors.add(field, format!("`{name}` has no value for this recipient"));
            }
            None
        }
        Err(error) => {
            errors.add(field, syntax_message(&error));
            None
        }
    }
}

/// Renders a template for one recipient: subject, text, and HTML (rendered
/// with auto-escaping, or generated from the rendered text when the
/// template has none).
pub fn render(source: &TemplateSource, values: &Variables) -> Result<Content, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let subject = render_part("subject", source.subject().as_str(), values, &mut errors);
    let text = render_part("body", source.text().as_str(), values, &mut errors);
    let html = source
        .html()
        .map(|h| render_part("html", h.as_str(), values, &mut errors));
    errors.clone().into_result()?;
    let subject = parsed(
        "subject",
        Subject::parse(&subject.unwrap_or_default()),
        &mut errors,
    );
    let text = parsed(
        "body",
        TextBody::parse(&text.unwrap_or_default()),
        &mut errors,
    );
    let html = match html.flatten() {
        Some(html) => parsed("html", HtmlBody::parse(&html), &mut errors).map(Some),
        None => Some(None),
    };
    errors.clone().into_result()?;
    let (Some(subject), Some(text), Some(html)) = (subject, text, html) else {
        return Err(errors);
    };
    Content::new(subject, text, html).map_err(|e| ValidationErrors::single("body", e))
}

/// A rendered part parsed into its type, or an error recorded against `field`.
fn parsed<T>(
    field: &str,
    result: Result<T, TextError>,
    errors: &mut ValidationErrors,
) -> Option<T> {
    errors.check(
        field,
        result.map_err(|e| format!("renders empty or invalid: {e}")),
    )
}

#[cfg(test)]
mod tests;
