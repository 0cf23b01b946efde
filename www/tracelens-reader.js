// Reads a big file for the engine, a part at a time, on a thread of its
// own: the engine parses each part while this reads the next (one after the
// other, reading and parsing a 100 MB file took twice as long). Started by
// the engine worker (crates/web/src/engine/reader.rs); sees only the file
// it is given, sends its bytes to the engine and nowhere else.
//
// In:  { blob: Blob, part: number }   (bytes a part)
// Out: { at: number, buffer: ArrayBuffer } for each part, in order (the
//      buffer transferred, not copied), or { error: string } once.
self.onmessage = ({ data: { blob, part } }) => {
  const reader = new FileReaderSync();
  for (let at = 0; at < blob.size; at += part) {
    let buffer;
    try {
      buffer = reader.readAsArrayBuffer(blob.slice(at, Math.min(at + part, blob.size)));
    } catch (error) {
      self.postMessage({ error: String(error && error.message ? error.message : error) });
      return;
    }
    self.postMessage({ at, buffer }, [buffer]);
  }
};
