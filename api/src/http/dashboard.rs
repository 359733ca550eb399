//! Serves the dashboard built by Trunk (`web/dist`), embedded in release builds and read
//! from disk in debug builds (rust-embed's behaviour). Unknown paths get `index.html`, so
//! client-side routes survive a reload.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
// Relative to api/Cargo.toml.
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

/// Answers any path no other route took.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| Assets::get(path)).flatten() {
        let mime = file.metadata.mimetype().to_owned();
        let cache = if is_content_hashed(path) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
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

/// Whether Trunk put a content hash in the file name (`web-1a2b3c4d5e6f7a8b_bg.wasm`), so
/// the file can be cached forever. Copied files (GraphiQL's) and index.html cannot.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['-', '_', '.'])
        .any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_hashed_trunk_outputs_are_immutable() {
        assert!(is_content_hashed("web-5d4f0c2a9b8e7f61_bg.wasm"));
        assert!(is_content_hashed("style-0123456789abcdef.css"));
        assert!(!is_content_hashed("index.html"));
        assert!(!is_content_hashed("graphiql/graphiql.min.js"));
    }
}
