//! A TCP proxy on 127.0.0.1 under a test's control, between quarry and a real server, for
//! what flaky networks do: latency on every chunk, stalls (bytes held mid-result, connections
//! left open), resets (RST on every open connection) and half-open connections (accepted,
//! never answered).
//!
//! Runs on its own thread with its own tokio runtime, so a test's runtime (or a blocked
//! test) cannot starve it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Default)]
struct State {
    latency_us: AtomicU64,
    /// Connections numbered below this hold their bytes (0: none).
    stalled_below: AtomicUsize,
    half_open: AtomicBool,
    accepted: AtomicUsize,
    open: AtomicUsize,
}

/// The proxy; dropping it stops accepting and resets every connection.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<State>,
    resets: watch::Sender<u64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Starts forwarding 127.0.0.1:<free port> to `upstream`.
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let (resets, reset_rx) = watch::channel(0u64);
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn({
            let state = state.clone();
            move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).unwrap();
                    tokio::select! {
                        _ = accept_loop(listener, upstream, state, reset_rx) => {}
                        _ = stopped => {}
                    }
                });
            }
        });
        Proxy {
            addr,
            state,
            resets,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A libpq connection string through the proxy.
    pub fn url(&self, dbname: &str) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname={dbname}", self.addr.port())
    }

    /// Delays every chunk, in both directions, by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.state
            .latency_us
            .store(latency.as_micros() as u64, Ordering::SeqCst);
    }

    /// The connections open now hold every byte read from now on, both directions, until
    /// [`Proxy::resume`]; they stay open. Later connections (a cancel request, a pool's new
    /// connection) flow normally.
    pub fn stall(&self) {
        let accepted = self.state.accepted.load(Ordering::SeqCst);
        self.state.stalled_below.store(accepted, Ordering::SeqCst);
    }

    /// Forwards again, held bytes first.
    pub fn resume(&self) {
        self.state.stalled_below.store(0, Ordering::SeqCst);
    }

    /// New connections are accepted and then never answered (nothing reaches the server),
    /// until turned off again; those already held stay silent until [`Proxy::reset`].
    pub fn set_half_open(&self, half_open: bool) {
        self.state.half_open.store(half_open, Ordering::SeqCst);
    }

    /// Resets (RST) every connection open now, both sides.
    pub fn reset(&self) {
        self.resets.send_modify(|generation| *generation += 1);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.state.open.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.reset();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, state: Arc<State>, resets: watch::Receiver<u64>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let id = state.accepted.fetch_add(1, Ordering::SeqCst);
        let (state, mut resets) = (state.clone(), resets.clone());
        resets.mark_unchanged();
        tokio::spawn(async move {
            state.open.fetch_add(1, Ordering::SeqCst);
            // SO_LINGER 0: dropping a socket sends RST, which is what a reset is; an orderly
            // end still goes through shutdown() (FIN) in `pipe`.
            let _ = client.set_zero_linger();
            tokio::select! {
                _ = serve(client, upstream, &state, id) => {}
                _ = resets.changed() => {}
            }
            state.open.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

async fn serve(client: TcpStream, upstream: SocketAddr, state: &State, id: usize) {
    if state.half_open.load(Ordering::SeqCst) {
        // Keep the socket, read nothing, answer nothing.
        let _held = client;
        return std::future::pending::<()>().await;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = server.set_zero_linger();
    let _ = server.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::join!(
        pipe(client_read, server_write, state, id),
        pipe(server_read, client_write, state, id)
    );
}

async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, state: &State, id: usize) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while id < state.stalled_below.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let latency = Duration::from_micros(state.latency_us.load(Ordering::SeqCst));
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
