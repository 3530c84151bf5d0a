//! The load generator: `wrk` (Debian's `wrk` package), run once per round against one URL, with a
//! script that prints its summary in a form this module parses. A missing `wrk` is an error that
//! says how to install it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use tokio::process::Command;

/// wrk calls `done` once at the end, in one of its threads: one line, numbers only.
const SCRIPT: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk-summary %d %d %f %f %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"#;

/// What one run of `wrk` measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// Responses received.
    pub requests: u64,
    /// Responses per second.
    pub per_second: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Socket errors and timeouts.
    pub errors: u64,
    /// Answers with a status other than 2xx or 3xx.
    pub bad_status: u64,
}

/// How `wrk` loads a server.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Open connections, each with one request in flight at a time.
    pub connections: u16,
    /// wrk's threads.
    pub threads: u16,
    /// How long one run lasts.
    pub duration: Duration,
}

/// The script file, removed when dropped.
pub struct Script(PathBuf);

impl Script {
    /// Writes the summary script where `wrk` can read it (each of its threads loads the file),
    /// with `authorization` as the `Authorization` header of every request when given. The key
    /// travels in this file, readable by its owner only, rather than on wrk's command line,
    /// which any user of the machine can list.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(authorization: Option<&str>) -> anyhow::Result<Self> {
        Self::write_with(authorization, "")
    }

    /// [`Script::write`], with `requests` (Lua setting the method, body or a `request`
    /// function) before the summary.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_with(authorization: Option<&str>, requests: &str) -> anyhow::Result<Self> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;

        let name = format!("shop-bench-{}-{}.lua", std::process::id(), uuid::Uuid::new_v4().simple());
        let path = std::env::temp_dir().join(name);
        let mut text = String::new();
        if let Some(value) = authorization {
            // A Lua string literal: backslashes and quotes escaped (a key holds neither).
            let literal = value.replace('\\', "\\\\").replace('"', "\\\"");
            text.push_str(&format!("wrk.headers[\"Authorization\"] = \"{literal}\"\n"));
        }
        text.push_str(requests);
        text.push_str(SCRIPT);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()));
        written.with_context(|| format!("writing {}", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Loads `url` for `load.duration` and returns what `wrk` measured. The run is bounded twice:
/// by wrk's own `--duration` and, should it hang, by a kill a few seconds after that.
///
/// # Errors
/// `wrk` is missing, fails, overruns its bound, or prints no summary.
pub async fn run(script: &Script, url: &str, load: Load) -> anyhow::Result<Run> {
    let seconds = load.duration.as_secs().max(1);
    let mut command = Command::new("wrk");
    command.args(["--connections", &load.connections.to_string(), "--threads", &load.threads.to_string()]).args([
        "--duration",
        &format!("{seconds}s"),
        "--timeout",
        "2s",
    ]);
    command.arg("--script").arg(script.path()).arg(url).stdin(Stdio::null()).kill_on_drop(true);
    let child = command.output();
    let bound = Duration::from_secs(seconds + 10);
    let output = match tokio::time::timeout(bound, child).await {
        Ok(Ok(output)) => output,
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            bail!("wrk is not installed: `apt-get install wrk` (or run scripts/bench-http.sh, which does)")
        }
        Ok(Err(error)) => return Err(error).context("running wrk"),
        Err(_) => bail!("wrk ran past {} s: stopped", bound.as_secs()),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed ({}): {stdout}{}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    parse(&stdout).with_context(|| format!("reading wrk's summary from:\n{stdout}"))
}

/// The summary line of the script among wrk's own output.
fn parse(output: &str) -> anyhow::Result<Run> {
    let line = output.lines().find_map(|line| line.strip_prefix("wrk-summary ")).context("no summary line")?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [requests, duration_us, p50_us, p99_us, errors, bad_status] = fields[..] else {
        bail!("the summary line has {} fields, not 6", fields.len());
    };
    let requests: u64 = requests.parse()?;
    let duration_us: f64 = duration_us.parse()?;
    Ok(Run {
        requests,
        per_second: requests as f64 / (duration_us / 1e6).max(1e-9),
        p50_ms: p50_us.parse::<f64>()? / 1000.0,
        p99_ms: p99_us.parse::<f64>()? / 1000.0,
        errors: errors.parse()?,
        bad_status: bad_status.parse()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_is_found_among_wrk_output() {
        let output = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n\
                      wrk-summary 800000 10000000 620.000000 2150.500000 0 3\nRequests/sec: 80000.00\n";

        let run = parse(output).expect("parses");

        assert_eq!(run.requests, 800_000);
        assert!((run.per_second - 80_000.0).abs() < 1e-6);
        assert!((run.p50_ms - 0.62).abs() < 1e-9 && (run.p99_ms - 2.1505).abs() < 1e-9);
        assert_eq!((run.errors, run.bad_status), (0, 3));
    }

    #[test]
    fn output_without_a_summary_is_an_error() {
        assert!(parse("Running 10s test\n").is_err());
        assert!(parse("wrk-summary 1 2 3\n").is_err());
    }
}
