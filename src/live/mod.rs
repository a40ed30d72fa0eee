//! Live class quizzes: rooms, players, the host's controls and the push protocol.

use std::sync::Arc;

use axum::Router;

use crate::catalog::Catalog;
use crate::server::AppState;
use crate::store::{Sqlite, StoreError};

#[derive(Clone, Default)]
pub struct Live {}

impl Live {
    /// Reopens the rooms that were running when the server stopped.
    pub async fn restore(_catalog: Arc<Catalog>, _store: Arc<Sqlite>) -> Result<Live, StoreError> {
        Ok(Live {})
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
}
