//! Proxy hops: the spans a sidecar or gateway proxy (Envoy, and Istio's
//! Envoy) writes as a call passes through it.
//!
//! A service mesh puts two such spans on every call: the caller's sidecar
//! writes an `egress` span and the callee's an `ingress` span, between the
//! caller's client span and the callee's server span. They are neither the
//! caller nor the callee: a repeated call seen through them is the caller's
//! call, not a call the proxy makes, and the time they add is the network,
//! the proxy and the callee's work outside its own spans. The hipster shop
//! capture has 54 of them on 205 spans.
//!
//! A span is a proxy hop when it says so: Envoy's tracers set
//! `component` = `proxy` on every span they write, and `upstream_cluster`
//! (the cluster the proxy routed to) on each, which no application span has.

use crate::intern::Sym;
use crate::model::{AttrValue, Span, TraceSet};

/// The attribute keys and value that mark a proxy hop, looked up once.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ProxyHops {
    component: Option<Sym>,
    proxy: Option<Sym>,
    upstream_cluster: Option<Sym>,
}

impl ProxyHops {
    /// The keys as `set` interned them (none when no span carries them).
    pub(crate) fn of(set: &TraceSet) -> ProxyHops {
        ProxyHops {
            component: set.strings.get("component"),
            proxy: set.strings.get("proxy"),
            upstream_cluster: set.strings.get("upstream_cluster"),
        }
    }

    /// Whether `span` is a proxy's record of a call passing through it.
    pub(crate) fn is_hop(&self, set: &TraceSet, span: &Span) -> bool {
        if self.upstream_cluster.is_none() && (self.component.is_none() || self.proxy.is_none()) {
            return false;
        }
        set.attributes_of(span).iter().any(|a| {
            Some(a.key) == self.upstream_cluster
                || (Some(a.key) == self.component && matches!(a.value, AttrValue::Str(v) if Some(v) == self.proxy))
        })
    }
}
