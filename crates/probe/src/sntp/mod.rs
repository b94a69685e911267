//! Clock skew by SNTP (RFC 4330): a KMS host refuses clients more than 4 hours off (0xC004F06C).

pub mod client;
pub mod packet;
