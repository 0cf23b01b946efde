//! The engine's side of the worker: takes each request from the page,
//! reads a load's files in chunks with `FileReaderSync` (a worker may block;
//! the page never does), and posts the replies back. Progress goes out while
//! a load runs, so the page can draw it and offer Cancel; a cancel stops
//! this worker outright (see `client.rs`).

use super::protocol::{Period, Progress, Reply, Request, Stage};
use super::state::{EngineState, FileBytes};
use super::timing;
use super::warm_up;
use js_sys::{Array, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tracelens_core::import::{Gunzip, is_gzip};
use tracelens_core::query::TraceQuery;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

/// Bytes read at a time: small enough for progress every 100 ms (a read
/// goes at 300–600 MB/s in Chromium on a 2-core machine), large enough
/// that a 10 MB trace is one read, copied once (see `read`).
const CHUNK: u64 = 16 << 20;

/// Milliseconds between progress messages at most.
const PROGRESS_EVERY_MS: f64 = 50.0;

/// Starts the engine in this worker: answers the page's messages until the
/// page stops it.
pub fn run() {
    std::panic::set_hook(Box::new(|info| {
        // The page hears why before the worker dies (a panic aborts it).
        post(&Reply::Panicked {
            message: info.to_string(),
        });
        console_error_panic_hook::hook(info);
    }));
    let state = Rc::new(RefCell::new(EngineState::default()));
    let loaded = Rc::new(Cell::new(false));
    let on_message = {
        let loaded = loaded.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            handle(&mut state.borrow_mut(), &event.data(), &loaded);
        })
    };
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The engine lives as long as the worker.
    on_message.forget();
    post(&Reply::Ready);
    // Requests that arrive meanwhile wait their turn in the worker's queue.
    let sample = timing::measure("tracelens: warm up", warm_up::sample);
    post(&Reply::Sample(Box::new(sample)));
    // In a task of its own: files the page sent at once (a restart's, or
    // those kept from the last visit) are read first, and stop it.
    warm_up_hot_loops_later(Rc::new(warm_up::HotTrace::new()), 0, loaded);
}

/// Warms up the hot loops of each format in `warm_up::HOT_FORMATS` from
/// `next` on, a format a task, so a request that comes meanwhile waits for
/// one format's rounds at most (tens of milliseconds). A load stops it: its
/// own files warm the engine up.
fn warm_up_hot_loops(trace: Rc<warm_up::HotTrace>, next: usize, loaded: Rc<Cell<bool>>) {
    let Some(&format) = warm_up::HOT_FORMATS.get(next) else {
        return;
    };
    if loaded.get() {
        return;
    }
    timing::measure("tracelens: warm up the hot loops", || trace.hot_loops(format));
    warm_up_hot_loops_later(trace, next + 1, loaded);
}

/// [`warm_up_hot_loops`] from `next` on, once the requests waiting now are answered.
fn warm_up_hot_loops_later(trace: Rc<warm_up::HotTrace>, next: usize, loaded: Rc<Cell<bool>>) {
    let later = Closure::once_into_js(move || warm_up_hot_loops(trace, next, loaded));
    // A worker that cannot set a timer (none known) just skips the warm-up.
    let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(reply: &Reply) {
    match timing::measure("tracelens: write a reply", || super::protocol::encode(reply)) {
        Ok(value) => {
            // Posting to the page only fails for values it cannot clone; ours are plain.
            let _ = scope().post_message(&value);
        }
        Err(e) => web_sys::console::error_1(&format!("tracelens engine: cannot send a reply: {e}").into()),
    }
}

/// The request and the blobs beside it, as the page sends them: `{ request, files }`;
/// `loaded` is set at the first load.
fn handle(state: &mut EngineState, data: &JsValue, loaded: &Cell<bool>) {
    let request = Reflect::get(data, &"request".into()).unwrap_or(JsValue::UNDEFINED);
    let request: Request = match super::protocol::decode(&request) {
        Ok(request) => request,
        Err(e) => {
            web_sys::console::error_1(&format!("tracelens engine: a request it cannot read: {e}").into());
            return;
        }
    };
    match request {
        Request::Load {
            load,
            period,
            names,
            list,
        } => {
            loaded.set(true);
            let blobs: Vec<Blob> = Reflect::get(data, &"files".into())
                .ok()
                .and_then(|files| files.dyn_into::<Array>().ok())
                .map(|files| files.iter().filter_map(|f| f.dyn_into::<Blob>().ok()).collect())
                .unwrap_or_default();
            self::load(state, load, period, &names, &blobs, list);
        }
        Request::Clear => state.clear(),
        Request::ClearBaseline => post(&Reply::Summary(state.clear_baseline())),
        Request::SetReportBaseline { report } => state.set_report_baseline(report.map(|r| *r)),
        Request::Traces { ticket, query } => post(&Reply::Traces {
            ticket,
            page: state.traces(&query),
        }),
        Request::Groups {
            ticket,
            grouping,
            service,
            offset,
            limit,
        } => post(&Reply::Groups {
            ticket,
            rows: state.groups(grouping, service.as_deref(), offset, limit),
        }),
        Request::Compare { ticket, a, b } => post(&Reply::Compare {
            ticket,
            compared: state.compare(a, b).map(Box::new),
        }),
        Request::ServiceMap { ticket } => post(&Reply::ServiceMap {
            ticket,
            map: state.service_map().map(Box::new),
        }),
        Request::Trace { ticket, trace_id, ask } => post(&Reply::Trace {
            ticket,
            answer: state.trace(trace_id, ask),
        }),
        Request::Report { ticket, choices } => post(&Reply::Report {
            ticket,
            report: state.report(choices).map(Box::new),
        }),
    }
}

/// Reads each blob into `period`, with progress, then analyses.
fn load(state: &mut EngineState, load: u64, period: Period, names: &[String], blobs: &[Blob], list: TraceQuery) {
    let bytes_total = blobs.iter().map(|b| b.size() as u64).sum();
    let spans_before = state.spans(period);
    let mut progress = Throttled::new(Progress {
        load,
        file: 0,
        name: String::new(),
        bytes_read: 0,
        bytes_total,
        spans: 0,
        stage: Stage::Reading,
    });
    let mut pending = state.begin(period);
    let mut outcomes = Vec::with_capacity(blobs.len());
    let reader = FileReaderSync::new();
    for (file, blob) in blobs.iter().enumerate() {
        let name = names.get(file).cloned().unwrap_or_else(|| format!("file {}", file + 1));
        progress.update(|p| {
            p.file = file;
            p.name = name.clone();
        });
        let done_before = progress.current.bytes_read;
        let bytes = timing::measure("tracelens: read", || match &reader {
            Ok(reader) => read(reader, blob, &name, |read| {
                progress.update(|p| p.bytes_read = done_before + read);
            }),
            Err(_) => Err(format!("{name}: this browser cannot read files in a worker")),
        });
        let spans_before_file = progress.current.spans;
        let outcome = timing::measure("tracelens: import", || {
            state.add(&mut pending, &name, bytes, &mut |spans| {
                progress.update(|p| p.spans = spans_before_file + spans);
            })
        });
        outcomes.push(outcome);
        progress.update(|p| {
            p.bytes_read = done_before + blob.size() as u64;
            p.spans = state.spans(period).saturating_sub(spans_before);
        });
    }
    progress.update(|p| p.stage = Stage::Analysing);
    progress.flush();
    // The list goes to the page as soon as it is known, the findings when
    // the detectors are done: the page draws one while the other is made.
    let mut top = None;
    let mut analysed = false;
    let findings = timing::measure("tracelens: analyse", || {
        state.finish(pending, &list, |summary, page| {
            analysed = summary.is_some();
            top = page.as_ref().and_then(|page| page.rows.first().map(|row| row.trace_id));
            let list = page.map(|page| Box::new((list.clone(), page)));
            post(&Reply::Loaded {
                load,
                period,
                outcomes,
                summary,
                list,
            });
        })
    });
    if let Some(findings) = findings {
        post(&Reply::Findings { load, findings });
    }
    if analysed {
        // While the page draws the analysis: what the first trace opened
        // needs, and the traces most likely opened, laid out.
        timing::measure("tracelens: prepare the trace view", || state.prepare_trace_view(top));
    }
}

/// Reads a whole blob, `CHUNK` bytes at a time, telling `on_read` the bytes
/// read so far; gzip is decompressed as it comes, so the compressed file is
/// never whole in memory. The error is a message for the user.
fn read(reader: &FileReaderSync, blob: &Blob, name: &str, mut on_read: impl FnMut(u64)) -> Result<FileBytes, String> {
    let size = blob.size() as u64;
    let too_big = || {
        format!(
            "{name}: {} MB do not fit in this tab's memory; read it with the tracelens CLI, or split it",
            size >> 20
        )
    };
    let mut bytes = Vec::new();
    let mut gunzip: Option<Gunzip> = None;
    let mut at = 0;
    while at < size {
        let end = (at + CHUNK).min(size);
        let chunk = blob
            .slice_with_f64_and_f64(at as f64, end as f64)
            .and_then(|part| reader.read_as_array_buffer(&part))
            .map_err(|e| {
                format!(
                    "{name}: the browser could not read the file ({}); was it changed or removed while it was read?",
                    crate::io::describe(&e)
                )
            })?;
        let chunk = Uint8Array::new(&chunk);
        if at == 0 && end == size && !starts_with_gzip(&chunk) {
            // The whole file in one read: copied once into memory it does
            // not first fill with zeros (`resize` below writes every byte
            // twice), which is most files people open.
            bytes = chunk.to_vec();
            on_read(size);
            break;
        }
        if at == 0 {
            if starts_with_gzip(&chunk) {
                gunzip = Some(Gunzip::new(name));
            } else {
                bytes.try_reserve_exact(size as usize).map_err(|_| too_big())?;
            }
        }
        match &mut gunzip {
            Some(gunzip) => gunzip.push(&chunk.to_vec()).map_err(|e| e.to_string())?,
            None => {
                let from = bytes.len();
                bytes.resize(from + chunk.length() as usize, 0);
                chunk.copy_to(&mut bytes[from..]);
            }
        }
        at = end;
        on_read(at);
    }
    match gunzip {
        Some(gunzip) => Ok(FileBytes {
            bytes: gunzip.finish().map_err(|e| e.to_string())?,
            gunzipped: true,
        }),
        None => Ok(FileBytes {
            bytes,
            gunzipped: false,
        }),
    }
}

/// Whether `chunk`, a file's first bytes, start as gzip does.
fn starts_with_gzip(chunk: &Uint8Array) -> bool {
    let mut start = [0u8; 2];
    if chunk.length() >= 2 {
        chunk.subarray(0, 2).copy_to(&mut start);
    }
    is_gzip(&start)
}

/// Progress, posted when it changed and the last post is old enough.
struct Throttled {
    current: Progress,
    last_posted: f64,
}

impl Throttled {
    fn new(current: Progress) -> Throttled {
        Throttled {
            current,
            last_posted: f64::NEG_INFINITY,
        }
    }

    fn update(&mut self, change: impl FnOnce(&mut Progress)) {
        change(&mut self.current);
        if js_sys::Date::now() - self.last_posted >= PROGRESS_EVERY_MS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.last_posted = js_sys::Date::now();
        post(&Reply::Progress(self.current.clone()));
    }
}
