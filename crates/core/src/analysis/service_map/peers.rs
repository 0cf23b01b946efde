//! Calls that leave the traces: spans that called a peer which sent no spans
//! of its own (a database, a cache, a broker, an external API), and what to
//! call that peer on the map.
//!
//! A span is such a call when
//! - it is a CLIENT or PRODUCER span, or a database call by the rules of
//!   [`crate::analysis::detectors::database`] (HotROD's Redis calls, spans
//!   without a kind that carry `db.statement`);
//! - no child answered it: no SERVER or CONSUMER child, no child in another
//!   service (then the call is an ordinary edge);
//! - it is the innermost call: no CLIENT or PRODUCER child of its own (a gRPC
//!   client span over an HTTP client span is one call, not two);
//! - it is not itself the first span of its service under a caller in
//!   another service: HotROD reports its database calls as services named
//!   `redis` and `mysql` whose spans are CLIENT spans; there the edge into
//!   that service already is the call;
//! - it names its peer. Best name first: `peer.service` (what the
//!   instrumentation calls the peer); the database (`db.namespace`,
//!   `db.name`, unless it is a number: Redis numbers its databases); the
//!   server's address (`server.address`, `net.peer.name`, `peer.hostname`);
//!   the database or messaging system (`db.system.name`, `db.system`,
//!   `messaging.system`); the RPC service (`rpc.service`); the host of the
//!   URL called (`url.full`, `http.url`). A call naming none of these is
//!   left off the map: nothing says where it went.
//!
//! In the OpenTelemetry Demo capture the cart service's Redis calls name
//! `server.address` `valkey-cart` and `db.system` `redis`: a database node
//! `valkey-cart` whose system is `redis`.
//!
//! The peer's kind: a database when the span is a database call (by the
//! attributes above or [`DatabaseCalls`]), messaging when it names a
//! messaging system or is a PRODUCER span, external otherwise.

use super::NodeKind;
use crate::analysis::detectors::database::DatabaseCalls;
use crate::index::TraceIndex;
use crate::intern::Sym;
use crate::model::{AttrValue, SpanKind, TraceSet};

/// Where an untraced call went, in interned strings: the same peer met
/// again costs no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerKey {
    name: Name,
    kind: NodeKind,
    system: Option<Sym>,
}

/// The text a peer's name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Name {
    /// An attribute's value, as written.
    Text(Sym),
    /// The host part of a URL attribute's value.
    UrlHost(Sym),
}

/// An untraced peer as the map shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Peer {
    /// Its name on the map.
    pub name: String,
    /// What it is.
    pub kind: NodeKind,
    /// The database or messaging system named, if any.
    pub system: Option<String>,
}

/// Attribute keys in the order the name is taken from them.
const PEER: [&str; 1] = ["peer.service"];
const DATABASE: [&str; 2] = ["db.namespace", "db.name"];
const HOST: [&str; 3] = ["server.address", "net.peer.name", "peer.hostname"];
const DB_SYSTEM: [&str; 2] = ["db.system.name", "db.system"];
const MESSAGING: [&str; 1] = ["messaging.system"];
const RPC: [&str; 1] = ["rpc.service"];
const URL: [&str; 2] = ["url.full", "http.url"];

/// What recognising untraced calls needs, found once per set.
pub struct Peers {
    /// The interned keys of each list above (those present in the set).
    peer: Vec<Sym>,
    database: Vec<Sym>,
    host: Vec<Sym>,
    db_system: Vec<Sym>,
    messaging: Vec<Sym>,
    rpc: Vec<Sym>,
    url: Vec<Sym>,
    /// `None` when made by [`Peers::names_only`].
    database_calls: Option<DatabaseCalls>,
}

impl Peers {
    /// The keys of `set` and its database calls.
    pub fn of(set: &TraceSet) -> Peers {
        Peers {
            database_calls: Some(DatabaseCalls::of(set)),
            ..Peers::names_only(set)
        }
    }

    /// The keys of `set` only, for asking about a few spans (the trace
    /// list's filter on calls to a peer): without the pass over every span
    /// that finds database calls, a span that is no CLIENT or PRODUCER span
    /// counts as a database call when it names a database system.
    pub fn names_only(set: &TraceSet) -> Peers {
        let keys = |names: &[&str]| names.iter().filter_map(|n| set.strings.get(n)).collect();
        Peers {
            peer: keys(&PEER),
            database: keys(&DATABASE),
            host: keys(&HOST),
            db_system: keys(&DB_SYSTEM),
            messaging: keys(&MESSAGING),
            rpc: keys(&RPC),
            url: keys(&URL),
            database_calls: None,
        }
    }

    /// Whether span `i` called the untraced peer named `name` on the map.
    pub fn calls_peer_named(&self, set: &TraceSet, index: &TraceIndex, i: u32, name: &str) -> bool {
        let from_elsewhere = index
            .parent
            .get(i as usize)
            .copied()
            .flatten()
            .and_then(|p| set.spans.get(p as usize))
            .zip(set.spans.get(i as usize))
            .is_some_and(|(parent, span)| parent.service != span.service);
        self.untraced_call(set, index, i, from_elsewhere)
            .is_some_and(|key| self.describe(set, key).name == name)
    }

    /// The peer span `i` called, when it is a call that left the traces (see
    /// the module docs); `from_elsewhere`: its parent is in another service.
    pub fn untraced_call(&self, set: &TraceSet, index: &TraceIndex, i: u32, from_elsewhere: bool) -> Option<PeerKey> {
        let span = set.spans.get(i as usize)?;
        let attributes = set.attributes_of(span);
        let text = |keys: &[Sym]| {
            keys.iter().find_map(|key| {
                attributes.iter().find(|a| a.key == *key).and_then(|a| match a.value {
                    AttrValue::Str(s) if !set.str(s).trim().is_empty() => Some(s),
                    _ => None,
                })
            })
        };
        let db_system = text(&self.db_system);
        let database = match &self.database_calls {
            Some(calls) => calls.is_call(i),
            None => db_system.is_some(),
        };
        let calls = matches!(span.kind, SpanKind::Client | SpanKind::Producer);
        if !(calls || database) || (from_elsewhere && span.kind == SpanKind::Client) {
            return None;
        }
        let answered = index.children_of(i).iter().any(|&c| {
            set.spans.get(c as usize).is_none_or(|child| {
                child.service != span.service
                    || matches!(
                        child.kind,
                        SpanKind::Server | SpanKind::Consumer | SpanKind::Client | SpanKind::Producer
                    )
            })
        });
        if answered {
            return None;
        }
        let messaging = text(&self.messaging);
        let kind = if database || db_system.is_some() {
            NodeKind::Database
        } else if messaging.is_some() || span.kind == SpanKind::Producer {
            NodeKind::Messaging
        } else {
            NodeKind::External
        };
        let system = db_system.or(messaging);
        let named_database = text(&self.database).filter(|&s| !set.str(s).trim().bytes().all(|b| b.is_ascii_digit()));
        let name = text(&self.peer)
            .or(named_database)
            .or_else(|| text(&self.host))
            .or(system)
            .or_else(|| text(&self.rpc))
            .map(Name::Text)
            .or_else(|| {
                text(&self.url)
                    .filter(|&u| url_host(set.str(u)).is_some())
                    .map(Name::UrlHost)
            })?;
        Some(PeerKey { name, kind, system })
    }

    /// The peer `key` stands for, with its name as text.
    pub fn describe(&self, set: &TraceSet, key: PeerKey) -> Peer {
        let name = match key.name {
            Name::Text(s) => set.str(s).trim().to_owned(),
            Name::UrlHost(s) => url_host(set.str(s)).unwrap_or_default().to_owned(),
        };
        Peer {
            name,
            kind: key.kind,
            system: key.system.map(|s| set.str(s).trim().to_owned()),
        }
    }
}

/// The host of a full URL (`https://api.example.com:443/pay` → `api.example.com`).
fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if host.starts_with('[') {
        // An IPv6 literal keeps its brackets, whose colons are no port.
        host.split_inclusive(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::url_host;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(url_host("https://api.example.com:443/pay?x=1"), Some("api.example.com"));
        assert_eq!(url_host("http://user@cache/"), Some("cache"));
        assert_eq!(url_host("http://[::1]:8080/x"), Some("[::1]"));
        assert_eq!(url_host("/relative/path"), None);
        assert_eq!(url_host("http:///nohost"), None);
    }
}
