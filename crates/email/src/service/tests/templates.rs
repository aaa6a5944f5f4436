//! Template rules: who writes, who changes, previews.

use crm_kernel::{EmailTemplateId, Version};

use super::*;
use crate::error::EmailError;
use crate::ports::StoreError;
use crate::template::{EmailTemplate, NewTemplate, TemplateName, TemplatePatch, TemplateSource};

fn source(text: &str) -> TemplateSource {
    TemplateSource::new(
        Subject::parse("Hi {{ first_name }}").unwrap(),
        TextBody::parse(text).unwrap(),
        None,
    )
    .unwrap()
}

fn template(author: UserId) -> EmailTemplate {
    EmailTemplate {
        id: EmailTemplateId::new(),
        name: TemplateName::parse("welcome").unwrap(),
        source: source("Hello {{ first_name }} from {{ company }}"),
        created_by: author,
        created_at: now(),
        updated_at: now(),
        version: Version::FIRST,
    }
}

#[tokio::test]
async fn staff_create_customers_may_not_and_names_are_unique() {
    let mut mocks = Mocks::default();
    let mut taken = false;
    mocks
        .templates
        .expect_insert()
        .times(2)
        .returning(move |t| {
            assert_eq!((t.version, t.created_at), (Version::FIRST, now()));
            if std::mem::replace(&mut taken, true) {
                Err(StoreError::Duplicate)
            } else {
                Ok(())
            }
        });
    let service = mocks.service();
    let new = || NewTemplate {
        name: TemplateName::parse("welcome").unwrap(),
        source: source("Hi"),
    };
    let agent = agent_of(&[]);
    let created = service.create_template(&agent, new()).await.unwrap();
    assert_eq!(created.created_by, agent.user_id().unwrap());
    assert!(matches!(
        service.create_template(&agent, new()).await,
        Err(EmailError::TemplateNameTaken)
    ));
    let customer = service
        .create_template(&customer_principal(CustomerId::new()), new())
        .await;
    assert!(
        matches!(customer, Err(EmailError::Forbidden)),
        "{customer:?}"
    );
}

#[tokio::test]
async fn admins_and_the_author_change_and_delete() {
    let author = agent_of(&[]);
    let t = template(author.user_id().unwrap());
    let mut mocks = Mocks::default();
    let stored = t.clone();
    mocks
        .templates
        .expect_get()
        .returning(move |_| Ok(Some(stored.clone())));
    mocks
        .templates
        .expect_update()
        .times(2)
        .returning(|next, expected| {
            assert_eq!((expected, next.version), (Version::FIRST, Version::new(2)));
            Ok(())
        });
    mocks
        .templates
        .expect_delete()
        .times(1)
        .returning(|_| Ok(()));
    let service = mocks.service();
    let patch = TemplatePatch {
        text: Some(TextBody::parse("Bye {{ first_name }}").unwrap()),
        ..TemplatePatch::default()
    };
    let changed = service
        .update_template(&author, t.id, &patch, Some(Version::FIRST))
        .await
        .unwrap();
    assert_eq!(changed.source.text().as_str(), "Bye {{ first_name }}");
    assert_eq!(changed.updated_at, now());
    assert!(
        service
            .update_template(&admin(), t.id, &patch, None)
            .await
            .is_ok()
    );
    let other = service
        .update_template(&agent_of(&[]), t.id, &patch, None)
        .await;
    assert!(matches!(other, Err(EmailError::Forbidden)), "{other:?}");
    let stale = service
        .update_template(&author, t.id, &patch, Some(Version::new(7)))
        .await;
    assert!(matches!(stale, Err(EmailError::Conflict)), "{stale:?}");
    assert!(matches!(
        service.delete_template(&agent_of(&[]), t.id).await,
        Err(EmailError::Forbidden)
    ));
    service.delete_template(&author, t.id).await.unwrap();
    let customer = service
        .template(&customer_principal(CustomerId::new()), t.id)
        .await;
    assert!(
        matches!(customer, Err(EmailError::TemplateNotFound)),
        "{customer:?}"
    );
}

#[tokio::test]
async fn previews_render_for_one_visible_customer() {
    let company = CompanyId::new();
    let t = template(UserId::new());
    let with_company = contact("Ann", "ann@example.com", Some(company));
    let without = contact("Bea", "bea@example.com", None);
    let mut mocks = Mocks::default();
    let stored = t.clone();
    mocks
        .templates
        .expect_get()
        .returning(move |_| Ok(Some(stored.clone())));
    let known = [with_company.clone(), without.clone()];
    mocks
        .customers
        .expect_by_id()
        .returning(move |id| Ok(known.iter().find(|c| c.id == id).cloned()));
    mocks
        .staff
        .expect_name()
        .returning(|_| Ok(Some("Bob".into())));
    let service = mocks.service();
    let agent = agent_of(&[company]);
    let preview = service
        .preview_template(&agent, t.id, with_company.id)
        .await
        .unwrap();
    assert_eq!(
        (preview.subject.as_str(), preview.text.as_str()),
        ("Hi Ann", "Hello Ann from ACME")
    );
    let missing = service.preview_template(&admin(), t.id, without.id).await;
    let Err(EmailError::Validation(errors)) = missing else {
        panic!("{missing:?}")
    };
    assert_eq!(
        invalid_fields(&errors),
        ["body: `company` has no value for this recipient"]
    );
    let hidden = service.preview_template(&agent, t.id, without.id).await;
    assert!(
        matches!(hidden, Err(EmailError::CustomerNotFound)),
        "{hidden:?}"
    );
}
