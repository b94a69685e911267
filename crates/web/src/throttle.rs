//! Token buckets: a burst, then a steady rate. Used for wrong tokens per client address (login
//! guesses) and for network-check targets across all askers (so the server is no port scanner).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked at most; past that, full buckets are forgotten, and if none is, the oldest is.
const MAX_KEYS: usize = 4096;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// A bucket of `burst` tokens per key, refilled at `per_minute`.
#[derive(Debug)]
pub(crate) struct Throttle<K> {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    pub(crate) fn new(burst: u32, per_minute: u32) -> Throttle<K> {
        Throttle {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` tokens for `key`: `Ok` if there were enough, else how long until there are.
    pub(crate) fn take(&self, key: &K, cost: u32) -> Result<(), Duration> {
        let cost = f64::from(cost).min(self.burst);
        let now = Instant::now();
        // A poisoned lock means a panic elsewhere while holding it; refusing is the safe answer.
        let Ok(mut buckets) = self.buckets.lock() else { return Err(Duration::from_secs(60)) };
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            self.forget(&mut buckets, now);
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket { tokens: self.burst, updated: now });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((cost - bucket.tokens) / self.per_second))
        }
    }

    /// Whether `key` has a token left, without taking it.
    pub(crate) fn check(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(buckets) = self.buckets.lock() else { return Err(Duration::from_secs(60)) };
        let Some(bucket) = buckets.get(key) else { return Ok(()) };
        let tokens =
            (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * self.per_second).min(self.burst);
        if tokens >= 1.0 { Ok(()) } else { Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second)) }
    }

    fn forget(&self, buckets: &mut HashMap<K, Bucket>, now: Instant) {
        let full = |b: &Bucket| b.tokens + now.duration_since(b.updated).as_secs_f64() * self.per_second >= self.burst;
        buckets.retain(|_, b| !full(b));
        if buckets.len() >= MAX_KEYS {
            let oldest = buckets.iter().min_by_key(|(_, b)| b.updated).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                buckets.remove(&oldest);
            }
        }
    }
}

/// Whole seconds for `Retry-After`, at least one.
pub(crate) fn retry_after(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_that_say_how_long() {
        let throttle = Throttle::new(3, 60);
        for _ in 0..3 {
            assert!(throttle.take(&"a", 1).is_ok());
        }
        let wait = throttle.take(&"a", 1).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(throttle.check(&"a").is_err());
        assert!(throttle.take(&"b", 1).is_ok(), "keys are apart");
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_secs(2)), 2);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
