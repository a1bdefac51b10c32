//! The playground's own clients: one operation over each of the five protocols on a real,
//! recorded socket, for `compare`, `bench`, the page's compare endpoint and the tests. Knows the
//! contract and the wire, nothing of the server.
//!
//! - [`call`]: an operation and its arguments, parsed once
//! - [`requests`]: that call written as REST, GraphQL, gRPC, JSON-RPC and SOAP requests
//! - [`capture`]: the recording socket under the client libraries
//! - [`exchange`]: one request and its answer over a new connection (hyper, tungstenite)
//! - [`outcome`]: each protocol's status and the canonical code it carries
//! - [`decode`]: the tape made readable (HTTP/2 frames, HPACK, protobuf, WebSocket frames)
//! - [`copy_as`]: the same call as curl, grpcurl, websocat and Python
//! - [`compare`]: all five side by side
//! - [`walkthrough`]: the OAuth 2.0 authorization code flow, step by step, recorded
//! - [`bench`]: throughput and latency of every protocol

pub mod bench;
pub mod call;
pub mod capture;
pub mod compare;
pub mod copy_as;
pub mod decode;
pub mod exchange;
pub mod outcome;
pub mod requests;
pub mod walkthrough;

pub use call::{Call, Credential, Protocol};
