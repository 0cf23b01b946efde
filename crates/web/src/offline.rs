//! Offline use: registers the site's service worker (`www/sw.js`), which
//! keeps the site's own files in this browser so the app opens with the
//! network off, and tells the page how that stands ([`Offline`]).
//!
//! The worker never sees trace data (see the comment at the top of sw.js):
//! files reach the engine as `File` objects, not through fetch. Browsers run
//! service workers only in a secure context (https, or localhost), so on a
//! plain-http intranet host the page says so instead.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerUpdateViaCache};

/// The service worker's script, beside index.html.
const SCRIPT: &str = "./sw.js";

/// How offline use stands in this browser.
#[derive(Clone, Debug, PartialEq)]
pub enum Offline {
    /// Not yet known (the worker is being registered or is copying the files).
    Preparing,
    /// The site's files are kept: the next visit works without a network.
    Ready,
    /// A newer version of the site was fetched and waits for a reload.
    UpdateReady,
    /// This browser or page cannot keep the site, and why.
    Unavailable(String),
}

/// Registers the service worker once the page is up, and keeps `state` true.
pub fn start(state: RwSignal<Offline>) {
    let Some(container) = container() else {
        state.set(Offline::Unavailable(
            "Offline use needs a secure page (https, or this computer's own address): here the site is read from the network each time."
                .to_owned(),
        ));
        return;
    };
    leptos::task::spawn_local(async move {
        match register(&container).await {
            Ok(registration) => watch(&container, &registration, state).await,
            Err(message) => state.set(Offline::Unavailable(format!(
                "This browser would not keep the site for offline use ({message})."
            ))),
        }
    });
}

/// Asks the waiting new version to take over; every tab of the old
/// version then reloads into it (see [`reload_on_takeover`]).
pub fn reload_into_update() {
    let Some(container) = container() else { return };
    leptos::task::spawn_local(async move {
        let Ok(registration) = JsFuture::from(container.ready().unwrap_or_else(|e| js_sys::Promise::reject(&e))).await
        else {
            return;
        };
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        if let Some(waiting) = registration.waiting() {
            let _ = waiting.post_message(&JsValue::from_str("take-over"));
        }
    });
}

/// Reloads this page when a new version takes over from the one that
/// served it, in every tab, not only the one where the person clicked: the
/// engine's files keep their names from one build to the next, so a tab
/// left on the old page would start the new engine the next time it
/// restarts its worker. The files loaded come back from the browser's
/// storage after the reload.
fn reload_on_takeover(container: &ServiceWorkerContainer) {
    let reload = Closure::once_into_js(|| {
        if let Some(window) = web_sys::window() {
            // Nothing else to do if it fails: the person can reload by hand.
            let _ = window.location().reload();
        }
    });
    container.set_oncontrollerchange(Some(reload.unchecked_ref()));
}

/// The page's service worker container, when this page may have one.
fn container() -> Option<ServiceWorkerContainer> {
    let window = web_sys::window()?;
    if !window.is_secure_context() {
        return None;
    }
    let navigator = window.navigator();
    // Absent in some private modes and embedded browsers.
    if !js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        return None;
    }
    Some(navigator.service_worker())
}

async fn register(container: &ServiceWorkerContainer) -> Result<ServiceWorkerRegistration, String> {
    let options = RegistrationOptions::new();
    options.set_scope("./");
    // Fetch sw.js itself past the HTTP cache, so a new version is seen at once.
    options.set_update_via_cache(ServiceWorkerUpdateViaCache::None);
    let registration = JsFuture::from(container.register_with_options(SCRIPT, &options))
        .await
        .map_err(|e| crate::io::describe(&e))?;
    Ok(registration.unchecked_into())
}

/// Follows the registration: ready once a worker is active, and an update
/// waiting when a new one is installed while an old one controls the page.
async fn watch(container: &ServiceWorkerContainer, registration: &ServiceWorkerRegistration, state: RwSignal<Offline>) {
    let has_controller = {
        let container = container.clone();
        move || container.controller().is_some()
    };
    if has_controller() {
        // Served by a version already: a newer one taking over reloads the page.
        reload_on_takeover(container);
    }
    if registration.waiting().is_some() && has_controller() {
        state.set(Offline::UpdateReady);
    }
    // A new version being installed: when it is, offer it.
    let follow = {
        let has_controller = has_controller.clone();
        move |installing: web_sys::ServiceWorker| {
            let worker = installing.clone();
            let has_controller = has_controller.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if worker.state() == web_sys::ServiceWorkerState::Installed && has_controller() {
                    state.set(Offline::UpdateReady);
                }
            });
            installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            // Lives as long as the page: a worker's states come once each.
            on_state.forget();
        }
    };
    // One may already be installing when the registration answers.
    if let Some(installing) = registration.installing() {
        follow(installing);
    }
    let on_update = {
        let registration = registration.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(installing) = registration.installing() {
                follow(installing);
            }
        })
    };
    registration.set_onupdatefound(Some(on_update.as_ref().unchecked_ref()));
    on_update.forget();

    let ready = match container.ready() {
        Ok(ready) => JsFuture::from(ready).await.is_ok(),
        Err(_) => false,
    };
    if !ready {
        state.set(Offline::Unavailable(
            "This browser did not finish keeping the site for offline use.".to_owned(),
        ));
    } else if state.get_untracked() != Offline::UpdateReady {
        state.set(Offline::Ready);
    }
}
