//! Database calls and the shape of their statements, found once for every
//! detector that needs them (N+1 queries, many queries, retries, chatty calls
//! and sequential calls, which leave database calls out).
//!
//! A span is a database call when
//! - it carries a database attribute: `db.system.name` / `db.system`,
//!   `db.query.text` / `db.statement`, `db.type` (OpenTracing), `sql.query`
//!   (Java agents, HotROD's MySQL), or any `cassandra.*`, `redis.*`,
//!   `memcached.*`, `mongodb.*` key; or
//! - it is not an HTTP or RPC call (no `http.*`/`url.full`/`rpc.*` method or
//!   URL) and names a database: its service or `peer.service` is one (HotROD
//!   reports its Redis calls as service `redis`, span `GetDriver`, without
//!   `db.system`), or a word of its span name is one (`Redis: LoadAsync`,
//!   `reactive.redis.exit`, `SQL SELECT`), or its name reads as SQL
//!   (`SELECT orders`, `INSERT INTO t`).
//!
//! SERVER, CONSUMER and PRODUCER spans never are: they answer or send, they
//! do not query. An HTTP client span to a host called `ravendb-0` is an HTTP
//! call (chatty calls judges it), not a database call.
//!
//! Its statement shape is `db.query.text` (or `db.statement`, `sql.query`,
//! `cassandra.query`) folded by [`super::statement::normalize`], else its span
//! name, which OpenTelemetry's conventions build from the operation and the
//! table (`SELECT orders`). Folding runs once per distinct text, not once per
//! span: a million spans repeat a few hundred statements.

use crate::intern::Sym;
use crate::model::{AttrValue, Span, SpanKind, TraceSet};
// hashbrown's hasher: keyed by span and statement over every span.
use hashbrown::HashMap;

/// Marks spans that are no database call.
const NONE: u32 = u32::MAX;

/// Attribute keys that make a span a database call by themselves.
const DATABASE_KEYS: [&str; 6] = [
    "db.system.name",
    "db.system",
    "db.query.text",
    "db.statement",
    "db.type",
    "sql.query",
];

/// Prefixes of attribute keys that only database clients write.
const DATABASE_KEY_PREFIXES: [&str; 4] = ["cassandra.", "redis.", "memcached.", "mongodb."];

/// Keys whose text is the statement, best first.
const STATEMENT_KEYS: [&str; 4] = ["db.query.text", "db.statement", "sql.query", "cassandra.query"];

/// Keys that make a span an HTTP or RPC call rather than a database call.
const REMOTE_CALL_KEYS: [&str; 7] = [
    "http.method",
    "http.request.method",
    "http.url",
    "url.full",
    "rpc.system",
    "rpc.method",
    "rpc.system.name",
];

/// Words that name a database product (as a service, a peer or a word of a span name).
const DATABASE_WORDS: [&str; 18] = [
    "redis",
    "memcached",
    "memcache",
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "sqlite",
    "mongodb",
    "mongo",
    "cassandra",
    "scylla",
    "couchbase",
    "couchdb",
    "ravendb",
    "jdbc",
    "sql",
    "mssql",
];

/// Which spans are database calls, and the statement shape of each.
pub struct DatabaseCalls {
    /// Per span, the index of its shape in `shapes`, or [`NONE`].
    shape_of: Vec<u32>,
    /// Distinct shapes.
    shapes: Vec<String>,
}

impl DatabaseCalls {
    /// Finds the database calls of `set`.
    pub fn of(set: &TraceSet) -> DatabaseCalls {
        let mut recognise = Recogniser::of(set);
        let mut shape_of = vec![NONE; set.spans.len()];
        let mut shapes: Vec<String> = Vec::new();
        // Shape index by what it was made from: a statement text (folded) or a span name (as is).
        let mut by_source: HashMap<(Sym, bool), u32> = HashMap::new();
        let mut by_shape: HashMap<String, u32> = HashMap::new();
        for (span, slot) in set.spans.iter().zip(&mut shape_of) {
            if !recognise.is_call(set, span) {
                continue;
            }
            let attributes = set.attributes_of(span);
            let statement = recognise.statement_keys.iter().find_map(|&k| {
                attributes.iter().find(|a| a.key == k).and_then(|a| match a.value {
                    AttrValue::Str(s) if !set.str(s).trim().is_empty() => Some(s),
                    _ => None,
                })
            });
            let source = match statement {
                Some(text) => (text, true),
                None => (span.name, false),
            };
            *slot = *by_source.entry(source).or_insert_with(|| {
                let (sym, is_text) = source;
                let shape = if is_text {
                    super::statement::normalize(set.str(sym))
                } else {
                    set.str(sym).to_owned()
                };
                *by_shape.entry(shape).or_insert_with_key(|shape| {
                    shapes.push(shape.clone());
                    (shapes.len() - 1) as u32
                })
            });
        }
        DatabaseCalls { shape_of, shapes }
    }

    /// Whether span `i` is a database call.
    pub fn is_call(&self, i: u32) -> bool {
        self.shape(i).is_some()
    }

    /// The statement shape of span `i`, if it is a database call.
    pub fn shape(&self, i: u32) -> Option<u32> {
        self.shape_of.get(i as usize).copied().filter(|&s| s != NONE)
    }

    /// The text of a shape.
    pub fn text(&self, shape: u32) -> &str {
        self.shapes.get(shape as usize).map_or("", String::as_str)
    }
}

/// The rules above, with every key and name looked up once per distinct
/// string rather than once per span.
struct Recogniser {
    /// Attribute keys (exact or by prefix) that make a span a database call.
    database_keys: Vec<Sym>,
    statement_keys: Vec<Sym>,
    remote_call_keys: Vec<Sym>,
    peer_service: Option<Sym>,
    /// Per string and role: whether it names a database, once asked.
    names_database: HashMap<(Sym, NameRole), bool>,
}

impl Recogniser {
    fn of(set: &TraceSet) -> Recogniser {
        let keys = |names: &[&str]| -> Vec<Sym> { names.iter().filter_map(|n| set.strings.get(n)).collect() };
        // Keys by prefix: the distinct attribute keys are few, so collect them once.
        let mut database_keys = keys(&DATABASE_KEYS);
        let mut seen: hashbrown::HashSet<Sym> = hashbrown::HashSet::new();
        for attribute in &set.attributes {
            if seen.insert(attribute.key) {
                let key = set.str(attribute.key);
                if DATABASE_KEY_PREFIXES.iter().any(|p| key.starts_with(p)) {
                    database_keys.push(attribute.key);
                }
            }
        }
        Recogniser {
            database_keys,
            statement_keys: keys(&STATEMENT_KEYS),
            remote_call_keys: keys(&REMOTE_CALL_KEYS),
            peer_service: set.strings.get("peer.service"),
            names_database: HashMap::new(),
        }
    }

    fn is_call(&mut self, set: &TraceSet, span: &Span) -> bool {
        if matches!(span.kind, SpanKind::Server | SpanKind::Consumer | SpanKind::Producer) {
            return false;
        }
        let attributes = set.attributes_of(span);
        if attributes.iter().any(|a| self.database_keys.contains(&a.key)) {
            return true;
        }
        if attributes.iter().any(|a| self.remote_call_keys.contains(&a.key)) {
            return false;
        }
        let peer = self.peer_service.and_then(|k| {
            attributes.iter().find(|a| a.key == k).and_then(|a| match a.value {
                AttrValue::Str(s) => Some(s),
                _ => None,
            })
        });
        self.names_database(set, span.service, NameRole::Service)
            || peer.is_some_and(|p| self.names_database(set, p, NameRole::Service))
            || self.names_database(set, span.name, NameRole::SpanName)
    }

    /// Whether `text` names a database in its role, remembered per string.
    fn names_database(&mut self, set: &TraceSet, text: Sym, role: NameRole) -> bool {
        *self.names_database.entry((text, role)).or_insert_with(|| match role {
            NameRole::Service => service_is_database(set.str(text)),
            NameRole::SpanName => span_name_is_database(set.str(text)),
        })
    }
}

/// Service names and span names are judged by different rules.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum NameRole {
    Service,
    SpanName,
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

fn is_database_word(word: &str) -> bool {
    DATABASE_WORDS.iter().any(|d| d.eq_ignore_ascii_case(word))
}

/// `redis`, `redis-manual`, `mysql`: a service whose first word is a database.
fn service_is_database(service: &str) -> bool {
    words(service).next().is_some_and(is_database_word)
}

/// `Redis: LoadAsync`, `reactive.redis.exit`, `SQL SELECT`, `SELECT orders`:
/// a word naming a database, or a statement verb followed by a table (a bare
/// `DELETE` is an HTTP method as often as a statement).
fn span_name_is_database(name: &str) -> bool {
    if words(name).any(is_database_word) {
        return true;
    }
    let mut parts = name.split_whitespace();
    let verb = parts.next().unwrap_or("");
    let object = parts.next();
    let is_verb = |v: &str| verb.eq_ignore_ascii_case(v);
    let reads_as_sql = ["SELECT", "INSERT", "UPDATE", "UPSERT"].iter().any(|v| is_verb(v));
    let needs_object = ["DELETE", "MERGE", "REPLACE"].iter().any(|v| is_verb(v));
    (reads_as_sql && object.is_none_or(|o| !o.starts_with('/')))
        || (needs_object && object.is_some_and(|o| !o.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_recognised_and_http_names_are_not() {
        for name in [
            "Redis: LoadAsync",
            "reactive.redis.exit",
            "SQL SELECT",
            "SELECT orders",
            "SELECT",
            "INSERT INTO t",
            "DELETE essvt.user_t",
        ] {
            assert!(span_name_is_database(name), "{name}");
        }
        for name in [
            "HTTP GET",
            "GET /route",
            "DELETE",
            "DELETE /api/items/{id}",
            "GetDriver",
            "Client Request: graph.microsoft.com",
            "update-flow",
        ] {
            assert!(!span_name_is_database(name), "{name}");
        }
        assert!(service_is_database("redis") && service_is_database("redis-manual") && service_is_database("MySQL"));
        assert!(
            !service_is_database("frontend") && !service_is_database("dataservice") && !service_is_database("route")
        );
    }
}
