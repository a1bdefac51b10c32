//! The recording socket: a wrapper around a TCP stream that keeps a copy of every byte written
//! and read, with the time it passed, underneath the ordinary client libraries (hyper,
//! tungstenite). What it records is the wire as it was; decoding for reading happens afterwards,
//! never on the path being timed.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "lowercase"))]
pub enum Direction {
    Sent,
    Received,
}

/// One read or write on the socket.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub at: Duration,
    pub direction: Direction,
    pub bytes: Vec<u8>,
}

/// Everything one exchange put on and took off the wire.
#[derive(Debug, Default)]
pub struct Tape {
    /// Whether bytes are kept, or only counted (capture off, for measuring its cost).
    pub keep: bool,
    pub chunks: Vec<Chunk>,
    pub sent: u64,
    pub received: u64,
    pub first_received: Option<Duration>,
}

impl Tape {
    /// The bytes of one direction, in order.
    pub fn joined(&self, direction: Direction) -> Vec<u8> {
        self.chunks.iter().filter(|chunk| chunk.direction == direction).flat_map(|c| c.bytes.iter().copied()).collect()
    }
}

/// The shared tape and the instant its timestamps count from.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub started: Instant,
    pub tape: Arc<Mutex<Tape>>,
}

impl Recorder {
    pub fn new(keep: bool) -> Recorder {
        Recorder { started: Instant::now(), tape: Arc::new(Mutex::new(Tape { keep, ..Tape::default() })) }
    }

    fn note(&self, direction: Direction, bytes: &[u8]) {
        let at = self.started.elapsed();
        let mut tape = self.tape.lock();
        match direction {
            Direction::Sent => tape.sent += bytes.len() as u64,
            Direction::Received => {
                tape.received += bytes.len() as u64;
                tape.first_received.get_or_insert(at);
            }
        }
        if tape.keep {
            tape.chunks.push(Chunk { at, direction, bytes: bytes.to_vec() });
        }
    }

    /// Wraps a connected socket so everything through it lands on this tape.
    pub fn wrap<S>(&self, inner: S) -> RecordingStream<S> {
        RecordingStream { inner, recorder: self.clone() }
    }
}

/// A socket that tells its recorder about every byte.
pub struct RecordingStream<S> {
    inner: S,
    recorder: Recorder,
}

impl<S: AsyncRead + Unpin> AsyncRead for RecordingStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.recorder.note(Direction::Received, &buf.filled()[before..]);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for RecordingStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = result {
            self.recorder.note(Direction::Sent, &buf[..written]);
        }
        result
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
