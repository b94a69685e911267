//! The bit layout of a 32-bit Windows status code, read both as an HRESULT and, where the top bits
//! say so, as an NTSTATUS. Works for any value, named or not.

use serde::Serialize;

use crate::names;

/// HRESULT severity: the top bit says whether `FAILED(hr)` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Success,
    Failure,
}

/// The 2-bit severity field of an NTSTATUS (also how SL_* codes spell error/warning/information).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NtSeverity {
    Success,
    Informational,
    Warning,
    Error,
}

impl NtSeverity {
    /// The word for it in each language, for pages and terminal output.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::{En, ZhCn};
        match (self, lang) {
            (NtSeverity::Success, En) => "success",
            (NtSeverity::Informational, En) => "informational",
            (NtSeverity::Warning, En) => "warning",
            (NtSeverity::Error, En) => "error",
            (NtSeverity::Success, ZhCn) => "成功",
            (NtSeverity::Informational, ZhCn) => "信息",
            (NtSeverity::Warning, ZhCn) => "警告",
            (NtSeverity::Error, ZhCn) => "错误",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NtStatusView {
    pub severity: NtSeverity,
    pub customer: bool,
    pub facility: u16,
    pub facility_name: Option<&'static str>,
    pub code: u16,
}

/// HRESULT view: `S R C N facility(11) code(16)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decoded {
    pub severity: Severity,
    /// Bit 30 (R): reserved in an HRESULT; set in NTSTATUS-style values such as 0xC004xxxx.
    pub reserved: bool,
    /// Bit 29 (C): a customer-defined, not Microsoft-defined, value.
    pub customer: bool,
    /// Bit 28 (N): an NTSTATUS mapped into an HRESULT (HRESULT_FROM_NT).
    pub nt_mapped: bool,
    /// Bit 27 (X): reserved; only odd or corrupted values set it.
    pub x_bit: bool,
    pub facility: u16,
    pub facility_name: Option<&'static str>,
    pub code: u16,
    /// For facility 7 (FACILITY_WIN32), the Win32 error number.
    pub win32: Option<u16>,
    /// Present when the value is shaped like an NTSTATUS (bit 30 set) or is a defined NTSTATUS.
    pub ntstatus: Option<NtStatusView>,
}

impl Decoded {
    pub fn of(value: u32) -> Decoded {
        let bit = |n: u32| value & (1 << n) != 0;
        let facility = u16::try_from((value >> 16) & 0x7FF).unwrap_or_default();
        let code = u16::try_from(value & 0xFFFF).unwrap_or_default();
        // Bit 30 marks informational and error NTSTATUS values; warnings (0x8xxxxxxx) and
        // successes only show their nature by being defined as NTSTATUS.
        let ntstatus = (bit(30) || names::ntstatus(value).is_some()).then(|| {
            let nt_facility = u16::try_from((value >> 16) & 0xFFF).unwrap_or_default();
            NtStatusView {
                severity: match value >> 30 {
                    0 => NtSeverity::Success,
                    1 => NtSeverity::Informational,
                    2 => NtSeverity::Warning,
                    _ => NtSeverity::Error,
                },
                customer: bit(29),
                facility: nt_facility,
                facility_name: names::nt_facility(u32::from(nt_facility)),
                code,
            }
        });
        Decoded {
            severity: if bit(31) { Severity::Failure } else { Severity::Success },
            reserved: bit(30),
            customer: bit(29),
            nt_mapped: bit(28),
            x_bit: bit(27),
            facility,
            facility_name: names::facility(u32::from(facility)),
            code,
            win32: (facility == 7 && bit(31)).then_some(code),
            ntstatus,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win32_hresult() {
        let d = Decoded::of(0x8007_232B);
        assert_eq!(d.severity, Severity::Failure);
        assert_eq!((d.facility, d.facility_name, d.code, d.win32), (7, Some("FACILITY_WIN32"), 0x232B, Some(9003)));
        assert!(d.ntstatus.is_none());
    }

    #[test]
    fn sl_error_has_ntstatus_shape() {
        let d = Decoded::of(0xC004_F074);
        assert_eq!((d.facility, d.facility_name, d.code), (4, Some("FACILITY_ITF"), 0xF074));
        assert_eq!(d.ntstatus.map(|n| n.severity), Some(NtSeverity::Error));
        assert_eq!(Decoded::of(0x4004_F065).severity, Severity::Success);
    }

    #[test]
    fn warning_ntstatus_values_get_their_view() {
        let nt = Decoded::of(0x8000_0005).ntstatus;
        assert_eq!(nt.map(|n| n.severity), Some(NtSeverity::Warning));
    }

    #[test]
    fn rpc_ntstatus() {
        let nt = Decoded::of(0xC002_0017).ntstatus;
        assert_eq!(nt.map(|n| (n.facility, n.facility_name, n.code)), Some((2, Some("FACILITY_RPC_RUNTIME"), 0x17)));
    }
}
