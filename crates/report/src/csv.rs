//! CSV exports of a report, one row per finding and one per machine, for spreadsheets and ticket
//! systems. RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line break are
//! quoted with inner quotes doubled. Event-log text is attacker-controlled, and spreadsheet apps
//! run a cell that starts with `=`, `+`, `-` or `@` as a formula, so such fields get a leading `'`.
//! Headers stay English in every language: they are column names for scripts, not prose.

use crate::model::{MachineState, Report, Severity};

const FINDING_HEADER: [&str; 12] = [
    "severity",
    "kind",
    "code",
    "machine",
    "kms_host",
    "title",
    "explanation",
    "evidence_file",
    "evidence_record_id",
    "evidence_time",
    "evidence_event_id",
    "evidence_count",
];

const MACHINE_HEADER: [&str; 14] = [
    "machine",
    "source",
    "cmid",
    "kms_host",
    "kms_host_source",
    "state",
    "license_state",
    "days_left",
    "product",
    "last_attempt",
    "last_error_code",
    "last_error_name",
    "failures",
    "also_named",
];

/// One row per finding; the evidence columns describe its first record and how many there are.
pub fn findings_csv(report: &Report) -> String {
    let mut out = String::new();
    push_row(&mut out, &FINDING_HEADER);
    for f in &report.findings {
        let first = f.evidence.first();
        push_row(
            &mut out,
            &[
                severity_tag(f.severity),
                &f.kind,
                opt(f.code.as_deref()),
                opt(f.machine.as_deref()),
                opt(f.kms_host.as_deref()),
                &f.title,
                &f.explanation,
                opt(first.map(|e| e.file.as_str())),
                &opt_num(first.and_then(|e| e.record_id)),
                opt(first.and_then(|e| e.time.as_deref())),
                &opt_num(first.and_then(|e| e.event_id)),
                &f.evidence.len().to_string(),
            ],
        );
    }
    out
}

/// One row per machine, in the report's order.
pub fn machines_csv(report: &Report) -> String {
    let mut out = String::new();
    push_row(&mut out, &MACHINE_HEADER);
    for m in &report.machines {
        let error = m.last_error.as_ref();
        push_row(
            &mut out,
            &[
                &m.machine,
                &m.source,
                opt(m.cmid.as_deref()),
                opt(m.kms_host.as_deref()),
                opt(m.kms_host_source.as_deref()),
                state_tag(m.state),
                opt(m.license_state.as_deref()),
                &opt_num(m.days_left),
                opt(m.product.as_deref()),
                opt(m.last_attempt.as_deref()),
                opt(error.map(|e| e.code.as_str())),
                opt(error.and_then(|e| e.name.as_deref())),
                &m.failures.to_string(),
                // Earlier names of a renamed machine, `; `-separated: one cell stays one cell.
                &m.also_named.join("; "),
            ],
        );
    }
    out
}

/// The same tags the JSON report uses, so a CSV and a JSON export can be joined.
fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn state_tag(s: MachineState) -> &'static str {
    match s {
        MachineState::Activated => "activated",
        MachineState::Failing => "failing",
        MachineState::Grace => "grace",
        MachineState::Unknown => "unknown",
    }
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or_default()
}

fn opt_num<T: ToString>(n: Option<T>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn push_row(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, field);
    }
    out.push_str("\r\n");
}

fn push_field(out: &mut String, field: &str) {
    // A tab or CR first is also read as the start of a formula by some spreadsheet apps.
    let guard = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = field.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> String {
        let mut out = String::new();
        push_field(&mut out, s);
        out
    }

    #[test]
    fn plain_fields_stay_as_they_are() {
        assert_eq!(field("PC-01"), "PC-01");
        assert_eq!(field(""), "");
        assert_eq!(field("0xC004F074"), "0xC004F074");
        assert_eq!(field("激活失败"), "激活失败");
    }

    #[test]
    fn fields_with_separators_quotes_or_line_breaks_are_quoted() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(field("cr\rhere"), "\"cr\rhere\"");
    }

    #[test]
    fn fields_that_a_spreadsheet_would_run_get_an_apostrophe() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        assert_eq!(field("a=b"), "a=b");
    }

    #[test]
    fn rows_end_with_crlf() {
        let mut out = String::new();
        push_row(&mut out, &["a", "b,c", ""]);
        assert_eq!(out, "a,\"b,c\",\r\n");
    }
}
