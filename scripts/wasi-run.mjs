// Runs a wasm32-wasip1 test binary under Node's WASI, so the core's tests run
// with a 32-bit usize exactly as the browser build does. Cargo calls it as the
// target runner: `node scripts/wasi-run.mjs <file.wasm> [test args...]`.
// The whole file system is visible at `/`, so tests that read fixtures by
// their absolute path (from CARGO_MANIFEST_DIR) work unchanged.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [wasmPath, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: process.env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
// Exit at once with the test binary's code: Node's WASI support is
// experimental, and tearing down a large wasm memory at exit has crashed it
// (SIGSEGV after every test had passed).
process.exit(wasi.start(instance));
