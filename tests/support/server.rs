//! An axum server on 127.0.0.1 in its own runtime thread, recording every
//! request it receives. Like a real server, it finishes handling a request
//! even when the client has given up on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use super::{Log, Recorded};

/// Stops the server when dropped.
pub struct Server {
    pub base: String,
    in_flight: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Requests being handled right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// The panic payload that makes [`drop_connection`] close the connection.
struct ConnectionDropped;

/// Close the client's connection without answering. (An unwind the
/// connection's task absorbs; `resume_unwind` calls no panic hook, so
/// nothing is printed.)
pub fn drop_connection() -> ! {
    std::panic::resume_unwind(Box::new(ConnectionDropped))
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serve `router` on a free port of 127.0.0.1, recording requests into the
/// returned log.
pub fn start(router: Router) -> (Server, Log) {
    // The fakes' own clients (fetching media, say) need postcal's TLS set up.
    postcal::adapters::http::install_tls();
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let recorder = log.clone();
    let counter = in_flight.clone();
    let router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
        let log = recorder.clone();
        let counter = counter.clone();
        async move { record(log, counter, req, next).await }
    }));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    let base = format!("http://{addr}");
    (
        Server {
            base,
            in_flight,
            shutdown: Some(tx),
            thread: Some(thread),
        },
        log,
    )
}

/// Decrements the in-flight count when the handler ends, however it ends.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn record(log: Log, in_flight: Arc<AtomicUsize>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let headers: HashMap<String, String> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    log.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        body: bytes.to_vec(),
    });
    in_flight.fetch_add(1, Ordering::SeqCst);
    let guard = InFlight(in_flight);
    // The handler runs on its own task: if the client hangs up, this future
    // is dropped but the work goes on, as on a real server.
    let handler = tokio::spawn(async move {
        let _guard = guard;
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    });
    match handler.await {
        Ok(response) => response,
        // `drop_connection` (or a failed assertion in a handler): unwind
        // this connection's task too, so the client gets no answer.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
