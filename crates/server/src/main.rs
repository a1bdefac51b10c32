//! The `api-playground` binary: the allocator, then what `command` runs.

/// mimalloc instead of the system allocator: a request allocates and frees dozens of small
/// objects across two threads, which glibc's malloc serves markedly slower.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    api_playground::command::run()
}
