//! The self-test web front end (pages, forms, assets) and the one error type
//! every handler returns.

use axum::Router;

use crate::server::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
