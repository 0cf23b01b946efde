//! A span's details in a side panel: what it is, its times and place among
//! its operation's spans, its IDs (with copy buttons), what in the data
//! about it did not fit, then its attributes, events (an exception's stack
//! trace folded), links, resource and scope. Everything from the trace is
//! text, never markup.

use super::Waterfall;
use crate::colors::service_color;
use crate::route::Route;
use leptos::either::Either;
use leptos::prelude::*;
use tracelens_core::numbers::count;
use tracelens_core::query::trace_view::{AttributeText, EventText, LinkText, SpanDetails};

/// The panel; closes on Escape or its close button.
#[component]
pub(super) fn SpanDetailsPanel() -> impl IntoView {
    let w = expect_context::<Waterfall>();
    view! {
        <aside class="span-details" data-testid="span-details" aria-label="Span details"
            on:keydown=move |e| if e.key() == "Escape" { w.details_row.set(None) }>
            <button type="button" class="close" data-testid="close-details" title="Close (Esc)"
                on:click=move |_| w.details_row.set(None)>"×"</button>
            {move || match w.details.get() {
                Some(d) => details_view(d).into_any(),
                None => view! { <p class="hint">"Reading the span…"</p> }.into_any(),
            }}
        </aside>
    }
}

fn details_view(d: SpanDetails) -> impl IntoView {
    let status = match (d.failed, &d.status_message) {
        (true, Some(message)) => format!("failed: {message}"),
        (true, None) => "failed".to_owned(),
        (false, Some(message)) => format!("{:?}: {message}", d.status).to_lowercase(),
        (false, None) => format!("{:?}", d.status).to_lowercase(),
    };
    let placement = d.placement.map(|p| {
        format!(
            "p{} of {} spans of this operation (median {}, p95 {}){}",
            p.percentile,
            count(p.count),
            p.p50,
            p.p95,
            if p.above_p95 { ", above its p95" } else { "" }
        )
    });
    let facts = vec![
        ("Kind", format!("{:?}", d.kind).to_lowercase()),
        ("Status", status),
        (
            "Start",
            format!(
                "{} UTC (+{} into the trace)",
                crate::format::timestamp(d.start),
                d.offset
            ),
        ),
        (
            "Duration",
            d.duration.map_or_else(|| "unknown".to_owned(), |x| x.to_string()),
        ),
        ("Self time", d.self_time.to_string()),
        ("On the critical path", d.path_time.to_string()),
    ];
    let file = d.file.clone();
    view! {
        <h3>
            <span class="swatch" style:background=service_color(&d.service)></span>
            <span class="service">{d.service.clone()}</span>
            " "
            <span data-testid="detail-name">{d.name.clone()}</span>
        </h3>
        {(!d.warnings.is_empty()).then(|| view! {
            <ul class="warnings" data-testid="detail-warnings">
                {d.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ul>
        })}
        <table class="facts">
            <tbody>
                {facts.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}
                {placement.map(|p| view! { <tr><th>"Among its operation"</th><td data-testid="detail-placement">{p}</td></tr> })}
                {id_row("Span ID", d.span_id.to_string(), "copy-span-id")}
                {d.parent_span_id.map(|p| id_row("Parent ID", p.to_string(), "copy-parent-id"))}
                {id_row("Trace ID", d.trace_id.to_string(), "copy-trace-id")}
                {d.trace_state.map(|s| view! { <tr><th>"Trace state"</th><td class="mono">{s}</td></tr> })}
                {file.map(|f| view! { <tr><th>"File"</th><td>{f}</td></tr> })}
            </tbody>
        </table>
        {dropped(d.dropped)}
        <Section title="Attributes" test_id="detail-attributes">
            {attributes_or(d.attributes, "No attributes.")}
        </Section>
        <Section title="Events" test_id="detail-events">
            {if d.events.is_empty() {
                Either::Left(view! { <p class="hint">"No events."</p> })
            } else {
                Either::Right(view! { <ol class="events">{d.events.into_iter().map(event_view).collect_view()}</ol> })
            }}
        </Section>
        {(!d.links.is_empty()).then(|| view! {
            <Section title="Links" test_id="detail-links">
                <ul class="links">{d.links.into_iter().map(link_view).collect_view()}</ul>
            </Section>
        })}
        <Section title="Resource" test_id="detail-resource">
            {attributes_or(d.resource, "No resource attributes.")}
        </Section>
        {d.scope.map(|(name, version)| view! {
            <Section title="Scope" test_id="detail-scope">
                <p class="mono">{name} " " {version}</p>
                {attributes_table(d.scope_attributes)}
            </Section>
        })}
    }
}

/// A titled part of the panel.
#[component]
fn Section(title: &'static str, test_id: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="detail-section" data-testid=test_id>
            <h4>{title}</h4>
            {children()}
        </section>
    }
}

/// The attributes, or a note saying there are none.
fn attributes_or(attributes: Vec<AttributeText>, empty: &'static str) -> impl IntoView {
    if attributes.is_empty() {
        Either::Left(view! { <p class="hint">{empty}</p> })
    } else {
        Either::Right(attributes_table(attributes))
    }
}

fn id_row(label: &'static str, id: String, test_id: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = id.clone();
    view! {
        <tr>
            <th>{label}</th>
            <td class="mono">
                {id}
                " "
                <button type="button" class="link copy" data-testid=test_id title="Copy"
                    on:click=move |_| { copy(&text); copied.set(true); }>
                    {move || if copied.get() { "copied" } else { "copy" }}
                </button>
            </td>
        </tr>
    }
}

/// Puts `text` on the clipboard (the browser may refuse without a gesture; nothing to lose then).
fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

fn dropped((attributes, events, links): (u32, u32, u32)) -> Option<impl IntoView> {
    let parts: Vec<String> = [(attributes, "attributes"), (events, "events"), (links, "links")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    (!parts.is_empty()).then(|| {
        view! { <p class="hint">{format!("The producer dropped {} of this span.", parts.join(", "))}</p> }
    })
}

fn attributes_table(attributes: Vec<AttributeText>) -> Option<impl IntoView> {
    (!attributes.is_empty()).then(|| {
        view! {
            <table class="attributes">
                <tbody>
                    {attributes.into_iter().map(|a| view! {
                        <tr>
                            <th class="mono" title=a.kind.clone()>{a.key}</th>
                            <td class="value">{a.value}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

/// An event; an exception's stack trace is folded under its message.
fn event_view(event: EventText) -> impl IntoView {
    let (stack, rest): (Vec<AttributeText>, Vec<AttributeText>) = event
        .attributes
        .into_iter()
        .partition(|a| a.key == "exception.stacktrace" || a.key == "stack");
    view! {
        <li class="event" data-testid="detail-event">
            <p><span class="offset">{format!("+{}", event.offset)}</span> " " <strong>{event.name}</strong></p>
            {attributes_table(rest)}
            {stack.into_iter().map(|s| view! {
                <details class="stack">
                    <summary>"Stack trace"</summary>
                    <pre>{s.value}</pre>
                </details>
            }).collect_view()}
        </li>
    }
}

fn link_view(link: LinkText) -> impl IntoView {
    let target = format!("trace {} span {}", link.trace_id, link.span_id);
    view! {
        <li>
            {if link.trace_loaded {
                view! { <a class="link mono" href=Route::Trace { id: link.trace_id, finding: None }.href()>{target}</a> }.into_any()
            } else {
                view! { <span class="mono" title="That trace is not loaded">{target}</span> }.into_any()
            }}
            {attributes_table(link.attributes)}
        </li>
    }
}
