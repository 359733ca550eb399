//! Serves the dashboard built by Trunk (`web/dist`), embedded in release builds and read
//! from disk in debug builds (rust-embed's behaviour). Unknown paths get `index.html`, so
//! client-side routes survive a reload.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../web/dist"]
#[allow_missing = true]
struct Assets;

/// Answers any path no other route took.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| Assets::get(path)).flatten() {
        let mime = file.metadata.mimetype().to_owned();
        // Trunk puts a content hash in asset names; index.html itself must stay fresh.
        let cache = if path.ends_with(".html") {
            "no-cache"
        } else {
            "public, max-age=31536000, immutable"
        };
        return (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
            file.data,
        )
            .into_response();
    }
    match Assets::get("index.html") {
        Some(index) => ([(header::CACHE_CONTROL, "no-cache")], Html(index.data)).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(
                "<h1>HumanAIOS</h1><p>The dashboard has not been built. Run \
                 <code>scripts/run.sh</code> (the README's first command), or \
                 <code>trunk build --release</code>, then reload.</p>",
            ),
        )
            .into_response(),
    }
}
