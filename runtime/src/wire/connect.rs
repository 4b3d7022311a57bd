//! Opening a [`super::Connection`]: the connection string (parsed by tokio-postgres's `Config`,
//! so both drivers accept the same strings), each host in turn, TLS, the startup message and
//! authentication (cleartext, MD5, SCRAM-SHA-256).

use super::server_error::ServerError;
use super::socket::Socket;
use bytes::BytesMut;
use postgres_protocol::authentication::{md5_hash, sasl};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_postgres::config::{Host, SslMode, TargetSessionAttrs};
use tokio_postgres::Config;

/// Where a session was opened and what cancels its queries.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) address: Address,
    pub(crate) process_id: i32,
    pub(crate) secret_key: i32,
}

/// A server's address, as connected to.
#[derive(Debug, Clone)]
pub(crate) enum Address {
    Tcp(String, u16),
    #[cfg(unix)]
    Unix(std::path::PathBuf),
}

/// How to encrypt, when the connection string asks for TLS.
#[derive(Clone, Default)]
pub(crate) struct Tls {
    #[cfg(feature = "tls")]
    pub(crate) config: Option<std::sync::Arc<rustls::ClientConfig>>,
}

/// A connected, authenticated socket, with any bytes read past the first ReadyForQuery.
pub(crate) struct Opened {
    pub(crate) socket: Socket,
    pub(crate) leftover: BytesMut,
    pub(crate) session: Session,
}

/// Tries each host of `config` in turn; the last host's failure is the error.
pub(crate) async fn open(config: &Config, tls: &Tls) -> Result<Opened, String> {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    let count = hosts.len().max(addrs.len());
    if count == 0 {
        return Err("the connection string names no host".into());
    }
    let mut failure = String::new();
    for i in 0..count {
        let port = config
            .get_ports()
            .get(i)
            .or_else(|| config.get_ports().first())
            .copied()
            .unwrap_or(5432);
        let address = match (addrs.get(i), hosts.get(i)) {
            (Some(ip), _) => Address::Tcp(ip.to_string(), port),
            (None, Some(Host::Tcp(host))) => Address::Tcp(host.clone(), port),
            #[cfg(unix)]
            (None, Some(Host::Unix(dir))) => Address::Unix(dir.join(format!(".s.PGSQL.{port}"))),
            (None, None) => continue,
        };
        let server_name = match hosts.get(i) {
            Some(Host::Tcp(host)) => host.clone(),
            _ => String::new(),
        };
        let attempt = open_one(config, tls, address.clone(), &server_name);
        let result = match config.get_connect_timeout() {
            Some(limit) => tokio::time::timeout(*limit, attempt)
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {limit:?}"))),
            None => attempt.await,
        };
        match result {
            Ok(opened) => return Ok(opened),
            Err(e) => failure = format!("{}: {e}", describe(&address)),
        }
    }
    Err(failure)
}

fn describe(address: &Address) -> String {
    match address {
        Address::Tcp(host, port) => format!("{host}:{port}"),
        #[cfg(unix)]
        Address::Unix(path) => path.display().to_string(),
    }
}

/// Opens a plain socket to `address`.
pub(crate) async fn dial(address: &Address, config: Option<&Config>) -> Result<Socket, String> {
    match address {
        Address::Tcp(host, port) => {
            let stream = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            if let Some(config) = config.filter(|c| c.get_keepalives()) {
                let keepalive = socket2::TcpKeepalive::new().with_time(config.get_keepalives_idle());
                socket2::SockRef::from(&stream)
                    .set_tcp_keepalive(&keepalive)
                    .map_err(|e| e.to_string())?;
            }
            Ok(Socket::Tcp(stream))
        }
        #[cfg(unix)]
        Address::Unix(path) => Ok(Socket::Unix(
            tokio::net::UnixStream::connect(path).await.map_err(|e| e.to_string())?,
        )),
    }
}

async fn open_one(config: &Config, tls: &Tls, address: Address, server_name: &str) -> Result<Opened, String> {
    let socket = dial(&address, Some(config)).await?;
    let mut socket = negotiate_tls(socket, config, tls, server_name).await?;
    let user = config
        .get_user()
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "postgres".into());
    let mut buf = BytesMut::new();
    let mut params = vec![("client_encoding", "UTF8"), ("user", user.as_str())];
    if let Some(db) = config.get_dbname() {
        params.push(("database", db));
    }
    if let Some(options) = config.get_options() {
        params.push(("options", options));
    }
    if let Some(name) = config.get_application_name() {
        params.push(("application_name", name));
    }
    frontend::startup_message(params, &mut buf).map_err(|e| e.to_string())?;
    socket.write_all(&buf).await.map_err(|e| e.to_string())?;
    let mut reader = Reader::default();
    let mut scram = None;
    let mut key = (0, 0);
    loop {
        let message = reader.next(&mut socket).await?;
        let mut out = BytesMut::new();
        match message {
            Message::AuthenticationOk => {}
            Message::AuthenticationCleartextPassword => {
                frontend::password_message(password(config)?, &mut out).map_err(|e| e.to_string())?;
            }
            Message::AuthenticationMd5Password(body) => {
                let hash = md5_hash(user.as_bytes(), password(config)?, body.salt());
                frontend::password_message(hash.as_bytes(), &mut out).map_err(|e| e.to_string())?;
            }
            Message::AuthenticationSasl(body) => {
                let mut mechanisms = body.mechanisms();
                let mut found = false;
                while let Some(m) =
                    fallible_iterator::FallibleIterator::next(&mut mechanisms).map_err(|e| e.to_string())?
                {
                    found |= m == sasl::SCRAM_SHA_256;
                }
                if !found {
                    return Err("the server offers no SASL mechanism quarry supports (SCRAM-SHA-256)".into());
                }
                let state = sasl::ScramSha256::new(password(config)?, sasl::ChannelBinding::unsupported());
                frontend::sasl_initial_response(sasl::SCRAM_SHA_256, state.message(), &mut out)
                    .map_err(|e| e.to_string())?;
                scram = Some(state);
            }
            Message::AuthenticationSaslContinue(body) => {
                let state = scram.as_mut().ok_or("unexpected SASL message")?;
                state.update(body.data()).map_err(|e| e.to_string())?;
                frontend::sasl_response(state.message(), &mut out).map_err(|e| e.to_string())?;
            }
            Message::AuthenticationSaslFinal(body) => {
                let state = scram.as_mut().ok_or("unexpected SASL message")?;
                state.finish(body.data()).map_err(|e| e.to_string())?;
            }
            Message::BackendKeyData(body) => key = (body.process_id(), body.secret_key()),
            Message::ParameterStatus(_) | Message::NoticeResponse(_) => {}
            Message::ErrorResponse(body) => {
                let error = ServerError::parse(body.fields()).map_err(|e| e.to_string())?;
                return Err(format!("{error} (SQLSTATE {})", error.code.code()));
            }
            Message::ReadyForQuery(_) => break,
            _ => {
                return Err(
                    "unsupported authentication method (quarry's driver speaks cleartext, MD5 and SCRAM-SHA-256)"
                        .into(),
                )
            }
        }
        if !out.is_empty() {
            socket.write_all(&out).await.map_err(|e| e.to_string())?;
        }
    }
    let mut opened = Opened {
        socket,
        leftover: reader.buf,
        session: Session {
            address,
            process_id: key.0,
            secret_key: key.1,
        },
    };
    if config.get_target_session_attrs() == TargetSessionAttrs::ReadWrite && read_only(&mut opened).await? {
        return Err("the server is read-only (target_session_attrs=read-write)".into());
    }
    Ok(opened)
}

/// `SHOW transaction_read_only` on a fresh session, before its task starts.
async fn read_only(opened: &mut Opened) -> Result<bool, String> {
    let mut buf = BytesMut::new();
    frontend::query("SHOW transaction_read_only", &mut buf).map_err(|e| e.to_string())?;
    opened.socket.write_all(&buf).await.map_err(|e| e.to_string())?;
    let mut reader = Reader {
        buf: std::mem::take(&mut opened.leftover),
    };
    let mut on = false;
    loop {
        match reader.next(&mut opened.socket).await? {
            Message::DataRow(row) => on = row.buffer().ends_with(b"on"),
            Message::ReadyForQuery(_) => break,
            Message::ErrorResponse(_) => return Err("cannot ask whether the server is read-only".into()),
            _ => {}
        }
    }
    opened.leftover = reader.buf;
    Ok(on)
}

fn password(config: &Config) -> Result<&[u8], String> {
    config
        .get_password()
        .ok_or_else(|| "the server asks for a password and the connection string has none".into())
}

#[cfg_attr(not(feature = "tls"), allow(unused_variables))]
async fn negotiate_tls(socket: Socket, config: &Config, tls: &Tls, server_name: &str) -> Result<Socket, String> {
    let mode = config.get_ssl_mode();
    #[cfg(feature = "tls")]
    let tls_config = tls.config.clone();
    #[cfg(not(feature = "tls"))]
    let tls_config: Option<()> = None;
    if mode == SslMode::Disable || (tls_config.is_none() && mode == SslMode::Prefer) {
        return Ok(socket);
    }
    let Some(tls_config) = tls_config else {
        return Err("sslmode=require needs TLS: connect with `Connection::connect_tls` (feature `tls`)".into());
    };
    let Socket::Tcp(mut stream) = socket else {
        return Ok(socket);
    };
    let mut buf = BytesMut::new();
    frontend::ssl_request(&mut buf);
    stream.write_all(&buf).await.map_err(|e| e.to_string())?;
    let answer = stream.read_u8().await.map_err(|e| e.to_string())?;
    if answer != b'S' {
        return match mode {
            SslMode::Require => Err("the server does not accept TLS, and sslmode=require".into()),
            _ => Ok(Socket::Tcp(stream)),
        };
    }
    #[cfg(feature = "tls")]
    {
        let name = rustls::pki_types::ServerName::try_from(server_name.to_string())
            .map_err(|e| format!("invalid TLS server name `{server_name}`: {e}"))?;
        let stream = tokio_rustls::TlsConnector::from(tls_config)
            .connect(name, stream)
            .await
            .map_err(|e| format!("error performing TLS handshake: {e}"))?;
        Ok(Socket::Tls(Box::new(stream)))
    }
    #[cfg(not(feature = "tls"))]
    {
        let _ = tls_config;
        unreachable!("without the tls feature there is no TLS configuration")
    }
}

/// Reads whole messages during start-up.
#[derive(Default)]
struct Reader {
    buf: BytesMut,
}

impl Reader {
    async fn next(&mut self, socket: &mut Socket) -> Result<Message, String> {
        loop {
            if let Some(message) = Message::parse(&mut self.buf).map_err(|e| e.to_string())? {
                return Ok(message);
            }
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection during start-up".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Sends a CancelRequest for `session` on a new connection.
pub(crate) async fn cancel(session: &Session) -> Result<(), String> {
    let mut socket = dial(&session.address, None).await?;
    let mut buf = BytesMut::new();
    frontend::cancel_request(session.process_id, session.secret_key, &mut buf);
    socket.write_all(&buf).await.map_err(|e| e.to_string())?;
    // The server closes the connection once it has read the request.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut rest)).await;
    Ok(())
}
