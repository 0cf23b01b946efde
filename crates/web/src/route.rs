//! Which view the page shows, read from the address's `#` part so a link,
//! the back button and a reload all land where the person was. Hash routes,
//! because the site must work from any folder of any static host:
//!
//! - `#/`: the analysis, section by section (also any other address, such
//!   as the page's own anchors);
//! - `#/findings`: the same, scrolled to the findings;
//! - `#/traces?service=…&endpoint=…&operation=…&call=…&min=…&max=…&errors&q=…&sort=…&order=asc`:
//!   the analysis, its trace list filtered and sorted so;
//! - `#/trace/<id>`: that trace's waterfall; `#/trace/<id>?finding=<n>` opened
//!   from the n-th finding (its sentence above, its evidence highlighted);
//! - `#/endpoint/<service>/<name>`: one endpoint, its statistics, findings and traces;
//! - `#/services`: the service map;
//! - `#/compare/<a>/<b>`: two traces compared span by span;
//! - `#/report` (and `#/report/<section>`, scrolled to that section): the report.
//!
//! A link pasted in a meeting opens the same view once the same files are loaded.

use crate::io;
use leptos::ev;
use leptos::prelude::*;
use tracelens_core::ids::{TraceId, parse_trace_id};
use tracelens_core::query::{GroupKey, ServiceCall};

/// A view of the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// Everything loaded, section by section; the trace list as `traces` says.
    Analysis { traces: TraceListView },
    /// One trace, opened from a finding (its index among the findings) or not.
    Trace { id: TraceId, finding: Option<usize> },
    /// One endpoint: its statistics, findings, and its traces as `traces` says.
    Endpoint { endpoint: GroupKey, traces: TraceListView },
    /// The feedback-meeting report.
    Report,
    /// The service map.
    Services,
    /// Two traces compared.
    Compare { a: TraceId, b: TraceId },
}

/// The trace list's filters and order, as the address writes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceListView {
    pub service: Option<String>,
    /// Endpoints and operations as `service: name` (see [`group_key`]).
    pub endpoint: Option<String>,
    pub operation: Option<String>,
    /// Durations as people write them (`250ms`).
    pub min: Option<String>,
    pub max: Option<String>,
    pub errors_only: bool,
    /// Calls from one service to another, as `caller → callee` (see [`call_text`]).
    pub call: Option<String>,
    /// Text to find in the traces' attribute values, span names and services.
    pub text: Option<String>,
    pub sort: SortBy,
    /// Smallest first; by default the largest (the latest, for start) come first.
    pub ascending: bool,
}

/// What the trace list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    Start,
    #[default]
    Duration,
    Spans,
    Errors,
}

impl SortBy {
    const ALL: [SortBy; 4] = [SortBy::Start, SortBy::Duration, SortBy::Spans, SortBy::Errors];

    fn name(self) -> &'static str {
        match self {
            SortBy::Start => "start",
            SortBy::Duration => "duration",
            SortBy::Spans => "spans",
            SortBy::Errors => "errors",
        }
    }
}

/// The address of the service map.
pub const SERVICES: &str = "#/services";

/// The address of the report view.
pub const REPORT: &str = "#/report";

impl Route {
    pub fn of(hash: &str) -> Route {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        if path == "/report" || path.starts_with("/report/") {
            return Route::Report;
        }
        if path == "/services" {
            return Route::Services;
        }
        if let Some((a, b)) = path.strip_prefix("/compare/").and_then(|p| p.split_once('/'))
            && let (Some((a, _)), Some((b, _))) = (parse_trace_id(a), parse_trace_id(b))
        {
            return Route::Compare { a, b };
        }
        if let Some((id, _)) = path.strip_prefix("/trace/").and_then(parse_trace_id) {
            let finding = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("finding="))
                .and_then(|n| n.parse().ok());
            return Route::Trace { id, finding };
        }
        let traces = TraceListView::of(query);
        if let Some((service, name)) = path.strip_prefix("/endpoint/").and_then(|p| p.split_once('/')) {
            let endpoint = GroupKey {
                service: decode(service),
                name: decode(name),
            };
            return Route::Endpoint { endpoint, traces };
        }
        Route::Analysis { traces }
    }

    /// The address of this view, with its `#`.
    pub fn href(&self) -> String {
        match self {
            Route::Analysis { traces } if *traces == TraceListView::default() => "#/".to_owned(),
            Route::Analysis { traces } => format!("#/traces{}", traces.query()),
            Route::Trace { id, finding: None } => format!("#/trace/{id}"),
            Route::Trace {
                id,
                finding: Some(finding),
            } => format!("#/trace/{id}?finding={finding}"),
            Route::Endpoint { endpoint, traces } => format!(
                "#/endpoint/{}/{}{}",
                encode(&endpoint.service),
                encode(&endpoint.name),
                traces.query()
            ),
            Route::Report => REPORT.to_owned(),
            Route::Services => SERVICES.to_owned(),
            Route::Compare { a, b } => format!("#/compare/{a}/{b}"),
        }
    }

    /// The trace list's view on this route, if it shows one.
    pub fn traces(&self) -> Option<&TraceListView> {
        match self {
            Route::Analysis { traces } | Route::Endpoint { traces, .. } => Some(traces),
            _ => None,
        }
    }

    pub fn is_report(&self) -> bool {
        matches!(self, Route::Report)
    }

    /// Whether the page shows `other` with the view it shows `self` with:
    /// routes that differ only in their trace list's filters and order do.
    /// The view stays and its list asks the engine again; drawing it anew
    /// would show an empty list that says "0 of … traces match" until the
    /// engine answered, and drop the answer to the question asked before.
    pub fn same_view(&self, other: &Route) -> bool {
        match (self, other) {
            (Route::Analysis { .. }, Route::Analysis { .. }) => true,
            (Route::Endpoint { endpoint: a, .. }, Route::Endpoint { endpoint: b, .. }) => a == b,
            _ => self == other,
        }
    }
}

impl TraceListView {
    fn of(query: &str) -> TraceListView {
        let mut view = TraceListView::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            let given = (!value.is_empty()).then(|| value.clone());
            match key {
                "service" => view.service = given,
                "endpoint" => view.endpoint = given,
                "operation" => view.operation = given,
                "min" => view.min = given,
                "max" => view.max = given,
                "errors" => view.errors_only = true,
                "call" => view.call = given,
                "q" => view.text = given,
                "sort" => view.sort = SortBy::ALL.into_iter().find(|s| s.name() == value).unwrap_or_default(),
                "order" => view.ascending = value == "asc",
                // An address from a later version: what it adds is left out.
                _ => {}
            }
        }
        view
    }

    /// `?service=…&sort=…`, or nothing for the default view.
    fn query(&self) -> String {
        let mut pairs = Vec::new();
        let mut add = |key: &str, value: &Option<String>| {
            if let Some(value) = value {
                pairs.push(format!("{key}={}", encode(value)));
            }
        };
        add("service", &self.service);
        add("endpoint", &self.endpoint);
        add("operation", &self.operation);
        add("min", &self.min);
        add("max", &self.max);
        add("q", &self.text);
        add("call", &self.call);
        if self.errors_only {
            pairs.push("errors".to_owned());
        }
        if self.sort != SortBy::default() {
            pairs.push(format!("sort={}", self.sort.name()));
        }
        if self.ascending {
            pairs.push("order=asc".to_owned());
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }
}

/// How an address writes a call between services.
const CALL_SEPARATOR: &str = " → ";

/// `frontend → cart`.
pub fn call_text(call: &ServiceCall) -> String {
    format!("{}{CALL_SEPARATOR}{}", call.caller, call.callee)
}

/// The call `text` names (see [`call_text`]).
pub fn call_of(text: &str) -> Option<ServiceCall> {
    let (caller, callee) = text.split_once(CALL_SEPARATOR)?;
    Some(ServiceCall {
        caller: caller.to_owned(),
        callee: callee.to_owned(),
    })
}

/// How a menu and an address write an endpoint or an operation.
const GROUP_SEPARATOR: &str = ": ";

/// `frontend: GET /api/cart`.
pub fn group_text(key: &GroupKey) -> String {
    format!("{}{GROUP_SEPARATOR}{}", key.service, key.name)
}

/// The endpoint or operation `text` names (see [`group_text`]).
pub fn group_key(text: &str) -> Option<GroupKey> {
    let (service, name) = text.split_once(GROUP_SEPARATOR)?;
    Some(GroupKey {
        service: service.to_owned(),
        name: name.to_owned(),
    })
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

fn decode(text: &str) -> String {
    js_sys::decode_uri_component(text)
        .map(String::from)
        .unwrap_or_else(|_| text.to_owned())
}

/// The id a report section's element carries, and the address that opens it.
pub fn section_id(section: tracelens_core::report::Section) -> String {
    format!("report-{}", section.id())
}

/// `#/report/latency`.
pub fn section_href(section: tracelens_core::report::Section) -> String {
    format!("{REPORT}/{}", section.id())
}

/// The current route, kept in step with the address for the page's life.
pub fn use_route() -> ReadSignal<Route> {
    let (route, set_route) = signal(Route::of(&io::location_hash()));
    let handle = window_event_listener(ev::hashchange, move |_| {
        let hash = io::location_hash();
        set_route.set(Route::of(&hash));
        scroll_to_target(&hash);
    });
    on_cleanup(move || handle.remove());
    route
}

/// After the view has drawn, scrolls to what the address names: a report
/// section, the findings, or the traces.
fn scroll_to_target(hash: &str) {
    let id = if let Some(section) = hash.strip_prefix("#/report/") {
        format!("report-{section}")
    } else if hash.starts_with("#/findings") {
        "findings".to_owned()
    } else if hash.starts_with("#/traces") {
        "traces".to_owned()
    } else {
        return;
    };
    request_animation_frame(move || io::scroll_to(&id));
}
