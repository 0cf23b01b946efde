//! Keeps the loaded files in the browser's own storage, so that a reload
//! keeps the work (issue 11): the page calls [`keep`] after each load or
//! clear, [`kept`] once at start, [`forget`] for "Forget these files", and
//! [`kept_bytes`] to say how much is stored.
//!
//! The store is the origin's private file system (OPFS,
//! `navigator.storage.getDirectory()`): private to this site's origin, not
//! visible in the person's own folders, and never sent anywhere. The browser
//! copies each file's bytes from its `Blob` into the store itself, streamed;
//! they never pass through wasm memory. Its layout:
//!
//! ```text
//! <the origin's OPFS root>/
//!   tracelens-kept/
//!     index.json   {"version":1,"files":[
//!                    {"period":"Current","name":"checkout.json","size":52311,
//!                     "modified":1763718000000.0,"stored":"file-0"},
//!                    {"period":"Baseline","name":"last-week.json.gz","size":8841,
//!                     "modified":null,"stored":"file-1"}]}
//!     file-0       the bytes of one file, exactly as loaded (gzip stays gzip)
//!     file-1
//! ```
//!
//! - `index.json` lists the kept files in load order (see `index.rs`).
//!   Stored names are the store's own, never the person's file names, which
//!   may repeat (one name in both sets) or hold any character.
//! - A stored file is written once and never changed: a keep that still
//!   wants a file (same name, size and modified time) leaves it as it is,
//!   so the `Blob`s handed out by [`kept`] stay readable for as long as their
//!   file stays kept. (The browser refuses to read a handed-out file whose
//!   stored bytes changed or went away.)
//! - A keep writes the new files first, then replaces `index.json` (a
//!   writable file's new content replaces the old only when it is closed, so
//!   the index read is always a whole one), then removes every stored file
//!   the new index does not name. A keep cut short (tab closed mid-write)
//!   leaves the previous index true and at worst files nobody names, which
//!   the next keep removes.
//! - A keep that fails (quota, a write error) forgets everything, so a reload
//!   never brings back a set other than the one the page had.
//! - Calls run one at a time, in the order they were made (a queue here),
//!   so a keep never reads an index another keep is replacing.
//!
//! The browser may evict the store under storage pressure (it is
//! "best-effort" storage; the site does not ask for persistence, which some
//! browsers turn into a prompt): [`kept`] then finds nothing.

mod index;

use index::{INDEX_NAME, Index, Wanted};
use js_sys::{Function, Promise};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, DomException, File, FilePropertyBag, FileSystemDirectoryHandle, FileSystemFileHandle,
    FileSystemGetDirectoryOptions, FileSystemGetFileOptions, FileSystemRemoveOptions, FileSystemWritableFileStream,
    StorageEstimate, StorageManager,
};

use crate::workspace::{Period, Source};

/// The store's directory in the origin's OPFS root.
const DIR: &str = "tracelens-kept";

/// Replaces what is kept with exactly these files, in order (their bytes
/// copied into the browser's storage by the browser, streamed from the Blob,
/// no copy in wasm memory). Files kept before under the same name, size and
/// modified time are not copied again. The error is a message for the
/// person; the files are then still loaded, but a reload will not bring them
/// back (nothing is kept).
pub async fn keep(files: &[Source]) -> Result<(), String> {
    let _turn = Turn::wait().await;
    if files.is_empty() {
        return remove_store().await.map_err(|failure| failure.message(Doing::Keep));
    }
    match keep_now(files).await {
        Ok(()) => Ok(()),
        Err(failure) => {
            // Better nothing after a reload than a set the page never had.
            let _ = remove_store().await;
            Err(failure.message(Doing::Keep))
        }
    }
}

/// What is kept, in order, as Blobs read back lazily (a File from OPFS is a
/// Blob handle). Each is a `File` with the name and modified time the
/// person's file had (a plain `Blob` if it was one), so keeping it again
/// copies nothing. Nothing kept, or no store in this browser: an empty list.
pub async fn kept() -> Result<Vec<Source>, String> {
    let _turn = Turn::wait().await;
    match kept_now().await {
        Err(Failure::Unsupported(_) | Failure::Denied) => Ok(Vec::new()),
        sources => sources.map_err(|failure| failure.message(Doing::Read)),
    }
}

/// Forgets everything kept. The Blobs [`kept`] handed out become unreadable.
pub async fn forget() -> Result<(), String> {
    let _turn = Turn::wait().await;
    match remove_store().await {
        // No store in this browser: nothing was ever kept.
        Err(Failure::Unsupported(_) | Failure::Denied) => Ok(()),
        done => done.map_err(|failure| failure.message(Doing::Forget)),
    }
}

/// Bytes kept (for "N MB kept in this browser"): the kept files' sizes, a
/// file kept for both sets counted once.
pub async fn kept_bytes() -> Result<u64, String> {
    let _turn = Turn::wait().await;
    match kept_bytes_now().await {
        Err(Failure::Unsupported(_) | Failure::Denied) => Ok(0),
        bytes => bytes.map_err(|failure| failure.message(Doing::Read)),
    }
}

async fn keep_now(files: &[Source]) -> Result<(), Failure> {
    let dir = store(true)
        .await?
        .ok_or_else(|| Failure::Other("no store was made".to_owned()))?;
    // An index that does not read names nothing worth keeping: every file is
    // written afresh, and the sweep removes what it named.
    let old = read_index(&dir).await.ok().flatten().unwrap_or_default();
    let wanted: Vec<Wanted<'_>> = files
        .iter()
        .map(|source| Wanted {
            period: source.period,
            name: &source.name,
            size: size_of(&source.blob),
            modified: source.blob.dyn_ref::<File>().map(File::last_modified),
        })
        .collect();
    let plan = index::plan(&old, &wanted);
    let needed: u64 = plan.writes.iter().filter_map(|&i| wanted.get(i)).map(|w| w.size).sum();
    check_room(needed).await?;
    for &position in &plan.writes {
        if let (Some(source), Some(entry)) = (files.get(position), plan.index.files.get(position)) {
            write_file(&dir, &entry.stored, WriteFrom::Blob(&source.blob)).await?;
        }
    }
    if plan.index != old {
        write_file(&dir, INDEX_NAME, WriteFrom::Text(&plan.index.to_json())).await?;
    }
    // The new index is in place; what it does not name is no longer needed.
    // A file that will not go now (the browser holding it) goes next time.
    if let Ok(present) = names_in(&dir).await {
        for name in plan.index.unused(&present) {
            let _ = JsFuture::from(dir.remove_entry(name)).await;
        }
    }
    Ok(())
}

async fn kept_bytes_now() -> Result<u64, Failure> {
    let Some(dir) = store(false).await? else { return Ok(0) };
    Ok(read_index(&dir).await?.map_or(0, |index| index.bytes()))
}

async fn kept_now() -> Result<Vec<Source>, Failure> {
    let Some(dir) = store(false).await? else {
        return Ok(Vec::new());
    };
    let Some(index) = read_index(&dir).await? else {
        return Ok(Vec::new());
    };
    let mut sources = Vec::with_capacity(index.files.len());
    for entry in &index.files {
        let handle = file_handle(&dir, &entry.stored, false).await?;
        let file: File = cast(JsFuture::from(handle.get_file()).await?)?;
        if size_of(&file) != entry.size {
            return Err(Failure::Other(format!("{} is not the size it was kept at", entry.name)));
        }
        // A new File over the stored one (the browser refers to its bytes,
        // copies nothing) carries the person's name and modified time, so the
        // page shows the name and the next keep knows the file.
        let parts = js_sys::Array::of1(&file);
        let blob: Blob = match entry.modified {
            Some(modified) => {
                let options = FilePropertyBag::new();
                options.set_last_modified(modified);
                File::new_with_blob_sequence_and_options(&parts, &entry.name, &options)?.into()
            }
            None => Blob::new_with_blob_sequence(&parts)?,
        };
        sources.push(Source {
            period: entry.period,
            name: entry.name.clone(),
            blob,
        });
    }
    Ok(sources)
}

/// The origin's OPFS root.
async fn opfs_root() -> Result<FileSystemDirectoryHandle, Failure> {
    let storage = storage_manager()?;
    require(&storage, "getDirectory")?;
    cast(JsFuture::from(storage.get_directory()).await?)
}

/// The store's directory; `None` when it does not exist and `create` is false.
async fn store(create: bool) -> Result<Option<FileSystemDirectoryHandle>, Failure> {
    let root = opfs_root().await?;
    let options = FileSystemGetDirectoryOptions::new();
    options.set_create(create);
    match JsFuture::from(root.get_directory_handle_with_options(DIR, &options)).await {
        Ok(dir) => Ok(Some(cast(dir)?)),
        Err(error) if !create && is_not_found(&error) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Removes the store's directory and all in it; none is fine.
async fn remove_store() -> Result<(), Failure> {
    let root = opfs_root().await?;
    let options = FileSystemRemoveOptions::new();
    options.set_recursive(true);
    match JsFuture::from(root.remove_entry_with_options(DIR, &options)).await {
        Err(error) if !is_not_found(&error) => Err(error.into()),
        _ => Ok(()),
    }
}

/// `navigator.storage`, on the page or in a worker; missing where the page
/// is not a secure context (plain http from another host) or the browser is old.
fn storage_manager() -> Result<StorageManager, Failure> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))?;
    let storage = js_sys::Reflect::get(&navigator, &JsValue::from_str("storage"))?;
    storage
        .dyn_into()
        .map_err(|_| Failure::Unsupported("no navigator.storage; the page may not be served over https".to_owned()))
}

/// Fails unless `object` has the method `name`. web-sys calls a method
/// without checking it exists, and a missing one throws past the future;
/// older browsers lack some of these (Safari's createWritable came late).
fn require(object: &JsValue, name: &str) -> Result<(), Failure> {
    let method = js_sys::Reflect::get(object, &JsValue::from_str(name))?;
    if method.is_function() {
        Ok(())
    } else {
        Err(Failure::Unsupported(format!("no {name}")))
    }
}

/// The bytes of the index, or `None` when the store has none.
async fn read_index(dir: &FileSystemDirectoryHandle) -> Result<Option<Index>, Failure> {
    let handle = match file_handle(dir, INDEX_NAME, false).await {
        Ok(handle) => handle,
        Err(Failure::NotFound) => return Ok(None),
        Err(failure) => return Err(failure),
    };
    let file: File = cast(JsFuture::from(handle.get_file()).await?)?;
    let text = JsFuture::from(file.text()).await?;
    let text = text
        .as_string()
        .ok_or_else(|| Failure::Other("the index is not text".to_owned()))?;
    Index::parse(&text).map(Some).map_err(Failure::Other)
}

async fn file_handle(
    dir: &FileSystemDirectoryHandle,
    name: &str,
    create: bool,
) -> Result<FileSystemFileHandle, Failure> {
    let options = FileSystemGetFileOptions::new();
    options.set_create(create);
    cast(JsFuture::from(dir.get_file_handle_with_options(name, &options)).await?)
}

enum WriteFrom<'a> {
    Blob(&'a Blob),
    Text(&'a str),
}

/// Writes `from` as the whole of the store's file `name`. The browser writes
/// into a file of its own and swaps it in on `close`; on an error the write
/// is aborted and the file keeps what it had (nothing, for a new one).
async fn write_file(dir: &FileSystemDirectoryHandle, name: &str, from: WriteFrom<'_>) -> Result<(), Failure> {
    let handle = file_handle(dir, name, true).await?;
    require(&handle, "createWritable")?;
    let stream: FileSystemWritableFileStream = cast(JsFuture::from(handle.create_writable()).await?)?;
    let write = match from {
        WriteFrom::Blob(blob) => stream.write_with_blob(blob),
        WriteFrom::Text(text) => stream.write_with_str(text),
    };
    let written = match write {
        Ok(promise) => JsFuture::from(promise).await.map(drop),
        Err(error) => Err(error),
    };
    match written {
        Ok(()) => JsFuture::from(stream.close()).await.map(drop).map_err(Failure::from),
        Err(error) => {
            let _ = JsFuture::from(stream.abort()).await;
            Err(error.into())
        }
    }
}

/// The names in the store's directory.
async fn names_in(dir: &FileSystemDirectoryHandle) -> Result<Vec<String>, Failure> {
    require(dir, "keys")?;
    let keys = dir.keys();
    let mut names = Vec::new();
    loop {
        let next: js_sys::IteratorNext = cast_record(JsFuture::from(keys.next()?).await?)?;
        if next.done() {
            return Ok(names);
        }
        if let Some(name) = next.value().as_string() {
            names.push(name);
        }
    }
}

/// Fails with the quota message when the browser says `needed` more bytes
/// will not fit. Its estimate is rough, so a write can still run out: that
/// error says the same.
async fn check_room(needed: u64) -> Result<(), Failure> {
    if needed == 0 {
        return Ok(());
    }
    let storage = storage_manager()?;
    if require(&storage, "estimate").is_err() {
        return Ok(()); // no estimate: the writes will tell
    }
    let estimate: StorageEstimate = cast_record(JsFuture::from(storage.estimate()?).await?)?;
    let (Some(quota), Some(usage)) = (estimate.get_quota(), estimate.get_usage()) else {
        return Ok(());
    };
    if quota - usage < needed as f64 {
        Err(Failure::Quota)
    } else {
        Ok(())
    }
}

fn size_of(blob: &Blob) -> u64 {
    // A Blob's size is a whole number of bytes; `as` saturates anything odd.
    blob.size() as u64
}

fn cast<T: JsCast>(value: JsValue) -> Result<T, Failure> {
    value
        .dyn_into()
        .map_err(|_| Failure::Other("the browser answered with something unexpected".to_owned()))
}

/// A plain record (a WebIDL dictionary or an iterator result) read as the
/// web-sys type for it: those have no class to check against, so `cast`
/// would refuse every one.
fn cast_record<T: JsCast>(value: JsValue) -> Result<T, Failure> {
    if value.is_object() {
        Ok(value.unchecked_into())
    } else {
        Err(Failure::Other(
            "the browser answered with something unexpected".to_owned(),
        ))
    }
}

fn is_not_found(error: &JsValue) -> bool {
    error
        .dyn_ref::<DomException>()
        .is_some_and(|e| e.name() == "NotFoundError")
}

/// Why a call failed, before it becomes words for the person.
#[derive(Debug)]
enum Failure {
    /// No room left in the origin's storage.
    Quota,
    /// The browser refuses storage to this page (private window, storage off).
    Denied,
    /// The browser has no such storage, or lacks a part of it.
    Unsupported(String),
    /// A file or folder that should be there is not.
    NotFound,
    Other(String),
}

impl From<JsValue> for Failure {
    fn from(error: JsValue) -> Self {
        if let Some(exception) = error.dyn_ref::<DomException>() {
            return match exception.name().as_str() {
                "QuotaExceededError" => Failure::Quota,
                "SecurityError" | "NotAllowedError" => Failure::Denied,
                "NotFoundError" => Failure::NotFound,
                _ => Failure::Other(exception.message()),
            };
        }
        if let Some(error) = error.dyn_ref::<js_sys::Error>() {
            return Failure::Other(String::from(error.message()));
        }
        Failure::Other(error.as_string().unwrap_or_else(|| "unknown error".to_owned()))
    }
}

/// Which call a message is for.
#[derive(Clone, Copy)]
enum Doing {
    Keep,
    Read,
    Forget,
}

impl Failure {
    fn message(self, doing: Doing) -> String {
        const STILL_LOADED: &str = "the files still work until the page is reloaded, then they need loading again";
        match (doing, self) {
            (Doing::Keep, Failure::Quota) => {
                format!("This browser has no room left to keep these files: {STILL_LOADED}.")
            }
            (Doing::Keep, Failure::Denied) => format!(
                "This browser does not let the page keep files (a private window, or site storage turned off): {STILL_LOADED}."
            ),
            (Doing::Keep, Failure::Unsupported(what)) => {
                format!("This browser cannot keep files between visits ({what}): {STILL_LOADED}.")
            }
            (Doing::Keep, Failure::NotFound) => {
                format!("The files could not be kept in this browser (a stored file went missing): {STILL_LOADED}.")
            }
            (Doing::Keep, Failure::Other(what)) => {
                format!("The files could not be kept in this browser ({what}): {STILL_LOADED}.")
            }
            (Doing::Read, failure) => format!(
                "The files kept in this browser could not be read back ({}). Load them again, or forget them.",
                failure.detail()
            ),
            (Doing::Forget, failure) => {
                format!(
                    "The files kept in this browser could not be removed ({}).",
                    failure.detail()
                )
            }
        }
    }

    fn detail(self) -> String {
        match self {
            Failure::Quota => "no room left".to_owned(),
            Failure::Denied => "storage refused".to_owned(),
            Failure::NotFound => "a stored file is missing".to_owned(),
            Failure::Unsupported(what) | Failure::Other(what) => what,
        }
    }
}

thread_local! {
    /// Settles when the last call made so far is done.
    static LAST: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// A call's turn at the store: it waits for the calls made before it, and
/// lets the next one go when dropped (also when its future is dropped
/// half-way, so a cancelled call never blocks the store).
struct Turn {
    done: Option<Function>,
}

impl Turn {
    async fn wait() -> Turn {
        let mut done = None;
        let mine = Promise::new(&mut |resolve, _reject| done = Some(resolve));
        let turn = Turn { done };
        let before = LAST.with(|last| last.take());
        // The next call waits for this one and for every one before it: if
        // this call is dropped while it waits, the calls before it still run
        // alone.
        let after = match &before {
            Some(before) => Promise::all(&js_sys::Array::of2(before, &mine)),
            None => mine,
        };
        LAST.with(|last| last.replace(Some(after)));
        if let Some(before) = before {
            // It only ever resolves.
            let _ = JsFuture::from(before).await;
        }
        turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.call0(&JsValue::UNDEFINED);
        }
    }
}
