//! All browser IO in one place: reading dropped or picked files, fetching
//! the example that ships with the site (same origin; nothing else is
//! fetched), saving a file the page made (a download from a Blob, no server),
//! and the page's small state in localStorage.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileList};

/// The files of a `FileList` (from a file input or a drop), in order.
pub fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The path of the example trace set, relative to the page.
pub const EXAMPLE_PATH: &str = "examples/shop.otlp.json";

/// Fetches the example trace set from the site itself: its name and bytes
/// (a `Blob`, handed to the engine as a dropped file is).
pub async fn fetch_example() -> Result<(String, web_sys::Blob), String> {
    let name = EXAMPLE_PATH.rsplit('/').next().unwrap_or(EXAMPLE_PATH).to_owned();
    let fail = |what: &str| format!("{name}: could not load the example ({what})");
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response = JsFuture::from(window.fetch_with_str(EXAMPLE_PATH))
        .await
        .map_err(|e| fail(&describe(&e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| fail("not an HTTP response"))?;
    if !response.ok() {
        return Err(fail(&format!("HTTP {}", response.status())));
    }
    let promise = response.blob().map_err(|e| fail(&describe(&e)))?;
    let blob = JsFuture::from(promise).await.map_err(|e| fail(&describe(&e)))?;
    let blob = blob.dyn_into().map_err(|_| fail("not a file"))?;
    Ok((name, blob))
}

/// Offers `text` as a file called `name` to save: a Blob behind an object
/// URL, clicked through a detached link. The URL is released a minute later
/// (released at once, some browsers would cancel the download).
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("{name}: the browser could not save the file ({})", describe(&e));
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let window = web_sys::window().ok_or_else(|| format!("{name}: no window to save from"))?;
    let document = window
        .document()
        .ok_or_else(|| format!("{name}: no document to save from"))?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| format!("{name}: the browser made no link to save with"))?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let release = wasm_bindgen::closure::Closure::once_into_js(move || {
        // Nothing to tell anyone if this fails: the URL dies with the page anyway.
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(release.unchecked_ref(), 60_000)
        .map_err(fail)?;
    Ok(())
}

/// A value kept under `key` in localStorage; `None` when there is none, it
/// does not read as `T` (written by another version), or storage is off.
pub fn stored<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    use gloo_storage::Storage;
    gloo_storage::LocalStorage::get(key).ok()
}

/// Keeps `value` under `key` in localStorage. The error (storage full or
/// turned off) is a message for the user.
pub fn store<T: serde::Serialize>(key: &str, value: &T) -> Result<(), String> {
    use gloo_storage::Storage;
    gloo_storage::LocalStorage::set(key, value)
        .map_err(|e| format!("The browser did not keep your edits ({e}); download the report to keep them."))
}

/// The part of the page's address after `#`, with the `#`.
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Sets the address's `#` part (to `hash`, with its `#`), as following a
/// link would: the back button returns, and the route hears of it.
pub fn go_to(hash: &str) {
    if let Some(window) = web_sys::window() {
        // Nothing to tell anyone if this fails: the page stays where it is.
        let _ = window.location().set_hash(hash);
    }
}

/// Scrolls the element with this `id` into view, if there is one.
pub fn scroll_to(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        element.scroll_into_view();
    }
}

pub fn describe(error: &wasm_bindgen::JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
