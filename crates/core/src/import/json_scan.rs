//! A cursor over JSON bytes for importers that know the shape they read: it
//! reads objects, arrays, strings and numbers where the importer asks for them
//! and skips everything else, building nothing it is not asked for. It accepts
//! exactly the JSON that `serde_json` accepts (same depth limit, same string
//! escapes), and its errors use serde_json's wording and positions, plus the
//! path of the value that failed (`resourceSpans[0].scopeSpans[1].spans[4].kind`).
//!
//! Strings come out as raw bytes (escapes resolved, borrowed when there were
//! none): the interner checks UTF-8 once per distinct string, not here.

use std::borrow::Cow;

/// How many objects and arrays may be open at once while being read (skipped
/// values do not count): serde_json's limit, so what loaded before still loads.
const MAX_DEPTH: u32 = crate::limits::MAX_JSON_DEPTH;

const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_VALUE: &str = "EOF while parsing a value";
const CONTROL_CHARACTER: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const INVALID_ESCAPE: &str = "invalid escape";
const TRAILING_CHARACTERS: &str = "trailing characters";
const INVALID_NUMBER: &str = "invalid number";
const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
const END_OF_HEX_ESCAPE: &str = "unexpected end of hex escape";

/// A JSON number as it was written: an integer that fits, or anything else as a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Number {
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// A fraction, an exponent, `-0`, or an integer too large for 64 bits.
    F64(f64),
}

/// Why a document could not be read: what, at which byte, inside which value.
#[derive(Debug)]
pub(super) struct JsonError(Box<Failure>);

#[derive(Debug)]
struct Failure {
    /// Where, counted like serde_json: the column is `offset` minus the start of its line.
    offset: usize,
    detail: String,
    /// Innermost first: segments are added as the error leaves each value.
    path: Vec<Segment>,
}

#[derive(Debug)]
enum Segment {
    Key(String),
    Index(usize),
}

impl JsonError {
    #[cold]
    fn at(offset: usize, detail: impl Into<String>) -> JsonError {
        JsonError(Box::new(Failure {
            offset,
            detail: detail.into(),
            path: Vec::new(),
        }))
    }

    /// When this error is only that more follows a whole document: where
    /// that more starts.
    pub fn trailing_at(&self) -> Option<usize> {
        // `end` reports the byte after the cursor, as serde_json does.
        (self.0.detail == TRAILING_CHARACTERS && self.0.path.is_empty()).then(|| self.0.offset.saturating_sub(1))
    }

    /// What went wrong, without the position.
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The 1-based line and the column of the failure in `bytes` (the document read).
    pub fn line_column(&self, bytes: &[u8]) -> (usize, usize) {
        let before = bytes.get(..self.0.offset).unwrap_or(bytes);
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |newline| newline + 1);
        let line = 1 + memchr::memchr_iter(b'\n', before.get(..line_start).unwrap_or_default()).count();
        (line, before.len() - line_start)
    }

    /// The path to the value that failed, e.g. `resourceSpans[0].scopeSpans[0].spans[3].kind`
    /// (keys as written in the file); empty at the top level.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for segment in self.0.path.iter().rev() {
            match segment {
                Segment::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Segment::Index(index) => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }

    /// The error, placed inside the value of `key`.
    #[cold]
    pub fn within_key(mut self, key: &[u8]) -> JsonError {
        self.0
            .path
            .push(Segment::Key(String::from_utf8_lossy(key).into_owned()));
        self
    }

    #[cold]
    fn within_index(mut self, index: usize) -> JsonError {
        self.0.path.push(Segment::Index(index));
        self
    }
}

/// Notes that field `bit` (named `name` in messages) was read, failing as
/// serde's derived readers do if it was already.
#[inline]
pub(super) fn first(cur: &Cursor<'_>, seen: &mut u32, bit: u32, name: &str) -> Result<(), JsonError> {
    if *seen & (1 << bit) != 0 {
        return Err(cur.duplicate_field(name));
    }
    *seen |= 1 << bit;
    Ok(())
}

/// Reads one JSON document from a byte slice, value by value.
pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Containers that may still be opened before [`MAX_DEPTH`] is reached, plus one.
    depth_left: u32,
    /// Just after the last key read: errors about that key point there.
    key_end: usize,
    /// The containers open while skipping a value (`true` for objects); kept to reuse its memory.
    skipping: Vec<bool>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`, past any leading whitespace.
    pub fn new(bytes: &'a [u8]) -> Cursor<'a> {
        let mut cursor = Cursor {
            bytes,
            pos: 0,
            depth_left: MAX_DEPTH,
            key_end: 0,
            skipping: Vec::new(),
        };
        cursor.skip_whitespace();
        cursor
    }

    /// Checks that only whitespace follows the document.
    pub fn end(&mut self) -> Result<(), JsonError> {
        self.skip_whitespace();
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.peek_error(TRAILING_CHARACTERS)),
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    pub fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.pos += 1;
        }
    }

    /// An error about the byte at the cursor (serde_json's `peek_error`).
    #[cold]
    fn peek_error(&self, detail: &str) -> JsonError {
        JsonError::at((self.pos + 1).min(self.bytes.len()), detail)
    }

    /// An error about what was just read (serde_json's `error`): a value of
    /// the right JSON type that the reader cannot use.
    #[cold]
    pub fn error(&self, detail: impl Into<String>) -> JsonError {
        JsonError::at(self.pos, detail)
    }

    /// serde's message for a field given twice in one object.
    #[cold]
    pub fn duplicate_field(&self, name: &str) -> JsonError {
        JsonError::at(self.key_end, format!("duplicate field `{name}`"))
    }

    /// serde's message for an object without a field it needs (the cursor is past the object).
    #[cold]
    pub fn missing_field(&self, name: &str) -> JsonError {
        JsonError::at(self.pos, format!("missing field `{name}`"))
    }

    /// The error for a value of the wrong JSON type where `expected` was wanted.
    /// Reads a scalar value to name it, as serde_json does.
    #[cold]
    pub fn invalid_type(&mut self, expected: &str) -> JsonError {
        let unexpected = match self.peek() {
            None => return self.peek_error(EOF_VALUE),
            Some(b'n') => match self.literal(b"null") {
                Ok(()) => "null".to_owned(),
                Err(error) => return error,
            },
            Some(b't') => match self.literal(b"true") {
                Ok(()) => "boolean `true`".to_owned(),
                Err(error) => return error,
            },
            Some(b'f') => match self.literal(b"false") {
                Ok(()) => "boolean `false`".to_owned(),
                Err(error) => return error,
            },
            Some(b'"') => match self.string(Mode::Checked).and_then(|s| self.utf8(s)) {
                Ok(text) => format!("string {text:?}"),
                Err(error) => return error,
            },
            Some(b'-' | b'0'..=b'9') => match self.number() {
                Ok(Number::U64(v)) => format!("integer `{v}`"),
                Ok(Number::I64(v)) => format!("integer `{v}`"),
                Ok(Number::F64(v)) => format!("floating point `{}`", float_text(v)),
                Err(error) => return error,
            },
            // Containers are not read: the error points just before them, as
            // serde_json's typed readers (strings, lists, maps) place it.
            Some(b'[') => return self.error(format!("invalid type: sequence, expected {expected}")),
            Some(b'{') => return self.error(format!("invalid type: map, expected {expected}")),
            Some(_) => return self.peek_error("expected value"),
        };
        self.error(format!("invalid type: {unexpected}, expected {expected}"))
    }

    /// [`Cursor::invalid_type`] for a value read as serde's self-describing
    /// readers read it (`deserialize_any`: numbers that may be strings, tag
    /// values). serde_json opens a container before the reader refuses it,
    /// then tries to close it: the error is placed where that stopped.
    #[cold]
    pub fn invalid_any(&mut self, expected: &str) -> JsonError {
        let (close, what) = match self.peek() {
            Some(b'[') => (b']', "sequence"),
            Some(b'{') => (b'}', "map"),
            _ => return self.invalid_type(expected),
        };
        if self.depth_left <= 1 {
            return self.peek_error("recursion limit exceeded");
        }
        self.pos += 1;
        self.skip_whitespace();
        match self.peek() {
            Some(b) if b == close => self.pos += 1,
            // Closing a list eats a comma (to tell a trailing comma); closing a map does not.
            Some(b',') if close == b']' => {
                self.pos += 1;
                self.skip_whitespace();
            }
            _ => {}
        }
        self.error(format!("invalid type: {what}, expected {expected}"))
    }

    /// Reads `null` if that is what comes next.
    #[inline]
    pub fn null(&mut self) -> Result<bool, JsonError> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    /// Reads `true` or `false`.
    pub fn bool(&mut self, expected: &str) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(self.invalid_type(expected)),
        }
    }

    /// Reads `word` (`null`, `true`, `false`), whose first byte is at the cursor.
    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            return Ok(());
        }
        self.pos += 1;
        for &expected in word.get(1..).unwrap_or_default() {
            let Some(b) = self.peek() else {
                return Err(self.error(EOF_VALUE));
            };
            self.pos += 1;
            if b != expected {
                return Err(self.error("expected ident"));
            }
        }
        Ok(())
    }

    /// Opens an object or array (`bracket`), counting it against the depth limit.
    #[inline]
    fn open(&mut self, bracket: u8, expected: &str) -> Result<(), JsonError> {
        if self.peek() != Some(bracket) {
            return Err(self.invalid_type(expected));
        }
        if self.depth_left <= 1 {
            return Err(self.peek_error("recursion limit exceeded"));
        }
        self.depth_left -= 1;
        self.pos += 1;
        self.skip_whitespace();
        Ok(())
    }

    #[inline]
    fn close(&mut self) {
        self.pos += 1;
        self.depth_left += 1;
    }

    /// Reads an object, calling `member` with each key (escapes resolved) and
    /// the cursor on its value, which `member` must read or skip. Errors from
    /// `member` are placed under the key.
    #[inline]
    pub fn object(
        &mut self,
        expected: &str,
        mut member: impl FnMut(&mut Self, &[u8]) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.members(expected, |cur, _| {
            let key = cur.key()?;
            member(cur, &key).map_err(|error| error.within_key(&key))
        })
    }

    /// Reads an object, calling `member` with each member's index and the
    /// cursor on its key: `member` reads the key ([`Cursor::key`], or
    /// [`Cursor::eat_key`] when it expects one) and then the value, and puts
    /// its errors under the key ([`JsonError::within_key`]).
    #[inline]
    pub fn members(
        &mut self,
        expected: &str,
        mut member: impl FnMut(&mut Self, usize) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.open(b'{', expected)?;
        if self.peek() == Some(b'}') {
            self.close();
            return Ok(());
        }
        let mut index = 0;
        loop {
            member(self, index)?;
            index += 1;
            if !self.comma_or_close(b'}')? {
                return Ok(());
            }
        }
    }

    /// Reads a member's key (escapes resolved) and the colon after it.
    #[inline]
    pub fn key(&mut self) -> Result<Cow<'a, [u8]>, JsonError> {
        match self.peek() {
            Some(b'"') => {}
            Some(_) => return Err(self.peek_error("key must be a string")),
            None => return Err(self.peek_error(EOF_OBJECT)),
        }
        let key = self.string(Mode::Checked)?;
        self.key_end = self.pos;
        // serde_json reads a key as text, so one that is not UTF-8 fails before its colon is looked for.
        if !key.is_ascii()
            && let Err(error) = std::str::from_utf8(&key)
        {
            return Err(invalid_utf8(self.pos, key.len(), error));
        }
        self.skip_whitespace();
        match self.peek() {
            Some(b':') => self.pos += 1,
            Some(_) => return Err(self.peek_error("expected `:`")),
            None => return Err(self.peek_error(EOF_OBJECT)),
        }
        self.skip_whitespace();
        Ok(key)
    }

    /// Reads a member's key and its colon if the key is `quoted` (with its
    /// quotes, as written without escapes); reads nothing otherwise. For
    /// readers that can guess the next key: one comparison instead of a scan
    /// and a lookup.
    #[inline]
    pub fn eat_key(&mut self, quoted: &[u8]) -> bool {
        let at = self.pos;
        let next = self.bytes.get(at..at + quoted.len()).unwrap_or_default();
        // Not `==`: `quoted` is not a constant here, and slice equality calls
        // `memcmp`, a byte loop on wasm32.
        if !crate::intern::same_bytes(next, quoted) {
            return false;
        }
        self.pos += quoted.len();
        self.key_end = self.pos;
        if self.eat(b":") {
            self.skip_whitespace();
            return true;
        }
        self.pos = at;
        false
    }

    /// After a member or element: reads `,` (and says another follows) or
    /// `close` (and says none does).
    #[inline]
    fn comma_or_close(&mut self, close: u8) -> Result<bool, JsonError> {
        // Compact JSON first: a comma and the next value right after it, or
        // the close; the same outcome as below, without the whitespace loops.
        match self.bytes.get(self.pos) {
            Some(b',') if self.bytes.get(self.pos + 1).is_some_and(|&b| b > b' ' && b != close) => {
                self.pos += 1;
                return Ok(true);
            }
            Some(&b) if b == close => {
                self.close();
                return Ok(false);
            }
            _ => {}
        }
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_whitespace();
                match self.peek() {
                    Some(b) if b == close => Err(self.peek_error("trailing comma")),
                    None => Err(self.peek_error(EOF_VALUE)),
                    Some(_) => Ok(true),
                }
            }
            Some(b) if b == close => {
                self.close();
                Ok(false)
            }
            Some(_) if close == b'}' => Err(self.peek_error("expected `,` or `}`")),
            Some(_) => Err(self.peek_error("expected `,` or `]`")),
            None => Err(self.peek_error(if close == b'}' { EOF_OBJECT } else { EOF_LIST })),
        }
    }

    /// Reads what serde's derived readers read as a struct: an object, as
    /// [`Cursor::object`] does, or an array of the values of its fields in
    /// declaration order, which `member` receives under their keys (`fields`).
    #[inline]
    pub fn record(
        &mut self,
        expected: &str,
        fields: &[&[u8]],
        mut member: impl FnMut(&mut Self, &[u8]) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        if self.peek() != Some(b'[') {
            return self.object(expected, member);
        }
        self.open(b'[', expected)?;
        match self.peek() {
            Some(b']') => {
                self.close();
                return Ok(());
            }
            None => return Err(self.peek_error(EOF_LIST)),
            Some(_) => {}
        }
        let mut index = 0;
        loop {
            // serde places a value too many after the struct's fields at the struct, not at an index.
            let Some(key) = fields.get(index) else {
                return Err(self.peek_error(TRAILING_CHARACTERS));
            };
            member(self, key).map_err(|error| error.within_index(index))?;
            index += 1;
            if index == fields.len() {
                // After the last field, anything but `]` is more than the struct holds.
                self.skip_whitespace();
                match self.peek() {
                    Some(b']') | None => {}
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_whitespace();
                        let detail = if self.peek() == Some(b']') {
                            "trailing comma"
                        } else {
                            TRAILING_CHARACTERS
                        };
                        return Err(self.peek_error(detail));
                    }
                    Some(_) => return Err(self.peek_error(TRAILING_CHARACTERS)),
                }
            }
            if !self.comma_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// Reads an array, calling `element` with each index and the cursor on
    /// the element, which `element` must read or skip.
    #[inline]
    pub fn array(
        &mut self,
        expected: &str,
        mut element: impl FnMut(&mut Self, usize) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.open(b'[', expected)?;
        match self.peek() {
            Some(b']') => {
                self.close();
                return Ok(());
            }
            None => return Err(self.peek_error(EOF_LIST)),
            Some(_) => {}
        }
        let mut index = 0;
        loop {
            element(self, index).map_err(|error| error.within_index(index))?;
            index += 1;
            if !self.comma_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// A key read with [`Cursor::key`], as text: serde_json reads map keys
    /// as strings, so one that is not UTF-8 fails as it would.
    pub fn key_text(&self, key: Cow<'a, [u8]>) -> Result<Cow<'a, str>, JsonError> {
        let len = key.len();
        match key {
            Cow::Borrowed(bytes) => std::str::from_utf8(bytes).map(Cow::Borrowed),
            Cow::Owned(bytes) => String::from_utf8(bytes).map(Cow::Owned).map_err(|e| e.utf8_error()),
        }
        .map_err(|e| invalid_utf8(self.key_end, len, e))
    }

    /// Skips the value of a key the reader does not know, checking that the key
    /// is UTF-8 (serde_json checks every key; known keys are ASCII).
    pub fn skip_unknown(&mut self, key: &[u8]) -> Result<(), JsonError> {
        if let Err(error) = std::str::from_utf8(key) {
            return Err(invalid_utf8(self.key_end, key.len(), error));
        }
        self.skip_value()
    }

    /// Skips one value, checking that it is well formed but building nothing.
    /// Not limited in depth (it uses no recursion), like serde_json's `IgnoredAny`.
    pub fn skip_value(&mut self) -> Result<(), JsonError> {
        self.skipping.clear();
        // Mirrors serde_json's `ignore_value`, errors included.
        loop {
            self.skip_whitespace();
            let opened = match self.peek() {
                None => return Err(self.peek_error(EOF_VALUE)),
                Some(b'n') => self.literal(b"null").map(|()| None)?,
                Some(b't') => self.literal(b"true").map(|()| None)?,
                Some(b'f') => self.literal(b"false").map(|()| None)?,
                Some(b'-' | b'0'..=b'9') => self.skip_number().map(|()| None)?,
                Some(b'"') => self.skip_string().map(|()| None)?,
                Some(bracket @ (b'[' | b'{')) => {
                    self.pos += 1;
                    Some(bracket == b'{')
                }
                Some(_) => return Err(self.peek_error("expected value")),
            };
            let (mut after_value, mut is_object) = match opened {
                Some(is_object) => {
                    self.skipping.push(is_object);
                    (false, is_object)
                }
                None => match self.skipping.last() {
                    Some(&is_object) => (true, is_object),
                    None => return Ok(()),
                },
            };
            // Close every container that ends here; stop before the next key or element.
            loop {
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') if after_value => {
                        self.pos += 1;
                        break;
                    }
                    Some(b']') if !is_object => {}
                    Some(b'}') if is_object => {}
                    Some(_) if after_value => {
                        return Err(self.peek_error(if is_object {
                            "expected `,` or `}`"
                        } else {
                            "expected `,` or `]`"
                        }));
                    }
                    Some(_) => break,
                    None => return Err(self.peek_error(if is_object { EOF_OBJECT } else { EOF_LIST })),
                }
                self.pos += 1;
                self.skipping.pop();
                match self.skipping.last() {
                    Some(&outer) => is_object = outer,
                    None => return Ok(()),
                }
                after_value = true;
            }
            if is_object {
                self.skip_whitespace();
                match self.peek() {
                    Some(b'"') => self.skip_string()?,
                    Some(_) => return Err(self.peek_error("key must be a string")),
                    None => return Err(self.peek_error(EOF_OBJECT)),
                }
                self.skip_whitespace();
                match self.peek() {
                    Some(b':') => self.pos += 1,
                    Some(_) => return Err(self.peek_error("expected `:`")),
                    None => return Err(self.peek_error(EOF_OBJECT)),
                }
            }
        }
    }

    /// Reads a string as raw bytes, accepting control characters and lone
    /// surrogates as serde_json does for byte strings (the interner replaces
    /// what is not UTF-8, and counts it).
    #[inline]
    pub fn string_bytes(&mut self, expected: &str) -> Result<Cow<'a, [u8]>, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type(expected));
        }
        self.string(Mode::Bytes)
    }

    /// Reads a string that must be UTF-8, without control characters or lone surrogates.
    pub fn string_text(&mut self, expected: &str) -> Result<Cow<'a, str>, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type(expected));
        }
        let bytes = self.string(Mode::Checked)?;
        self.utf8(bytes)
    }

    /// Reads a string as [`Cursor::string_text`] does (the same checks, the
    /// same errors) but hands back its bytes: text that is ASCII, as nearly
    /// all of it is, needs no UTF-8 decoding, and the interner takes bytes.
    #[inline]
    pub fn string_utf8(&mut self, expected: &str) -> Result<Cow<'a, [u8]>, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type(expected));
        }
        let bytes = self.string(Mode::Checked)?;
        if !bytes.is_ascii()
            && let Err(error) = std::str::from_utf8(&bytes)
        {
            return Err(invalid_utf8(self.pos, bytes.len(), error));
        }
        Ok(bytes)
    }

    fn utf8(&self, bytes: Cow<'a, [u8]>) -> Result<Cow<'a, str>, JsonError> {
        let len = bytes.len();
        match bytes {
            Cow::Borrowed(bytes) => std::str::from_utf8(bytes).map(Cow::Borrowed),
            Cow::Owned(bytes) => String::from_utf8(bytes).map(Cow::Owned).map_err(|e| e.utf8_error()),
        }
        .map_err(|e| invalid_utf8(self.pos, len, e))
    }

    /// Reads the string whose opening quote is at the cursor.
    #[inline]
    fn string(&mut self, mode: Mode) -> Result<Cow<'a, [u8]>, JsonError> {
        let start = self.pos + 1;
        let end = match mode {
            Mode::Bytes => find_special::<false, false>(self.bytes, start),
            Mode::Checked => find_special::<true, false>(self.bytes, start),
        };
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return Ok(Cow::Borrowed(self.bytes.get(start..end).unwrap_or_default()));
        }
        self.string_with_escapes(start, end, mode).map(Cow::Owned)
    }

    /// The rest of [`Cursor::string`] once it met a backslash, a control character or the end.
    #[cold]
    #[inline(never)]
    fn string_with_escapes(&mut self, start: usize, mut end: usize, mode: Mode) -> Result<Vec<u8>, JsonError> {
        let mut out = Vec::new();
        let mut from = start;
        loop {
            out.extend_from_slice(self.bytes.get(from..end).unwrap_or_default());
            match self.bytes.get(end) {
                None => return Err(JsonError::at(self.bytes.len(), EOF_STRING)),
                Some(b'"') => {
                    self.pos = end + 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos = end + 1;
                    self.escape(&mut out, mode)?;
                    from = self.pos;
                }
                Some(_) => return Err(JsonError::at(end + 1, CONTROL_CHARACTER)),
            }
            end = match mode {
                Mode::Bytes => find_special::<false, false>(self.bytes, from),
                Mode::Checked => find_special::<true, false>(self.bytes, from),
            };
        }
    }

    /// Decodes the escape after a backslash (serde_json's `parse_escape`).
    fn escape(&mut self, out: &mut Vec<u8>, mode: Mode) -> Result<(), JsonError> {
        let Some(c) = self.peek() else {
            return Err(JsonError::at(self.bytes.len(), EOF_STRING));
        };
        self.pos += 1;
        out.push(match c {
            b'"' | b'\\' | b'/' => c,
            b'b' => b'\x08',
            b'f' => b'\x0c',
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode_escape(out, mode),
            _ => return Err(self.error(INVALID_ESCAPE)),
        });
        Ok(())
    }

    /// Decodes `\uXXXX` (and its low surrogate, if any) after `\u`. Byte
    /// strings keep lone surrogates as WTF-8, as serde_json does.
    fn unicode_escape(&mut self, out: &mut Vec<u8>, mode: Mode) -> Result<(), JsonError> {
        let checked = mode == Mode::Checked;
        let mut n = self.hex4()?;
        if checked && (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.error(LONE_SURROGATE));
        }
        loop {
            if !(0xD800..=0xDBFF).contains(&n) {
                push_wtf8(u32::from(n), out);
                return Ok(());
            }
            let high = n;
            for expected in [b'\\', b'u'] {
                match self.peek() {
                    None => return Err(JsonError::at(self.bytes.len(), EOF_STRING)),
                    Some(b) if b == expected => self.pos += 1,
                    Some(_) if checked => {
                        self.pos += 1;
                        return Err(self.error(END_OF_HEX_ESCAPE));
                    }
                    Some(_) => {
                        push_wtf8(u32::from(high), out);
                        // After `\`, a plain escape (not `\u`: no recursion) follows.
                        return if expected == b'u' {
                            self.escape(out, mode)
                        } else {
                            Ok(())
                        };
                    }
                }
            }
            let low = self.hex4()?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                if checked {
                    return Err(self.error(LONE_SURROGATE));
                }
                push_wtf8(u32::from(high), out);
                n = low;
                continue;
            }
            push_wtf8(
                ((u32::from(high - 0xD800) << 10) | u32::from(low - 0xDC00)) + 0x1_0000,
                out,
            );
            return Ok(());
        }
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let Some(digits) = self.bytes.get(self.pos..self.pos + 4) else {
            self.pos = self.bytes.len();
            return Err(self.error(EOF_STRING));
        };
        self.pos += 4;
        let value = digits.iter().try_fold(0u16, |value, &b| {
            let digit = (b as char).to_digit(16)?;
            Some((value << 4) | digit as u16)
        });
        value.ok_or_else(|| self.error(INVALID_ESCAPE))
    }

    /// Skips a string, checking its escapes but not its UTF-8 (serde_json's `ignore_str`).
    fn skip_string(&mut self) -> Result<(), JsonError> {
        self.pos += 1;
        loop {
            self.pos = find_special::<true, false>(self.bytes, self.pos);
            match self.peek() {
                None => return Err(self.error(EOF_STRING)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        None => return Err(JsonError::at(self.bytes.len(), EOF_STRING)),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 1,
                        Some(b'u') => {
                            self.pos += 1;
                            self.hex4()?;
                        }
                        Some(_) => {
                            self.pos += 1;
                            return Err(self.error(INVALID_ESCAPE));
                        }
                    }
                }
                Some(_) => return Err(self.error(CONTROL_CHARACTER)),
            }
        }
    }

    /// Reads a number (the cursor is on `-` or a digit) as serde_json would
    /// classify it; floats are rounded correctly.
    pub fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let mut value: u64 = 0;
        let mut overflow = false;
        match self.peek() {
            None => return Err(self.error(EOF_VALUE)),
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.peek_error(INVALID_NUMBER));
                }
            }
            Some(b'1'..=b'9') => {
                // Microsecond timestamps have 16 digits: two runs of eight
                // (which cannot overflow), then one by one.
                for _ in 0..2 {
                    let Some(digits) = self.bytes.get(self.pos..self.pos + 8).and_then(eight_digits) else {
                        break;
                    };
                    value = value * 100_000_000 + digits;
                    self.pos += 8;
                }
                while let Some(digit @ b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                    match push_digit(value, digit) {
                        Some(v) => value = v,
                        None => overflow = true,
                    }
                }
            }
            Some(_) => {
                self.pos += 1;
                return Err(self.error(INVALID_NUMBER));
            }
        }
        let mut float = overflow;
        let mut zero_significand = value == 0 && !overflow;
        if self.peek() == Some(b'.') {
            float = true;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                let detail = if self.peek().is_some() {
                    INVALID_NUMBER
                } else {
                    EOF_VALUE
                };
                return Err(self.peek_error(detail));
            }
            let fraction = self.pos;
            self.skip_digits();
            zero_significand &= self
                .bytes
                .get(fraction..self.pos)
                .is_some_and(|d| d.iter().all(|&b| b == b'0'));
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            let exponent = self.pos;
            self.exponent(EOF_VALUE)?;
            if !zero_significand {
                self.exponent_overflow(exponent)?;
            }
        }
        if !float {
            if !negative {
                return Ok(Number::U64(value));
            }
            // `-0` and integers below i64::MIN are floats, as in serde_json.
            if value != 0 && value <= 1 << 63 {
                return Ok(Number::I64(0i64.wrapping_sub_unsigned(value)));
            }
        }
        let text = self.bytes.get(start..self.pos).unwrap_or_default();
        let parsed = std::str::from_utf8(text).ok().and_then(|t| t.parse::<f64>().ok());
        match parsed {
            Some(v) if v.is_finite() => Ok(Number::F64(v)),
            _ => Err(self.error("number out of range")),
        }
    }

    /// serde_json refuses a positive exponent beyond `i32::MAX` as soon as it
    /// reads the digit that overflows, before the rest of the number: the
    /// error points there. `at` is the `e` of an exponent already read.
    fn exponent_overflow(&self, at: usize) -> Result<(), JsonError> {
        let mut i = at + 1;
        match self.bytes.get(i) {
            Some(b'-') => return Ok(()),
            Some(b'+') => i += 1,
            _ => {}
        }
        let mut exponent: i32 = 0;
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(i) {
            i += 1;
            let digit = i32::from(digit - b'0');
            if exponent >= i32::MAX / 10 && (exponent > i32::MAX / 10 || digit > i32::MAX % 10) {
                return Err(JsonError::at(i, "number out of range"));
            }
            exponent = exponent * 10 + digit;
        }
        Ok(())
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips a number, checking only its syntax (serde_json's `ignore_integer`).
    fn skip_number(&mut self) -> Result<(), JsonError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.peek_error(INVALID_NUMBER));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            Some(_) => {
                self.pos += 1;
                return Err(self.error(INVALID_NUMBER));
            }
            None => return Err(self.error(INVALID_NUMBER)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.peek_error(INVALID_NUMBER));
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            // serde_json words the end of input here unlike where it reads numbers.
            self.exponent(INVALID_NUMBER)?;
        }
        Ok(())
    }

    /// Reads an exponent (the cursor is on `e` or `E`); `eof` says the input ended too soon.
    fn exponent(&mut self, eof: &str) -> Result<(), JsonError> {
        self.pos += 1;
        if let Some(b'+' | b'-') = self.peek() {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.skip_digits();
                Ok(())
            }
            Some(_) => {
                self.pos += 1;
                Err(self.error(INVALID_NUMBER))
            }
            None => Err(self.error(eof)),
        }
    }

    /// Reads a string of ASCII digits as a `u64` if that is exactly what comes
    /// next (the common form of OTLP timestamps); otherwise reads nothing.
    #[inline]
    pub fn quoted_u64(&mut self) -> Option<u64> {
        // Checked first: an unquoted number would be decoded for nothing.
        if self.peek() != Some(b'"') {
            return None;
        }
        let mut i = self.pos + 1;
        let mut value: u64 = 0;
        // Nanosecond timestamps have 19 digits: two runs of eight, then one by one.
        for _ in 0..2 {
            let Some(digits) = self.bytes.get(i..i + 8).and_then(eight_digits) else {
                break;
            };
            value = value * 100_000_000 + digits;
            i += 8;
        }
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(i) {
            value = push_digit(value, digit)?;
            i += 1;
        }
        if i == self.pos + 1 || self.bytes.get(i) != Some(&b'"') {
            return None;
        }
        self.pos = i + 1;
        Some(value)
    }

    /// Reads a string of exactly `digits` hex digits (any case, at most 32)
    /// if that is what comes next, and returns its value; reads nothing
    /// otherwise. Decoding checks every byte, so no scan for the closing
    /// quote is needed: what most IDs cost is the decoding alone.
    #[inline]
    pub fn hex_string(&mut self, digits: usize) -> Option<u128> {
        if self.peek() != Some(b'"') || self.bytes.get(self.pos + 1 + digits) != Some(&b'"') {
            return None;
        }
        let value = crate::ids::parse_strict_hex_bytes(self.bytes.get(self.pos + 1..self.pos + 1 + digits)?, digits)?;
        self.pos += digits + 2;
        Some(value)
    }

    /// Whether at least `levels` more objects or arrays may be opened.
    #[inline]
    pub fn can_nest(&self, levels: u32) -> bool {
        self.depth_left > levels
    }

    /// Skips whitespace, then reads `token` if it comes next. For fast paths
    /// over punctuation and known keys: nothing is opened or checked.
    #[inline(always)]
    pub fn eat(&mut self, token: &[u8]) -> bool {
        self.skip_whitespace();
        self.eat_exact(token)
    }

    /// Reads `text` if it comes next, whitespace and all (compact JSON has none).
    #[inline(always)]
    pub fn eat_exact(&mut self, text: &[u8]) -> bool {
        if self.bytes.get(self.pos..self.pos + text.len()) == Some(text) {
            self.pos += text.len();
            return true;
        }
        false
    }

    /// Skips whitespace, then reads a string without escapes, if that is
    /// what comes next, as [`Cursor::string_bytes`] would (control characters
    /// pass); `None` (cursor moved) otherwise.
    #[inline]
    pub fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.skip_whitespace();
        self.unescaped::<false, false>()
    }

    /// Reads a string of printable ASCII without escapes, if that is what
    /// comes next (no whitespace is skipped); reads nothing otherwise. Such
    /// text needs no further check: [`Cursor::string_utf8`] would read the
    /// same bytes. For fast paths over the usual text of a file.
    #[inline]
    pub fn ascii_string(&mut self) -> Option<&'a [u8]> {
        self.unescaped::<true, true>()
    }

    /// The string at the cursor if it holds none of what [`find_special`]
    /// looks for but its closing quote; reads nothing otherwise.
    #[inline(always)]
    fn unescaped<const CONTROL: bool, const NON_ASCII: bool>(&mut self) -> Option<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        let end = find_special::<CONTROL, NON_ASCII>(self.bytes, start);
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        self.bytes.get(start..end)
    }

    /// Runs a fast path, `read`, which reads a run of expected tokens and
    /// gives up (`None`) at anything else; then the cursor goes back to
    /// where it was, for the general reader. `read` must not open or close
    /// anything the cursor counts.
    #[inline(always)]
    pub fn attempt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let start = self.pos;
        let read = read(self);
        if read.is_none() {
            self.pos = start;
        }
        read
    }

    /// The byte at the cursor, to choose how to read a value.
    #[inline]
    pub fn next_byte(&self) -> Option<u8> {
        self.peek()
    }
}

/// How a string is read: as serde_json reads byte strings, or as it reads text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Control characters and lone surrogates pass.
    Bytes,
    /// Control characters and lone surrogates are errors (keys and text).
    Checked,
}

/// The index of the first `"` or `\` (and, with `CONTROL`, byte below 0x20;
/// with `NON_ASCII`, byte above 0x7F) at or after `from`, or the length:
/// eight bytes at a time.
#[inline(always)]
fn find_special<const CONTROL: bool, const NON_ASCII: bool>(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(chunk);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // A zero byte in `quote` or `backslash` sets its high bit here; false
        // positives can only follow a true one, and only the first counts.
        let mut found = (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash);
        if CONTROL {
            found |= word.wrapping_sub(ONES * 0x20) & !word;
        }
        if NON_ASCII {
            found |= word;
        }
        found &= HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || (CONTROL && b < 0x20) || (NON_ASCII && b > 0x7F) {
            return i;
        }
        i += 1;
    }
    i
}

/// `value * 10 + digit`, unless that overflows a `u64`. Compared against
/// the limit rather than with `checked_mul`, which on wasm32 calls a 128-bit
/// multiplication routine for every digit.
#[inline]
fn push_digit(value: u64, digit: u8) -> Option<u64> {
    const LIMIT: u64 = u64::MAX / 10;
    let digit = u64::from(digit - b'0');
    if value > LIMIT || (value == LIMIT && digit > u64::MAX % 10) {
        return None;
    }
    Some(value * 10 + digit)
}

/// The value of eight ASCII digits, if that is what `bytes` are (SWAR: all eight at once).
#[inline]
fn eight_digits(bytes: &[u8]) -> Option<u64> {
    let word = u64::from_le_bytes(<[u8; 8]>::try_from(bytes).ok()?);
    let digits = word.wrapping_sub(0x3030_3030_3030_3030);
    // A byte below '0' borrows into its high bit; one above '9' carries into it when 0x46 is added.
    if (digits | word.wrapping_add(0x4646_4646_4646_4646)) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    // Combine neighbours: pairs, then fours, then all eight (the first byte is the most significant digit).
    let pairs = (digits.wrapping_mul(10) + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let fours = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((fours.wrapping_mul(10_000) + (fours >> 32)) & 0xFFFF_FFFF)
}

/// Appends a code point as UTF-8, surrogates included (WTF-8), as serde_json does.
fn push_wtf8(n: u32, out: &mut Vec<u8>) {
    // Each `as u8` keeps the low bits on purpose.
    match n {
        0..=0x7F => out.push(n as u8),
        0x80..=0x7FF => out.extend_from_slice(&[0xC0 | (n >> 6) as u8, 0x80 | (n & 0x3F) as u8]),
        0x800..=0xFFFF => out.extend_from_slice(&[
            0xE0 | (n >> 12) as u8,
            0x80 | ((n >> 6) & 0x3F) as u8,
            0x80 | (n & 0x3F) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xF0 | ((n >> 18) & 0x07) as u8,
            0x80 | ((n >> 12) & 0x3F) as u8,
            0x80 | ((n >> 6) & 0x3F) as u8,
            0x80 | (n & 0x3F) as u8,
        ]),
    }
}

/// serde_json's error for a string of `len` bytes, ending at `end`, that is
/// not UTF-8: it points at the first bad byte (roughly, when there were escapes).
#[cold]
fn invalid_utf8(end: usize, len: usize, error: std::str::Utf8Error) -> JsonError {
    JsonError::at(
        end.saturating_sub(len - error.valid_up_to()),
        "invalid unicode code point",
    )
}

/// A float as serde names it in an error (`1.0`, not `1`).
pub(super) fn float_text(v: f64) -> String {
    // serde_json's own wording (exponents for large values: `1.8446744073709552e+19`).
    let error = <serde_json::Error as serde::de::Error>::invalid_type(serde::de::Unexpected::Float(v), &"");
    let named = error.to_string();
    named
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map_or_else(|| v.to_string(), |(text, _)| text.to_owned())
}

#[cfg(test)]
mod tests {
    //! The cursor against serde_json itself, which it must agree with.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde::de::{Deserializer as _, IgnoredAny, Visitor};

    /// What a reader made of a document: a value, or an error's line, column and message.
    fn outcome<T>(bytes: &[u8], result: Result<T, JsonError>) -> Result<T, (usize, usize, String)> {
        result.map_err(|error| {
            let (line, column) = error.line_column(bytes);
            (line, column, error.detail().to_owned())
        })
    }

    fn serde_outcome<T>(result: Result<T, serde_json::Error>) -> Result<T, (usize, usize, String)> {
        result.map_err(|error| {
            let message = crate::import::error::strip_position(&error.to_string());
            (error.line(), error.column(), message)
        })
    }

    /// serde_json's byte-string reading, as the old reader used it for names and IDs.
    fn serde_bytes(bytes: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
        }
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value = deserializer.deserialize_bytes(V)?;
        deserializer.end()?;
        Ok(value)
    }

    fn read<T>(bytes: &[u8], f: impl FnOnce(&mut Cursor<'_>) -> Result<T, JsonError>) -> Result<T, JsonError> {
        let mut cursor = Cursor::new(bytes);
        let value = f(&mut cursor)?;
        cursor.end()?;
        Ok(value)
    }

    const STRINGS: &[&[u8]] = &[
        br#""""#,
        br#""plain""#,
        br#""a \"quoted\" \\ \/ \b\f\n\r\t word""#,
        br#""\u00e9\u4e2d\ud83d\ude00 mixed""#,
        br#""\uD83D\uDE00""#,
        br#""lone \ud800 high""#,
        br#""lone \udc00 low""#,
        br#""high then escape \ud800\n""#,
        br#""two highs \ud800\ud801\udc00""#,
        br#""high at end \ud800""#,
        br#""bad \x escape""#,
        br#""bad \u12g4 hex""#,
        br#""short \u12"#,
        br#""unterminated"#,
        br#""unterminated \"#,
        b"\"raw\x01control\"",
        b"\"tab\tinside\"",
        b"\"caf\xc3\xa9\"",
        b"\"not utf8 \xff\xfe\"",
        b"\"escaped then not utf8 \\n \xff\"",
        br#""a long string that crosses several eight-byte words with an \"escape\" in the middle""#,
        br#"  "padded"  "#,
        br#""trailing" x"#,
        b"5",
        b"null",
    ];

    #[test]
    fn byte_strings_read_as_serde_reads_them() {
        for &json in STRINGS {
            let ours = outcome(json, read(json, |c| c.string_bytes("a string").map(Cow::into_owned)));
            let theirs = serde_outcome(serde_bytes(json));
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn text_strings_read_as_serde_reads_them() {
        for &json in STRINGS {
            let ours = outcome(json, read(json, |c| c.string_text("a string").map(Cow::into_owned)));
            let theirs = serde_outcome(serde_json::from_slice::<String>(json));
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn numbers_read_as_serde_reads_them() {
        for json in [
            "0",
            "-0",
            "7",
            "-7",
            "1.5",
            "-1.5e3",
            "1E+2",
            "2e-3",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "1e400",
            "-1e400",
            "151.559e+1542666453159000",
            "0.0e+1542666453159000",
            "1e-1542666453159000",
            "1e-400",
            "0.1",
            "01",
            "-",
            "1.",
            "1.e5",
            "1e",
            "1e+",
            "-a",
            "1x",
            "0x1F",
            "3.14159265358979",
            // Runs of eight digits read at once, and what may follow them.
            "12345678",
            "1234567890123456",
            "-1234567890123456",
            "1793610000667457.5",
            "1234567812345678e-3",
            "12345678123456781",
            "9999999999999999999",
            "99999999999999999999",
            "1234567a",
            "12345678.",
            "1234567812345678x",
            "0123456789",
        ] {
            let ours = outcome(json.as_bytes(), read(json.as_bytes(), |c| c.number()));
            let theirs = serde_outcome(serde_json::from_str::<serde_json::Number>(json)).map(|n| {
                match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => Number::U64(u),
                    (None, Some(i), _) => Number::I64(i),
                    (None, None, f) => Number::F64(f.unwrap()),
                }
            });
            assert_eq!(ours, theirs, "{json}");
        }
    }

    #[test]
    fn digits_accumulate_up_to_u64_max() {
        for value in [0, 1, u64::MAX / 10 - 1, u64::MAX / 10, u64::MAX / 10 + 1, u64::MAX] {
            for digit in b'0'..=b'9' {
                let expected = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(digit - b'0')));
                assert_eq!(push_digit(value, digit), expected, "{value} {digit}");
            }
        }
    }

    #[test]
    fn eight_digits_at_once() {
        assert_eq!(eight_digits(b"12345678"), Some(12_345_678));
        assert_eq!(eight_digits(b"00000000"), Some(0));
        assert_eq!(eight_digits(b"99999999"), Some(99_999_999));
        for bad in [
            b"1234567/",
            b"1234567:",
            b"a2345678",
            b"1234 678",
            b"\xb912345678"[..8].try_into().unwrap(),
        ] {
            assert_eq!(eight_digits(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        let mut cursor = Cursor::new(b"\"1700000000123456789\"");
        assert_eq!(cursor.quoted_u64(), Some(1_700_000_000_123_456_789));
        let mut cursor = Cursor::new(b"\"18446744073709551616\"");
        assert_eq!(cursor.quoted_u64(), None, "overflow is left to the careful reader");
        let mut cursor = Cursor::new(b"1700000000123456");
        assert_eq!(cursor.quoted_u64(), None, "an unquoted number is not read");
        assert_eq!(cursor.number().unwrap(), Number::U64(1_700_000_000_123_456));
    }

    #[test]
    fn ascii_strings_are_read_only_when_plain() {
        let mut cursor = Cursor::new(br#""http.route" "#);
        assert_eq!(cursor.ascii_string(), Some(&b"http.route"[..]));
        assert_eq!(cursor.ascii_string(), None, "whitespace is not skipped");
        for json in [
            &br#""a\"b""#[..],
            b"\"caf\xc3\xa9\"",
            b"\"0123456789abc\xc3\xa9def\"",
            b"\"a\tb\"",
            b"\"0123456789\x01abcdef\"",
            br#""unterminated"#,
            br#"12"#,
        ] {
            let mut cursor = Cursor::new(json);
            assert_eq!(cursor.ascii_string(), None, "{}", String::from_utf8_lossy(json));
            assert_eq!(cursor.pos, 0, "nothing read");
        }
        let long = br#""0123456789abcdefghijklmnopqrstuvwxyz~ ""#;
        assert_eq!(Cursor::new(long).ascii_string(), Some(&long[1..long.len() - 1]));
    }

    /// Reads any value with the cursor's own readers (not skipping), as a tree-less walk.
    fn walk(cursor: &mut Cursor<'_>) -> Result<(), JsonError> {
        match cursor.next_byte() {
            Some(b'{') => cursor.object("a map", |c, _| walk(c)),
            Some(b'[') => cursor.array("a list", |c, _| walk(c)),
            Some(b'"') => cursor.string_text("a string").map(drop),
            Some(b'-' | b'0'..=b'9') => cursor.number().map(drop),
            Some(b't' | b'f') => cursor.bool("a boolean").map(drop),
            Some(b'n') => cursor.null().map(drop),
            _ => Err(cursor.invalid_type("a value")),
        }
    }

    /// Documents with every kind of syntax error, and some without.
    fn documents() -> Vec<Vec<u8>> {
        let base: &[&[u8]] = &[
            br#"{"a": [1, -2.5e3, "x\n", true, false, null, {"b": {}}, []], "c": "\u00e9"}"#,
            b"[ ]",
            b" { } ",
            br#"{"a":1,}"#,
            br#"[1,]"#,
            br#"{"a" 1}"#,
            br#"{1:2}"#,
            br#"{"a":1 "b":2}"#,
            br#"[1 2]"#,
            br#"[nul]"#,
            br#"[tru, fals]"#,
            br#"{"a":}"#,
            br#"[-]"#,
            br#"[01]"#,
            br#"[1.]"#,
            br#"[1e]"#,
            br#"["\q"]"#,
            b"[\"\x01\"]",
            br#"[1] 2"#,
            br#"{,}"#,
            br#"[,1]"#,
            b"",
            b"   ",
            br#"}"#,
        ];
        let mut documents: Vec<Vec<u8>> = base.iter().map(|d| d.to_vec()).collect();
        // Every prefix of a document with every kind of value.
        let full = base[0];
        documents.extend((0..full.len()).map(|cut| full[..cut].to_vec()));
        documents
    }

    #[test]
    fn skipping_accepts_and_rejects_as_ignored_any() {
        for document in documents() {
            let ours = outcome(&document, read(&document, |c| c.skip_value()));
            let theirs = serde_outcome(serde_json::from_slice::<IgnoredAny>(&document).map(drop));
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&document));
        }
    }

    #[test]
    fn reading_accepts_and_rejects_as_serde_json() {
        for document in documents() {
            let ours = read(&document, walk);
            let theirs = serde_json::from_slice::<serde_json::Value>(&document);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "{}", String::from_utf8_lossy(&document));
            if let (Err(ours), Err(theirs)) = (ours, theirs) {
                let theirs_detail = crate::import::error::strip_position(&theirs.to_string());
                assert_eq!(ours.detail(), theirs_detail, "{}", String::from_utf8_lossy(&document));
                assert_eq!(ours.line_column(&document), (theirs.line(), theirs.column()));
            }
        }
    }

    #[test]
    fn depth_is_limited_like_serde_json_and_skipping_is_not() {
        for depth in [126, 127, 128, 129, 1000] {
            let document = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let ours = read(document.as_bytes(), walk);
            let theirs = serde_json::from_str::<serde_json::Value>(&document);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "depth {depth}");
            if let Err(error) = ours {
                assert_eq!(error.detail(), "recursion limit exceeded");
            }
            assert!(
                read(document.as_bytes(), |c| c.skip_value()).is_ok(),
                "skipped at depth {depth}"
            );
        }
    }

    #[test]
    fn containers_of_the_wrong_kind_fail_where_serde_says() {
        for json in ["{}", " {\"a\":1}", "[1]", "\n  [ ]"] {
            let ours = outcome(
                json.as_bytes(),
                read(json.as_bytes(), |c| c.array("a sequence", |c, _| c.skip_value())),
            );
            let theirs = serde_outcome(serde_json::from_str::<Vec<IgnoredAny>>(json).map(drop));
            if json.trim_start().starts_with('{') {
                assert_eq!(ours, theirs, "{json}");
            }
            let ours = outcome(
                json.as_bytes(),
                read(json.as_bytes(), |c| c.object("a map", |c, _| c.skip_value())),
            );
            let theirs =
                serde_outcome(serde_json::from_str::<std::collections::HashMap<String, IgnoredAny>>(json).map(drop));
            if json.trim_start().starts_with('[') {
                assert_eq!(ours, theirs, "{json}");
            }
        }
    }

    #[test]
    fn errors_name_the_path_to_the_value() {
        let document = br#"{"a": [{"b": 1}, {"b": tru}]}"#;
        let error = read(document, walk).unwrap_err();
        assert_eq!(error.path(), "a[1].b");
        assert_eq!(error.detail(), "expected ident");
    }
}
