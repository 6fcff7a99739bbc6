//! The one source of "now". Everything that depends on the time of day — the
//! scheduler, appeal windows, sessions, audit stamps, run times — is handed a
//! [`Clock`], so tests can set the time instead of waiting for it.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

/// Local wall-clock time, or a time a test chose.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> NaiveDateTime + Send + Sync>);

impl Clock {
    /// The machine's local time (the bureau's time zone).
    pub fn system() -> Self {
        Clock(Arc::new(|| chrono::Local::now().naive_local()))
    }

    /// The wall-clock time in `zone` (None: the machine's local zone), so a
    /// server whose own zone is UTC still keeps the bureau's time.
    pub fn system_in(zone: Option<chrono_tz::Tz>) -> Self {
        match zone {
            Some(zone) => Clock(Arc::new(move || {
                chrono::Utc::now().with_timezone(&zone).naive_local()
            })),
            None => Self::system(),
        }
    }

    /// Always `at`.
    pub fn fixed(at: NaiveDateTime) -> Self {
        Clock(Arc::new(move || at))
    }

    /// Whatever `f` says, asked anew each time (a test's adjustable clock).
    pub fn from_fn(f: impl Fn() -> NaiveDateTime + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }

    pub fn now(&self) -> NaiveDateTime {
        (self.0)()
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_and_a_function_clock_follows_its_function() {
        let t = NaiveDate::from_ymd_opt(2026, 10, 1)
            .and_then(|d| d.and_hms_opt(2, 0, 0))
            .unwrap();
        let clock = Clock::fixed(t);
        assert_eq!(clock.now(), t);
        assert_eq!(clock.today(), t.date());
        let step = std::sync::atomic::AtomicI64::new(0);
        let moving = Clock::from_fn(move || {
            t + chrono::Duration::days(step.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
        });
        assert_eq!(moving.now(), t);
        assert_eq!(moving.today(), t.date().succ_opt().unwrap());
    }
}
