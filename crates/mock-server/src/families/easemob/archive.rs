//! Hourly history files: gzip, one JSON message per line in ascending timestamp order,
//! exactly the app's messages of that hour (docs/SPEC.md §4). A file is a pure function
//! of (seed, app, hour); `cache` keeps the most recently served.

use std::io::{BufWriter, Write};

use bytes::Bytes;
use flate2::{write::GzEncoder, Compression};

use super::wire::Renderer;
use crate::dataset::chat::{ChatStream, Position, Scope, Window};

/// Builds the gzip file of every message in `window` (one hour).
pub fn build(renderer: &Renderer, stream: &ChatStream, window: Window) -> Bytes {
    let bytes = compress(renderer, stream, window);
    crate::kernel::allocator::release_freed();
    bytes
}

fn compress(renderer: &Renderer, stream: &ChatStream, window: Window) -> Bytes {
    // Fast compression: the files are made on demand and their size matters less than
    // the time a client waits for them.
    let gzip = GzEncoder::new(Vec::new(), Compression::fast());
    // The encoder does real work per write call; batch the many small JSON writes.
    let mut out = BufWriter::with_capacity(64 * 1024, gzip);
    for head in stream.scan(window, Scope::All, Position::start_of(window)) {
        serde_json::to_writer(&mut out, &renderer.message(&head)).expect("messages serialise into memory");
        out.write_all(b"\n").expect("writing to memory cannot fail");
    }
    let gzip = out.into_inner().expect("flushing into memory cannot fail");
    let mut bytes = gzip.finish().expect("finishing into memory cannot fail");
    // The buffer grew by doubling; the cache should hold the file, not the spare half.
    bytes.shrink_to_fit();
    bytes.into()
}
