//! The program: the command line, the daemon and its scheduler, and the demo. The top of the
//! stack: it may import every layer.

pub mod cli;
pub mod daemon;
pub mod demo;
