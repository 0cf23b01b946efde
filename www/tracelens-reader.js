// Reads a big file for the engine, a part at a time, on a thread of its
// own: the engine parses each part while this reads the next (one after the
// other, reading and parsing a 100 MB file took twice as long). Started by
// the engine worker (crates/web/src/engine/reader.rs); sees only the file
// it is given, sends its bytes to the engine and nowhere else.
//
// In:  { blob: Blob, part: number, ahead: number } to start: bytes a part,
//      and how many parts it may read before the engine has taken any;
//      then { more: 1 } each time the engine has taken a part. Reading
//      only so far ahead keeps the parts waiting in memory to a few (read
//      freely, a 500 MB file waited whole beside the engine's copy).
// Out: { at: number, buffer: ArrayBuffer } for each part, in order (the
//      buffer transferred, not copied), or { error: string } once.
let file = null;
let part = 0;
let at = 0;
let credit = 0;
let reader = null;

function readWhatIsAllowed() {
  while (file && credit > 0 && at < file.size) {
    let buffer;
    try {
      buffer = reader.readAsArrayBuffer(file.slice(at, Math.min(at + part, file.size)));
    } catch (error) {
      self.postMessage({ error: String(error && error.message ? error.message : error) });
      file = null;
      return;
    }
    self.postMessage({ at, buffer }, [buffer]);
    at += part;
    credit -= 1;
  }
}

self.onmessage = ({ data }) => {
  if (data.blob) {
    file = data.blob;
    part = data.part;
    credit = data.ahead;
    reader = new FileReaderSync();
  } else if (data.more) {
    credit += data.more;
  }
  readWhatIsAllowed();
};
