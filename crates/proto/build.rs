//! Compiles `proto/` with protox (pure Rust, no system `protoc`): the descriptor set feeds both
//! the generated tonic code and gRPC server reflection.

use std::path::PathBuf;

use protox::prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from("../../proto");
    let files = [
        "playground/v1/users.proto",
        "playground/v1/products.proto",
        "playground/v1/orders.proto",
        "playground/v1/events.proto",
        "playground/v1/admin.proto",
        "playground/v1/webhooks.proto",
    ];
    println!("cargo:rerun-if-changed={}", proto_root.display());
    let descriptors = protox::compile(files, [&proto_root])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("playground_descriptor.bin"), descriptors.encode_to_vec())?;
    tonic_prost_build::configure().build_transport(false).compile_fds(descriptors)?;
    Ok(())
}
