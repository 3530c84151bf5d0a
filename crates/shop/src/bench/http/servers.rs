//! The two servers of `shop bench http`, each its own process on a loopback port: the shop
//! (`shop serve` on the memory store, logging as configured) and the bare axum baseline.
//!
//! The shop's log (its standard error) is read through a pipe, as a log collector would, and its
//! lines counted, so the benchmark shows that the access log was written in full, up to the last
//! line after the stop signal.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// The message of the shop's access log line, one per request.
pub const ACCESS_LOG_MESSAGE: &str = "finished processing request";

/// What a server process logged, counted by the thread that drains its standard error.
#[derive(Debug, Default, Clone)]
pub struct Output {
    /// Log lines.
    pub lines: u64,
    /// Of those, access log lines.
    pub access_lines: u64,
    /// The last few lines other than access lines, to say why a server exited.
    pub tail: VecDeque<String>,
}

/// Lines of a server's log kept to explain its exit.
const TAIL_LINES: usize = 20;

/// The connection pool both services of `shop bench db` get, so that the comparison measures the
/// code and not the pool: on a server whose cost per command grows with the connections in use,
/// the larger pool alone loses (or wins) a third of the throughput.
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    /// Most connections per server.
    pub max: u32,
    /// Connections kept open per server.
    pub min: u32,
}

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    stderr: Option<JoinHandle<Output>>,
}

/// The baseline binary `name`: `chosen` when the command line names one, else the one built beside
/// the `shop` binary at `shop` (`cargo build --features bench --bins` puts them side by side).
pub fn baseline(shop: &Path, chosen: Option<&Path>, name: &str) -> PathBuf {
    chosen.map_or_else(|| shop.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX)), Path::to_owned)
}

/// A free loopback port, as the system picks it.
fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    listener.local_addr().context("reading the port")
}

fn count(pipe: impl Read) -> Output {
    let mut output = Output::default();
    let mut reader = BufReader::with_capacity(1 << 16, pipe);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).is_ok_and(|read| read > 0) {
        output.lines += 1;
        // The reader shares the machine with the servers: a substring search that is fast on
        // long inputs, on the line as it is (lossy only where it is not UTF-8).
        let text = String::from_utf8_lossy(&line);
        if text.contains(ACCESS_LOG_MESSAGE) {
            output.access_lines += 1;
        } else {
            // Start-up lines and errors, not the access log: what explains an exit.
            if output.tail.len() == TAIL_LINES {
                output.tail.pop_front();
            }
            output.tail.push_back(text.trim_end().to_owned());
        }
        line.clear();
    }
    output
}

impl Server {
    /// Starts `shop serve` (the binary at `shop`) on the memory store on a free loopback port, with
    /// the API key configuration entry `key` (anonymous calls without one), and waits until it
    /// accepts connections.
    ///
    /// # Errors
    /// It cannot be started or does not listen within 10 s.
    pub fn shop(shop: &Path, key: Option<&str>) -> anyhow::Result<Self> {
        let address = free_address()?;
        let mut command = Command::new(shop);
        command
            .args(["serve", "--bind", &address.to_string(), "--shutdown-drain-ms", "2000"])
            // The memory store, whatever the environment says; a `.env` file would be read again
            // from the working directory, so the server runs from one that has none.
            .env_remove("MONGODB_URI")
            .current_dir(std::env::temp_dir());
        // Through the environment, as a deployment would: never on a command line others can read.
        match key {
            Some(entry) => command.env(crate::keys::API_KEYS_SETTING, entry),
            None => command.env_remove(crate::keys::API_KEYS_SETTING),
        };
        Self::start(command, address, "shop")
    }

    /// Starts `shop serve` (the binary at `shop`) on MongoDB (`uri`, database `database`, a
    /// connection pool of `pool`), with the API key configuration entry `key` and `more` arguments
    /// to `shop serve`, and waits until it accepts connections.
    ///
    /// # Errors
    /// It cannot be started or does not listen within 10 s.
    pub fn shop_on_mongo(
        shop: &Path,
        key: &str,
        uri: &str,
        database: &str,
        pool: Pool,
        more: &[&str],
    ) -> anyhow::Result<Self> {
        let address = free_address()?;
        let mut command = Command::new(shop);
        command
            .args(["serve", "--bind", &address.to_string(), "--shutdown-drain-ms", "2000"])
            .args(more)
            .env("MONGODB_URI", uri)
            .env("MONGODB_DB", database)
            .env("MONGODB_MAX_POOL_SIZE", pool.max.to_string())
            .env("MONGODB_MIN_POOL_SIZE", pool.min.to_string())
            .env(crate::keys::API_KEYS_SETTING, key)
            .current_dir(std::env::temp_dir());
        Self::start(command, address, "shop")
    }

    /// Starts the hand-written axum + driver baseline (the binary at `bare`) on `uri`, database
    /// `database`, a connection pool of `pool`.
    ///
    /// # Errors
    /// It cannot be started or does not listen within 10 s.
    pub fn bare_mongo(bare: &Path, uri: &str, database: &str, pool: Pool) -> anyhow::Result<Self> {
        let address = free_address()?;
        let mut command = Command::new(bare);
        let (max, min) = (pool.max.to_string(), pool.min.to_string());
        command
            .args(["--bind", &address.to_string(), "--database", database])
            .args(["--max-pool-size", &max, "--min-pool-size", &min])
            .env("MONGODB_URI", uri);
        Self::start(command, address, "bare-mongo")
    }

    /// Starts the bare axum baseline (the binary at `bare`) answering with `body` and `etag`.
    ///
    /// # Errors
    /// It cannot be started or does not listen within 10 s.
    pub fn bare(bare: &Path, body: &str, etag: &str) -> anyhow::Result<Self> {
        let address = free_address()?;
        let mut command = Command::new(bare);
        command.args(["--bind", &address.to_string(), "--body", body, "--etag", etag]);
        Self::start(command, address, "bare-axum")
    }

    fn start(mut command: Command, address: SocketAddr, name: &str) -> anyhow::Result<Self> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name} ({})", command.get_program().to_string_lossy()))?;
        let stderr = child.stderr.take().map(|pipe| std::thread::spawn(move || count(pipe)));
        let mut server = Self { child, address, stderr };
        // Polling, bounded: the server is ready once it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(address).is_err() {
            if let Some(status) = server.child.try_wait()? {
                bail!("{name} exited ({status}): {}", Vec::from(server.stop_output().tail).join("\n"));
            }
            if Instant::now() > deadline {
                bail!("{name} did not listen on {address} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The base URL.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Asks the server to stop (SIGTERM, as a container runtime would), waits up to 10 s for it to
    /// exit (killing it after that), and returns what it wrote.
    ///
    /// # Errors
    /// The server had to be killed.
    pub fn stop(mut self) -> anyhow::Result<Output> {
        let asked = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        let exited = asked.is_ok_and(|status| status.success())
            && loop {
                match self.child.try_wait() {
                    Ok(Some(_)) => break true,
                    Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                    _ => break false,
                }
            };
        let output = self.stop_output();
        if !exited {
            bail!("the server did not stop within 10 s of SIGTERM: killed. {}", Vec::from(output.tail).join("\n"));
        }
        Ok(output)
    }

    /// Kills the process if it still runs and collects what it logged.
    fn stop_output(&mut self) -> Output {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr.take().and_then(|thread| thread.join().ok()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop_output();
    }
}
