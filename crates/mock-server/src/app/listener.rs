//! The mock's TCP listener: it lets through request lines with raw spaces (and `<`, `>`,
//! `"`) in the target, and gives each request a [`ConnectionHandle`] with which a fault can
//! drop the connection itself (the client then sees a reset or EOF, never a response).
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

use std::{
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{ready, Context, Poll},
};

use axum::serve::Listener;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
};

pub const RAW_SPACE_HEADER: &str = "x-mock-raw-space";
pub const INVALID_TARGET_HEADER: &str = "x-mock-invalid-target";
/// Lines longer than this are passed through untouched.
const MAX_LINE: usize = 16 * 1024;
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

/// Lets a request drop the connection it arrived on (the server hands it to each request
/// as `ConnectInfo<ConnectionHandle>`): once [`ConnectionHandle::drop_connection`] is called, every read and write of the connection fails, so hyper closes it without
/// sending anything more.
#[derive(Debug, Clone, Default)]
pub struct ConnectionHandle {
    dropped: Arc<AtomicBool>,
}

impl ConnectionHandle {
    pub fn drop_connection(&self) {
        self.dropped.store(true, Ordering::Relaxed);
    }

    fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn dropped_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection dropped by an injected fault",
    )
}

/// Wraps a stream and repairs request lines as they are read; writes pass through.
pub struct RawSpaceStream<S> {
    inner: S,
    handle: ConnectionHandle,
    /// Bytes of a possible request line not yet complete.
    line: Vec<u8>,
    /// Bytes ready for the reader, from `out_pos` on.
    out: Vec<u8>,
    out_pos: usize,
    /// Whether the next byte starts a line that may be a request line.
    at_line_start: bool,
    eof: bool,
}

impl<S> RawSpaceStream<S> {
    pub fn new(inner: S) -> Self {
        RawSpaceStream {
            inner,
            handle: ConnectionHandle::default(),
            line: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            at_line_start: true,
            eof: false,
        }
    }

    /// The handle a request uses to drop this connection.
    pub fn handle(&self) -> &ConnectionHandle {
        &self.handle
    }

    /// Moves bytes from `input` into `out`, holding back a possible request line until
    /// it is complete.
    fn process(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            if !self.at_line_start && self.line.is_empty() {
                match input.iter().position(|&b| b == b'\n') {
                    Some(end) => {
                        self.out.extend_from_slice(&input[..=end]);
                        input = &input[end + 1..];
                        self.at_line_start = true;
                    }
                    None => {
                        self.out.extend_from_slice(input);
                        return;
                    }
                }
                continue;
            }
            let end = input.iter().position(|&b| b == b'\n');
            let take = end.map_or(input.len(), |e| e + 1);
            self.line.extend_from_slice(&input[..take]);
            input = &input[take..];
            self.at_line_start = false;
            if end.is_some() {
                let line = std::mem::take(&mut self.line);
                self.out.extend_from_slice(&repair(&line));
                self.at_line_start = true;
            } else if !could_be_request_line(&self.line) || self.line.len() > MAX_LINE {
                self.out.append(&mut self.line);
            }
        }
    }
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
fn repair(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
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
    RAW_CHARS
        .iter()
        .find(|(raw, _)| *raw as u32 == u32::from(byte))
        .map(|(_, escape)| *escape)
}

/// Bytes no target may hold raw: controls, DEL, and anything beyond ASCII.
fn is_invalid_in_target(byte: u8) -> bool {
    !(0x20..0x7F).contains(&byte)
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
            let mut chunk = [0u8; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                this.eof = true;
            } else {
                let filled = read.filled().to_vec();
                this.process(&filled);
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for RawSpaceStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.handle.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
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
        if self.handle.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
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
    fn split_lines_headers_and_bodies_pass_unchanged() {
        let clean = "POST /v3/status/message HTTP/1.1\r\nHost: a b\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n";
        assert_eq!(rewrite(&[clean.as_bytes()]), clean);
        let got = rewrite(&[b"GET /a?t=1 ", b"2 HTTP/1.1\r", b"\nHost: x\r\n\r\n"]);
        assert_eq!(got, "GET /a?t=1%202 HTTP/1.1\r\nx-mock-raw-space: 1\r\nHost: x\r\n\r\n");
    }
}
