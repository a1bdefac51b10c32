//! TLS on the one port, for all five protocols: rustls offers ALPN `h2` and `http/1.1`, so browsers
//! and gRPC clients settle on HTTP/2 and older clients on HTTP/1.1 over the same listener.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::Context;
use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};

/// Reads a PEM certificate chain and private key into a server configuration with ALPN.
pub fn server_config(cert_path: &Path, key_path: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("--tls-cert {}: not a readable PEM certificate chain", cert_path.display()))?;
    anyhow::ensure!(!chain.is_empty(), "--tls-cert {}: no certificate in the file", cert_path.display());
    let key = PrivateKeyDer::from_pem_file(key_path)
        .with_context(|| format!("--tls-key {}: not a readable PEM private key", key_path.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("--tls-cert and --tls-key do not make a usable pair")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Wraps an acceptor so every accepted connection speaks TLS; the handshake runs on the
/// connection's own task, so a slow client never holds up the accept loop.
pub struct TlsAcceptor<A> {
    inner: A,
    tls: tokio_rustls::TlsAcceptor,
}

impl<A> TlsAcceptor<A> {
    pub fn new(inner: A, config: Arc<ServerConfig>) -> Self {
        TlsAcceptor { inner, tls: tokio_rustls::TlsAcceptor::from(config) }
    }
}

/// A client that has not finished its handshake by then is dropped, so idle sockets cannot pile up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl<A: Acceptor> Acceptor for TlsAcceptor<A> {
    type Io = TlsStream<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (stream, local, remote, _) = self.inner.accept().await?;
        let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.tls.accept(stream));
        let handshake = Box::pin(async move {
            handshake.await.map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out"))?
        });
        Ok((TlsStream::Handshaking(handshake), local, remote, Scheme::HTTPS))
    }
}

type Handshake<S> = Pin<Box<dyn Future<Output = io::Result<tokio_rustls::server::TlsStream<S>>> + Send>>;

/// A connection that finishes its TLS handshake on first use, then reads and writes through it.
pub enum TlsStream<S> {
    Handshaking(Handshake<S>),
    Ready(Box<tokio_rustls::server::TlsStream<S>>),
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream<S> {
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<&mut tokio_rustls::server::TlsStream<S>>> {
        if let TlsStream::Handshaking(handshake) = self {
            let stream = ready!(handshake.as_mut().poll(cx))?;
            *self = TlsStream::Ready(Box::new(stream));
        }
        match self {
            TlsStream::Ready(stream) => Poll::Ready(Ok(stream)),
            TlsStream::Handshaking(_) => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let stream = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(stream).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let stream = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let stream = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        let stream = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        let stream = ready!(self.get_mut().poll_ready(cx))?;
        Pin::new(stream).poll_shutdown(cx)
    }
}
