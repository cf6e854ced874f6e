//! The mock's TCP listener: it lets through request lines with raw spaces (and `<`, `>`,
//! `"`) in the target, and gives each connection a [`ConnectionHandle`] with which a fault
//! can drop it (the client then sees a reset or EOF, never a response) and that notes
//! what is written, for the idle watchdog.
//!
//! Some SDKs send `?begin_time=2026-11-02 10:10:10` without encoding the space [seen], and
//! Easemob's own doc sends `?ql=select+*+where+timestamp>1403164734226` with a raw `>`.
//! HTTP parsers (hyper's included) refuse such a request line, so the mock would answer
//! with a bodiless 400 that no SDK can read. This listener percent-encodes each such
//! character before hyper sees the line, and adds the header [`RAW_SPACE_HEADER`] so that
//! the request can still be told apart (the journal warns about it).
//!
//! A target with raw control or non-ASCII bytes would get the same bodiless 400; those
//! bytes are percent-encoded too, and the header [`INVALID_TARGET_HEADER`] added, so that
//! the mock itself refuses the request in the family's JSON shape (see `http_limits`).
//! Control bytes in a header line are replaced alike, with [`INVALID_HEADER_HEADER`].
//!
//! A head with more than [`MAX_HEADERS`] fields loses the fields beyond them and gains
//! [`HEADER_COUNT_HEADER`], so that the mock refuses it in JSON (431) while hyper parses
//! no more fields than fit its inline buffers: a field limit set on hyper itself makes it
//! allocate (and fill) an array that large for every request.

use std::{
    borrow::Cow,
    io,
    pin::Pin,
    task::{ready, Context, Poll},
};

use axum::serve::Listener;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
};

use super::connection::{dropped_error, ConnectionHandle};

pub const RAW_SPACE_HEADER: &str = "x-mock-raw-space";
pub const INVALID_TARGET_HEADER: &str = "x-mock-invalid-target";
/// Marks a request a header line of which held control bytes (replaced by `?`).
pub const INVALID_HEADER_HEADER: &str = "x-mock-invalid-header";
/// The most header fields a request may have; more get 431 (see `http_limits`). Fields
/// beyond it are dropped here, and at most four marker fields added, so that hyper never
/// parses more than its default of 100: a larger limit on hyper costs every request an
/// allocation.
pub const MAX_HEADERS: usize = 96;
/// Marks a request with more header fields than [`MAX_HEADERS`]; its value is how many.
pub const HEADER_COUNT_HEADER: &str = "x-mock-header-count";
/// Lines longer than this are passed through untouched (and framing is given up): as
/// long as hyper's own longest request target, so that every target hyper would read is
/// repaired first, and the limits layer can answer an over-long one in JSON.
const MAX_LINE: usize = 64 * 1024;
/// Characters clients send raw in a target that `http::Uri` refuses, with their escapes.
const RAW_CHARS: [(char, &str); 4] = [(' ', "%20"), ('<', "%3C"), ('>', "%3E"), ('"', "%22")];

pub struct RawSpaceListener(pub TcpListener);

impl Listener for RawSpaceListener {
    type Io = RawSpaceStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        let _ = stream.set_nodelay(true);
        (RawSpaceStream::new(stream), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// Wraps a stream and repairs request lines (and header lines with control bytes) as
/// they are read; writes pass through. It follows the messages' framing (bodies by
/// `Content-Length` or chunked), so that on a kept-alive connection a body never passes
/// for the next request line, nor the next request line for a body.
pub struct RawSpaceStream<S> {
    inner: S,
    handle: ConnectionHandle,
    /// A copy of what a read brought that must be rewritten (reused from read to read).
    scratch: Vec<u8>,
    /// Bytes of a line not yet complete.
    line: Vec<u8>,
    /// Bytes ready for the reader, from `out_pos` on.
    out: Vec<u8>,
    out_pos: usize,
    framing: Framing,
    eof: bool,
}

/// Where the stream stands in the messages it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// A message head, its request line next.
    RequestLine,
    /// A message head's header lines.
    Head(Head),
    /// `remaining` bytes of a body with a `Content-Length`.
    Body { remaining: u64 },
    /// A chunked body's size line next.
    ChunkSize,
    /// `remaining` bytes of a chunk's data and its CRLF.
    ChunkData { remaining: u64 },
    /// The trailer lines after the last chunk.
    Trailers,
    /// Framing lost (a line too long, an unreadable length): every byte passes unchanged
    /// and hyper judges the rest.
    Opaque,
}

/// What the header lines of a head have shown so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Head {
    body: BodyKind,
    fields: usize,
    /// Whether a line held control bytes.
    invalid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum BodyKind {
    #[default]
    None,
    Length(u64),
    Chunked,
}

const NEXT_MESSAGE: Framing = Framing::RequestLine;

impl<S> RawSpaceStream<S> {
    pub fn new(inner: S) -> Self {
        RawSpaceStream {
            inner,
            handle: ConnectionHandle::default(),
            scratch: Vec::new(),
            line: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            framing: NEXT_MESSAGE,
            eof: false,
        }
    }

    /// The handle a request uses to drop this connection.
    pub fn handle(&self) -> &ConnectionHandle {
        &self.handle
    }

    /// Whether `read`, all that the reader has not seen yet, needs no rewriting: the rest
    /// of a body, or one whole head whose lines all pass as they are followed by no more
    /// than the body it announces. The framing then moves past it; otherwise it is left
    /// as it was.
    fn passes_unchanged(&mut self, read: &[u8]) -> bool {
        match self.framing {
            Framing::Body { remaining } if read.len() as u64 <= remaining => {
                let left = remaining - read.len() as u64;
                self.framing = if left == 0 {
                    NEXT_MESSAGE
                } else {
                    Framing::Body { remaining: left }
                };
                true
            }
            Framing::RequestLine => match plain_message(read) {
                Some(next) => {
                    self.framing = next;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Moves bytes from `input` into `out`, holding back each line of a head until it is
    /// complete (a line is at most [`MAX_LINE`] bytes; a longer one ends the framing).
    fn process(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            match self.framing {
                Framing::Opaque => {
                    self.out.extend_from_slice(input);
                    return;
                }
                Framing::Body { remaining } | Framing::ChunkData { remaining } => {
                    let n = input.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    self.out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    let left = remaining - n as u64;
                    self.framing = match (self.framing, left) {
                        (Framing::Body { .. }, 0) => NEXT_MESSAGE,
                        (Framing::Body { .. }, _) => Framing::Body { remaining: left },
                        (_, 0) => Framing::ChunkSize,
                        (_, _) => Framing::ChunkData { remaining: left },
                    };
                }
                _ => {
                    let end = input.iter().position(|&b| b == b'\n');
                    let take = end.map_or(input.len(), |e| e + 1);
                    let (piece, rest) = input.split_at(take);
                    input = rest;
                    if end.is_some() && self.line.is_empty() {
                        self.on_line(piece);
                    } else if end.is_some() {
                        let mut line = std::mem::take(&mut self.line);
                        line.extend_from_slice(piece);
                        self.on_line(&line);
                        line.clear();
                        self.line = line;
                    } else if self.line.len() + piece.len() > MAX_LINE {
                        self.line.extend_from_slice(piece);
                        self.out.append(&mut self.line);
                        self.framing = Framing::Opaque;
                    } else {
                        self.line.extend_from_slice(piece);
                    }
                }
            }
        }
    }

    /// A complete line of a head, a chunk size or a trailer.
    fn on_line(&mut self, line: &[u8]) {
        let blank = matches!(line, b"\r\n" | b"\n");
        let (output, next) = match self.framing {
            // Blank lines before a request line are tolerated, as hyper does.
            Framing::RequestLine if blank => (line.into(), NEXT_MESSAGE),
            Framing::RequestLine => (repair(line), Framing::Head(Head::default())),
            Framing::Head(head) if blank => (end_of_head(line, head), after_head(head.body)),
            Framing::Head(head) => header_line(line, head),
            Framing::ChunkSize => (line.into(), chunk_size(line).map_or(Framing::Opaque, after_chunk_size)),
            Framing::Trailers if blank => (line.into(), NEXT_MESSAGE),
            other => (line.into(), other),
        };
        self.out.extend_from_slice(&output);
        self.framing = next;
    }
}

/// Where the framing stands after `bytes` when they are one head that the line-by-line
/// rewriting would leave as it is — a request line whose target needs no escape, at most
/// [`MAX_HEADERS`] header lines without control bytes, at most one announcing a body, by
/// its length — and no more than that body; `None` otherwise. Written to be quick
/// (`memchr`, word-at-a-time byte checks): most requests pass here, bodies and all.
fn plain_message(bytes: &[u8]) -> Option<Framing> {
    let head_end = memchr::memmem::find(bytes, b"\r\n\r\n")? + 4;
    let sent = (bytes.len() - head_end) as u64;
    match plain_head_body(&bytes[..head_end])? {
        BodyKind::None if sent == 0 => Some(NEXT_MESSAGE),
        BodyKind::Length(length) if sent == length => Some(NEXT_MESSAGE),
        BodyKind::Length(length) if sent < length => Some(Framing::Body {
            remaining: length - sent,
        }),
        _ => None,
    }
}

/// The body a plain head announces (see [`plain_message`]); `None` if it is not plain.
fn plain_head_body(head: &[u8]) -> Option<BodyKind> {
    let head = head.strip_suffix(b"\r\n\r\n")?;
    let (mut start, mut fields, mut body) = (0, 0, BodyKind::None);
    for end in memchr::memchr_iter(b'\n', head).chain([head.len()]) {
        let line = &head[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if start == 0 {
            if !is_plain_request_line(line) {
                return None;
            }
        } else {
            fields += 1;
            if fields > MAX_HEADERS || !is_plain_field(line) {
                return None;
            }
            body = match (body, announced_body(line, BodyKind::None)?) {
                (body, BodyKind::None) => body,
                (BodyKind::None, BodyKind::Length(length)) => BodyKind::Length(length),
                _ => return None,
            };
        }
        start = end + 1;
    }
    Some(body)
}

/// `METHOD SP target SP HTTP/1.x`, with a target of printable ASCII that needs no escape.
fn is_plain_request_line(line: &[u8]) -> bool {
    let (Some(first), Some(last)) = (memchr::memchr(b' ', line), memchr::memrchr(b' ', line)) else {
        return false;
    };
    let target = &line[first.min(last) + 1..last.max(first)];
    first > 0
        && last > first
        && line.len() <= MAX_LINE
        && line[..first].iter().all(u8::is_ascii_uppercase)
        && line[last..].starts_with(b" HTTP/1.")
        && all_in(target, &PLAIN_IN_TARGET, |word| {
            has_byte_below(word, 0x21)
                || word & HIGH_BITS != 0
                || [0x7F, b'"', b'<', b'>'].into_iter().any(|b| has_byte(word, b))
        })
}

/// Whether every byte of `bytes` is in `table`, eight bytes at a time: only a word that
/// `suspect` flags (it may flag more than the table refuses, never less) is looked at
/// byte by byte.
fn all_in(bytes: &[u8], table: &[bool; 256], suspect: impl Fn(u64) -> bool) -> bool {
    let mut words = bytes.chunks_exact(8);
    let each_in = |bytes: &[u8]| bytes.iter().fold(true, |plain, &b| plain & table[usize::from(b)]);
    for word in &mut words {
        let value = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if suspect(value) && !each_in(word) {
            return false;
        }
    }
    each_in(words.remainder())
}

const LOW_BITS: u64 = u64::from_le_bytes([1; 8]);
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);

/// Whether a byte of `word` is below `n` (at most 0x80).
fn has_byte_below(word: u64, n: u8) -> bool {
    word.wrapping_sub(LOW_BITS * u64::from(n)) & !word & HIGH_BITS != 0
}

fn has_byte(word: u64, byte: u8) -> bool {
    has_byte_below(word ^ (LOW_BITS * u64::from(byte)), 1)
}

/// Per byte, whether a target may hold it as it is: one lookup a byte on the quick pass.
static PLAIN_IN_TARGET: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = !is_invalid_in_target(byte as u8) && !needs_escape(byte as u8);
        byte += 1;
    }
    table
};

/// Per byte, whether a header line may hold it.
static PLAIN_IN_HEADER: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = !is_invalid_in_header(byte as u8);
        byte += 1;
    }
    table
};

/// A header field without control bytes.
fn is_plain_field(line: &[u8]) -> bool {
    !line.is_empty()
        && all_in(line, &PLAIN_IN_HEADER, |word| {
            has_byte_below(word, 0x20) || has_byte(word, 0x7F)
        })
}

/// The blank line ending a head, after the marker fields its lines called for.
fn end_of_head(blank: &[u8], head: Head) -> Cow<'_, [u8]> {
    if head.fields <= MAX_HEADERS && !head.invalid {
        return blank.into();
    }
    let mut marked = Vec::new();
    if head.invalid {
        marked.extend_from_slice(format!("{INVALID_HEADER_HEADER}: 1\r\n").as_bytes());
    }
    if head.fields > MAX_HEADERS {
        marked.extend_from_slice(format!("{HEADER_COUNT_HEADER}: {}\r\n", head.fields).as_bytes());
    }
    marked.extend_from_slice(blank);
    marked.into()
}

/// What follows a head that announced `body`.
fn after_head(body: BodyKind) -> Framing {
    match body {
        BodyKind::None | BodyKind::Length(0) => NEXT_MESSAGE,
        BodyKind::Length(remaining) => Framing::Body { remaining },
        BodyKind::Chunked => Framing::ChunkSize,
    }
}

/// What follows a chunk-size line: the chunk and its CRLF, or the trailers after the last.
fn after_chunk_size(size: u64) -> Framing {
    match size {
        0 => Framing::Trailers,
        size => Framing::ChunkData {
            remaining: size.saturating_add(2),
        },
    }
}

/// A header line, with any control byte hyper would refuse replaced (the request is then
/// marked invalid at the end of its head), and what follows it: the head with the body
/// the line announces, or no framing when its length cannot be read. Lines beyond
/// [`MAX_HEADERS`] are dropped: the request is refused anyway.
fn header_line(line: &[u8], head: Head) -> (Cow<'_, [u8]>, Framing) {
    let content = line.strip_suffix(b"\n").unwrap_or(line);
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    let Some(body) = announced_body(content, head.body) else {
        return (line.into(), Framing::Opaque);
    };
    let invalid = content.iter().any(|&b| is_invalid_in_header(b));
    let head = Head {
        body,
        fields: head.fields + 1,
        invalid: head.invalid || invalid,
    };
    let output = if head.fields > MAX_HEADERS {
        Cow::Borrowed(&[][..])
    } else if invalid {
        let mut fixed: Vec<u8> = content
            .iter()
            .map(|&b| if is_invalid_in_header(b) { b'?' } else { b })
            .collect();
        fixed.extend_from_slice(b"\r\n");
        fixed.into()
    } else {
        line.into()
    };
    (output, Framing::Head(head))
}

/// The body a head announces once it has shown the header `content` (`None` when the
/// length cannot be read).
fn announced_body(content: &[u8], body: BodyKind) -> Option<BodyKind> {
    let Some(colon) = memchr::memchr(b':', content) else {
        return Some(body);
    };
    let (name, value) = (&content[..colon], &content[colon + 1..]);
    if name.eq_ignore_ascii_case(b"content-length") && body != BodyKind::Chunked {
        String::from_utf8_lossy(value).trim().parse().ok().map(BodyKind::Length)
    } else if name.eq_ignore_ascii_case(b"transfer-encoding")
        && value.windows(7).any(|w| w.eq_ignore_ascii_case(b"chunked"))
    {
        Some(BodyKind::Chunked)
    } else {
        Some(body)
    }
}

/// Control bytes no header line may hold (a tab may).
const fn is_invalid_in_header(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7F
}

/// The size a chunk-size line gives (hex, before any extension).
fn chunk_size(line: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(line).ok()?;
    let size = text.split(';').next()?.trim();
    u64::from_str_radix(size, 16).ok()
}

/// Whether `prefix` can still grow into `METHOD SP target SP HTTP/1.x`.
fn could_be_request_line(prefix: &[u8]) -> bool {
    match prefix.iter().position(|&b| b == b' ') {
        Some(space) => space > 0 && prefix[..space].iter().all(u8::is_ascii_uppercase),
        None => prefix.len() <= 10 && prefix.iter().all(|b| b.is_ascii_uppercase() || *b == b'\r'),
    }
}

/// A request line with raw spaces (or other [`RAW_CHARS`]) in its target gets them
/// percent-encoded and a marker header after it, and one with raw control or non-ASCII
/// bytes those bytes encoded and [`INVALID_TARGET_HEADER`]; any other line is returned as
/// it is.
fn repair(line: &[u8]) -> Cow<'_, [u8]> {
    if !could_be_request_line(line) {
        return line.into();
    }
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    let trimmed = &line[..end];
    let first = trimmed.iter().position(|&b| b == b' ');
    let last = trimmed.windows(8).rposition(|w| w == b" HTTP/1.");
    let (Some(first), Some(last)) = (first, last) else {
        return line.into();
    };
    if last <= first {
        return line.into();
    }
    let raw = &trimmed[first + 1..last];
    let spaces = raw.iter().any(|&b| raw_escape(b).is_some());
    let invalid = raw.iter().any(|&b| is_invalid_in_target(b));
    if !spaces && !invalid {
        return line.into();
    }
    let mut fixed = Vec::with_capacity(line.len() + 64);
    fixed.extend_from_slice(&trimmed[..=first]);
    for &byte in raw {
        match raw_escape(byte) {
            Some(escape) => fixed.extend_from_slice(escape.as_bytes()),
            None if is_invalid_in_target(byte) => fixed.extend_from_slice(format!("%{byte:02X}").as_bytes()),
            None => fixed.push(byte),
        }
    }
    fixed.extend_from_slice(&trimmed[last..]);
    fixed.extend_from_slice(b"\r\n");
    for (marked, header) in [(spaces, RAW_SPACE_HEADER), (invalid, INVALID_TARGET_HEADER)] {
        if marked {
            fixed.extend_from_slice(format!("{header}: 1\r\n").as_bytes());
        }
    }
    fixed.into()
}

fn raw_escape(byte: u8) -> Option<&'static str> {
    if !needs_escape(byte) {
        return None;
    }
    RAW_CHARS
        .iter()
        .find(|(raw, _)| *raw as u32 == u32::from(byte))
        .map(|(_, escape)| *escape)
}

/// Bytes no target may hold raw: controls, DEL, and anything beyond ASCII.
const fn is_invalid_in_target(byte: u8) -> bool {
    byte < 0x20 || byte >= 0x7F
}

/// Bytes a target may not hold raw though many clients send them so ([`RAW_CHARS`]).
const fn needs_escape(byte: u8) -> bool {
    matches!(byte, b' ' | b'<' | b'>' | b'"')
}

impl<S: AsyncRead + Unpin> AsyncRead for RawSpaceStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.handle.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        loop {
            if this.out_pos < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.out_pos);
                buf.put_slice(&this.out[this.out_pos..this.out_pos + n]);
                this.out_pos += n;
                if this.out_pos == this.out.len() {
                    this.out.clear();
                    this.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                // Pass on whatever partial line was held back, then EOF.
                if !this.line.is_empty() {
                    this.out.append(&mut this.line);
                    continue;
                }
                return Poll::Ready(Ok(()));
            }
            // Read straight into the reader's buffer: what passes unchanged (most
            // requests) stays there, and only what must be rewritten is copied out.
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            let read = &buf.filled()[before..];
            if read.is_empty() {
                this.eof = true;
                continue;
            }
            if this.line.is_empty() && this.passes_unchanged(read) {
                return Poll::Ready(Ok(()));
            }
            this.scratch.clear();
            this.scratch.extend_from_slice(read);
            buf.set_filled(before);
            let scratch = std::mem::take(&mut this.scratch);
            this.process(&scratch);
            this.scratch = scratch;
        }
    }
}

impl<S: AsyncWrite + Unpin> RawSpaceStream<S> {
    /// One write through `write`: refused once the connection is dropped, and noted for
    /// the idle watchdog when it wrote anything.
    fn write_with(&mut self, write: impl FnOnce(Pin<&mut S>) -> Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if self.handle.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        let written = write(Pin::new(&mut self.inner));
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.handle.moved();
        }
        written
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for RawSpaceStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.write_with(|inner| inner.poll_write(cx, buf))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_with(|inner| inner.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(chunks: &[&[u8]]) -> String {
        let mut stream = RawSpaceStream::new(());
        for chunk in chunks {
            stream.process(chunk);
        }
        stream.out.append(&mut stream.line);
        String::from_utf8(stream.out).unwrap()
    }

    /// What a reader gets from the stream over `input`, read with a large buffer (so that
    /// whole heads arrive in one read and may pass unchanged).
    async fn read_through(input: &[u8]) -> String {
        use tokio::io::AsyncReadExt;
        let mut stream = RawSpaceStream::new(input);
        let (mut out, mut buf) = (Vec::new(), vec![0; 1 << 16]);
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn reads_that_pass_unchanged_agree_with_the_line_by_line_rewriting() {
        let many_fields: String = (0..MAX_HEADERS + 1).map(|i| format!("X-{i}: 1\r\n")).collect();
        let inputs = [
            "GET /v3/received?msg_ids=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Basic eA==\r\n\r\n".to_owned(),
            "GET /v2/m?t=1 2 HTTP/1.1\r\nHost: a\r\n\r\n".to_owned(),
            "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n".to_owned(),
            "GET /a HTTP/1.1\r\nHost: \x01\r\n\r\n".to_owned(),
            "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /b c HTTP/1.1\r\n\r\n".to_owned(),
            "POST /a HTTP/1.1\r\nContent-Length: 20\r\n\r\nGET /b c HTTP/1.1\r\n\r\n".to_owned(),
            "POST /a HTTP/1.1\r\ncontent-length:  3 \r\n\r\n{}\n".to_owned(),
            "GET /a HTTP/1.1\r\n\r\nGET /b c HTTP/1.1\r\n\r\n".to_owned(),
            "\r\nGET /a b HTTP/1.1\r\n\r\n".to_owned(),
            format!("GET /a HTTP/1.1\r\n{many_fields}\r\n"),
        ];
        for input in inputs {
            let expected = rewrite(&[input.as_bytes()]);
            assert_eq!(read_through(input.as_bytes()).await, expected, "{input:?}");
        }
        let plain = "GET /v3/received?msg_ids=1 HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(plain_message(plain.as_bytes()), Some(NEXT_MESSAGE));
        assert_eq!(plain_message(b"GET /a b HTTP/1.1\r\n\r\n"), None);
        let post = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(plain_message(post), Some(Framing::Body { remaining: 5 }));
        let part = [post.as_slice(), b"{}"].concat();
        assert_eq!(plain_message(&part), Some(Framing::Body { remaining: 3 }));
        assert_eq!(
            plain_message(&[post.as_slice(), b"{\"a\"}"].concat()),
            Some(NEXT_MESSAGE)
        );
        let pipelined = [post.as_slice(), b"{\"a\"}G"].concat();
        assert_eq!(plain_message(&pipelined), None, "the next request is read line by line");
        let chunked = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(plain_message(chunked), None);
        let twice = b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n";
        assert_eq!(plain_message(twice), None, "left to hyper's judgement");
    }

    #[test]
    fn the_word_at_a_time_checks_agree_with_the_byte_tables() {
        for byte in 0..=255u8 {
            for len in [1, 7, 8, 9, 16, 23] {
                for at in 0..len {
                    let mut field = vec![b'a'; len];
                    field[at] = byte;
                    let header_ok = !is_invalid_in_header(byte);
                    assert_eq!(
                        is_plain_field(&field),
                        header_ok,
                        "header byte {byte:#x} at {at} of {len}"
                    );
                    let line = [b"GET /".as_slice(), &field, b" HTTP/1.1"].concat();
                    let target_ok = !is_invalid_in_target(byte) && !needs_escape(byte);
                    assert_eq!(
                        is_plain_request_line(&line),
                        target_ok,
                        "target byte {byte:#x} at {at} of {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_mark_is_one_of_the_mocks_own_headers() {
        let marks = [
            RAW_SPACE_HEADER,
            INVALID_TARGET_HEADER,
            INVALID_HEADER_HEADER,
            HEADER_COUNT_HEADER,
        ];
        for mark in marks {
            assert!(mark.starts_with(crate::control::redact::OWN_HEADER_PREFIX), "{mark}");
        }
    }

    #[test]
    fn raw_spaces_in_the_target_are_encoded_and_marked() {
        let got = rewrite(&[b"GET /v2/messages?begin_time=2026-11-02 10:10:10&x=1 HTTP/1.1\r\nHost: a\r\n\r\n"]);
        assert_eq!(
            got,
            "GET /v2/messages?begin_time=2026-11-02%2010:10:10&x=1 HTTP/1.1\r\nx-mock-raw-space: 1\r\nHost: a\r\n\r\n"
        );
    }

    #[test]
    fn raw_comparison_signs_and_quotes_are_encoded() {
        let got = rewrite(&[b"GET /o/a/chatmessages?ql=select+*+where+timestamp>14&x=\"<\" HTTP/1.1\r\n\r\n"]);
        assert_eq!(
            got,
            "GET /o/a/chatmessages?ql=select+*+where+timestamp%3E14&x=%22%3C%22 HTTP/1.1\r\nx-mock-raw-space: 1\r\n\r\n"
        );
    }

    #[test]
    fn raw_control_and_non_ascii_bytes_are_encoded_and_marked_invalid() {
        let got = rewrite(&[b"GET /v3/rec\x01eived?a=\xe5\xbc\xa0 b HTTP/1.1\r\n\r\n"]);
        assert_eq!(
            got,
            "GET /v3/rec%01eived?a=%E5%BC%A0%20b HTTP/1.1\r\nx-mock-raw-space: 1\r\nx-mock-invalid-target: 1\r\n\r\n"
        );
    }

    #[test]
    fn a_body_without_a_final_newline_does_not_hide_the_next_request_line() {
        let got = rewrite(&[
            b"POST /v3/status/message HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            b"GET /v2/m?t=1 2 HTTP/1.1\r\n\r\n",
        ]);
        assert_eq!(
            got,
            "POST /v3/status/message HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}\
             GET /v2/m?t=1%202 HTTP/1.1\r\nx-mock-raw-space: 1\r\n\r\n"
        );
    }

    #[test]
    fn a_body_line_that_looks_like_a_request_line_is_left_alone() {
        let body = "GET /x y HTTP/1.1\n";
        let message = format!("POST /a HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        assert_eq!(rewrite(&[message.as_bytes()]), message);
    }

    #[test]
    fn chunked_bodies_are_followed_to_their_end() {
        let chunked = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n";
        let got = rewrite(&[chunked.as_bytes(), b"GET /b c HTTP/1.1\r\n\r\n"]);
        assert_eq!(
            got,
            format!("{chunked}GET /b%20c HTTP/1.1\r\nx-mock-raw-space: 1\r\n\r\n")
        );
    }

    #[test]
    fn control_bytes_in_a_header_are_replaced_and_the_request_marked_invalid() {
        let got = rewrite(&[b"GET /a HTTP/1.1\r\nAuthorization: Bearer \x7f\x01\r\n\r\n"]);
        assert_eq!(
            got,
            "GET /a HTTP/1.1\r\nAuthorization: Bearer ??\r\nx-mock-invalid-header: 1\r\n\r\n"
        );
    }

    #[test]
    fn fields_beyond_the_limit_are_dropped_and_counted() {
        let fields: String = (0..MAX_HEADERS + 5).map(|i| format!("X-{i}: \x01\r\n")).collect();
        let got = rewrite(&[format!("GET /a HTTP/1.1\r\n{fields}\r\nGET /b HTTP/1.1\r\n\r\n").as_bytes()]);
        let kept: String = (0..MAX_HEADERS).map(|i| format!("X-{i}: ?\r\n")).collect();
        let count = MAX_HEADERS + 5;
        assert_eq!(
            got,
            format!(
                "GET /a HTTP/1.1\r\n{kept}x-mock-invalid-header: 1\r\nx-mock-header-count: {count}\r\n\r\n\
                 GET /b HTTP/1.1\r\n\r\n"
            )
        );
    }

    #[test]
    fn split_lines_headers_and_bodies_pass_unchanged() {
        let clean = "POST /v3/status/message HTTP/1.1\r\nHost: a b\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n";
        assert_eq!(rewrite(&[clean.as_bytes()]), clean);
        let got = rewrite(&[b"GET /a?t=1 ", b"2 HTTP/1.1\r", b"\nHost: x\r\n\r\n"]);
        assert_eq!(got, "GET /a?t=1%202 HTTP/1.1\r\nx-mock-raw-space: 1\r\nHost: x\r\n\r\n");
    }
}
