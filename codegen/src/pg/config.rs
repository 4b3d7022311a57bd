//! Connection strings, as libpq reads them: `postgres://user:password@host:port/db?key=value`
//! URLs and `key=value` lists (values may be 'quoted', with `\'` and `\\` escapes).
//!
//! Understood keys: host (a name, an address, or a folder holding the server's Unix socket),
//! hostaddr, port, user, password, dbname, options, application_name, connect_timeout,
//! sslmode; several comma-separated hosts and ports are tried in order. Other libpq keys are
//! accepted and ignored, as libpq ignores what does not apply; an unknown key is an error.

use std::path::PathBuf;
use std::time::Duration;

/// Where one server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or address.
    Tcp(String),
    /// A folder holding `.s.PGSQL.<port>`.
    Unix(PathBuf),
}

/// A parsed connection string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectConfig {
    /// Hosts, tried in order; empty means the default Unix socket folders, then localhost.
    pub hosts: Vec<Host>,
    /// One port for all hosts, or one per host; empty means 5432.
    pub ports: Vec<u16>,
    /// Role name; defaults to the operating-system user, as in libpq.
    pub user: Option<String>,
    /// Password, for password, MD5 and SCRAM authentication.
    pub password: Option<String>,
    /// Database; defaults to the user name.
    pub dbname: Option<String>,
    /// `options` (command-line options for the server, e.g. `-c search_path=app`).
    pub options: Option<String>,
    /// Reported in `pg_stat_activity`.
    pub application_name: Option<String>,
    /// Bound on connecting to each address.
    pub connect_timeout: Option<Duration>,
    /// `require`, `verify-ca` and `verify-full` ask for TLS, which this connection lacks.
    pub requires_tls: bool,
}

impl ConnectConfig {
    /// `(host, port)` pairs, in the order they are tried.
    pub fn endpoints(&self) -> Vec<(Host, u16)> {
        let hosts = if self.hosts.is_empty() {
            default_hosts()
        } else {
            self.hosts.clone()
        };
        hosts
            .into_iter()
            .enumerate()
            .map(|(i, host)| {
                let port = self.ports.get(i).or(self.ports.first()).copied().unwrap_or(5432);
                (host, port)
            })
            .collect()
    }

    /// The role to log in as.
    pub fn user(&self) -> String {
        self.user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "postgres".into())
    }
}

/// libpq's default: the Unix socket folder where one exists (Debian's, then upstream's), else
/// localhost.
fn default_hosts() -> Vec<Host> {
    let sockets = ["/run/postgresql", "/var/run/postgresql", "/tmp"]
        .into_iter()
        .map(PathBuf::from)
        .find(|dir| dir.is_dir());
    let mut hosts: Vec<Host> = sockets.into_iter().map(Host::Unix).collect();
    hosts.push(Host::Tcp("localhost".into()));
    hosts
}

/// Parses a URL or a `key=value` list.
pub fn parse(text: &str) -> Result<ConnectConfig, String> {
    let text = text.trim();
    let mut config = ConnectConfig::default();
    if let Some(rest) = text
        .strip_prefix("postgres://")
        .or_else(|| text.strip_prefix("postgresql://"))
    {
        parse_url(rest, &mut config)?;
    } else {
        for (key, value) in key_values(text)? {
            set(&mut config, &key, &value)?;
        }
    }
    Ok(config)
}

fn parse_url(rest: &str, config: &mut ConnectConfig) -> Result<(), String> {
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (credentials, hosts) = match authority.rsplit_once('@') {
        Some((c, h)) => (Some(c), h),
        None => (None, authority),
    };
    if let Some(credentials) = credentials {
        let (user, password) = match credentials.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (credentials, None),
        };
        if !user.is_empty() {
            config.user = Some(decode(user)?);
        }
        config.password = password.map(decode).transpose()?;
    }
    for entry in hosts.split(',').filter(|e| !e.is_empty()) {
        let (host, port) = split_host_port(entry)?;
        if !host.is_empty() {
            set(config, "host", &decode(host)?)?;
        }
        if let Some(port) = port {
            config.ports.push(parse_port(port)?);
        }
    }
    if !path.is_empty() {
        config.dbname = Some(decode(path)?);
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` in the URL's query is not key=value"))?;
        set(config, &decode(key)?, &decode(value)?)?;
    }
    Ok(())
}

/// `host:port`, `[v6]:port`, `host`.
fn split_host_port(entry: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{entry}`: `[` without `]`"))?;
        return Ok((host, after.strip_prefix(':')));
    }
    Ok(match entry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (entry, None),
    })
}

fn set(config: &mut ConnectConfig, key: &str, value: &str) -> Result<(), String> {
    match key {
        "host" => {
            for host in value.split(',') {
                config.hosts.push(if host.starts_with('/') {
                    Host::Unix(host.into())
                } else {
                    Host::Tcp(host.to_string())
                });
            }
        }
        "hostaddr" => config.hosts = value.split(',').map(|h| Host::Tcp(h.to_string())).collect(),
        "port" => {
            config.ports = value.split(',').map(parse_port).collect::<Result<_, _>>()?;
        }
        "user" => config.user = Some(value.to_string()),
        "password" => config.password = Some(value.to_string()),
        "dbname" => config.dbname = Some(value.to_string()),
        "options" => config.options = Some(value.to_string()),
        "application_name" => config.application_name = Some(value.to_string()),
        "connect_timeout" => {
            let seconds: u64 = value
                .trim()
                .parse()
                .map_err(|_| format!("connect_timeout `{value}` is not a whole number of seconds"))?;
            // libpq: zero (or nothing) means wait indefinitely.
            config.connect_timeout = (seconds > 0).then(|| Duration::from_secs(seconds));
        }
        "sslmode" => match value {
            "disable" | "allow" | "prefer" => config.requires_tls = false,
            "require" | "verify-ca" | "verify-full" => config.requires_tls = true,
            other => return Err(format!("sslmode `{other}` is not a libpq sslmode")),
        },
        "client_encoding"
        | "keepalives"
        | "keepalives_idle"
        | "keepalives_interval"
        | "keepalives_count"
        | "target_session_attrs"
        | "load_balance_hosts"
        | "channel_binding"
        | "sslcert"
        | "sslkey"
        | "sslrootcert"
        | "sslnegotiation"
        | "gssencmode"
        | "tcp_user_timeout"
        | "fallback_application_name" => {}
        other => return Err(format!("unknown connection setting `{other}`")),
    }
    Ok(())
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("port `{text}` is not a number from 1 to 65535"))
}

/// `%XX` escapes of a URL part.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("`{text}` has a broken %-escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{text}` does not decode to UTF-8"))
}

/// `key=value key2='quoted value'` pairs.
fn key_values(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!("`{key}` is not followed by `=`"));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("the value of `{key}` has no closing quote")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_decode_credentials_hosts_and_settings() {
        let c = parse("postgresql://us%40er:p%3Ass@db.example:6543,[::1]:7000/my%20db?connect_timeout=5&sslmode=disable&application_name=x").unwrap();
        assert_eq!(c.user.as_deref(), Some("us@er"));
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        assert_eq!(c.hosts, [Host::Tcp("db.example".into()), Host::Tcp("::1".into())]);
        assert_eq!(c.ports, [6543, 7000]);
        assert_eq!(c.dbname.as_deref(), Some("my db"));
        assert_eq!(c.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(c.application_name.as_deref(), Some("x"));
        let c = parse("postgres://u@%2Frun%2Fpostgresql/db").unwrap();
        assert_eq!(c.hosts, [Host::Unix("/run/postgresql".into())]);
        let c = parse("postgres:///db?host=/tmp&port=5433").unwrap();
        assert_eq!(c.endpoints(), [(Host::Unix("/tmp".into()), 5433)]);
        assert!(parse("postgres://h/db?sslmode=require").unwrap().requires_tls);
    }

    #[test]
    fn key_value_lists_take_quotes_and_escapes() {
        let c =
            parse("host=/tmp/pg port=5433 user=postgres dbname='my db' password='it\\'s' options='-c search_path=app'")
                .unwrap();
        assert_eq!(c.endpoints(), [(Host::Unix("/tmp/pg".into()), 5433)]);
        assert_eq!(c.dbname.as_deref(), Some("my db"));
        assert_eq!(c.password.as_deref(), Some("it's"));
        assert_eq!(c.options.as_deref(), Some("-c search_path=app"));
        assert_eq!(parse("host = h dbname = d").unwrap().dbname.as_deref(), Some("d"));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse("host").unwrap_err().contains("`host`"));
        assert!(parse("dbname='open").unwrap_err().contains("closing quote"));
        assert!(parse("colour=blue").unwrap_err().contains("colour"));
        assert!(parse("postgres://h:port/db").unwrap_err().contains("port"));
        assert!(parse("postgres://h/db?sslmode=maybe").unwrap_err().contains("maybe"));
        assert!(parse("postgres://h/%zz").unwrap_err().contains("%-escape"));
    }
}
