//! Reads error codes out of whatever a user pastes: `0xC004F074`, `c004f074`, `-1073418124`,
//! `3221549172`, a Win32 number such as `1722`, or a line of log text holding one or more codes.
//! Ambiguous input yields several ranked readings; nothing here panics on any input.

use std::fmt;

use serde::Serialize;

use crate::names;

/// How the digits of an input were interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingKind {
    /// Hex digits taken as the 32-bit code itself.
    Hex,
    /// A Win32 error number, carried as HRESULT_FROM_WIN32 (`1722` -> 0x800706BA).
    Win32,
    /// The unsigned decimal spelling of the 32-bit code (`3221549172`).
    Decimal,
    /// The signed decimal spelling, as .NET and PowerShell print HRESULTs (`-1073418124`).
    SignedDecimal,
}

/// One way to read an input; rank 1 is the most likely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub value: u32,
    pub kind: ReadingKind,
    pub rank: u8,
}

/// Why an input is not an error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("empty input: give an error code such as 0xC004F074")]
    Empty,
    #[error("`{input}` has {digits} hex digits; an error code has at most 8")]
    TooManyHexDigits { input: String, digits: usize },
    #[error("`{input}` does not fit in 32 bits; an error code is between -2147483648 and 4294967295")]
    Overflow { input: String },
    #[error(
        "`{input}` is not an error code: no hex code (0xC004F074), decimal code (-1073418124) or Win32 number (1722) found"
    )]
    NoCode { input: String },
}

impl InputError {
    fn overflow(input: &str) -> InputError {
        InputError::Overflow { input: input.to_string() }
    }
}

/// A code found in free text, with where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The exact characters that spelled the code.
    pub text: String,
    /// Byte offset of `text` in the input.
    pub offset: usize,
    pub readings: Vec<Reading>,
}

/// HRESULT_FROM_WIN32: Win32 errors live in facility 7 with the failure bit set; 0 stays 0.
pub(crate) fn hresult_from_win32(code: u32) -> u32 {
    if code == 0 { 0 } else { (code & 0xFFFF) | 0x8007_0000 }
}

/// Parses one token that should be a code by itself. `Ok(None)` means "not shaped like a code":
/// the caller may look for codes inside it as text.
pub fn parse_code(token: &str) -> Result<Option<Vec<Reading>>, InputError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(InputError::Empty);
    }
    if let Some(hex) = token.strip_prefix("0x").or_else(|| token.strip_prefix("0X")) {
        // C headers write codes with a `L` suffix: 0xC004F074L.
        let hex = hex.strip_suffix(['L', 'l']).unwrap_or(hex);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        return parse_prefixed_hex(token, hex).map(Some);
    }
    let (negative, digits) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token.strip_prefix('+').unwrap_or(token)),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return parse_decimal(token, digits, negative).map(Some);
    }
    // Short all-letter words ("bad", "face") are words; eight hex letters ("ffffffff") are a code.
    if !negative
        && token.bytes().all(|b| b.is_ascii_hexdigit())
        && (token.len() >= 8 || token.bytes().any(|b| b.is_ascii_digit()))
    {
        return parse_bare_hex(token).map(Some);
    }
    Ok(None)
}

fn parse_prefixed_hex(token: &str, hex: &str) -> Result<Vec<Reading>, InputError> {
    let significant = hex.trim_start_matches('0');
    // Some tools print a failing HRESULT sign-extended to 64 bits: 0xFFFFFFFFC004F074.
    let significant = match significant.len() {
        16 if significant[..8].eq_ignore_ascii_case("FFFFFFFF") && significant.as_bytes()[8] >= b'8' => {
            &significant[8..]
        }
        _ => significant,
    };
    if significant.len() > 8 {
        return Err(InputError::TooManyHexDigits { input: token.to_string(), digits: significant.len() });
    }
    let value = u32::from_str_radix(if significant.is_empty() { "0" } else { significant }, 16)
        .map_err(|_| InputError::overflow(token))?;
    // All eight digits written out (0x00000005) means that exact value, not a Win32 number.
    if hex.len() >= 8 {
        return Ok(vec![Reading { value, kind: ReadingKind::Hex, rank: 1 }]);
    }
    Ok(small_value_readings(value, ReadingKind::Hex))
}

/// A small hex value (`0x6BA`) is most often a Win32 error written in hex.
fn small_value_readings(value: u32, kind: ReadingKind) -> Vec<Reading> {
    if value != 0 && value <= 0xFFFF && names::win32(value).is_some() {
        vec![
            Reading { value: hresult_from_win32(value), kind: ReadingKind::Win32, rank: 1 },
            Reading { value, kind, rank: 2 },
        ]
    } else {
        vec![Reading { value, kind, rank: 1 }]
    }
}

fn parse_bare_hex(token: &str) -> Result<Vec<Reading>, InputError> {
    if token.len() > 8 {
        return Err(InputError::TooManyHexDigits { input: token.to_string(), digits: token.len() });
    }
    let value = u32::from_str_radix(token, 16).map_err(|_| InputError::overflow(token))?;
    Ok(if token.len() == 8 {
        vec![Reading { value, kind: ReadingKind::Hex, rank: 1 }]
    } else {
        small_value_readings(value, ReadingKind::Hex)
    })
}

fn parse_decimal(token: &str, digits: &str, negative: bool) -> Result<Vec<Reading>, InputError> {
    let magnitude: u64 = digits.parse().map_err(|_| InputError::overflow(token))?;
    if negative {
        let signed = i64::try_from(magnitude).map(|m| -m).map_err(|_| InputError::overflow(token))?;
        let value = i32::try_from(signed).map_err(|_| InputError::overflow(token))?;
        return Ok(vec![Reading { value: value.cast_unsigned(), kind: ReadingKind::SignedDecimal, rank: 1 }]);
    }
    let value = u32::try_from(magnitude).map_err(|_| InputError::overflow(token))?;
    let as_hex = (digits.len() <= 8).then(|| u32::from_str_radix(digits, 16).ok()).flatten();
    let mut readings = Vec::with_capacity(2);
    if digits.len() == 8 && digits.starts_with(['8', '9', '4']) {
        // 8 digits starting with 8, 9 or 4 is an HRESULT whose hex happens to have no letters
        // (80070005); as a decimal it would be a code nobody writes in decimal.
        readings.extend(as_hex.map(|v| (v, ReadingKind::Hex)));
        readings.push((value, ReadingKind::Decimal));
    } else if value <= 0xFFFF {
        readings.push((hresult_from_win32(value), ReadingKind::Win32));
        readings.extend(as_hex.filter(|&v| v != value).map(|v| (v, ReadingKind::Hex)));
    } else {
        readings.push((value, ReadingKind::Decimal));
        readings.extend(as_hex.map(|v| (v, ReadingKind::Hex)));
    }
    Ok(readings.into_iter().zip(1u8..).map(|((value, kind), rank)| Reading { value, kind, rank }).collect())
}

/// Words that make a number in running text an error rather than a count, an ID or a date.
/// ("code" alone is not enough: "exit code 0", "event code 12293".)
const ERROR_WORDS: [&str; 10] =
    ["error", "err", "error code", "win32", "hresult", "hr", "错误", "错误码", "错误代码", "错误编号"];

/// Finds every code in free text, in order, once each. Recognised: `0x`-prefixed hex anywhere
/// (`hr=0x803F7001`, `错误: 0xC004F074`), 8-digit hex words (`c004f074`, but not GUID parts),
/// 7- to 10-digit decimals (`-1073418124`), and Win32 numbers after a word like "error" or "错误".
pub fn extract(text: &str) -> (Vec<Found>, Vec<InputError>) {
    let mut found: Vec<Found> = Vec::new();
    let mut errors = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let boundary_before = i == 0 || !is_word_byte(bytes[i - 1]);
        if !(b.is_ascii_alphanumeric() || b == b'-') || !boundary_before {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < bytes.len() && is_word_byte(bytes[end]) {
            end += 1;
        }
        let word = &text[start..end];
        if let Some(readings) = candidate(text, start, end, word, &mut errors)
            && let Some(top) = readings.first()
            && !found.iter().any(|f| f.readings.first().is_some_and(|r| r.value == top.value))
        {
            found.push(Found { text: word.to_string(), offset: start, readings });
        }
        i = end.max(i + 1);
    }
    (found, errors)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn candidate(text: &str, start: usize, end: usize, word: &str, errors: &mut Vec<InputError>) -> Option<Vec<Reading>> {
    let bytes = text.as_bytes();
    let before = start.checked_sub(1).map(|i| bytes[i]);
    let after = bytes.get(end).copied();
    let is_hex_prefixed = word.len() > 2 && (word.starts_with("0x") || word.starts_with("0X"));
    let next = bytes.get(end + 1).copied();
    if is_hex_prefixed {
        if slui_argument(text, start, end, word) || slui_decode_line(&text[..start]) {
            return None;
        }
        return match parse_code(word) {
            Ok(readings) => readings,
            Err(err) => {
                errors.push(err);
                None
            }
        };
    }
    // Parts of GUIDs, IP addresses, dates, times and versions are never codes; a sentence's
    // full stop or a colon before more words does not join anything.
    let joined_before = matches!(before, Some(b'-' | b'.' | b':' | b'/' | b'{'));
    let joined_after = match after {
        Some(b'.' | b':' | b'/') => next.is_some_and(|b| b.is_ascii_digit()),
        Some(b'-') => next.is_some_and(|b| b.is_ascii_hexdigit()),
        Some(b'}') => true,
        _ => false,
    };
    if joined_before || joined_after {
        return None;
    }
    let is_decimal = word.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit());
    if word.len() == 8
        && !is_decimal
        && word.bytes().all(|b| b.is_ascii_hexdigit())
        && word.bytes().any(|b| b.is_ascii_digit())
    {
        return parse_code(word).ok().flatten();
    }
    if is_decimal && !word.is_empty() && word != "-" {
        let digits = word.trim_start_matches('-').len();
        // A decimal stands alone as a code only where it cannot be a count, an ID or a time:
        // a negative 32-bit value (-1073418124) or one with the failure bit (3221549172).
        let looks_like_hresult = match word.strip_prefix('-') {
            Some(_) => (7..=10).contains(&digits),
            None => digits == 10 && word.parse::<u64>().is_ok_and(|v| v >= 0x8000_0000),
        };
        let named_error = digits <= 10 && word != "0" && after_error_word(&text[..start]);
        if looks_like_hresult || named_error {
            return match parse_code(word) {
                Ok(readings) => readings,
                Err(err) => {
                    errors.push(err);
                    None
                }
            };
        }
    }
    None
}

/// `0x2a` in slmgr's hint to run `slui.exe 0x2a 0xC004F074` is slui's argument (show the error
/// text), never an error of its own: after the word slui (any quotes, `.exe` or a mistyped ` exe`),
/// or directly followed by another code when the hint was copied without the word.
fn slui_argument(text: &str, start: usize, end: usize, word: &str) -> bool {
    if !word.eq_ignore_ascii_case("0x2a") {
        return false;
    }
    let before = text[..start].trim_end_matches(|c: char| c.is_whitespace() || "'\"“”‘’″″`".contains(c));
    let before = tail(before).to_ascii_lowercase();
    let after_slui = ["slui", "slui.exe", "slui exe"].iter().any(|w| before.ends_with(w));
    let rest = text[end..].trim_start_matches(|c: char| c.is_whitespace() || "'\"“”‘’″`".contains(c));
    let code_follows = (rest.starts_with("0x") || rest.starts_with("0X"))
        && rest[2..].chars().take_while(char::is_ascii_hexdigit).count() >= 4;
    after_slui || code_follows
}

/// slui's own decode of the code above it ("Unknown facility code 0x7 (7L)", "Facility error:
/// 0x232b (9003L)") describes that code; it is not another one.
fn slui_decode_line(prefix: &str) -> bool {
    let lower = tail(prefix.trim_end()).to_ascii_lowercase();
    lower.ends_with("facility code") || lower.ends_with("facility error:") || lower.ends_with("facility error")
}

/// The end of the text before a code, long enough for the words looked for there and the
/// character before them: lower-casing all the text before every code was quadratic.
fn tail(prefix: &str) -> &str {
    const TAIL_BYTES: usize = 32;
    let mut at = prefix.len().saturating_sub(TAIL_BYTES);
    while !prefix.is_char_boundary(at) {
        at -= 1;
    }
    &prefix[at..]
}

fn after_error_word(prefix: &str) -> bool {
    let trimmed =
        prefix.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '=' | '#' | '（' | '('));
    let lower = tail(trimmed).to_lowercase();
    ERROR_WORDS
        .iter()
        .any(|w| lower.strip_suffix(w).is_some_and(|rest| !rest.ends_with(|c: char| c.is_ascii_alphanumeric())))
}

impl fmt::Display for ReadingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadingKind::Hex => "hex",
            ReadingKind::Win32 => "win32",
            ReadingKind::Decimal => "decimal",
            ReadingKind::SignedDecimal => "signed_decimal",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_end_of_a_long_prefix_is_looked_at_and_split_on_a_character() {
        let long = "激活".repeat(10_000);
        let cut = tail(&long);
        assert!(cut.len() < 32 + 4 && long.ends_with(cut) && !cut.is_empty());
        assert!(after_error_word(&format!("{long} 错误: ")));
        assert!(!after_error_word(&format!("{long} myerror ")));
        assert!(slui_decode_line(&format!("{long} Unknown facility code ")));
    }

    fn top(token: &str) -> u32 {
        match parse_code(token) {
            Ok(Some(readings)) => readings[0].value,
            other => panic!("{token}: {other:?}"),
        }
    }

    #[test]
    fn every_pasted_form_of_one_code() {
        for form in [
            "0xC004F074",
            "0xc004f074",
            "c004f074",
            "C004F074",
            "-1073418124",
            "3221549172",
            " 0xC004F074 ",
            "0xFFFFFFFFC004F074",
        ] {
            assert_eq!(top(form), 0xC004_F074, "{form}");
        }
    }

    #[test]
    fn win32_numbers_become_hresults_with_a_weaker_hex_reading() {
        let readings = parse_code("9003").ok().flatten().unwrap_or_default();
        assert_eq!(readings[0], Reading { value: 0x8007_232B, kind: ReadingKind::Win32, rank: 1 });
        assert_eq!(readings[1], Reading { value: 0x9003, kind: ReadingKind::Hex, rank: 2 });
        assert_eq!(top("1722"), 0x8007_06BA);
        assert_eq!(top("0x6BA"), 0x8007_06BA);
        assert_eq!(top("0"), 0);
    }

    #[test]
    fn eight_decimal_digits_starting_with_8_are_an_hresult_first() {
        let readings = parse_code("80070005").ok().flatten().unwrap_or_default();
        assert_eq!((readings[0].value, readings[0].kind), (0x8007_0005, ReadingKind::Hex));
        assert_eq!((readings[1].value, readings[1].kind), (80_070_005, ReadingKind::Decimal));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(parse_code(""), Err(InputError::Empty));
        assert!(matches!(parse_code("0x123456789"), Err(InputError::TooManyHexDigits { digits: 9, .. })));
        assert!(matches!(parse_code("123456789abc"), Err(InputError::TooManyHexDigits { .. })));
        assert!(matches!(parse_code("99999999999"), Err(InputError::Overflow { .. })));
        assert!(matches!(parse_code("-2147483649"), Err(InputError::Overflow { .. })));
        assert!(matches!(parse_code("-99999999999999999999999"), Err(InputError::Overflow { .. })));
        assert_eq!(parse_code("hello"), Ok(None));
        assert_eq!(parse_code("0xZZ"), Ok(None));
    }

    #[test]
    fn codes_in_text_in_order_once_each() {
        let (found, errors) =
            extract("错误: 0xC004F074 软件授权服务报告，hr=0x803F7001；Reason:0x8007232B again 0xC004F074");
        let values: Vec<u32> = found.iter().map(|f| f.readings[0].value).collect();
        assert_eq!(values, [0xC004_F074, 0x803F_7001, 0x8007_232B]);
        assert!(errors.is_empty());
    }

    #[test]
    fn text_skips_guids_dates_and_addresses() {
        let line = "0x00000000, 0x00000000, 169.254.169.251:1688, d02f0758-43f9-4809-9821-e84edb810cbe, 2023/05/24 01:21, 1, 5, 0";
        let (found, _) = extract(line);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].readings[0].value, 0);
    }

    #[test]
    fn sentence_punctuation_and_c_suffixes_do_not_hide_codes() {
        let (found, _) = extract("Error code 1722. Then c004f074: failed with -1073418124. Header: 0x803FA067L");
        let values: Vec<u32> = found.iter().map(|f| f.readings[0].value).collect();
        // -1073418124 is 0xC004F074 again: one result per code.
        assert_eq!(values, [0x8007_06BA, 0xC004_F074, 0x803F_A067]);
        assert_eq!(top("0xC004F074L"), 0xC004_F074);
    }

    #[test]
    fn ids_counts_and_times_in_text_are_not_codes() {
        for text in [
            "pid 4821339 exited",
            "at 1700000000 seconds",
            "on 20231124",
            "exit code: 0",
            "event code 12293",
            "v10.0.19045",
        ] {
            let (found, _) = extract(text);
            assert!(found.is_empty(), "{text}: {found:?}");
        }
    }

    #[test]
    fn eight_written_hex_digits_are_taken_literally() {
        assert_eq!(parse_code("0x00000005").ok().flatten().map(|r| r.len()), Some(1));
        assert_eq!(top("0x00000005"), 5);
        assert_eq!(top("0x5"), 0x8007_0005);
    }

    fn codes(text: &str) -> Vec<u32> {
        extract(text).0.iter().filter_map(|f| f.readings.first().map(|r| r.value)).collect()
    }

    #[test]
    fn slui_argument_0x2a_is_never_a_code() {
        let en = "Error: 0xC004E016 On a computer running Microsoft Windows non-core edition, run 'slui.exe 0x2a 0xC004E016' to display the error text.";
        assert_eq!(codes(en), [0xC004_E016]);
        let zh = "错误: 0xC004F069 在运行 Microsoft Windows 非核心版本的计算机上，运行”slui.exe 0x2a 0xC004F069″以显示错误文本。";
        assert_eq!(codes(zh), [0xC004_F069]);
        for hint in [
            "slui 0x2a 0x8007232B",
            "run \"slui exe 0x2A 0x8007232B\"",
            "error 0x2a 0x8007232B",
            "SLUI.EXE 0x2a 0x8007232b",
        ] {
            assert_eq!(codes(hint), [0x8007_232B], "{hint}");
        }
        // 0x2a alone, with nothing of slui around it, is still read.
        assert_eq!(codes("error 0x2a"), [0x2a]);
    }

    #[test]
    fn slui_decode_lines_describe_the_code_above_them() {
        let popup = "Error: 0x8007232B DNS name does not exist.\nUnknown facility code 0x7 (7L)\nFacility error: 0x232b (9003L)";
        assert_eq!(codes(popup), [0x8007_232B]);
    }

    #[test]
    fn small_numbers_count_only_after_an_error_word() {
        let (found, _) = extract("error 1722 on 3 hosts; 错误代码：9003");
        let values: Vec<u32> = found.iter().map(|f| f.readings[0].value).collect();
        assert_eq!(values, [0x8007_06BA, 0x8007_232B]);
        let (found, _) = extract("PowerShell says -1073418124 today");
        assert_eq!(found[0].readings[0].value, 0xC004_F074);
    }
}
