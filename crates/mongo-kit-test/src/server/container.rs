//! The server where no URI is given: a testcontainers MongoDB 8.0 single-node replica set, where
//! a Docker engine may answer.

use std::path::Path;

use mongodb::bson::doc;
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, ImageExt as _};
use testcontainers_modules::mongo::Mongo;

use super::MONGODB_TAG;

/// Starts the container and waits for its primary: its URI (straight to the server) and the
/// container, which must live as long as the tests use it; or why there is none.
pub(super) async fn start() -> Result<(String, ContainerAsync<Mongo>), String> {
    if !docker_reachable() {
        return Err("no MONGODB_URI and no Docker engine reachable".to_owned());
    }
    // The module's own tag is 5.0.6 (wire version 13), on which client `bulkWrite` never runs;
    // its `repl_set` starts `mongod --replSet rs` and initiates the set from mongosh.
    let container = Mongo::repl_set()
        .with_tag(MONGODB_TAG)
        .start()
        .await
        .map_err(|error| format!("no MONGODB_URI; starting a MongoDB container failed: {error}"))?;
    let host = container.get_host().await.map(|host| host.to_string());
    let port = container.get_host_port_ipv4(27017).await;
    match (host, port) {
        // The set's member is named after the container, unknown to this host.
        (Ok(host), Ok(port)) => {
            let uri = format!("mongodb://{host}:{port}/?directConnection=true");
            await_primary(&uri).await.map_err(|reason| format!("no MONGODB_URI; the MongoDB container {reason}"))?;
            Ok((uri, container))
        }
        (Err(e), _) | (_, Err(e)) => Err(format!("no MONGODB_URI; the MongoDB container has no address: {e}")),
    }
}

/// Waits until the container's member is a writable primary, initiating the set itself should the
/// module's initiation not have happened (its readiness is judged from log lines, which vary
/// between MongoDB versions).
async fn await_primary(uri: &str) -> Result<(), String> {
    let client = mongodb::Client::with_uri_str(uri).await.map_err(|e| format!("has a bad address: {e}"))?;
    let admin = client.database("admin");
    for _ in 0..150 {
        match admin.run_command(doc! { "hello": 1 }).await {
            Ok(hello) if hello.get_bool("isWritablePrimary").unwrap_or(false) => return Ok(()),
            Ok(hello) if hello.get_str("setName").is_err() => {
                // Not initiated yet: a default configuration names this member as it names itself.
                let _ = admin.run_command(doc! { "replSetInitiate": {} }).await;
            }
            _ => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err("never became a writable primary".to_owned())
}

/// Whether a Docker engine may answer: `DOCKER_HOST`, or a socket in a usual place.
fn docker_reachable() -> bool {
    if std::env::var_os("DOCKER_HOST").is_some() {
        return true;
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let mut sockets = vec![Path::new("/var/run/docker.sock").to_path_buf()];
    if let Some(home) = home {
        sockets.push(home.join(".docker/run/docker.sock"));
        sockets.push(home.join(".docker/desktop/docker.sock"));
    }
    sockets.iter().any(|socket| socket.exists())
}
