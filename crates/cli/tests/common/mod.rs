//! What the CLI's test files share: running the binary, a fresh directory.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `tracelens` binary run with `args` in `dir`.
pub fn tracelens(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A fresh, empty directory called `name` for one test's files.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
