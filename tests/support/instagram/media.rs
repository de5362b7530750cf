//! A static server for a workspace folder: what `media_base_url` names in
//! tests (GitHub Pages, a CDN), which the fake Instagram fetches from.

use std::path::PathBuf;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::support::{Log, server};

/// Serve the files under `root` at `/{path}`: 404 for anything else.
pub fn serve(root: &std::path::Path) -> (server::Server, Log) {
    let router = Router::new()
        .route("/{*path}", get(file))
        .with_state(root.to_path_buf());
    server::start(router)
}

async fn file(State(root): State<PathBuf>, Path(path): Path<String>) -> Response {
    if path.split('/').any(|s| s == ".." || s.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match std::fs::read(root.join(&path)) {
        Ok(bytes) => (StatusCode::OK, bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// GET `url`: its bytes, or why not.
pub async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let response = reqwest::get(url).await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    Ok(response.bytes().await.map_err(|e| e.to_string())?.to_vec())
}
