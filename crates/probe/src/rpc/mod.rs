//! The DCE/RPC bind that tells a KMS host from any other listener on TCP 1688.

pub mod client;
pub mod pdu;
