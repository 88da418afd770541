//! The network: the HTTP client with its timeouts, redirects, body limit, charset decoding,
//! conditional requests, retries with `Retry-After`, and per-host politeness. May import
//! `config`, `store` and `model`.

pub mod fetch;
