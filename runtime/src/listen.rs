//! LISTEN / NOTIFY: a [`Listener`] on its own connection yields notifications as a `Stream`,
//! reconnecting (and re-LISTENing) when the connection drops; [`notify`] sends one with
//! bound parameters.

use crate::error::Error;
use crate::generic::GenericClient;
use crate::sql::Identifier;
use futures_util::{Stream, StreamExt};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The channel it was sent on.
    pub channel: String,
    /// Its payload (empty when none was given).
    pub payload: String,
    /// The server process that sent it.
    pub process_id: i32,
}

impl Notification {
    /// The payload parsed as JSON into `T` (typed payloads sent with [`notify_json`]).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

/// What a [`Listener`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenEvent {
    /// A notification on one of the channels.
    Notification(Notification),
    /// The connection dropped and was re-established (channels LISTENed again). Notifications
    /// sent during `gap` were lost: re-read whatever state they announce.
    Reconnected {
        /// How long the listener was disconnected.
        gap: Duration,
    },
}

/// Listens on a dedicated connection. Dropping it stops listening and closes the connection.
pub struct Listener {
    events: mpsc::UnboundedReceiver<ListenEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    /// Connects and LISTENs on every channel (names are quoted: any text is a valid channel).
    /// Fails if the first connection fails; later disconnections are retried forever with
    /// backoff (up to 5 s between attempts) and reported as [`ListenEvent::Reconnected`].
    pub async fn connect(config: &str, channels: &[&str]) -> Result<Listener, Error> {
        let listen: String = channels
            .iter()
            .map(|c| Identifier::name(c).map(|c| format!("LISTEN {c};")))
            .collect::<Result<_, _>>()
            .map_err(|e| Error::io(format!("invalid channel name: {e}")))?;
        let config = config.to_string();
        let (sender, events) = mpsc::unbounded_channel();
        let first = Session::open(&config, &listen, sender.clone()).await?;
        let task = tokio::spawn(run(config, listen, sender, first));
        Ok(Listener { events, task })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stream for Listener {
    type Item = ListenEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ListenEvent>> {
        self.events.poll_recv(cx)
    }
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

/// One connection's life: the client (kept alive) and the task forwarding its notifications.
struct Session {
    _client: tokio_postgres::Client,
    driver: tokio::task::JoinHandle<()>,
}

impl Session {
    async fn open(config: &str, listen: &str, sender: mpsc::UnboundedSender<ListenEvent>) -> Result<Session, Error> {
        let (client, mut connection) = tokio_postgres::connect(config, NoTls).await?;
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        let driver = tokio::spawn(async move {
            while let Some(Ok(message)) = messages.next().await {
                if let AsyncMessage::Notification(n) = message {
                    let event = ListenEvent::Notification(Notification {
                        channel: n.channel().to_string(),
                        payload: n.payload().to_string(),
                        process_id: n.process_id(),
                    });
                    if sender.send(event).is_err() {
                        return;
                    }
                }
            }
        });
        client.batch_execute(listen).await?;
        Ok(Session {
            _client: client,
            driver,
        })
    }
}

/// Keeps a session alive: when its connection ends, reconnects with backoff and reports the gap.
async fn run(config: String, listen: String, sender: mpsc::UnboundedSender<ListenEvent>, mut session: Session) {
    loop {
        let _ = (&mut session.driver).await;
        if sender.is_closed() {
            return;
        }
        let lost = Instant::now();
        let mut delay = Duration::from_millis(50);
        session = loop {
            match Session::open(&config, &listen, sender.clone()).await {
                Ok(session) => break session,
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        };
        if sender.send(ListenEvent::Reconnected { gap: lost.elapsed() }).is_err() {
            return;
        }
    }
}

/// Sends a notification: `SELECT pg_notify($1, $2)` with both bound, never spliced into SQL.
/// Inside a transaction it is delivered when the transaction commits.
pub async fn notify<C>(client: &C, channel: &str, payload: &str) -> Result<(), Error>
where
    C: GenericClient + ?Sized,
{
    client
        .__raw()?
        .execute("SELECT pg_notify($1, $2)", &[&channel, &payload])
        .await?;
    Ok(())
}

/// [`notify`] with `payload` serialised as JSON; read it with [`Notification::json`].
pub async fn notify_json<C, T>(client: &C, channel: &str, payload: &T) -> Result<(), Error>
where
    C: GenericClient + ?Sized,
    T: serde::Serialize + ?Sized,
{
    let text = serde_json::to_string(payload).map_err(|e| Error::io(format!("cannot serialise the payload: {e}")))?;
    notify(client, channel, &text).await
}
