//! Where students reach this server: the base of the join link and QR code
//! on the host screen, and what to tell a teacher whose phones cannot.
//!
//! In order: a configured public URL wins; else, when the host page was
//! opened on a loopback address but the server listens on the network,
//! this machine's LAN addresses (read from the OS); else the address the
//! host's browser used. A loopback address is never offered without saying
//! plainly that no phone can open it, and how to open the class network.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, header};

/// The address `serve` listens on, handed to handlers as an `Extension`.
#[derive(Debug, Clone, Copy)]
pub struct ListenAddr(pub SocketAddr);

/// What the host screen shows for joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinBase {
    /// `http://host:port`, no trailing slash: the link and QR code use it.
    pub url: String,
    /// Other addresses of this machine a phone may use instead.
    pub also: Vec<String>,
    /// Why phones cannot join at `url`; `None` when they can.
    pub warning: Option<String>,
    /// The command that opens the server to the class network, when that
    /// is what is missing.
    pub command: Option<String>,
    /// The page was opened on a loopback address and `url` is another one.
    pub loopback_page: bool,
}

/// This machine's addresses that another device on the network could use:
/// no loopback, no link-local; IPv4 first, as phones type them.
pub fn lan_addresses() -> Vec<IpAddr> {
    let mut ips: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(reachable)
        .collect();
    ips.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    ips.dedup();
    ips
}

fn reachable(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        IpAddr::V6(v6) => {
            !v6.is_loopback() && !v6.is_unspecified() && (v6.segments()[0] & 0xffc0) != 0xfe80
        }
    }
}

fn origin(ip: IpAddr, port: u16) -> String {
    SocketAddr::new(ip, port).to_string()
}

/// The `Host` header, if it is a plain host and port (no one can smuggle
/// markup or a path into a link through it).
pub fn request_host(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
}

fn host_is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl JoinBase {
    /// `public_url` from the configuration, the listening address, the
    /// request's `Host`, and this machine's LAN addresses.
    pub fn resolve(
        public_url: Option<&str>,
        listen: Option<SocketAddr>,
        host: Option<&str>,
        lan: &[IpAddr],
    ) -> JoinBase {
        if let Some(url) = public_url {
            return JoinBase {
                url: url.trim_end_matches('/').to_string(),
                also: vec![],
                warning: None,
                command: None,
                loopback_page: false,
            };
        }
        let port = listen.map_or(8080, |a| a.port());
        let host = host.map_or_else(|| format!("127.0.0.1:{port}"), str::to_string);
        let page_on_loopback = host_is_loopback(&host);
        let listen_ip = listen.map(|a| a.ip());
        // Which of this machine's addresses the listener accepts on.
        let served: Vec<String> = match listen_ip {
            Some(ip) if ip.is_unspecified() => lan
                .iter()
                .filter(|a| ip.is_ipv6() || a.is_ipv4())
                .map(|a| origin(*a, port))
                .collect(),
            Some(ip) if !ip.is_loopback() => vec![origin(ip, port)],
            _ => vec![],
        };
        let on_loopback_only = listen_ip.is_some_and(|ip| ip.is_loopback());
        if !page_on_loopback {
            let url = format!("http://{host}");
            let also = served
                .into_iter()
                .map(|s| format!("http://{s}"))
                .filter(|s| *s != url)
                .collect();
            return JoinBase {
                url,
                also,
                warning: None,
                command: None,
                loopback_page: false,
            };
        }
        let mut served = served.into_iter().map(|s| format!("http://{s}"));
        if let Some(url) = served.next() {
            return JoinBase {
                url,
                also: served.collect(),
                warning: None,
                command: None,
                loopback_page: true,
            };
        }
        let (warning, command) = if on_loopback_only || listen_ip.is_none() {
            (
                format!(
                    "This page is open at {host}, an address only this computer can reach, \
                     and the server listens on this computer alone."
                ),
                Some(format!("quizline serve --addr 0.0.0.0:{port}")),
            )
        } else {
            (
                format!(
                    "This page is open at {host}, an address only this computer can reach, \
                     and this computer has no network address right now. Connect it to the \
                     class network and reload this page."
                ),
                None,
            )
        };
        JoinBase {
            url: format!("http://{host}"),
            also: vec![],
            warning: Some(warning),
            command,
            loopback_page: true,
        }
    }

    /// The `host:port` part, for "join at …" in large type.
    pub fn host(&self) -> &str {
        self.url
            .trim_start_matches("http://")
            .trim_start_matches("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_best_address_for_phones_is_chosen() {
        let lan: Vec<IpAddr> = vec!["192.168.1.20".parse().unwrap(), "10.0.0.5".parse().unwrap()];
        struct Case {
            public: Option<&'static str>,
            listen: Option<SocketAddr>,
            host: &'static str,
            url: &'static str,
            also: &'static [&'static str],
            warned: bool,
        }
        let cases = [
            Case {
                public: Some("https://quiz.example.org/"),
                listen: addr("127.0.0.1:8080"),
                host: "127.0.0.1:8080",
                url: "https://quiz.example.org",
                also: &[],
                warned: false,
            },
            Case {
                public: None,
                listen: addr("127.0.0.1:8080"),
                host: "127.0.0.1:8080",
                url: "http://127.0.0.1:8080",
                also: &[],
                warned: true,
            },
            Case {
                public: None,
                listen: addr("127.0.0.1:8080"),
                host: "localhost:8080",
                url: "http://localhost:8080",
                also: &[],
                warned: true,
            },
            Case {
                public: None,
                listen: addr("0.0.0.0:8080"),
                host: "127.0.0.1:8080",
                url: "http://192.168.1.20:8080",
                also: &["http://10.0.0.5:8080"],
                warned: false,
            },
            Case {
                public: None,
                listen: addr("0.0.0.0:8080"),
                host: "[::1]:8080",
                url: "http://192.168.1.20:8080",
                also: &["http://10.0.0.5:8080"],
                warned: false,
            },
            Case {
                public: None,
                listen: addr("0.0.0.0:8080"),
                host: "10.0.0.5:8080",
                url: "http://10.0.0.5:8080",
                also: &["http://192.168.1.20:8080"],
                warned: false,
            },
            Case {
                public: None,
                listen: addr("10.0.0.5:9000"),
                host: "localhost:9000",
                url: "http://10.0.0.5:9000",
                also: &[],
                warned: false,
            },
        ];
        for c in cases {
            let j = JoinBase::resolve(c.public, c.listen, Some(c.host), &lan);
            assert_eq!(j.url, c.url, "{}", c.host);
            assert_eq!(j.also, c.also, "{}", c.host);
            assert_eq!(j.warning.is_some(), c.warned, "{}: {:?}", c.host, j.warning);
        }
        let warned = JoinBase::resolve(None, addr("127.0.0.1:8080"), Some("127.0.0.1:8080"), &lan);
        assert!(warned.warning.unwrap().contains("only this computer"));
        assert_eq!(
            warned.command.as_deref(),
            Some("quizline serve --addr 0.0.0.0:8080")
        );
        let offline = JoinBase::resolve(None, addr("0.0.0.0:8080"), Some("127.0.0.1:8080"), &[]);
        assert!(offline.warning.unwrap().contains("no network address"));
        assert_eq!(offline.command, None);
    }

    #[test]
    fn hosts_are_checked() {
        assert!(host_is_loopback("localhost:1"));
        assert!(host_is_loopback("127.0.0.2:1"));
        assert!(host_is_loopback("[::1]:1"));
        assert!(!host_is_loopback("192.168.0.1:1"));
        assert!(!host_is_loopback("example.org"));
        let lan = lan_addresses();
        assert!(lan.iter().all(reachable));
    }
}
