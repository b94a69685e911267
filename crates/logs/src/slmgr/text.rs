//! Turns a saved slmgr output file into text. Users save it with whatever their shell does:
//! UTF-8 with or without BOM, UTF-16 with BOM from PowerShell's `>` (Windows PowerShell 5 writes
//! UTF-16LE), or the OEM code page from cmd's `>` (GBK on Simplified Chinese Windows). Bytes that
//! are not text are refused with the offset of the first one that gave the file away; nothing is
//! ever replaced with U+FFFD and read anyway.

use encoding_rs::{DecoderResult, GBK};

use super::SlmgrError;

#[derive(Debug, PartialEq, Eq)]
pub(super) struct Decoded {
    pub(super) text: String,
    /// `utf-8`, `utf-16le`, `utf-16be` or `gbk`.
    pub(super) encoding: &'static str,
}

/// Where and why a file stopped being text.
#[derive(Debug)]
struct Bad {
    offset: usize,
    why: String,
}

impl From<Bad> for SlmgrError {
    fn from(bad: Bad) -> SlmgrError {
        SlmgrError::NotSlmgr { why: bad.why, offset: bad.offset }
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Decoded, SlmgrError> {
    let decoded = if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8(body, 3).map(|text| Decoded { text, encoding: "utf-8" })
    } else if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(body, 2, false).map(|text| Decoded { text, encoding: "utf-16le" })
    } else if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(body, 2, true).map(|text| Decoded { text, encoding: "utf-16be" })
    } else if let Some(big_endian) = bomless_utf16(bytes) {
        utf16(bytes, 0, big_endian)
            .map(|text| Decoded { text, encoding: if big_endian { "utf-16be" } else { "utf-16le" } })
    } else {
        utf8_or_gbk(bytes)
    };
    decoded.map_err(SlmgrError::from)
}

/// Checks text that is already a string (pasted into the web form) the same way.
pub(super) fn check_str(text: &str) -> Result<(), SlmgrError> {
    first_junk_char(text, 0).map_or(Ok(()), |bad| Err(bad.into()))
}

/// Control characters do not occur in slmgr output; tab, form feed and line ends do in saved text.
fn is_junk(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')
}

fn junk(offset: usize, c: char) -> Bad {
    let why = if c == '\0' {
        "binary data: a NUL byte, which text never holds".to_string()
    } else {
        format!("binary data: control character U+{:04X}, which text never holds", u32::from(c))
    };
    Bad { offset, why }
}

fn first_junk_char(text: &str, start: usize) -> Option<Bad> {
    text.char_indices().find(|&(_, c)| is_junk(c)).map(|(at, c)| junk(start + at, c))
}

fn utf8(body: &[u8], start: usize) -> Result<String, Bad> {
    match std::str::from_utf8(body) {
        Ok(text) => first_junk_char(text, start).map_or_else(|| Ok(text.to_string()), Err),
        Err(error) => {
            let valid = error.valid_up_to();
            let prefix = body.get(..valid).and_then(|p| std::str::from_utf8(p).ok()).unwrap_or_default();
            Err(first_junk_char(prefix, start).unwrap_or_else(|| Bad {
                offset: start + valid,
                why: format!("byte 0x{:02X} is not UTF-8 text", body.get(valid).copied().unwrap_or_default()),
            }))
        }
    }
}

/// No BOM: UTF-8 if it is valid, else the Chinese OEM code page. When both fail, the reading that
/// got further names the offset, so a PNG's 0x89 (valid GBK lead byte) is not blamed.
fn utf8_or_gbk(bytes: &[u8]) -> Result<Decoded, Bad> {
    let utf8_bad = match utf8(bytes, 0) {
        Ok(text) => return Ok(Decoded { text, encoding: "utf-8" }),
        Err(bad) => bad,
    };
    match gbk(bytes) {
        Ok(text) => Ok(Decoded { text, encoding: "gbk" }),
        Err(gbk_bad) if gbk_bad.offset > utf8_bad.offset => Err(gbk_bad),
        Err(_) => Err(utf8_bad),
    }
}

fn gbk(bytes: &[u8]) -> Result<String, Bad> {
    // GBK multi-byte sequences never contain bytes below 0x30, so control bytes are ASCII ones.
    let junk_byte = bytes
        .iter()
        .position(|&b| is_junk(char::from(b)) && b < 0x80)
        .map(|at| junk(at, char::from(bytes.get(at).copied().unwrap_or_default())));
    let mut decoder = GBK.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len());
    let mut text = String::with_capacity(capacity);
    let mut read = 0;
    loop {
        let rest = bytes.get(read..).unwrap_or_default();
        let (result, consumed) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        read += consumed;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(rest.len().max(64)),
            DecoderResult::Malformed(length, after) => {
                let offset = read.saturating_sub(usize::from(length) + usize::from(after));
                let byte = bytes.get(offset).copied().unwrap_or_default();
                let bad = Bad { offset, why: format!("byte 0x{byte:02X} is neither UTF-8 nor GBK text") };
                return Err(junk_byte.filter(|j| j.offset < offset).unwrap_or(bad));
            }
        }
    }
    junk_byte.map_or(Ok(text), Err)
}

fn utf16(body: &[u8], start: usize, big_endian: bool) -> Result<String, Bad> {
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut unit = 0;
    for decoded in char::decode_utf16(units) {
        let offset = start + unit * 2;
        match decoded {
            Ok(c) if is_junk(c) => return Err(junk(offset, c)),
            Ok(c) => {
                text.push(c);
                unit += c.len_utf16();
            }
            Err(error) => {
                let why = format!("UTF-16 surrogate 0x{:04X} has no partner", error.unpaired_surrogate());
                return Err(Bad { offset, why });
            }
        }
    }
    if body.len() % 2 == 1 {
        let why = "UTF-16 text ends in half a character".to_string();
        return Err(Bad { offset: start + body.len() - 1, why });
    }
    Ok(text)
}

/// UTF-16 written without a BOM (some .NET and cmd `/u` writers): most code units of the first
/// kilobyte are ASCII, so every other byte is zero. Starting with an ASCII unit keeps binary
/// files full of small integers on the UTF-8 path.
fn bomless_utf16(bytes: &[u8]) -> Option<bool> {
    let head = bytes.get(..bytes.len().min(1024) & !1)?;
    let pairs = head.chunks_exact(2);
    let total = pairs.len();
    if total < 2 {
        return None;
    }
    let little_endian_ascii = pairs.clone().filter(|p| p[0] != 0 && p[1] == 0).count();
    let big_endian_ascii = pairs.filter(|p| p[0] == 0 && p[1] != 0).count();
    match head {
        [a, 0, ..] if *a != 0 && little_endian_ascii * 2 > total => Some(false),
        [0, b, ..] if *b != 0 && big_endian_ascii * 2 > total => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(bytes: &[u8]) -> usize {
        match decode(bytes) {
            Err(SlmgrError::NotSlmgr { offset, .. }) => offset,
            Ok(decoded) => panic!("decoded as {}: {:?}", decoded.encoding, decoded.text),
        }
    }

    #[test]
    fn every_way_a_shell_saves_text() {
        let little: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("名称: x".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let big: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("名称: x".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        let bomless: Vec<u8> = "Name: x".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let (gbk, _, _) = GBK.encode("名称: x");
        for (bytes, encoding) in [
            (&b"\xEF\xBB\xBFName: x"[..], "utf-8"),
            (b"Name: x", "utf-8"),
            (&little, "utf-16le"),
            (&big, "utf-16be"),
            (&bomless, "utf-16le"),
            (&gbk, "gbk"),
        ] {
            let decoded = decode(bytes).unwrap();
            assert_eq!(decoded.encoding, encoding);
            assert!(decoded.text.ends_with(": x"), "{encoding}: {:?}", decoded.text);
        }
    }

    #[test]
    fn junk_is_refused_at_its_first_bad_byte() {
        assert_eq!(offset(b"Name: x\0\0"), 7);
        assert_eq!(offset(b"Name: \x1b[31m"), 6);
        assert_eq!(offset(b"License Status: Licensed\n\xFF\xFF"), 25);
        assert_eq!(offset(b"\xEF\xBB\xBFName: \xC3"), 9);
        assert_eq!(offset(b"\xFF\xFEN\x00a\x00\x00"), 6);
        assert_eq!(offset(b"\xFF\xFE\x00\xD8a\x00"), 2);
        // PNG signature: 0x89 0x50 is a GBK character, the 0x1A after "NG\r\n" is not text.
        assert_eq!(offset(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), 6);
    }
}
