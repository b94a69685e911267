//! Whatever bytes a 64 KiB EVTX chunk holds, the selector classifies or gives up, never panics.
#![no_main]

use actdoc_logs::selector::{CHUNK_SIZE, select_chunk};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Start from a valid chunk header so the fuzzer spends its time inside records and templates.
    let mut chunk = vec![0u8; CHUNK_SIZE];
    chunk[..8].copy_from_slice(b"ElfChnk\0");
    chunk[48..52].copy_from_slice(&(CHUNK_SIZE as u32).to_le_bytes());
    let n = data.len().min(CHUNK_SIZE - 512);
    chunk[512..512 + n].copy_from_slice(&data[..n]);
    let _ = select_chunk(&chunk, |_| true);
    let _ = select_chunk(data, |_| true);
});
