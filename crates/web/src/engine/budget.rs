//! What fits in the engine: a check made on the page, from the files'
//! sizes, before anything is read. The engine's wasm memory holds at most
//! 4 GiB. While it reads a file it holds the file's bytes and the model of
//! everything read so far; the model takes 0.3–0.9 of its file's bytes
//! (BENCHMARKS.md, "Model memory"), and the analysis adds about a third of
//! the model again. A load that cannot fit is refused with a message,
//! rather than read until the tab runs out of memory.

/// Bytes the engine's memory may reach before it is too full to go on.
const MEMORY: f64 = 3.5 * GIB;

/// Model bytes per file byte, at worst (OTLP protobuf, 0.93), with the analysis on top.
const MODEL_PER_BYTE: f64 = 1.2;

const GIB: f64 = (1u64 << 30) as f64;

/// `Ok` when files of these sizes fit beside `held` bytes of files already
/// loaded; else a message naming the largest file and what to do.
pub fn check<'a>(held: f64, files: impl Iterator<Item = (&'a str, f64)>) -> Result<(), String> {
    let files: Vec<(&str, f64)> = files.collect();
    let total: f64 = files.iter().map(|(_, size)| size).sum();
    let Some(&(largest, largest_size)) = files.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return Ok(());
    };
    let needed = largest_size + (held + total) * MODEL_PER_BYTE;
    if needed <= MEMORY {
        return Ok(());
    }
    Err(format!(
        "{largest}: {} in all is more than this tab can hold ({} of files would need about {} of memory; the engine in a tab can use about {}). Load fewer or smaller files, or use the tracelens CLI, which reads files of any size.",
        gib(total),
        gib(held + total),
        gib(needed),
        gib(MEMORY),
    ))
}

fn gib(bytes: f64) -> String {
    if bytes >= GIB {
        format!("{:.1} GB", bytes / GIB)
    } else {
        format!("{:.0} MB", bytes / (1u64 << 20) as f64)
    }
}
