//! The page's side of the engine: starts the worker, sends it requests
//! (with a load's blobs beside them), matches answers to questions, and
//! notices when the worker dies. Everything else a reply means is the
//! workspace's business (`workspace.rs`): this module only carries messages.
//!
//! The worker compiles and starts its wasm as soon as the page starts it,
//! before any file arrives, so the first drop finds it warm. Messages sent
//! before it says it is ready wait here: a worker drops messages that arrive
//! before its handler is set.

use super::protocol::{Reply, Request, Ticket};
use super::timing;
use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType};

/// The script Trunk writes to start the engine's wasm in a worker.
const WORKER_SCRIPT: &str = "./tracelens-engine_loader.js";

/// Replies at least this long (JSON text, in UTF-16 units) are timed as
/// `tracelens: read a reply`.
const TIMED_REPLY_CHARS: u32 = 256 * 1024;

/// What the engine tells the page, beyond answers to questions.
pub enum Event {
    /// A reply that answers no question (progress, a load's end, a summary).
    Reply(Box<Reply>),
    /// The worker died: the message says how, for the page to show.
    Died(String),
}

/// A handle on the engine; clones share it.
#[derive(Clone)]
pub struct Engine(Rc<RefCell<Inner>>);

struct Inner {
    worker: Option<Running>,
    next_ticket: Ticket,
    /// Questions waiting for their answer.
    waiting: HashMap<Ticket, oneshot::Sender<Reply>>,
    on_event: Rc<dyn Fn(Event)>,
}

/// A started worker and the handlers that must live as long as it.
struct Running {
    worker: Worker,
    ready: bool,
    /// Messages sent before the worker was ready, in order.
    queued: Vec<JsValue>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl Engine {
    /// Starts the engine; `on_event` hears everything but the answers.
    pub fn start(on_event: impl Fn(Event) + 'static) -> Engine {
        let engine = Engine(Rc::new(RefCell::new(Inner {
            worker: None,
            next_ticket: 0,
            waiting: HashMap::new(),
            on_event: Rc::new(on_event),
        })));
        engine.spawn();
        engine
    }

    /// Stops the worker (if running) and starts a fresh one, empty. Questions
    /// still waiting get no answer.
    pub fn restart(&self) {
        self.stop();
        self.spawn();
    }

    /// Stops the worker, as a crash would (the page's test hook, to prove the
    /// page survives one).
    pub fn kill(&self) {
        self.stop();
        self.died("the engine was stopped".to_owned());
    }

    /// Sends `request`, with `blobs` beside it.
    pub fn send(&self, request: &Request, blobs: &[Blob]) {
        let message = match message(request, blobs) {
            Ok(message) => message,
            Err(e) => return self.died(format!("the page could not send its request ({e})")),
        };
        let mut inner = self.0.borrow_mut();
        let Some(running) = inner.worker.as_mut() else { return };
        if running.ready {
            let _ = running.worker.post_message(&message);
        } else {
            running.queued.push(message);
        }
    }

    /// Asks a question and waits for its answer; `None` when the worker
    /// stopped before answering.
    pub async fn ask(&self, question: impl FnOnce(Ticket) -> Request) -> Option<Reply> {
        let (ticket, answer) = {
            let mut inner = self.0.borrow_mut();
            let ticket = inner.next_ticket;
            inner.next_ticket += 1;
            let (sender, answer) = oneshot::channel();
            inner.waiting.insert(ticket, sender);
            (ticket, answer)
        };
        self.send(&question(ticket), &[]);
        answer.await.ok()
    }

    fn spawn(&self) {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Classic);
        options.set_name("tracelens-engine");
        let worker = match Worker::new_with_options(WORKER_SCRIPT, &options) {
            Ok(worker) => worker,
            Err(e) => return self.died(format!("the browser would not start it ({})", crate::io::describe(&e))),
        };
        let weak = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(inner) = weak.upgrade() {
                Engine(inner).receive(event.data());
            }
        });
        let weak = Rc::downgrade(&self.0);
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            if let Some(inner) = weak.upgrade() {
                let engine = Engine(inner);
                engine.stop();
                engine.died(event.message());
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.0.borrow_mut().worker = Some(Running {
            worker,
            ready: false,
            queued: Vec::new(),
            _on_message: on_message,
            _on_error: on_error,
        });
    }

    fn stop(&self) {
        let mut inner = self.0.borrow_mut();
        if let Some(running) = inner.worker.take() {
            running.worker.terminate();
        }
        // Dropping the senders wakes every question with no answer.
        inner.waiting.clear();
    }

    fn receive(&self, data: JsValue) {
        // Only a big reply is worth a measure (a load's summary, a report):
        // the marks cost about a tenth of the page's script in a scroll
        // step, whose answers are a few rows, and the timeline keeps every one.
        let big = data
            .dyn_ref::<js_sys::JsString>()
            .is_some_and(|text| text.length() >= TIMED_REPLY_CHARS);
        let decoded = if big {
            timing::measure("tracelens: read a reply", || super::protocol::decode(&data))
        } else {
            super::protocol::decode(&data)
        };
        let reply: Reply = match decoded {
            Ok(reply) => reply,
            Err(e) => return self.died(format!("it sent what the page cannot read ({e})")),
        };
        let answered = match &reply {
            Reply::Ready => {
                self.flush();
                return;
            }
            Reply::Traces { ticket, .. }
            | Reply::Report { ticket, .. }
            | Reply::Groups { ticket, .. }
            | Reply::Trace { ticket, .. }
            | Reply::ServiceMap { ticket, .. }
            | Reply::Compare { ticket, .. } => Some(*ticket),
            _ => None,
        };
        if let Some(ticket) = answered {
            let sender = self.0.borrow_mut().waiting.remove(&ticket);
            if let Some(sender) = sender {
                let _ = sender.send(reply);
            }
            return;
        }
        if let Reply::Panicked { message } = &reply {
            self.stop();
            return self.died(format!("it failed ({message})"));
        }
        self.emit(Event::Reply(Box::new(reply)));
    }

    /// Sends what waited for the worker to be ready.
    fn flush(&self) {
        let mut inner = self.0.borrow_mut();
        let Some(running) = inner.worker.as_mut() else { return };
        running.ready = true;
        for message in running.queued.drain(..) {
            let _ = running.worker.post_message(&message);
        }
    }

    fn died(&self, how: String) {
        self.emit(Event::Died(how));
    }

    fn emit(&self, event: Event) {
        // Not while borrowed: the handler may send.
        let on_event = self.0.borrow().on_event.clone();
        on_event(event);
    }
}

/// `{ request, files }`, as the worker reads it.
fn message(request: &Request, blobs: &[Blob]) -> Result<JsValue, String> {
    let request = super::protocol::encode(request)?;
    let message = Object::new();
    let files: Array = blobs.iter().collect();
    Reflect::set(&message, &"request".into(), &request).map_err(|e| crate::io::describe(&e))?;
    Reflect::set(&message, &"files".into(), &files).map_err(|e| crate::io::describe(&e))?;
    Ok(message.into())
}
