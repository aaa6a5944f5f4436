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
use crate::http::drain::Drain;
use crate::http::signed::LinkSigner;
use crate::mail::worker::{MailWorker, StopMail, Wake};
use crate::state::AppState;
use crate::{http, telemetry, wiring};

/// A built application, bound to its port and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    drain: Drain,
    listener: Arc<socket2::Socket>,
    mail: MailWorker,
}

/// Stops a running [`Application`] gracefully.
#[derive(Debug, Clone)]
pub struct Stopper {
    handle: actix_web::dev::ServerHandle,
    drain: Drain,
    /// The listening socket (a duplicate of the server's descriptor).
    listener: Arc<socket2::Socket>,
    /// Stops the mail worker (which gives back the leases it holds).
    mail: StopMail,
}

impl Stopper {
    /// Stops accepting connections, lets every connection finish the request
    /// it is serving (each then closes) within the shutdown bound of
    /// [`SHUTDOWN_TIMEOUT_SECS`], and returns when the server has stopped.
    ///
    /// The order matters: new connections are refused first (a client that
    /// connects now gets a clean refusal, having sent nothing), then every
    /// answer closes its connection, then actix-web waits for them.
    pub async fn stop(&self) {
        tracing::info!("stopping: no new connections; finishing the requests in flight");
        let deadline = std::time::Instant::now() + Duration::from_secs(SHUTDOWN_TIMEOUT_SECS);
        if let Err(error) = self.listener.shutdown(std::net::Shutdown::Both) {
            tracing::warn!(%error, "cannot shut the listening socket; stopping anyway");
        }
        self.drain.start();
        let settled = self.drain.settle(deadline).await;
        if !settled {
            tracing::warn!(
                "requests still in flight after {SHUTDOWN_TIMEOUT_SECS} s; dropping them"
            );
        }
        // No request can queue mail any more: the worker stops, giving back
        // what it holds; `run_until_stopped` waits for it.
        self.mail.stop();
        // Graceful when settled: only idle connections are left to close.
        self.handle.stop(settled).await;
    }
}

/// How long a stop waits for requests in flight before dropping them.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

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
        let analytics = wiring::analytics_service(&store, settings)?;

        if let Some(admin) = settings.bootstrap_admin() {
            let new = NewStaffUser {
                name: PersonName::parse("Administrator")
                    .map_err(|e| CommandError::Failed(e.to_string()))?,
                email: admin.email,
                phone: None,
                role: crm_identity::StaffRole::Admin,
                status: crm_identity::UserStatus::Active,
                notes: None,
                company_ids: Vec::new(),
                password: admin.password,
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

        let email = crate::mail::setup::from_settings(&store, settings, &secret, &public_url)?;
        let mail_wake = Wake::default();
        let mail = MailWorker::spawn(email.clone(), mail_wake.clone());

        let metrics = telemetry::metrics_handle();
        spawn_metrics_upkeep(metrics.clone());
        let state = web::Data::new(AppState {
            identity,
            customers,
            tickets,
            interactions,
            analytics,
            email,
            mail_wake,
            inbound_secret: settings.inbound_secret.clone(),
            store: Arc::clone(&store),
            cursors: CursorCodec::new(secret.expose()),
            links: LinkSigner::new(secret.expose()),
            metrics,
            max_body_bytes: settings.max_body_bytes,
            max_import_bytes: settings.max_import_bytes,
            public_url,
        });

        let listening = listener
            .try_clone()
            .map_err(|e| CommandError::Failed(format!("cannot keep the listening socket: {e}")))?;
        let drain = Drain::default();
        let drain_data = web::Data::new(drain.clone());
        let drain_connections = drain.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(drain_data.clone())
                .wrap(from_fn(http::drain::track_and_close_when_draining))
                .wrap(from_fn(http::observe::observe))
                // Outermost, so that answers `observe` rewrites get them too.
                .wrap(from_fn(http::headers::security_headers))
                .configure(http::configure)
                .default_service(web::to(http::not_found))
        })
        .on_connect(move |_, extensions| drain_connections.on_connect(extensions))
        .listen(listener)
        .map_err(|e| CommandError::Failed(format!("cannot serve on {address}: {e}")))?
        .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
        // Signals are handled by `serve` through a `Stopper`, which closes
        // connections as they finish instead of dropping them at the timeout.
        .disable_signals()
        .run();

        tracing::info!(%address, "listening on http://{address}");
        Ok(Self {
            port: address.port(),
            server,
            drain,
            listener: Arc::new(socket2::Socket::from(listening)),
            mail,
        })
    }

    /// The port the server listens on (useful with port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops this application gracefully.
    #[must_use]
    pub fn stopper(&self) -> Stopper {
        Stopper {
            handle: self.server.handle(),
            drain: self.drain.clone(),
            listener: Arc::clone(&self.listener),
            mail: self.mail.stopper(),
        }
    }

    /// Serves until stopped through a [`Stopper`] (the `serve` command stops
    /// it on SIGINT or SIGTERM), then waits for the mail worker to give
    /// back its leases.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.mail.stop_and_join().await;
        served
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
