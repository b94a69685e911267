//! Turns a saved slmgr output file into text. Users save it with whatever their shell does:
//! UTF-8 with or without BOM, UTF-16 with BOM from PowerShell's `>` (Windows PowerShell 5 writes
//! UTF-16LE), or the OEM code page from cmd's `>` (GBK on Simplified Chinese Windows). Binary data
//! (NUL and control bytes) is refused with the offset of the first byte that gave it away; a bad
//! UTF-16 unit or GBK byte in otherwise good text is read as U+FFFD and reported with its offset,
//! as the event XML reader does, rather than losing the whole file.

use encoding_rs::{DecoderResult, GBK};

use super::SlmgrError;

#[derive(Debug, PartialEq, Eq)]
pub(super) struct Decoded {
    pub(super) text: String,
    /// `utf-8`, `utf-16le`, `utf-16be` or `gbk`.
    pub(super) encoding: &'static str,
    /// The first byte that was not text in the encoding, read as U+FFFD: (offset, why).
    pub(super) replaced: Option<(usize, String)>,
}

/// Where and why a file stopped being text.
#[derive(Debug)]
struct Bad {
    offset: usize,
    why: String,
    /// Binary data (a NUL or control byte), not a mis-encoded character.
    binary: bool,
}

impl From<Bad> for SlmgrError {
    fn from(bad: Bad) -> SlmgrError {
        SlmgrError::NotSlmgr { why: bad.why, offset: bad.offset }
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Decoded, SlmgrError> {
    let decoded = if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8(body, 3).map(|text| Decoded { text, encoding: "utf-8", replaced: None }).or_else(|bad| {
            if bad.binary {
                return Err(bad);
            }
            let text = String::from_utf8_lossy(body).into_owned();
            Ok(Decoded { text, encoding: "utf-8", replaced: Some((bad.offset, bad.why)) })
        })
    } else if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(body, 2, false).map(|(text, replaced)| Decoded { text, encoding: "utf-16le", replaced })
    } else if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(body, 2, true).map(|(text, replaced)| Decoded { text, encoding: "utf-16be", replaced })
    } else if let Some(big_endian) = bomless_utf16(bytes) {
        let encoding = if big_endian { "utf-16be" } else { "utf-16le" };
        utf16(bytes, 0, big_endian).map(|(text, replaced)| Decoded { text, encoding, replaced })
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
    Bad { offset, why, binary: true }
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
                binary: false,
            }))
        }
    }
}

/// No BOM: UTF-8 if it is valid, else the Chinese OEM code page. When both fail, the reading that
/// got further names the offset, so a PNG's 0x89 (valid GBK lead byte) is not blamed.
fn utf8_or_gbk(bytes: &[u8]) -> Result<Decoded, Bad> {
    let utf8_bad = match utf8(bytes, 0) {
        Ok(text) => return Ok(Decoded { text, encoding: "utf-8", replaced: None }),
        Err(bad) => bad,
    };
    let gbk_bad = match gbk(bytes) {
        Ok(text) => return Ok(Decoded { text, encoding: "gbk", replaced: None }),
        Err(bad) => bad,
    };
    // Neither reads it whole: binary data is refused; mis-encoded text is read in the encoding
    // that got further, the bad bytes as U+FFFD.
    let first = if gbk_bad.offset > utf8_bad.offset { &gbk_bad } else { &utf8_bad };
    if first.binary || utf8_bad.binary || gbk_bad.binary {
        let binary = [utf8_bad, gbk_bad].into_iter().filter(|b| b.binary).min_by_key(|b| b.offset);
        return Err(binary.unwrap_or(Bad { offset: 0, why: "not text".into(), binary: true }));
    }
    if gbk_bad.offset > utf8_bad.offset {
        let (text, _) = GBK.decode_without_bom_handling(bytes);
        Ok(Decoded { text: text.into_owned(), encoding: "gbk", replaced: Some((gbk_bad.offset, gbk_bad.why)) })
    } else {
        let text = String::from_utf8_lossy(bytes).into_owned();
        Ok(Decoded { text, encoding: "utf-8", replaced: Some((utf8_bad.offset, utf8_bad.why)) })
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
                let bad =
                    Bad { offset, why: format!("byte 0x{byte:02X} is neither UTF-8 nor GBK text"), binary: false };
                return Err(junk_byte.filter(|j| j.offset < offset).unwrap_or(bad));
            }
        }
    }
    junk_byte.map_or(Ok(text), Err)
}

/// UTF-16 text; an unpaired surrogate or a final half character is read as U+FFFD and reported.
fn utf16(body: &[u8], start: usize, big_endian: bool) -> Result<(String, Option<(usize, String)>), Bad> {
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut replaced = None;
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
                replaced.get_or_insert((offset, why));
                text.push(char::REPLACEMENT_CHARACTER);
                unit += 1;
            }
        }
    }
    if body.len() % 2 == 1 {
        replaced.get_or_insert((start + body.len() - 1, "UTF-16 text ends in half a character".to_string()));
    }
    Ok((text, replaced))
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
    fn binary_data_is_refused_at_its_first_bad_byte() {
        assert_eq!(offset(b"Name: x\0\0"), 7);
        assert_eq!(offset(b"Name: \x1b[31m"), 6);
        assert_eq!(offset(b"\xFF\xFEN\x00\x00\x00"), 4);
        // PNG signature: 0x89 0x50 is a GBK character, the 0x1A after "NG\r\n" is not text.
        assert_eq!(offset(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), 6);
    }

    /// Regression: one bad UTF-16 unit or GBK byte rejected a whole slmgr file (event XML reads
    /// such text as U+FFFD). Now the text is read and the first bad character reported.
    #[test]
    fn a_bad_character_in_good_text_is_replaced_and_reported() {
        let replaced = |bytes: &[u8]| {
            let d = decode(bytes).unwrap();
            (d.text.contains('\u{FFFD}'), d.replaced.map(|(at, _)| at))
        };
        assert_eq!(replaced(b"License Status: Licensed\n\xFF\xFF"), (true, Some(25)));
        assert_eq!(replaced(b"\xEF\xBB\xBFName: \xC3"), (true, Some(9)));
        assert_eq!(replaced(b"\xFF\xFE\x00\xD8a\x00"), (true, Some(2)));
        // A file cut in the middle of a UTF-16 character.
        assert_eq!(decode(b"\xFF\xFEN\x00a\x00\x00").unwrap().replaced.map(|(at, _)| at), Some(6));
        let (gbk, _, _) = GBK.encode("许可证状态: 已授权\n");
        let mut damaged = gbk.into_owned();
        damaged.extend_from_slice(b"\xFF\xFF\n");
        assert!(replaced(&damaged).1.is_some());
    }
}
