//! CPU time of the processes a benchmark measures, so that its figures say what each request cost
//! the service and the database server, not only how long it took. Read from `/proc` on Linux;
//! elsewhere nothing is measured and the figures say so.

use std::time::Duration;

/// CPU time (user and system, every thread) that process `pid` has used so far; `None` where it
/// cannot be read (another system, a process gone or not this user's).
pub(super) fn used(pid: u32) -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let stat = procfs::process::Process::new(i32::try_from(pid).ok()?).ok()?.stat().ok()?;
        let ticks = stat.utime.checked_add(stat.stime)?;
        // Ticks per second is 100 on every Linux this runs on: the quotient is exact enough in f64.
        #[expect(clippy::cast_precision_loss, reason = "CPU ticks of one process stay far below 2^52")]
        let seconds = ticks as f64 / procfs::ticks_per_second() as f64;
        Some(Duration::from_secs_f64(seconds))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// The CPU time of one process, read at the start of a load run and compared at its end.
pub(super) struct Meter {
    pid: u32,
    start: Option<Duration>,
}

impl Meter {
    /// Reads the CPU time of `pid` now.
    pub(super) fn start(pid: u32) -> Self {
        Self { pid, start: used(pid) }
    }

    /// The CPU time the process used since [`Meter::start`], in milliseconds per request over
    /// `requests` requests; `None` when it could not be read, or when no request was answered.
    pub(super) fn per_request(&self, requests: u64) -> Option<f64> {
        let spent = used(self.pid)?.checked_sub(self.start?)?;
        #[expect(clippy::cast_precision_loss, reason = "a run's request count stays far below 2^52")]
        (requests > 0).then(|| spent.as_secs_f64() * 1000.0 / requests as f64)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_busy_process_is_seen_using_cpu() {
        let meter = Meter::start(std::process::id());
        let before = used(std::process::id()).expect("this process's CPU time");
        // Work until the CPU time shows it (one clock tick), however loaded the machine is.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut spins = 0_u64;
        while used(std::process::id()).is_some_and(|now| now <= before) {
            for _ in 0..100_000 {
                spins = std::hint::black_box(spins + 1);
            }
            assert!(std::time::Instant::now() < deadline, "no CPU time counted after {spins} spins");
        }
        let ms = meter.per_request(1).expect("this process's CPU time, read again");
        assert!(ms > 0.0, "{ms} ms of CPU counted for a process that worked");
    }

    #[test]
    fn no_request_gives_no_figure() {
        assert_eq!(Meter::start(std::process::id()).per_request(0), None);
    }

    #[test]
    fn a_process_that_does_not_exist_gives_no_figure() {
        assert_eq!(used(u32::MAX), None);
    }
}
