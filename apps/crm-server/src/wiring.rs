//! Builds the adapters and services from the settings: the one place that
//! knows which adapter implements which port.

use std::num::NonZeroUsize;
use std::sync::Arc;

use crm_analytics::{AnalyticsPorts, AnalyticsService, ReportPolicy};
use crm_auth::{Argon2Hasher, JwtIssuer, JwtSecret};
use crm_charts::{CachedRenderer, EchartsRenderer, PageScripts};
use crm_customers::{AgentScope, CustomerPorts, CustomerService};
use crm_identity::{
    IdentityPorts, IdentityService, InMemoryLoginThrottle, SessionSettings, ThrottlePolicy,
};
use crm_interactions::{InteractionPorts, InteractionService};
use crm_kernel::{Clock, SystemClock};
use crm_tickets::{TicketPolicy, TicketPorts, TicketService};

use crate::config::{DatabaseUrl, Settings};
use crate::error::CommandError;
use crate::http::links::asset_path;
use crate::secret_file;
use crate::stores::{self, Stores};

/// Opens (connects to) the configured store and, with `migrate`, applies
/// pending migrations.
pub async fn open_store(settings: &Settings, migrate: bool) -> Result<Stores, CommandError> {
    let stores = stores::open(settings).await?;
    if migrate {
        let applied = stores
            .schema
            .migrate()
            .await
            .map_err(|e| CommandError::Failed(format!("migrations failed: {e}")))?;
        for migration in applied {
            tracing::info!(%migration, "applied migration");
        }
    }
    Ok(stores)
}

/// The token secret: configured, or generated once and kept beside the SQLite file.
pub fn jwt_secret(settings: &Settings) -> Result<JwtSecret, CommandError> {
    let text = match (&settings.jwt_secret, &settings.database) {
        (Some(secret), _) => secret.expose().to_owned(),
        (None, DatabaseUrl::Sqlite(path)) => secret_file::load_or_create(path).map_err(|e| {
            CommandError::Failed(format!("cannot read or create the JWT secret file: {e}"))
        })?,
        (None, DatabaseUrl::Mongo(_)) => {
            return Err(CommandError::Config(
                "CRM_JWT_SECRET: must be set when the store is MongoDB".into(),
            ));
        }
    };
    JwtSecret::new(text.into_bytes())
        .map_err(|e| CommandError::Config(format!("CRM_JWT_SECRET: {e}")))
}

/// The identity service over the store and the auth adapters.
pub fn identity_service(
    store: &Stores,
    secret: &JwtSecret,
    settings: &Settings,
) -> IdentityService {
    let ports = IdentityPorts {
        users: store.users.clone(),
        credentials: store.credentials.clone(),
        customers: store.customer_accounts.clone(),
        sessions: store.sessions.clone(),
        hasher: Arc::new(Argon2Hasher::new()),
        tokens: Arc::new(JwtIssuer::new(secret)),
        throttle: Arc::new(InMemoryLoginThrottle::new(ThrottlePolicy::default())),
        clock: Arc::new(SystemClock),
    };
    IdentityService::new(
        ports,
        SessionSettings {
            access_ttl: settings.access_token_ttl,
            refresh_ttl: settings.refresh_token_ttl,
        },
    )
}

/// The customers service over the store.
pub fn customer_service(store: &Stores, settings: &Settings) -> CustomerService {
    customer_service_with_clock(store, settings, Arc::new(SystemClock))
}

/// The customers service over the store, with a given clock (demo data).
pub fn customer_service_with_clock(
    store: &Stores,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> CustomerService {
    let ports = CustomerPorts {
        customers: store.customers.clone(),
        companies: store.companies.clone(),
        staff: store.customer_staff.clone(),
        clock,
    };
    CustomerService::new(ports, agent_scope(settings))
}

fn agent_scope(settings: &Settings) -> AgentScope {
    if settings.agents_see_all {
        AgentScope::All
    } else {
        AgentScope::Assigned
    }
}

/// The tickets service over the store.
pub fn ticket_service(store: &Stores, settings: &Settings) -> TicketService {
    ticket_service_with_clock(store, settings, Arc::new(SystemClock))
}

/// The tickets service over the store, with a given clock (demo data).
pub fn ticket_service_with_clock(
    store: &Stores,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> TicketService {
    let ports = TicketPorts {
        tickets: store.tickets.clone(),
        customers: store.ticket_customers.clone(),
        assignees: store.assignees.clone(),
        clock,
    };
    TicketService::new(
        ports,
        TicketPolicy {
            agent_scope: agent_scope(settings),
            reopen_window: settings.ticket_reopen_window,
        },
    )
}

/// The interactions service over the store.
pub fn interaction_service(store: &Stores, settings: &Settings) -> InteractionService {
    interaction_service_with_clock(store, settings, Arc::new(SystemClock))
}

/// The interactions service over the store, with a given clock (demo data).
pub fn interaction_service_with_clock(
    store: &Stores,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> InteractionService {
    let ports = InteractionPorts {
        interactions: store.interactions.clone(),
        history: store.history.clone(),
        customers: store.interaction_customers.clone(),
        staff: store.interaction_staff.clone(),
        feeds: store.feeds.clone(),
        feed_tokens: Arc::new(crm_auth::RandomFeedTokens),
        clock,
    };
    InteractionService::new(ports, agent_scope(settings))
}

/// Rendered charts kept in memory (a PNG is some tens of kilobytes).
const CHART_CACHE: usize = 256;

/// The analytics service over the store, with the ECharts renderer behind
/// a cache.
pub fn analytics_service(
    store: &Stores,
    settings: &Settings,
) -> Result<AnalyticsService, CommandError> {
    let renderer = EchartsRenderer::new(PageScripts {
        echarts: asset_path("echarts.min.js"),
        page: asset_path("crm-chart.js"),
    })
    .map_err(|e| CommandError::Failed(format!("cannot start the chart renderer: {e}")))?;
    let capacity = NonZeroUsize::new(CHART_CACHE).unwrap_or(NonZeroUsize::MIN);
    let ports = AnalyticsPorts {
        interactions: store.interaction_figures.clone(),
        tickets: store.ticket_figures.clone(),
        lifecycle: store.lifecycle_figures.clone(),
        email: store.email_figures.clone(),
        charts: Arc::new(CachedRenderer::new(renderer, capacity)),
        clock: Arc::new(SystemClock),
    };
    Ok(AnalyticsService::new(
        ports,
        ReportPolicy {
            agent_scope: agent_scope(settings),
        },
    ))
}
