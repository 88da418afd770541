//! The program: the command line, the daemon and its scheduler (its wake-up call, its health
//! and metrics, its daily prune), and the demo. The top of the
//! stack: it may import every layer.

pub mod cli;
pub mod daemon;
pub mod demo;
pub mod health;
pub mod retention;
pub mod wake;

/// The async runtime every command runs on: one worker per core, and as many threads for
/// blocking work as there are cores (at least two). That work is reading pages (parsing,
/// extracting, compressing: CPU-bound) and the odd DNS lookup; more threads would only take
/// turns on the same cores, switching between them.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()
}
