//! CSV exports of a report, one row per finding and one per product of each machine, for spreadsheets and ticket
//! systems. RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line break are
//! quoted with inner quotes doubled. Event-log text is attacker-controlled, and spreadsheet apps
//! run a cell that starts with `=`, `+`, `-` or `@` as a formula, so such fields get a leading `'`.
//! Headers stay English in every language: they are column names for scripts, not prose.

use crate::model::{LicenseStatus, Product, Report, Severity};

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

const PRODUCT_HEADER: [&str; 24] = [
    "machine",
    "source",
    "cmid",
    "cloned_cmid",
    "machine_state",
    "product",
    "app",
    "sku",
    "channel",
    "partial_key",
    "license_status",
    "reason_code",
    "state",
    "expires",
    "days_left",
    "kms_host",
    "kms_host_source",
    "last_attempt",
    "last_error_code",
    "last_error_name",
    "failures",
    "note",
    "also_named",
    "as_of",
];

/// One row per finding; the evidence columns describe its first record and how many there are.
pub fn findings_csv(report: &Report) -> String {
    let mut out = Rows::new();
    out.row(&FINDING_HEADER);
    for f in &report.findings {
        let first = f.evidence.first();
        out.row(&[
            severity_tag(f.severity),
            &f.kind,
            opt(f.code.as_deref()),
            opt(f.machine.as_deref()),
            opt(f.kms_host.as_deref()),
            &f.title,
            &f.explanation,
            opt(first.map(|e| &*e.file)),
            &opt_num(first.and_then(|e| e.record_id)),
            &opt_num(first.and_then(|e| e.time)),
            &opt_num(first.and_then(|e| e.event_id)),
            &f.evidence.len().to_string(),
        ]);
    }
    out.finish()
}

/// One row per product, machines in the report's order; a machine with no product known gets one
/// row with the product columns empty. The machine columns repeat on each of its rows.
pub fn products_csv(report: &Report) -> String {
    let mut out = Rows::new();
    out.row(&PRODUCT_HEADER);
    for m in &report.machines {
        let products: Vec<Option<&Product>> =
            if m.products.is_empty() { vec![None] } else { m.products.iter().map(Some).collect() };
        for p in products {
            let error = p.and_then(|p| p.last_error.as_ref());
            out.row(&[
                &m.machine,
                &m.source,
                opt(m.cmid.as_deref()),
                if m.cloned_cmid { "true" } else { "false" },
                m.state.id(),
                opt(p.and_then(|p| p.product.as_deref())),
                p.map_or("", |p| p.app.id()),
                opt(p.and_then(|p| p.sku.as_deref())),
                opt(p.and_then(|p| p.channel.as_deref())),
                opt(p.and_then(|p| p.partial_key.as_deref())),
                opt(p.and_then(|p| p.license_status).map(LicenseStatus::id)),
                opt(p.and_then(|p| p.reason.as_ref()).map(|r| &*r.code)),
                p.map_or("", |p| p.state.id()),
                &opt_num(p.and_then(|p| p.expires)),
                &opt_num(p.and_then(|p| p.days_left)),
                opt(p.and_then(|p| p.kms_host.as_deref())),
                opt(p.and_then(|p| p.kms_host_source.as_deref())),
                &opt_num(p.and_then(|p| p.last_attempt)),
                opt(error.map(|e| &*e.code)),
                opt(error.and_then(|e| e.name.as_deref())),
                &opt_num(p.map(|p| p.failures)),
                opt(p.and_then(|p| p.note.as_deref())),
                // Other names of a renamed machine, `; `-separated: one cell stays one cell.
                &m.also_named.join("; "),
                &opt_num(m.as_of),
            ]);
        }
    }
    out.finish()
}

/// The same tags the JSON report uses, so a CSV and a JSON export can be joined.
fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or_default()
}

fn opt_num<T: ToString>(n: Option<T>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// Rows written by the `csv` crate (RFC 4180 quoting, CRLF), each field guarded first.
struct Rows(csv::Writer<Vec<u8>>);

impl Rows {
    fn new() -> Rows {
        Rows(csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new()))
    }

    fn row(&mut self, fields: &[&str]) {
        // Writing to memory cannot fail.
        let _ = self.0.write_record(fields.iter().map(|f| guard(f)).collect::<Vec<_>>().iter().map(|f| f.as_bytes()));
    }

    fn finish(self) -> String {
        let bytes = self.0.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// A field a spreadsheet would run as a formula gets a leading apostrophe. A tab or CR first is
/// also read as the start of a formula by some spreadsheet apps.
fn guard(field: &str) -> std::borrow::Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{field}"))
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> String {
        let mut rows = Rows::new();
        rows.row(&[s, "x"]);
        rows.finish().trim_end_matches("\r\n").trim_end_matches(",x").to_string()
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
        let mut rows = Rows::new();
        rows.row(&["a", "b,c", ""]);
        assert_eq!(rows.finish(), "a,\"b,c\",\r\n");
    }
}
