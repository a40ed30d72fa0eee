//! The HTTP server: its configuration, shared state, the router, and
//! `serve`, which takes its listener from outside (tests bind port 0), holds
//! no connection longer than its deadlines allow, and stops on a shutdown
//! signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;
use crate::files::FileError;
use crate::live::LiveConfig;
use crate::store::{AttemptStore, RoomStore, Sqlite, SqliteAttempts, StoreError};

/// No request body the app takes comes near this; larger ones are refused
/// before they are read. The self-test forms have a tighter limit of their own.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Everything a server needs to start. The binary fills it from its
/// arguments and environment; tests build it directly.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Files or directories to load question sets from.
    pub questions: Vec<PathBuf>,
    /// Where the database lives.
    pub data_dir: PathBuf,
    pub timeouts: Timeouts,
    pub live: LiveConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            questions: vec![PathBuf::from("questions")],
            data_dir: PathBuf::from("quizline-data"),
            timeouts: Timeouts::default(),
            live: LiveConfig::default(),
        }
    }
}

/// How long the server waits on a client before it lets the connection go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A client has this long to send a request's whole head, and a
    /// keep-alive connection this long to start its next request; a slow or
    /// silent client would otherwise hold a socket (an open file) for ever.
    pub header_read: Duration,
    /// A request that takes longer than this gets a 408. Upgraded
    /// connections (live quizzes) are not requests any more once upgraded,
    /// so it does not cut them.
    pub request: Duration,
    /// After the shutdown signal, how long requests in flight may take to
    /// finish before the server stops anyway.
    pub shutdown_grace: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub attempts: Arc<dyn AttemptStore>,
    pub rooms: Arc<dyn RoomStore>,
    pub live: crate::live::Live,
    pub timeouts: Timeouts,
}

/// Loads the sets and opens the store. Returns the files that were skipped
/// so the caller can report them; they never stop the server.
pub async fn open(config: &ServerConfig) -> Result<(AppState, Vec<FileError>), StoreError> {
    let loaded = Catalog::load(&config.questions);
    let store = Arc::new(Sqlite::open(&config.data_dir)?);
    let catalog = Arc::new(loaded.catalog);
    let live =
        crate::live::Live::restore(catalog.clone(), store.clone(), config.live.clone()).await?;
    let state = AppState {
        catalog,
        attempts: Arc::new(SqliteAttempts::new(store.clone())),
        rooms: store,
        live,
        timeouts: config.timeouts,
    };
    Ok((state, loaded.skipped))
}

pub fn router(state: AppState) -> Router {
    let request_timeout = state.timeouts.request;
    // One header, CSP and CSRF stack for both front ends.
    crate::http::protect(
        crate::web::routes()
            .merge(crate::live::routes())
            // Set here rather than in either part, so that merging them never
            // meets two fallbacks.
            .fallback(crate::web::not_found),
    )
    .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
    .layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        request_timeout,
    ))
    .layer(TraceLayer::new_for_http())
    .with_state(state)
}

/// Serves until `shutdown` resolves, then stops accepting, closes idle
/// connections and lets requests in flight finish (for at most
/// [`Timeouts::shutdown_grace`]).
///
/// Each connection is HTTP/1.1 with hyper's header-read timeout, so a client
/// that sends its head a byte at a time, or keeps a connection open without
/// a request, is cut off after [`Timeouts::header_read`]. Handlers see the
/// client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = state.timeouts;
    // The listening address tells the host page where phones can join.
    let listen = crate::http::join::ListenAddr(listener.local_addr()?);
    let app = router(state).layer(axum::Extension(listen));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    // Every connection task holds a receiver of `stop`, so `closed()` on the
    // sender says when the last one is done.
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        // Pushed quiz events are small; waiting to batch them only adds delay.
        let _ = stream.set_nodelay(true);
        let router = TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(addr));
            hyper::service::Service::call(&router, req)
        });
        let conn = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => log_connection_end(addr, result),
                _ = stopping.changed() => {
                    conn.as_mut().graceful_shutdown();
                    log_connection_end(addr, conn.await);
                }
            }
            drop(stopping);
        });
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(true);
    if tokio::time::timeout(timeouts.shutdown_grace, stop.closed())
        .await
        .is_err()
    {
        tracing::warn!("stopping with requests still in flight");
    }
    Ok(())
}

fn log_connection_end(addr: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // Timeouts and clients that hang up are everyday events, not errors.
        tracing::debug!(%addr, "connection ended: {e}");
    }
}

/// An accept that failed because this process is out of open files (or the
/// system of memory) is retried after a pause, so the server survives a
/// flood instead of spinning or stopping; a peer that reset before it was
/// accepted is no concern at all.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!("cannot accept a connection: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
