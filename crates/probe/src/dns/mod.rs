//! DNS: the protocol (pure), one exchange with a server (I/O), the system's configuration, and
//! the lookups the checks need (SRV discovery, a host's addresses).

pub mod client;
pub mod lookup;
pub mod message;
pub mod system;
