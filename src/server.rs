//! The HTTP server: shared state, the router, and `serve`, which takes its
//! listener from outside (tests bind port 0) and stops on a shutdown signal.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;
use crate::files::FileError;
use crate::store::{AttemptStore, RoomStore, Sqlite, SqliteAttempts, StoreError};

/// No request body the app takes comes near this; larger ones are refused
/// before they are read. The self-test forms have a tighter limit of their own.
pub const BODY_LIMIT: usize = 256 * 1024;

/// A request that takes longer than this gets a 408. Upgraded connections
/// (live quizzes) are not requests any more once upgraded, so it does not
/// cut them.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Files or directories to load question sets from.
    pub questions: Vec<PathBuf>,
    /// Where the database lives.
    pub data_dir: PathBuf,
}

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub attempts: Arc<dyn AttemptStore>,
    pub rooms: Arc<dyn RoomStore>,
    pub live: crate::live::Live,
}

/// Loads the sets and opens the store. Returns the files that were skipped
/// so the caller can report them; they never stop the server.
pub async fn open(config: &ServerConfig) -> Result<(AppState, Vec<FileError>), StoreError> {
    let loaded = Catalog::load(&config.questions);
    let store = Arc::new(Sqlite::open(&config.data_dir)?);
    let catalog = Arc::new(loaded.catalog);
    let live = crate::live::Live::restore(catalog.clone(), store.clone()).await?;
    let state = AppState {
        catalog,
        attempts: Arc::new(SqliteAttempts::new(store.clone())),
        rooms: store,
        live,
    };
    Ok((state, loaded.skipped))
}

pub fn router(state: AppState) -> Router {
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
        REQUEST_TIMEOUT,
    ))
    .layer(TraceLayer::new_for_http())
    .with_state(state)
}

/// Serves until `shutdown` resolves, then stops accepting and lets requests
/// in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Connect info gives handlers the client's address (live join limits);
    // the listening address tells the host page where phones can join.
    let listen = crate::http::join::ListenAddr(listener.local_addr()?);
    let app = router(state)
        .layer(axum::Extension(listen))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
