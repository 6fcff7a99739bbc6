//! Sign-in throttling. Every attempt is counted *before* its password is
//! checked, by user name and by client address, so thirty concurrent wrong
//! passwords cost at most five argon2 checks. Counts live in bounded maps
//! that forget: an entry ends with its window, and when a map is full the
//! expired entries go, then the oldest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts per user name within [`WINDOW`] before the name is locked.
pub const MAX_PER_NAME: u32 = 5;
/// Attempts per client address within [`WINDOW`] (several officials may
/// share one address behind a bureau's proxy).
pub const MAX_PER_ADDRESS: u32 = 30;
/// How long attempts count, and how long a lock lasts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Names and addresses remembered at most (each).
const CAPACITY: usize = 10_000;
/// Longer names are cut for counting (no user name is this long).
const NAME_KEY_CHARS: usize = 128;

#[derive(Debug, Clone, Copy)]
struct Entry {
    attempts: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug, Default)]
struct Window {
    map: HashMap<String, Entry>,
}

impl Window {
    fn live(&self, key: &str, now: Instant) -> Option<Entry> {
        self.map.get(key).copied().filter(|e| !expired(e, now))
    }

    fn locked(&self, key: &str, now: Instant) -> bool {
        self.live(key, now)
            .and_then(|e| e.locked_until)
            .is_some_and(|t| now < t)
    }

    /// Counts one attempt; true when this attempt locks the key.
    fn count(&mut self, key: &str, max: u32, now: Instant) -> bool {
        if self.map.len() >= CAPACITY && !self.map.contains_key(key) {
            self.map.retain(|_, e| !expired(e, now));
            if self.map.len() >= CAPACITY {
                if let Some(oldest) = self
                    .map
                    .iter()
                    .min_by_key(|(_, e)| e.since)
                    .map(|(k, _)| k.clone())
                {
                    self.map.remove(&oldest);
                }
            }
        }
        let entry = self.map.entry(key.to_string()).or_insert(Entry {
            attempts: 0,
            since: now,
            locked_until: None,
        });
        if expired(entry, now) {
            *entry = Entry {
                attempts: 0,
                since: now,
                locked_until: None,
            };
        }
        entry.attempts = entry.attempts.saturating_add(1);
        if entry.attempts >= max && entry.locked_until.is_none() {
            entry.locked_until = Some(now + WINDOW);
            return true;
        }
        false
    }

    fn forget(&mut self, key: &str) {
        self.map.remove(key);
    }

    fn uncount(&mut self, key: &str) {
        if let Some(e) = self.map.get_mut(key) {
            e.attempts = e.attempts.saturating_sub(1);
        }
    }
}

fn expired(e: &Entry, now: Instant) -> bool {
    match e.locked_until {
        Some(until) => now >= until,
        None => now.duration_since(e.since) >= WINDOW,
    }
}

#[derive(Debug, Default)]
struct State {
    names: Window,
    addresses: Window,
}

/// The throttle of one running service (app data, never global).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    state: Mutex<State>,
}

/// Why an attempt may not go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NameLocked,
    AddressLocked,
}

/// An attempt that may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    /// This attempt was the one that locked the name (for the audit log).
    pub locks_name: bool,
}

fn name_key(name: &str) -> String {
    name.trim().chars().take(NAME_KEY_CHARS).collect()
}

impl LoginThrottle {
    /// Counts an attempt of `name` from `address`, or refuses it when either is locked.
    pub fn begin(&self, name: &str, address: Option<IpAddr>) -> Result<Admitted, Refusal> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let name = name_key(name);
        let address = address.map(|a| a.to_string());
        if state.names.locked(&name, now) {
            return Err(Refusal::NameLocked);
        }
        if let Some(a) = &address {
            if state.addresses.locked(a, now) {
                return Err(Refusal::AddressLocked);
            }
        }
        let locks_name = state.names.count(&name, MAX_PER_NAME, now);
        if let Some(a) = &address {
            state.addresses.count(a, MAX_PER_ADDRESS, now);
        }
        Ok(Admitted { locks_name })
    }

    /// A right password: the name starts afresh, and the address's count
    /// keeps only its failures.
    pub fn succeeded(&self, name: &str, address: Option<IpAddr>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.names.forget(&name_key(name));
        if let Some(a) = address {
            state.addresses.uncount(&a.to_string());
        }
    }

    #[cfg(test)]
    fn remembered(&self) -> (usize, usize) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (state.names.map.len(), state.addresses.map.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_of_a_name_is_refused_before_any_check() {
        let t = LoginThrottle::default();
        let addr = Some(IpAddr::from([10, 0, 0, 1]));
        for i in 0..MAX_PER_NAME {
            let admitted = t.begin("ada", addr).unwrap();
            assert_eq!(admitted.locks_name, i + 1 == MAX_PER_NAME);
        }
        assert_eq!(t.begin("ada", addr), Err(Refusal::NameLocked));
        assert!(t.begin("bob", addr).is_ok(), "other names are not locked");
    }

    #[test]
    fn an_address_trying_many_names_is_locked() {
        let t = LoginThrottle::default();
        let addr = Some(IpAddr::from([10, 0, 0, 2]));
        for i in 0..MAX_PER_ADDRESS {
            assert!(t.begin(&format!("user{i}"), addr).is_ok());
        }
        assert_eq!(t.begin("fresh", addr), Err(Refusal::AddressLocked));
        assert!(t.begin("fresh", Some(IpAddr::from([10, 0, 0, 3]))).is_ok());
    }

    #[test]
    fn success_forgets_the_name() {
        let t = LoginThrottle::default();
        for _ in 0..MAX_PER_NAME - 1 {
            t.begin("ada", None).unwrap();
        }
        t.succeeded("ada", None);
        for _ in 0..MAX_PER_NAME - 1 {
            t.begin("ada", None).unwrap();
        }
        assert!(t.begin("ada", None).is_ok());
    }

    #[test]
    fn memory_is_bounded_however_many_names_are_tried() {
        let t = LoginThrottle::default();
        for i in 0..(CAPACITY + 500) {
            let _ = t.begin(&format!("{i}{}", "x".repeat(1000)), None);
        }
        let (names, _) = t.remembered();
        assert!(names <= CAPACITY, "{names}");
    }
}
