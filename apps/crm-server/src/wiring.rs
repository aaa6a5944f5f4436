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
use crm_store_sqlite::SqliteStore;
use crm_tickets::{TicketPolicy, TicketPorts, TicketService};

use crate::config::{DatabaseUrl, Settings};
use crate::error::CommandError;
use crate::http::routes::assets::asset_path;
use crate::secret_file;

/// Opens the configured store and applies pending migrations.
pub async fn open_store(
    settings: &Settings,
    migrate: bool,
) -> Result<Arc<SqliteStore>, CommandError> {
    let path = match &settings.database {
        DatabaseUrl::Sqlite(path) => path,
        DatabaseUrl::Mongo(_) => {
            return Err(CommandError::Config(
                "CRM_DATABASE_URL: the MongoDB store is not part of this build yet; use sqlite://PATH".into(),
            ));
        }
    };
    let store = SqliteStore::open(path).await.map_err(|e| {
        CommandError::Failed(format!(
            "cannot open the database at {}: {e}",
            path.display()
        ))
    })?;
    if migrate {
        let applied = store
            .migrate()
            .await
            .map_err(|e| CommandError::Failed(format!("migrations failed: {e}")))?;
        for migration in applied {
            tracing::info!(migration = ?migration, "applied migration");
        }
    }
    Ok(Arc::new(store))
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
    store: &Arc<SqliteStore>,
    secret: &JwtSecret,
    settings: &Settings,
) -> IdentityService {
    let ports = IdentityPorts {
        users: store.clone(),
        credentials: store.clone(),
        customers: store.clone(),
        sessions: store.clone(),
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
pub fn customer_service(store: &Arc<SqliteStore>, settings: &Settings) -> CustomerService {
    customer_service_with_clock(store, settings, Arc::new(SystemClock))
}

/// The customers service over the store, with a given clock (demo data).
pub fn customer_service_with_clock(
    store: &Arc<SqliteStore>,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> CustomerService {
    let ports = CustomerPorts {
        customers: store.clone(),
        companies: store.clone(),
        staff: store.clone(),
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
pub fn ticket_service(store: &Arc<SqliteStore>, settings: &Settings) -> TicketService {
    ticket_service_with_clock(store, settings, Arc::new(SystemClock))
}

/// The tickets service over the store, with a given clock (demo data).
pub fn ticket_service_with_clock(
    store: &Arc<SqliteStore>,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> TicketService {
    let ports = TicketPorts {
        tickets: store.clone(),
        customers: store.clone(),
        assignees: store.clone(),
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
pub fn interaction_service(store: &Arc<SqliteStore>, settings: &Settings) -> InteractionService {
    interaction_service_with_clock(store, settings, Arc::new(SystemClock))
}

/// The interactions service over the store, with a given clock (demo data).
pub fn interaction_service_with_clock(
    store: &Arc<SqliteStore>,
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> InteractionService {
    let ports = InteractionPorts {
        interactions: store.clone(),
        history: store.clone(),
        customers: store.clone(),
        staff: store.clone(),
        feeds: store.clone(),
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
    store: &Arc<SqliteStore>,
    settings: &Settings,
) -> Result<AnalyticsService, CommandError> {
    let renderer = EchartsRenderer::new(PageScripts {
        echarts: asset_path("echarts.min.js"),
        page: asset_path("crm-chart.js"),
    })
    .map_err(|e| CommandError::Failed(format!("cannot start the chart renderer: {e}")))?;
    let capacity = NonZeroUsize::new(CHART_CACHE).unwrap_or(NonZeroUsize::MIN);
    let ports = AnalyticsPorts {
        interactions: store.clone(),
        tickets: store.clone(),
        lifecycle: store.clone(),
        email: store.clone(),
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
