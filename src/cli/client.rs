//! A small client for the live protocol: JSON over HTTP/1.1 and WebSocket
//! sockets. `quizline host`, `quizline bots` and the tests use it, so they
//! all speak to the server exactly as a browser's page does. It is part of
//! the binary, not the library; the tests include this file as a module,
//! which is why it names the library `quizline::` rather than `crate::`.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use quizline::live::protocol::{ClientMsg, ServerMsg};

/// Why a request or a socket failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("'{0}' is not an http:// address such as http://127.0.0.1:8080")]
    NotHttp(String),
    #[error("'{0}' must be only a scheme, host and port, such as http://127.0.0.1:8080")]
    NotBase(String),
    #[error("cannot resolve {host}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{0} is not a loopback address; simulated students only connect to this machine (127.0.0.1, [::1] or localhost)"
    )]
    NotLoopback(String),
    #[error("{0}: no reply within 30 s")]
    NoReply(String),
    #[error("{what}")]
    Http {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("unexpected reply ({status}): {body}")]
    UnexpectedReply {
        status: StatusCode,
        body: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0}: no handshake within 30 s")]
    NoHandshake(String),
    #[error("{what}")]
    Socket {
        what: String,
        #[source]
        source: tungstenite::Error,
    },
    #[error("unreadable message {text}")]
    Unreadable {
        text: String,
        #[source]
        source: serde_json::Error,
    },
}

impl ClientError {
    fn http(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ClientError {
        ClientError::Http {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// A server's base address, `http://host:port`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub http: String,
    pub ws: String,
    pub authority: String,
}

impl Base {
    pub fn parse(url: &str) -> Result<Base, ClientError> {
        let url = url.trim().trim_end_matches('/');
        let authority = url
            .strip_prefix("http://")
            .ok_or_else(|| ClientError::NotHttp(url.to_string()))?;
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(ClientError::NotBase(url.to_string()));
        }
        Ok(Base {
            http: format!("http://{authority}"),
            ws: format!("ws://{authority}"),
            authority: authority.to_string(),
        })
    }

    /// Every address the host name resolves to, or the literal address.
    fn addresses(&self) -> Result<Vec<IpAddr>, ClientError> {
        let with_port = if self.authority.contains("]:")
            || (!self.authority.starts_with('[') && self.authority.contains(':'))
        {
            self.authority.clone()
        } else {
            format!("{}:80", self.authority)
        };
        with_port
            .to_socket_addrs()
            .map(|a| a.map(|s| s.ip()).collect())
            .map_err(|source| ClientError::Resolve {
                host: self.authority.clone(),
                source,
            })
    }

    /// Refuses any address that is not this machine: load from simulated
    /// students must never leave it.
    pub fn require_loopback(&self) -> Result<(), ClientError> {
        let addrs = self.addresses()?;
        if addrs.is_empty() || !addrs.iter().all(|a| a.is_loopback()) {
            return Err(ClientError::NotLoopback(self.authority.clone()));
        }
        Ok(())
    }
}

#[derive(Clone)]
pub struct Client {
    base: Base,
    http: HyperClient<HttpConnector, Full<Bytes>>,
}

#[derive(Debug)]
pub struct HttpReply {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl HttpReply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|source| ClientError::UnexpectedReply {
            status: self.status,
            body: self.text(),
            source,
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The server's message for a refusal.
    pub fn error_message(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
            .unwrap_or_else(|| self.text())
    }
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl Client {
    pub fn new(base: Base) -> Client {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        Client {
            base,
            http: HyperClient::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
        }
    }

    pub fn base(&self) -> &Base {
        &self.base
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpReply, ClientError> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base.http));
        if let Some(secret) = bearer {
            req = req.header("authorization", format!("Bearer {secret}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| ClientError::http(path, e))?;
        let res = tokio::time::timeout(Duration::from_secs(30), self.http.request(req))
            .await
            .map_err(|_| ClientError::NoReply(path.to_string()))?
            .map_err(|e| ClientError::http(path, e))?;
        let (parts, body) = res.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| ClientError::http(path, e))?
            .to_bytes();
        Ok(HttpReply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn get(&self, path: &str, bearer: Option<&str>) -> Result<HttpReply, ClientError> {
        self.request(Method::GET, path, bearer, None).await
    }

    pub async fn post_json<T: Serialize>(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &T,
    ) -> Result<HttpReply, ClientError> {
        let body = serde_json::to_vec(body).map_err(|e| ClientError::http(path, e))?;
        self.request(Method::POST, path, bearer, Some(body)).await
    }

    /// Opens a room's player or host socket (`which` is `play` or `host`).
    pub async fn socket(&self, code: &str, which: &str) -> Result<Socket, ClientError> {
        let url = format!("{}/api/rooms/{code}/{which}", self.base.ws);
        // Small buffers: one driver process holds thousands of these, and
        // tungstenite zeroes the free part of the read buffer (up to this
        // size) before every read, even one that finds nothing: at 16 KiB
        // that was a quarter of `quizline bots`' CPU in a 10,000-socket
        // fan-out. Larger messages are read in several pieces.
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .max_message_size(Some(4 << 20));
        let (socket, _) = tokio::time::timeout(
            Duration::from_secs(30),
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true),
        )
        .await
        .map_err(|_| ClientError::NoHandshake(url.clone()))?
        .map_err(|source| ClientError::Socket { what: url, source })?;
        Ok(socket)
    }
}

pub async fn send(socket: &mut Socket, msg: &ClientMsg) -> Result<(), ClientError> {
    let text = serde_json::to_string(msg).map_err(|e| ClientError::http("a message", e))?;
    socket
        .send(Message::text(text))
        .await
        .map_err(|source| ClientError::Socket {
            what: "sending".into(),
            source,
        })
}

fn socket_error(source: tungstenite::Error) -> ClientError {
    ClientError::Socket {
        what: "receiving".into(),
        source,
    }
}

/// The next text frame as it came, unparsed; `Ok(None)` when the socket
/// closed.
pub async fn recv_text(socket: &mut Socket) -> Result<Option<tungstenite::Utf8Bytes>, ClientError> {
    loop {
        match socket.next().await {
            None => return Ok(None),
            Some(Err(tungstenite::Error::ConnectionClosed)) => return Ok(None),
            Some(Err(e)) => return Err(socket_error(e)),
            Some(Ok(Message::Text(t))) => return Ok(Some(t)),
            Some(Ok(Message::Close(_))) => return Ok(None),
            Some(Ok(_)) => continue,
        }
    }
}

/// The next server message; `Ok(None)` when the socket closed.
pub async fn recv(socket: &mut Socket) -> Result<Option<ServerMsg>, ClientError> {
    loop {
        match socket.next().await {
            None => return Ok(None),
            Some(Err(tungstenite::Error::ConnectionClosed)) => return Ok(None),
            Some(Err(e)) => return Err(socket_error(e)),
            Some(Ok(Message::Text(t))) => {
                return serde_json::from_str(&t).map(Some).map_err(|source| {
                    ClientError::Unreadable {
                        text: t.to_string(),
                        source,
                    }
                });
            }
            Some(Ok(Message::Close(_))) => return Ok(None),
            Some(Ok(_)) => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        let b = Base::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(b.http, "http://127.0.0.1:8080");
        assert_eq!(b.ws, "ws://127.0.0.1:8080");
        assert!(Base::parse("https://x").is_err());
        assert!(Base::parse("http://x/path").is_err());
        assert!(Base::parse("127.0.0.1:80").is_err());
    }

    #[test]
    fn only_loopback_is_a_target() {
        for ok in [
            "http://127.0.0.1:1",
            "http://127.5.6.7:9",
            "http://[::1]:8080",
            "http://localhost:3000",
        ] {
            assert!(Base::parse(ok).unwrap().require_loopback().is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:80",
            "http://192.168.1.2:8080",
            "http://8.8.8.8",
            "http://0.0.0.0:80",
        ] {
            assert!(
                Base::parse(bad).unwrap().require_loopback().is_err(),
                "{bad}"
            );
        }
    }
}
