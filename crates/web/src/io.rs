//! All browser IO in one place: reading dropped or picked files, and fetching
//! the example that ships with the site (same origin; nothing else is fetched).

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileList};

/// A file's name and bytes, read into memory.
pub struct LoadedBytes {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The files of a `FileList` (from a file input or a drop), in order.
pub fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Reads a whole file. The error is a message for the user.
pub async fn read_file(file: &File) -> Result<LoadedBytes, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        format!(
            "{}: the browser could not read the file ({})",
            file.name(),
            describe(&e)
        )
    })?;
    Ok(LoadedBytes {
        name: file.name(),
        bytes: Uint8Array::new(&buffer).to_vec(),
    })
}

/// The path of the example trace set, relative to the page.
pub const EXAMPLE_PATH: &str = "examples/shop.otlp.json";

/// Fetches the example trace set from the site itself.
pub async fn fetch_example() -> Result<LoadedBytes, String> {
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
    let promise = response.array_buffer().map_err(|e| fail(&describe(&e)))?;
    let buffer = JsFuture::from(promise).await.map_err(|e| fail(&describe(&e)))?;
    Ok(LoadedBytes {
        name,
        bytes: Uint8Array::new(&buffer).to_vec(),
    })
}

fn describe(error: &wasm_bindgen::JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
