//! Sockets that have not said `hello` yet. Until then a socket is nobody's:
//! it costs the server an open file and a task, and a client that opens
//! thousands and stays silent could use up the process's open files. So
//! each address may hold only so many at once, and each has a deadline for
//! its `hello`, however many pings it sends meanwhile.
//!
//! The count is taken when the upgrade is asked for and given back when the
//! hello exchange ends (or the upgrade never completes), by dropping the
//! [`Pass`].

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;

use super::http::ApiError;

pub struct Greeting {
    inner: Arc<Inner>,
}

struct Inner {
    per_address: usize,
    deadline: Duration,
    limit_loopback: bool,
    waiting: Mutex<HashMap<IpAddr, usize>>,
}

/// An address already holds as many sockets without a hello as it may.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{held} connections from this address have not said hello yet; try again in a moment")]
pub struct Crowded {
    pub held: usize,
}

impl From<Crowded> for ApiError {
    fn from(e: Crowded) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_waiting",
            e.to_string(),
        );
        error.retry_after = Some(Duration::from_secs(1));
        error
    }
}

/// One socket's place among its address's sockets without a hello.
pub struct Pass {
    inner: Arc<Inner>,
    ip: Option<IpAddr>,
}

impl Greeting {
    /// `limit_loopback` as in [`LiveConfig`](super::LiveConfig): the
    /// machine's own tools (`quizline bots`) are not capped unless asked.
    pub fn new(per_address: usize, deadline: Duration, limit_loopback: bool) -> Greeting {
        Greeting {
            inner: Arc::new(Inner {
                per_address,
                deadline,
                limit_loopback,
                waiting: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// A place for one more socket from `addr`, or why there is none.
    /// Without an address (no connect info) nothing is counted.
    pub fn admit(&self, addr: Option<IpAddr>) -> Result<Pass, Crowded> {
        let ip = addr.filter(|ip| self.inner.limit_loopback || !ip.is_loopback());
        if let Some(ip) = ip {
            let mut waiting = self.inner.lock();
            let held = waiting.entry(ip).or_default();
            if *held >= self.inner.per_address {
                return Err(Crowded { held: *held });
            }
            *held += 1;
        }
        Ok(Pass {
            inner: self.inner.clone(),
            ip,
        })
    }

    /// Sockets from `ip` now waiting for their hello.
    #[cfg(test)]
    fn waiting(&self, ip: IpAddr) -> usize {
        self.inner.lock().get(&ip).copied().unwrap_or(0)
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Pass {
    /// Runs the hello exchange, giving it until the deadline; `None` when
    /// the deadline passed first. The place is given back either way.
    pub async fn greet<T>(self, hello: impl Future<Output = T>) -> Option<T> {
        tokio::time::timeout(self.inner.deadline, hello).await.ok()
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let Some(ip) = self.ip else { return };
        let mut waiting = self.inner.lock();
        if let Some(held) = waiting.get_mut(&ip) {
            *held -= 1;
            if *held == 0 {
                waiting.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));
    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn each_address_has_its_own_cap_and_places_come_back() {
        let g = Greeting::new(2, Duration::from_secs(1), false);
        let a1 = g.admit(Some(A)).unwrap();
        let _a2 = g.admit(Some(A)).unwrap();
        assert_eq!(g.admit(Some(A)).err(), Some(Crowded { held: 2 }));
        let _b = g.admit(Some(B)).unwrap();
        drop(a1);
        assert_eq!(g.waiting(A), 1);
        let _a3 = g.admit(Some(A)).unwrap();
        assert_eq!(g.waiting(A), 2);
    }

    #[test]
    fn loopback_and_unknown_addresses_are_capped_only_when_asked() {
        let open = Greeting::new(1, Duration::from_secs(1), false);
        let _held: Vec<Pass> = (0..5).map(|_| open.admit(Some(HOME)).unwrap()).collect();
        let _none: Vec<Pass> = (0..5).map(|_| open.admit(None).unwrap()).collect();
        let strict = Greeting::new(1, Duration::from_secs(1), true);
        let _one = strict.admit(Some(HOME)).unwrap();
        assert!(strict.admit(Some(HOME)).is_err());
    }

    #[tokio::test]
    async fn a_hello_that_never_comes_ends_at_the_deadline() {
        let deadline = Duration::from_millis(50);
        let g = Greeting::new(1, deadline, false);
        let pass = g.admit(Some(A)).unwrap();
        let started = std::time::Instant::now();
        let got = pass.greet(std::future::pending::<()>()).await;
        assert_eq!(got, None);
        assert!(started.elapsed() >= deadline);
        assert_eq!(g.waiting(A), 0, "the place is given back");
        let pass = g.admit(Some(A)).unwrap();
        assert_eq!(pass.greet(async { 7 }).await, Some(7));
        assert_eq!(g.waiting(A), 0);
    }
}
