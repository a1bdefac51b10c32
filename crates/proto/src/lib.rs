//! The gRPC contract, `proto/playground/v1`, compiled once for the server (which serves it) and
//! the clients (which call it and decode its bytes for display).

/// The messages, service traits and client stubs generated from `proto/playground/v1/*.proto`.
pub mod pb {
    tonic::include_proto!("playground.v1");
}

/// The compiled descriptors of `proto/`: served by reflection, and used to name the fields of
/// captured protobuf bytes.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/playground_descriptor.bin"));
