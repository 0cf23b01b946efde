//! A big file read a part at a time on a thread of its own
//! (`www/tracelens-reader.js`, a worker this engine's worker starts), its
//! parts handed to the engine as they come: the engine parses one part while
//! the next is read. The browser reads a 100 MB file at about the speed the
//! engine parses it, so the two together take about half as long as one
//! after the other. Where the reader cannot start, the engine reads the file
//! itself (`worker.rs`).

use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, unbounded};
use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, ErrorEvent, MessageEvent, Worker};

/// The reader's script, beside the engine's in the site's folder.
const SCRIPT: &str = "./tracelens-reader.js";

/// Parts the reader may read ahead of the engine: enough that the next one
/// is there when the engine wants it, few enough that parts do not pile up
/// in memory while the engine parses (a 500 MB file read freely raised the
/// tab's peak by its size).
const AHEAD: u32 = 3;

/// One file being read in parts; the reader stops when this is dropped.
pub struct PartReader {
    worker: Worker,
    parts: UnboundedReceiver<Result<Uint8Array, String>>,
    // Kept alive as long as the worker may call them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl PartReader {
    /// Starts reading `blob`, `part` bytes a part; `None` where the reader
    /// cannot be started here.
    pub fn start(blob: &Blob, part: u64) -> Option<PartReader> {
        let worker = Worker::new(SCRIPT).ok()?;
        let (send, parts) = unbounded();
        let on_part = send.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let part = match Reflect::get(&data, &"buffer".into())
                .ok()
                .and_then(|b| b.dyn_into::<ArrayBuffer>().ok())
            {
                Some(buffer) => Ok(Uint8Array::new(&buffer)),
                None => Err(Reflect::get(&data, &"error".into())
                    .ok()
                    .and_then(|e| e.as_string())
                    .unwrap_or_else(|| "the reader sent something else".to_owned())),
            };
            // Nobody listens any more once the engine stopped reading: nothing to do then.
            let _ = on_part.unbounded_send(part);
        });
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            let _ = send.unbounded_send(Err(event.message()));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let ask = Object::new();
        Reflect::set(&ask, &"blob".into(), blob).ok()?;
        Reflect::set(&ask, &"part".into(), &JsValue::from_f64(part as f64)).ok()?;
        Reflect::set(&ask, &"ahead".into(), &JsValue::from(AHEAD)).ok()?;
        worker.post_message(&ask).ok()?;
        Some(PartReader {
            worker,
            parts,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// The next part, in order (`None` if the reader went away); the error
    /// is the browser's word for why the file could not be read. Taking one
    /// lets the reader read one more.
    pub async fn next(&mut self) -> Option<Result<Uint8Array, String>> {
        let part = self.parts.next().await;
        let more = Object::new();
        if Reflect::set(&more, &"more".into(), &JsValue::from(1)).is_ok() {
            // A reader that is gone has nothing more to send: `next` says so.
            let _ = self.worker.post_message(&more);
        }
        part
    }
}

/// Frees a part's memory now that its bytes are copied, rather than when
/// the garbage collector next runs: detached by `ArrayBuffer.transfer(0)`
/// where the browser has it (the parts of a 100 MB file otherwise raised
/// the tab's peak by 60 MB). Elsewhere the collector frees it as before.
pub fn release(part: &Uint8Array) {
    let buffer = part.buffer();
    if let Ok(transfer) = Reflect::get(&buffer, &"transfer".into())
        && let Some(transfer) = transfer.dyn_ref::<js_sys::Function>()
    {
        let _ = transfer.call1(&buffer, &JsValue::from_f64(0.0));
    }
}

impl Drop for PartReader {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
