//! The HTTP server: shared state, the router, and `serve`, which takes its
//! listener from outside (tests bind port 0) and stops on a shutdown signal.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::catalog::Catalog;
use crate::files::FileError;
use crate::store::{AttemptStore, RoomStore, Sqlite, StoreError};

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
        attempts: store.clone(),
        rooms: store,
        live,
    };
    Ok((state, loaded.skipped))
}

pub fn router(state: AppState) -> Router {
    crate::web::routes()
        .merge(crate::live::routes())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then stops accepting and lets requests
/// in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
