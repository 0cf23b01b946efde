//! Where a call goes and what a request answers, as far as the spans say: an
//! HTTP method and path (or an RPC method), compared so that a call through a
//! proxy that strips a prefix (`/api/v2/executions` reaching `/v2/executions`)
//! or a route template (`/users/{id}`) still matches, and nothing else does.

use crate::intern::Sym;
use crate::model::{AttrValue, Span, TraceSet};

/// The attribute keys addresses are read from, looked up once per set.
pub(super) struct AddressKeys {
    url: Vec<Sym>,
    path: Vec<Sym>,
    route: Vec<Sym>,
    method: Vec<Sym>,
    rpc_method: Vec<Sym>,
    peer: Vec<Sym>,
    host: Vec<Sym>,
}

/// What a span says about the request it makes or answers. Borrowed from
/// the set's strings: reading it allocates nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Address<'a> {
    /// The HTTP method, if given.
    pub method: Option<&'a str>,
    /// The URL path without query (`/v2/executions`), or an RPC method.
    pub path: Option<&'a str>,
    /// A route template (`/users/{id}`), for a server that names one.
    pub route: Option<&'a str>,
}

impl AddressKeys {
    pub(super) fn of(set: &TraceSet) -> AddressKeys {
        let keys = |names: &[&str]| -> Vec<Sym> { names.iter().filter_map(|n| set.strings.get(n)).collect() };
        AddressKeys {
            url: keys(&["url.full", "http.url"]),
            path: keys(&["url.path", "http.target", "http.path"]),
            route: keys(&["http.route", "url.template"]),
            method: keys(&["http.request.method", "http.method"]),
            rpc_method: keys(&["rpc.method"]),
            peer: keys(&["peer.service", "service.peer.name"]),
            host: keys(&["server.address", "net.peer.name", "peer.hostname", "http.host"]),
        }
    }

    fn text<'a>(set: &'a TraceSet, span: &Span, keys: &[Sym]) -> Option<&'a str> {
        let attributes = set.attributes_of(span);
        keys.iter().find_map(|&k| {
            attributes.iter().find(|a| a.key == k).and_then(|a| match a.value {
                AttrValue::Str(s) => Some(set.str(s)).filter(|s| !s.is_empty()),
                _ => None,
            })
        })
    }

    /// Whether the span carries an HTTP URL: an outgoing HTTP call even when
    /// its instrumentation did not mark it CLIENT (a browser's `http.request`).
    pub(super) fn has_url(&self, set: &TraceSet, span: &Span) -> bool {
        Self::text(set, span, &self.url).is_some()
    }

    /// The service or host a call names as its callee (`peer.service`, else
    /// the server address without port), if any.
    pub(super) fn callee_name<'a>(&self, set: &'a TraceSet, span: &Span) -> Option<&'a str> {
        Self::text(set, span, &self.peer).or_else(|| {
            Self::text(set, span, &self.host)
                .or_else(|| Self::text(set, span, &self.url).map(url_host))
                .map(|host| host.split(':').next().unwrap_or(host))
                .filter(|host| !host.is_empty())
        })
    }

    /// The address of a span: from its attributes, else from a name of the
    /// form `GET /path` or one with a `/` in it (`hipstershop.CartService/GetCart`).
    pub(super) fn address<'a>(&self, set: &'a TraceSet, span: &Span) -> Address<'a> {
        let text = |keys: &[Sym]| Self::text(set, span, keys);
        let name = set.str(span.name);
        let (name_method, name_path) = match name.split_once(' ') {
            Some((method, path)) if is_method(method) && path.starts_with('/') => (Some(method), Some(path)),
            _ if name.contains('/') && !name.contains(' ') => (None, Some(name)),
            _ => (None, None),
        };
        let path = text(&self.url)
            .map(url_path)
            .filter(|p| !p.is_empty())
            .or_else(|| text(&self.path).map(without_query))
            .or_else(|| text(&self.rpc_method))
            .or(name_path);
        Address {
            method: text(&self.method).or(name_method),
            path,
            route: text(&self.route),
        }
    }
}

/// Whether a call to `call` may be the request `request` answered: the same
/// method when both say, and paths that match ([`paths_match`]), the request's
/// own path or its route.
pub(super) fn same_request(call: &Address<'_>, request: &Address<'_>) -> bool {
    if let (Some(a), Some(b)) = (call.method, request.method)
        && !a.eq_ignore_ascii_case(b)
    {
        return false;
    }
    let Some(path) = call.path else { return false };
    [request.path, request.route]
        .into_iter()
        .flatten()
        .any(|other| paths_match(path, other))
}

/// Two paths name the same resource when the shorter one's segments end the
/// longer one's (a proxy strips or adds a prefix), segment by segment equal
/// or a template parameter (`{id}`, `:id`, `*`). `/` matches only `/`.
pub(super) fn paths_match(a: &str, b: &str) -> bool {
    let segments = |p: &str| p.split('/').filter(|s| !s.is_empty()).count();
    let (na, nb) = (segments(a), segments(b));
    if na == 0 || nb == 0 {
        return na == nb && a.starts_with('/') && b.starts_with('/');
    }
    let shorter = na.min(nb);
    let a_tail = a.split('/').filter(|s| !s.is_empty()).skip(na - shorter);
    let b_tail = b.split('/').filter(|s| !s.is_empty()).skip(nb - shorter);
    a_tail
        .zip(b_tail)
        .all(|(x, y)| x == y || is_parameter(x) || is_parameter(y))
}

fn is_parameter(segment: &str) -> bool {
    (segment.starts_with('{') && segment.ends_with('}')) || segment.starts_with(':') || segment == "*"
}

fn is_method(word: &str) -> bool {
    matches!(
        word,
        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS" | "get" | "post" | "put" | "delete" | "patch"
    )
}

fn without_query(path: &str) -> &str {
    path.split(['?', '#']).next().unwrap_or("")
}

/// The host (with port) of a URL; empty for a relative one.
fn url_host(url: &str) -> &str {
    let url = without_query(url);
    match url.split_once("://") {
        Some((_, rest)) => rest.split('/').next().unwrap_or("").rsplit('@').next().unwrap_or(""),
        None => "",
    }
}

/// The path of a URL, absolute (`http://h/x`) or relative (`/x`).
fn url_path(url: &str) -> &str {
    let url = without_query(url);
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None if url.starts_with('/') => url,
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_through_a_prefix_and_a_template_only() {
        assert!(paths_match("/api/v2/executions", "/v2/executions"));
        assert!(paths_match("/v2/executions", "/api/v2/executions"));
        assert!(paths_match("/api/users/42", "/users/{id}"));
        assert!(paths_match("/", "/"));
        assert!(!paths_match("/api/v2/executions", "/v1/executions"));
        assert!(!paths_match("/", "/health"));
        assert!(!paths_match("/users/42/orders", "/users/{id}"));
    }

    #[test]
    fn urls_give_their_host_and_path() {
        assert_eq!(url_path("http://0.0.0.0:8083/route?x=1"), "/route");
        assert_eq!(url_path("/api/v2/executions?limit=10"), "/api/v2/executions");
        assert_eq!(url_host("http://user@frontend:8080/x"), "frontend:8080");
        assert_eq!(url_host("/relative"), "");
    }
}
