//! The build-time connection: a small blocking PostgreSQL client over
//! [`postgres_protocol`]'s message codec, doing exactly what generation needs — log in,
//! run schema files, prepare (describe) queries in a pipeline, read the catalog.
//!
//! Decision: codegen used tokio-postgres on a current-thread tokio runtime. Every user's
//! build.rs compiles codegen, and for the build script (which cargo compiles apart from the
//! application's own copies) that meant a second tokio, tokio-postgres, tokio-util and
//! futures — about 15 s of one CPU in a clean debug build, a tenth of the whole
//! `cargo quarry init` app. This client needs std, postgres-protocol (SCRAM, MD5, the
//! messages) and postgres-types (the `Type`s the generator resolves). No TLS here, as before:
//! `sslmode=require` is refused with a message (see `database::connect`).

mod config;
mod error;
mod stream;
mod types;

pub use config::{parse as parse_config, ConnectConfig, Host};
use error::db_error;
pub use error::{DbError, PgError};
use stream::Stream;

use bytes::{Bytes, BytesMut};
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::{backend, frontend};
use postgres_types::{FromSql, Type};
use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A result column of a prepared statement.
#[derive(Debug, Clone)]
pub struct Column {
    name: String,
    type_: Type,
    table_oid: u32,
    column_id: i16,
}

impl Column {
    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column's type.
    pub fn type_(&self) -> &Type {
        &self.type_
    }

    /// The OID of the table the column comes straight from, if it does.
    pub fn table_oid(&self) -> Option<u32> {
        (self.table_oid != 0).then_some(self.table_oid)
    }

    /// The column's attribute number in that table.
    pub fn column_id(&self) -> Option<i16> {
        (self.column_id != 0).then_some(self.column_id)
    }
}

/// What the server said about a query: its parameter and result types.
#[derive(Debug, Clone)]
pub struct Statement {
    params: Vec<Type>,
    columns: Vec<Column>,
}

impl Statement {
    /// Parameter types, in `$n` order.
    pub fn params(&self) -> &[Type] {
        &self.params
    }

    /// Result columns (empty for statements that return no rows).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
}

/// One row of a [`Connection::query`] result, in binary format.
#[derive(Debug)]
pub struct Row {
    types: Arc<[Type]>,
    values: Vec<Option<Bytes>>,
}

impl Row {
    /// Column `index` as `T`. Panics when `T` cannot hold the column: the catalog queries
    /// that call this fix their own column types.
    pub fn get<'a, T: FromSql<'a>>(&'a self, index: usize) -> T {
        let ty = &self.types[index];
        T::from_sql_nullable(ty, self.values[index].as_deref())
            .unwrap_or_else(|e| panic!("catalog column {index} ({ty}) does not decode: {e}"))
    }
}

/// How many queries are described per round trip: enough to make round trips rare, few
/// enough that neither side's socket buffer can fill while the other is still writing.
const PIPELINE_DEPTH: usize = 64;

/// A logged-in session.
pub struct Connection {
    stream: Stream,
    input: BytesMut,
    output: BytesMut,
    deadline: Option<Instant>,
    /// `server_version_num`, e.g. 150019.
    server_version: u32,
    /// User-defined types met so far, by OID.
    types: HashMap<u32, Type>,
}

impl Connection {
    /// Connects to the first endpoint of `config` that accepts a session within `deadline`
    /// (the whole attempt: TCP, then startup and authentication).
    pub fn connect(config: &ConnectConfig, deadline: Duration) -> Result<Connection, PgError> {
        let until = Instant::now() + deadline;
        let mut last = None;
        for (host, port) in config.endpoints() {
            match Connection::connect_one(config, &host, port, until) {
                Ok(connection) => return Ok(connection),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| PgError::Protocol("no host to connect to".into())))
    }

    fn connect_one(config: &ConnectConfig, host: &Host, port: u16, until: Instant) -> Result<Connection, PgError> {
        let stream = Stream::open(host, port, until)?;
        let mut connection = Connection {
            stream,
            input: BytesMut::with_capacity(8192),
            output: BytesMut::new(),
            deadline: Some(until),
            server_version: 0,
            types: HashMap::new(),
        };
        connection.startup(config)?;
        connection.deadline = None;
        Ok(connection)
    }

    /// Every later call fails with [`PgError::Timeout`] once `deadline` passes.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    fn startup(&mut self, config: &ConnectConfig) -> Result<(), PgError> {
        let user = config.user();
        let dbname = config.dbname.clone().unwrap_or_else(|| user.clone());
        let mut parameters = vec![
            ("user", user.as_str()),
            ("database", dbname.as_str()),
            ("client_encoding", "UTF8"),
            (
                "application_name",
                config.application_name.as_deref().unwrap_or("quarry-codegen"),
            ),
        ];
        if let Some(options) = &config.options {
            parameters.push(("options", options));
        }
        frontend::startup_message(parameters, &mut self.output)?;
        self.flush()?;
        self.authenticate(&user, config.password.as_deref())?;
        loop {
            match self.read()? {
                backend::Message::ReadyForQuery(_) => return Ok(()),
                backend::Message::ParameterStatus(status) if status.name()? == "server_version" => {
                    self.server_version = version_number(status.value()?);
                }
                backend::Message::ErrorResponse(body) => return Err(db_error(body)),
                _ => {}
            }
        }
    }

    fn authenticate(&mut self, user: &str, password: Option<&str>) -> Result<(), PgError> {
        let needs_password = || {
            PgError::Protocol(format!(
                "the server asks a password for role `{user}` and the connection string gives none"
            ))
        };
        loop {
            match self.read()? {
                backend::Message::AuthenticationOk => return Ok(()),
                backend::Message::AuthenticationCleartextPassword => {
                    let password = password.ok_or_else(needs_password)?;
                    frontend::password_message(password.as_bytes(), &mut self.output)?;
                }
                backend::Message::AuthenticationMd5Password(body) => {
                    let password = password.ok_or_else(needs_password)?;
                    let hash = postgres_protocol::authentication::md5_hash(
                        user.as_bytes(),
                        password.as_bytes(),
                        body.salt(),
                    );
                    frontend::password_message(hash.as_bytes(), &mut self.output)?;
                }
                backend::Message::AuthenticationSasl(body) => {
                    let password = password.ok_or_else(needs_password)?;
                    self.scram(body, password)?;
                    continue;
                }
                backend::Message::ErrorResponse(body) => return Err(db_error(body)),
                _ => {
                    return Err(PgError::Protocol(
                        "the server asks for an authentication method quarry's build-time connection does not offer (it offers password, md5 and SCRAM-SHA-256)".into(),
                    ))
                }
            }
            self.flush()?;
        }
    }

    fn scram(&mut self, body: backend::AuthenticationSaslBody, password: &str) -> Result<(), PgError> {
        let mut mechanisms = body.mechanisms();
        let mut offered = false;
        while let Some(mechanism) = mechanisms.next()? {
            offered |= mechanism == SCRAM_SHA_256;
        }
        if !offered {
            return Err(PgError::Protocol(
                "the server offers no SASL mechanism but SCRAM-SHA-256-PLUS, which needs TLS".into(),
            ));
        }
        let mut scram = ScramSha256::new(password.as_bytes(), ChannelBinding::unsupported());
        frontend::sasl_initial_response(SCRAM_SHA_256, scram.message(), &mut self.output)?;
        self.flush()?;
        match self.read()? {
            backend::Message::AuthenticationSaslContinue(body) => scram.update(body.data())?,
            backend::Message::ErrorResponse(body) => return Err(db_error(body)),
            _ => {
                return Err(PgError::Protocol(
                    "unexpected message during SCRAM authentication".into(),
                ))
            }
        }
        frontend::sasl_response(scram.message(), &mut self.output)?;
        self.flush()?;
        match self.read()? {
            backend::Message::AuthenticationSaslFinal(body) => scram.finish(body.data())?,
            backend::Message::ErrorResponse(body) => return Err(db_error(body)),
            _ => {
                return Err(PgError::Protocol(
                    "unexpected message during SCRAM authentication".into(),
                ))
            }
        }
        Ok(())
    }

    /// Runs `sql` (one or more statements) with the simple query protocol.
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), PgError> {
        frontend::query(sql, &mut self.output)?;
        self.flush()?;
        self.until_ready()
    }

    /// Runs one statement without parameters and returns its rows, in binary format.
    pub fn query(&mut self, sql: &str) -> Result<Vec<Row>, PgError> {
        frontend::parse("", sql, std::iter::empty(), &mut self.output)?;
        frontend::bind(
            "",
            "",
            [],
            std::iter::empty::<()>(),
            |_, _| unreachable!(),
            [1],
            &mut self.output,
        )
        .map_err(|_| PgError::Protocol("cannot encode Bind".into()))?;
        frontend::describe(b'P', "", &mut self.output)?;
        frontend::execute("", 0, &mut self.output)?;
        frontend::sync(&mut self.output);
        self.flush()?;
        let mut types: Arc<[Type]> = Arc::from(Vec::new());
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            match self.read()? {
                backend::Message::RowDescription(body) => {
                    let oids: Vec<u32> = body.fields().map(|f| Ok(f.type_oid())).collect()?;
                    types = oids.iter().map(|&oid| self.known_type(oid)).collect();
                }
                backend::Message::DataRow(body) => {
                    let buffer = body.buffer_bytes();
                    let values = body.ranges().map(|r| Ok(r.map(|r| buffer.slice(r)))).collect()?;
                    rows.push(Row {
                        types: types.clone(),
                        values,
                    });
                }
                backend::Message::ErrorResponse(body) => error = Some(db_error(body)),
                backend::Message::ReadyForQuery(_) => return error.map_or(Ok(rows), Err),
                _ => {}
            }
        }
    }

    /// Describes each of `sqls` as an unnamed statement, 64 per round trip (`PIPELINE_DEPTH`),
    /// and resolves the user-defined types they use. The outer error is the connection's;
    /// each inner one is the server's refusal of that query. `done` is told how many are done.
    pub fn prepare_all(
        &mut self,
        sqls: &[&str],
        done: impl FnMut(usize),
    ) -> Result<Vec<Result<Statement, Box<DbError>>>, PgError> {
        let untyped: Vec<(&str, &[u32])> = sqls.iter().map(|sql| (*sql, &[][..])).collect();
        self.prepare_all_typed(&untyped, done)
    }

    /// [`Connection::prepare_all`] with the parameter types given (by OID) for each statement,
    /// so a statement need not use every parameter to know its type.
    pub fn prepare_all_typed(
        &mut self,
        sqls: &[(&str, &[u32])],
        mut done: impl FnMut(usize),
    ) -> Result<Vec<Result<Statement, Box<DbError>>>, PgError> {
        let mut described = Vec::with_capacity(sqls.len());
        for chunk in sqls.chunks(PIPELINE_DEPTH) {
            for (sql, param_types) in chunk {
                frontend::parse("", sql, param_types.iter().copied(), &mut self.output)?;
                frontend::describe(b'S', "", &mut self.output)?;
                frontend::sync(&mut self.output);
            }
            self.flush()?;
            for _ in chunk {
                described.push(self.read_description()?);
                done(described.len());
            }
        }
        let oids = described
            .iter()
            .flatten()
            .flat_map(|(params, columns)| params.iter().copied().chain(columns.iter().map(|c| c.1)));
        self.learn_types(oids.collect())?;
        Ok(described
            .into_iter()
            .map(|d| {
                d.map(|(params, columns)| Statement {
                    params: params.iter().map(|&oid| self.known_type(oid)).collect(),
                    columns: columns
                        .into_iter()
                        .map(|(name, oid, table_oid, column_id)| Column {
                            name,
                            type_: self.known_type(oid),
                            table_oid,
                            column_id,
                        })
                        .collect(),
                })
            })
            .collect())
    }

    /// Reads one Parse + Describe + Sync exchange: parameter OIDs and `(name, type OID, table
    /// OID, attribute number)` of each column, or the server's error.
    #[allow(clippy::type_complexity)]
    fn read_description(&mut self) -> Result<Result<(Vec<u32>, Vec<(String, u32, u32, i16)>), Box<DbError>>, PgError> {
        let mut params = Vec::new();
        let mut columns = Vec::new();
        let mut error = None;
        loop {
            match self.read()? {
                backend::Message::ParameterDescription(body) => params = body.parameters().collect()?,
                backend::Message::RowDescription(body) => {
                    columns = body
                        .fields()
                        .map(|f| Ok((f.name().to_string(), f.type_oid(), f.table_oid(), f.column_id())))
                        .collect()?;
                }
                backend::Message::ErrorResponse(body) => {
                    error = Some(Box::new(DbError::parse(&mut body.fields())?));
                }
                backend::Message::ReadyForQuery(_) => {
                    return Ok(match error {
                        Some(e) => Err(e),
                        None => Ok((params, columns)),
                    })
                }
                _ => {}
            }
        }
    }

    /// The type with this OID: built in, or learned by [`Connection::learn_types`]; `unknown`
    /// type information falls back to a simple type named by its OID.
    fn known_type(&self, oid: u32) -> Type {
        Type::from_oid(oid)
            .or_else(|| self.types.get(&oid).cloned())
            .unwrap_or_else(|| {
                Type::new(
                    format!("oid{oid}"),
                    oid,
                    postgres_types::Kind::Simple,
                    "pg_catalog".into(),
                )
            })
    }

    /// Reads messages until ReadyForQuery, returning the first error the server sent.
    fn until_ready(&mut self) -> Result<(), PgError> {
        let mut error = None;
        loop {
            match self.read()? {
                backend::Message::ErrorResponse(body) => {
                    error.get_or_insert(db_error(body));
                }
                backend::Message::ReadyForQuery(_) => return error.map_or(Ok(()), Err),
                _ => {}
            }
        }
    }

    /// The next message, skipping the asynchronous ones (notices, setting changes,
    /// notifications).
    fn read(&mut self) -> Result<backend::Message, PgError> {
        loop {
            match backend::Message::parse(&mut self.input)? {
                Some(backend::Message::NoticeResponse(_) | backend::Message::NotificationResponse(_)) => {}
                Some(backend::Message::ParameterStatus(status)) if self.server_version != 0 => drop(status),
                Some(message) => return Ok(message),
                None => self.fill()?,
            }
        }
    }

    fn fill(&mut self) -> Result<(), PgError> {
        let timeout = self.remaining()?;
        self.stream.set_read_timeout(timeout)?;
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(PgError::Closed);
        }
        self.input.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), PgError> {
        let timeout = self.remaining()?;
        self.stream.set_write_timeout(timeout)?;
        let result = self.stream.write_all(&self.output);
        self.output.clear();
        Ok(result?)
    }

    /// Time left before the deadline (`None`: no deadline); an error once it has passed.
    fn remaining(&self) -> Result<Option<Duration>, PgError> {
        match self.deadline {
            None => Ok(None),
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Ok(Some(left)),
                _ => Err(PgError::Timeout),
            },
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("server_version", &self.server_version)
            .field("deadline", &self.deadline)
            .field("user_types", &self.types.len())
            .finish_non_exhaustive()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        frontend::terminate(&mut self.output);
        let _ = self.stream.set_write_timeout(Some(Duration::from_millis(100)));
        let _ = self.stream.write_all(&self.output);
    }
}

/// `15.19 (Debian …)` → 150019; `9.6.24` → 90624.
fn version_number(text: &str) -> u32 {
    let numbers: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    match numbers.as_slice() {
        [major, minor, ..] if *major >= 10 => major * 10_000 + minor,
        [major, minor, patch, ..] => major * 10_000 + minor * 100 + patch,
        [major] => major * 10_000,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::version_number;

    #[test]
    fn server_versions_become_numbers() {
        assert_eq!(version_number("15.19 (Debian 15.19-0+deb12u1)"), 150019);
        assert_eq!(version_number("9.6.24"), 90624);
    }
}
