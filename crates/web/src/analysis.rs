//! Runs the analysis of an upload exactly as `actdoc scan` does (`scan` then `analyse`, same
//! options), off the async threads, a bounded number at a time. Afterwards the reports name files
//! relative to the upload, never by the server's temporary path, and are redacted when the server
//! says so.

use std::path::Path;

use actdoc_core::Lang;
use actdoc_fleet::{Options, analyse};
use actdoc_logs::scan::{Format, Progress, ScanOptions, scan};
use actdoc_logs::time::Timestamp;
use actdoc_report::Report;
use actdoc_report::model::Warning;

use crate::Shared;
use crate::redact::{Kind, each_string, redact};
use crate::upload::{ROOT_NAME, Upload};

#[derive(Debug)]
pub(crate) enum AnalyzeError {
    /// No file held anything we read; the warnings say why, file by file. 422.
    NothingReadable { warnings: Vec<Warning> },
    /// The analysis could not run (a crashed worker); 500.
    Internal(String),
}

/// `2024-05-01` or a full RFC 3339 time; a date means the end of that day (UTC), as for
/// `actdoc scan --as-of`.
pub(crate) fn parse_as_of(s: &str) -> Result<Timestamp, String> {
    let s = s.trim();
    Timestamp::parse_rfc3339(s)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{s}T23:59:59Z")))
        .ok_or_else(|| format!("as_of `{s}`: expected a date like 2024-05-01 or 2024-05-01T12:00:00Z"))
}

/// Scans the upload and analyses it once per language asked for, in that order. The upload's
/// files are deleted when this returns (or, if the request is abandoned, when the scan ends).
pub(crate) async fn run(
    app: &Shared,
    upload: Upload,
    langs: &[Lang],
    as_of: Option<Timestamp>,
) -> Result<Vec<Report>, AnalyzeError> {
    let permit =
        app.analyses.clone().acquire_owned().await.map_err(|e| AnalyzeError::Internal(format!("queue closed: {e}")))?;
    let app = app.clone();
    let langs = langs.to_vec();
    let task = tokio::task::spawn_blocking(move || {
        // Held until the scan ends, even when the request that started it has gone.
        let _permit = permit;
        let options = ScanOptions {
            per_file_limit: ScanOptions::default().per_file_limit.min(app.config.analyze_timeout),
            ..ScanOptions::default()
        };
        let collected = scan(&[upload.scan_root()], &options, &Progress::default());
        let root = upload.root();
        let readable = collected.sources.iter().any(|s| s.format != Format::Unreadable);
        if !readable {
            let mut warnings: Vec<Warning> = collected
                .warnings
                .iter()
                .map(|w| Warning { file: relative(&root, &w.file), offset: w.offset, message: w.message.clone() })
                .collect();
            if warnings.is_empty() {
                warnings.push(Warning { file: String::new(), offset: None, message: "no file was sent".into() });
            }
            return Err(AnalyzeError::NothingReadable { warnings });
        }
        let reports = langs
            .iter()
            .map(|&lang| {
                let mut report = analyse(
                    &collected,
                    &Options {
                        kb: app.kb,
                        products: app.products,
                        lang,
                        as_of,
                        generated_by: format!("actdoc {}", env!("CARGO_PKG_VERSION")),
                    },
                );
                hide_root(&mut report, &root);
                if app.config.redact {
                    redact(&mut report, &[ROOT_NAME]);
                }
                report
            })
            .collect();
        drop(upload);
        Ok(reports)
    });
    task.await.map_err(|e| AnalyzeError::Internal(format!("the analysis stopped: {e}")))?
}

/// `/tmp/actdoc-upload-x/upload/pc-a/App.xml` -> `pc-a/App.xml`.
fn relative(root: &Path, path: &str) -> String {
    let prefix = format!("{}{}", root.display(), std::path::MAIN_SEPARATOR);
    path.replace(&prefix, "").replace(&root.display().to_string(), ROOT_NAME)
}

/// Every file path the report holds, relative to the upload.
fn hide_root(report: &mut Report, root: &Path) {
    each_string(report, &mut |kind, s| {
        if matches!(kind, Kind::Path | Kind::Text) && s.contains(&root.display().to_string()) {
            *s = relative(root, s);
        }
    });
}
