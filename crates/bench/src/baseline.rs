//! The baseline server: a minimal axum server in the same build as the mock, serving a
//! hello-world JSON and pre-serialised JSON bodies of any size (by GET, or by POST after
//! reading the request's body). What the mock does
//! beyond it (parsing, generating, serialising) is what the ratios measure.
//!
//! Run as `bench baseline-server`: it prints `listening on http://ADDR` like the mock.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use axum::{
    body::Bytes,
    extract::Path,
    http::header::CONTENT_TYPE,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn serve() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        println!(
            "mock-server listening on http://{}",
            listener.local_addr().expect("bound")
        );
        let app = Router::new()
            .route("/hello", get(|| async { json(br#"{"status":"ok"}"#.to_vec()) }))
            // POST reads the request body first: the twin of a route that receives one.
            .route("/blob/{size}", get(blob).post(blob_after_body));
        axum::serve(listener, app).await.expect("serve");
    });
}

/// A JSON string of exactly `size` bytes, serialised once and shared after.
async fn blob(Path(size): Path<usize>) -> Response {
    static BLOBS: OnceLock<Mutex<HashMap<usize, Bytes>>> = OnceLock::new();
    let size = size.clamp(2, 64 << 20);
    let mut blobs = BLOBS
        .get_or_init(Default::default)
        .lock()
        .expect("no panics while held");
    let body = blobs.entry(size).or_insert_with(|| {
        let mut bytes = vec![b'x'; size];
        bytes[0] = b'"';
        bytes[size - 1] = b'"';
        Bytes::from(bytes)
    });
    json(body.clone())
}

async fn blob_after_body(size: Path<usize>, _request: Bytes) -> Response {
    blob(size).await
}

fn json(body: impl Into<Bytes>) -> Response {
    ([(CONTENT_TYPE, "application/json")], body.into()).into_response()
}
