//! The running application: store, services and HTTP server, built from settings.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use crm_identity::NewStaffUser;
use crm_kernel::PersonName;

use crate::config::Settings;
use crate::error::CommandError;
use crate::http::cursor::CursorCodec;
use crate::state::AppState;
use crate::{http, telemetry, wiring};

/// A built application, bound to its port and ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Opens and migrates the store, creates the bootstrap admin when asked
    /// and none exists, and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self, CommandError> {
        let store = wiring::open_store(settings, true).await?;
        let secret = wiring::jwt_secret(settings)?;
        let identity = wiring::identity_service(&store, &secret, settings);
        let customers = wiring::customer_service(&store, settings);
        let tickets = wiring::ticket_service(&store, settings);
        let interactions = wiring::interaction_service(&store, settings);

        if let Some(admin) = &settings.bootstrap_admin {
            let new = NewStaffUser {
                name: PersonName::parse("Administrator")
                    .map_err(|e| CommandError::Failed(e.to_string()))?,
                email: admin.email.clone(),
                phone: None,
                role: crm_identity::StaffRole::Admin,
                status: crm_identity::UserStatus::Active,
                notes: None,
                company_ids: Vec::new(),
                password: admin.password.clone(),
            };
            match identity.bootstrap_admin(new).await {
                Ok(Some(user)) => tracing::info!(user_id = %user.id, "created the bootstrap admin"),
                Ok(None) => tracing::debug!("an active admin exists; bootstrap admin not needed"),
                Err(e) => {
                    return Err(CommandError::Failed(format!(
                        "cannot create the bootstrap admin: {e}"
                    )));
                }
            }
        }

        let listener = TcpListener::bind(settings.listen).map_err(|e| {
            CommandError::Failed(format!("cannot listen on {}: {e}", settings.listen))
        })?;
        let address = listener
            .local_addr()
            .map_err(|e| CommandError::Failed(format!("cannot read the bound address: {e}")))?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));

        let metrics = telemetry::metrics_handle();
        spawn_metrics_upkeep(metrics.clone());
        let state = web::Data::new(AppState {
            identity,
            customers,
            tickets,
            interactions,
            store: Arc::clone(&store),
            cursors: CursorCodec::new(secret.expose()),
            metrics,
            max_body_bytes: settings.max_body_bytes,
            max_import_bytes: settings.max_import_bytes,
            public_url,
        });

        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(from_fn(http::observe::observe))
                .configure(http::configure)
                .default_service(web::to(http::not_found))
        })
        .listen(listener)
        .map_err(|e| CommandError::Failed(format!("cannot serve on {address}: {e}")))?
        .shutdown_timeout(10)
        .run();

        tracing::info!(%address, "listening on http://{address}");
        Ok(Self {
            port: address.port(),
            server,
        })
    }

    /// The port the server listens on (useful with port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests
    /// (at most 10 s) and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn spawn_metrics_upkeep(handle: metrics_exporter_prometheus::PrometheusHandle) {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    });
}
