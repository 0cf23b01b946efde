//! Whether a request's `Host` names this machine. A server on loopback only
//! answers requests addressed to a loopback name: a web page elsewhere can
//! point a name it owns at 127.0.0.1 (DNS rebinding) and then read, as its
//! own origin, whatever this server hands out; with a DIR mistyped as a home
//! folder that would be more than the site. The browser always sends the
//! name it resolved, so this check stops that.

use std::net::IpAddr;

/// Whether `host` (a `Host` field: name or address, with or without port)
/// is `localhost`, a name under `.localhost` (RFC 6761), or a loopback address.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:8080`
        Some(bracketed) => match bracketed.split_once(']') {
            Some((address, port)) if port.is_empty() || port.starts_with(':') => address,
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_addresses() {
        for host in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "127.1.2.3:80",
            "localhost:8080",
            "LocalHost",
            "localhost.:8080",
            "app.localhost:8080",
            "[::1]:8080",
            "[::1]",
            "[::ffff:127.0.0.1]:8080",
        ] {
            assert!(is_loopback(host), "{host}");
        }
    }

    #[test]
    fn other_names_are_not_loopback() {
        for host in [
            "",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8080",
            "192.168.1.5:8080",
            "0.0.0.0:8080",
            "[::]:8080",
            "[::1",
            "[::1]x",
            "::1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
