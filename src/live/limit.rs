//! Token buckets: a burst, then a steady rate. Used to slow joins and room
//! creation per address and per room, so a flood of bots costs the server
//! little more than refusing them.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_sec: f64,
}

impl Rate {
    pub const fn new(burst: u32, per_sec: u32) -> Rate {
        Rate {
            burst: burst as f64,
            per_sec: per_sec as f64,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub fn full(rate: Rate) -> Bucket {
        Bucket {
            tokens: rate.burst,
            last: Instant::now(),
        }
    }

    /// Takes one token, or says how long until one is there.
    pub fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * rate.per_sec).min(rate.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else if rate.per_sec > 0.0 {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate.per_sec))
        } else {
            Err(Duration::from_secs(60))
        }
    }

    fn is_full(&self, rate: Rate, now: Instant) -> bool {
        self.tokens + now.saturating_duration_since(self.last).as_secs_f64() * rate.per_sec
            >= rate.burst
    }
}

/// One bucket per key; buckets that have refilled are forgotten once the
/// map grows, so a spray of addresses cannot grow it without bound.
pub struct Keyed<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, Bucket>>,
}

const FORGET_ABOVE: usize = 10_000;

impl<K: Hash + Eq + Clone> Keyed<K> {
    pub fn new(rate: Rate) -> Keyed<K> {
        Keyed {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn take(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > FORGET_ABOVE {
            let rate = self.rate;
            map.retain(|_, b| !b.is_full(rate, now));
            if map.len() > FORGET_ABOVE {
                // Every bucket is in use: an attack from many addresses.
                // Refuse new addresses rather than grow.
                if !map.contains_key(key) {
                    return Err(Duration::from_secs(1));
                }
            }
        }
        map.entry(key.clone())
            .or_insert_with(|| Bucket::full(self.rate))
            .take(self.rate, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let rate = Rate::new(3, 2);
        let mut b = Bucket::full(rate);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(b.take(rate, t0).is_ok());
        }
        let wait = b.take(rate, t0).unwrap_err();
        assert!(wait <= Duration::from_millis(500) && wait > Duration::ZERO);
        assert!(b.take(rate, t0 + Duration::from_millis(500)).is_ok());
        assert!(b.take(rate, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn keys_are_separate() {
        let k: Keyed<u32> = Keyed::new(Rate::new(1, 0));
        assert!(k.take(&1).is_ok());
        assert!(k.take(&1).is_err());
        assert!(k.take(&2).is_ok());
    }
}
