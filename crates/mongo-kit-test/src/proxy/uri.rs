//! Pointing a MongoDB URI at a proxy: which server a single-host URI names, and the same URI
//! with its host replaced by the proxy's address.

use std::net::SocketAddr;

/// `uri` with its single host replaced by `address` and a direct connection asked for; `None`
/// for a URI the proxy cannot stand in for (several hosts, or an SRV name).
pub fn through(uri: &str, address: SocketAddr) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme != "mongodb" {
        return None;
    }
    let (authority, tail) = rest.find(['/', '?']).map_or((rest, ""), |at| rest.split_at(at));
    let (credentials, hosts) = authority.rsplit_once('@').map_or(("", authority), |(c, h)| (c, h));
    if hosts.contains(',') {
        return None;
    }
    let credentials = if credentials.is_empty() { String::new() } else { format!("{credentials}@") };
    let tail = if tail.is_empty() { "/".to_owned() } else { tail.to_owned() };
    let separator = if tail.contains('?') { "&" } else { "?" };
    let direct =
        if tail.contains("directConnection") { String::new() } else { format!("{separator}directConnection=true") };
    Some(format!("mongodb://{credentials}{address}{tail}{direct}"))
}

/// The server address of a single-host `uri`.
pub fn upstream(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("mongodb://")?;
    let authority = rest.find(['/', '?']).map_or(rest, |at| &rest[..at]);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.contains(',')).then(|| if host.contains(':') { host.to_owned() } else { format!("{host}:27017") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_host_uri_is_pointed_at_the_proxy_with_its_credentials_and_options() {
        let proxy: SocketAddr = "127.0.0.1:4000".parse().expect("an address");

        let plain = through("mongodb://127.0.0.1:27017/?directConnection=true", proxy);
        let secret = through("mongodb://app:pw@db.internal:27017/shop?replicaSet=rs0", proxy);
        let many = through("mongodb://a:1,b:2/", proxy);

        assert_eq!(plain.as_deref(), Some("mongodb://127.0.0.1:4000/?directConnection=true"));
        assert_eq!(
            secret.as_deref(),
            Some("mongodb://app:pw@127.0.0.1:4000/shop?replicaSet=rs0&directConnection=true")
        );
        assert_eq!(many, None);
        assert_eq!(upstream("mongodb://app:pw@db.internal/shop").as_deref(), Some("db.internal:27017"));
    }
}
