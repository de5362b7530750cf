//! Benchmark peer: a generic-webhook receiver on 127.0.0.1 that answers each
//! POST after a fixed delay, like a platform 50 ms away. Prints its base URL,
//! then serves until killed.
//!
//! Usage: `target/release/examples/bench_server [DELAY_MS]`

#![allow(clippy::print_stdout)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::post;

static NEXT: AtomicU64 = AtomicU64::new(1);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let delay = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50u64);
    let app = Router::new().route(
        "/{channel}",
        post(move || async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            axum::Json(serde_json::json!({ "id": id.to_string() }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    println!("http://{}", listener.local_addr().expect("local address"));
    axum::serve(listener, app).await.expect("serve");
}
