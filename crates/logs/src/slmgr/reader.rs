//! Walks decoded slmgr text line by line and fills a [`SlmgrReport`]. slmgr prints one block per
//! product, opened by "Name:"; the KMS client lines belong to the product above them. Fields seen
//! before any "Name:" (a partial paste) go to a product without a name rather than being lost.

use super::labels::{self, ClientField, Expiry, Field, HostField, Lang, Line, Session};
use super::values;
use super::{ActivationAttempt, KmsClientInfo, KmsHostStatus, LicenseStatus, SlmgrError, SlmgrProduct, SlmgrReport};
use crate::time::Timestamp;

pub(super) fn read(text: &str) -> Result<SlmgrReport, SlmgrError> {
    let mut reader = Reader::default();
    for (number, line) in numbered_lines(text) {
        reader.line(number, line);
    }
    reader.finish()
}

/// Splits where a text editor does (CRLF, LF or a lone CR), so `line` numbers match what the user
/// sees when they open the file.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = Some(text);
    let lines = std::iter::from_fn(move || {
        let current = rest?;
        let Some(end) = current.find(['\r', '\n']) else {
            rest = None;
            return Some(current);
        };
        let (line, after) = current.split_at(end);
        let ending = if after.starts_with("\r\n") { 2 } else { 1 };
        rest = after.get(ending..);
        Some(line)
    });
    (1..).zip(lines)
}

#[derive(Debug, Default)]
struct Reader {
    report: SlmgrReport,
    english_lines: usize,
    chinese_lines: usize,
    /// Whether a line only slmgr prints was seen; "Name:" alone is not enough.
    distinctive: bool,
    /// The `/ato` attempt still waiting for its outcome line.
    open_attempt: Option<usize>,
    /// The previous line was "License Status": the line after it is the reason or time left,
    /// which lets zh-CN files fill those fields although their labels are unknown.
    after_status: bool,
    /// The previous line named a product for `/xpr` ("Windows(R) 7, Enterprise edition:").
    xpr_name: Option<String>,
    /// The Activation ID of `slmgr /xpr <ActID>` typed on the line before its result.
    xpr_id: Option<String>,
}

impl Reader {
    fn line(&mut self, number: usize, line: &str) {
        // Forum copies quote output (`> `) and list it with bullets.
        let line = line.trim().trim_start_matches(['>', '•', '·', '*']).trim();
        if line.is_empty() {
            return;
        }
        let after_status = std::mem::take(&mut self.after_status);
        let xpr_name = self.xpr_name.take();
        match labels::classify(line) {
            Line::Keyed { field, lang, value } => {
                let distinctive = field.is_distinctive() || (field == Field::Error && is_error_line(value));
                self.seen(lang, distinctive);
                self.keyed(number, field, value);
            }
            Line::Expiration { lang, expiry, rest, product } => {
                self.seen(lang, true);
                self.report.expirations.push(line.to_string());
                let name = product.map(str::to_string).or(xpr_name);
                self.expiration(number, name, expiry, rest);
            }
            Line::Session { lang, session } => {
                self.seen(lang, true);
                match session {
                    Session::KeyChanged => {}
                    Session::KmsRegistered(host) => self.report.registered_kms = Some((number, host.to_string())),
                    Session::Activated => self.attempt(number).succeeded = true,
                }
            }
            Line::Activating { lang, rest } => {
                self.seen(lang, true);
                self.activating(number, rest);
            }
            Line::SluiFallback { code } => {
                self.distinctive = true;
                self.slui_fallback(number, code, line);
            }
            // cscript's banner, the /xpr product line and a wrapped "(id) ..." land here.
            Line::Unknown { value } => {
                if let Some(id) = values::xpr_command_id(line) {
                    self.xpr_id = Some(id);
                }
                if after_status {
                    self.status_follow_up(value);
                }
                if let Some(name) = line.strip_suffix([':', '：']).filter(|n| !n.contains(':') && !n.is_empty()) {
                    self.xpr_name = Some(name.trim().to_string());
                }
            }
        }
    }

    fn seen(&mut self, lang: Lang, distinctive: bool) {
        match lang {
            Lang::En => self.english_lines += 1,
            Lang::Zh => self.chinese_lines += 1,
        }
        self.distinctive |= distinctive;
    }

    /// The product the current line belongs to.
    fn product(&mut self, number: usize) -> &mut SlmgrProduct {
        if self.report.products.is_empty() {
            self.report.products.push(SlmgrProduct { line: number, ..SlmgrProduct::default() });
        }
        let last = self.report.products.len() - 1;
        &mut self.report.products[last]
    }

    fn keyed(&mut self, number: usize, field: Field, value: &str) {
        match field {
            Field::ServiceVersion => self.report.service_version = values::text(value),
            Field::Name => {
                let product = SlmgrProduct { line: number, name: values::text(value), ..SlmgrProduct::default() };
                self.report.products.push(product);
            }
            Field::Description => {
                let product = self.product(number);
                product.description = values::text(value);
                if let Some(channel) = values::channel(value) {
                    product.channel = Some(channel);
                }
            }
            Field::ActivationId => self.product(number).activation_id = values::text(value),
            Field::ApplicationId => self.product(number).application_id = values::text(value),
            Field::ExtendedPid => self.product(number).extended_pid = values::text(value),
            Field::ProductKeyChannel => {
                // The description's channel ("VOLUME_KMSCLIENT") is the one slmgr itself tests.
                let product = self.product(number);
                if product.channel.is_none() {
                    product.channel = values::text(value);
                }
            }
            Field::PartialProductKey => self.product(number).partial_product_key = values::text(value),
            Field::NotInUse => self.product(number).not_in_use = true,
            Field::LicenseStatus => {
                self.product(number).license_status = Some(values::license_status(value));
                self.after_status = true;
            }
            Field::MinutesLeft => {
                let product = self.product(number);
                product.minutes_left = values::leading_number(value);
                product.days_left = values::printed_days(value);
            }
            Field::NotificationReason => self.product(number).notification_reason = values::hex_code(value),
            Field::RearmCount => self.product(number).remaining_rearm_count = values::leading_u32(value),
            Field::TrustedTime => self.report.printed_at = self.report.printed_at.or(values::date_time(value)),
            Field::Client(field) => kms_client(self.product(number).kms_client.get_or_insert_default(), field, value),
            Field::Host(field) => kms_host(self.report.kms_host.get_or_insert_default(), field, value),
            Field::ActivatedOk => self.attempt(number).succeeded = true,
            Field::Error => self.error(number, value),
            Field::Known => {}
        }
    }

    fn status_follow_up(&mut self, value: &str) {
        let Some(product) = self.report.products.last_mut() else { return };
        if product.license_status == Some(LicenseStatus::Notification) && product.notification_reason.is_none() {
            product.notification_reason = values::hex_code(value);
        } else if product.minutes_left.is_none() && values::counts_minutes(value) {
            product.minutes_left = values::leading_number(value);
            product.days_left = values::printed_days(value);
        }
    }

    fn activating(&mut self, number: usize, rest: &str) {
        // Pasted without line breaks, the outcome follows on the same line.
        let (rest, outcome) = split_outcome(rest);
        let (product, activation_id) = values::activating_product(rest);
        self.report.activations.push(ActivationAttempt {
            line: number,
            product,
            activation_id,
            error: None,
            message: None,
            succeeded: false,
        });
        self.open_attempt = Some(self.report.activations.len() - 1);
        match outcome {
            Some(Outcome::Error(value)) => self.error(number, value),
            Some(Outcome::Succeeded) => self.attempt(number).succeeded = true,
            None => {}
        }
    }

    /// An `/xpr` result: for the product it names (or the last one listed), its status and end.
    fn expiration(&mut self, number: usize, name: Option<String>, expiry: Expiry, rest: &str) {
        let existing = match (&name, &self.xpr_id) {
            (_, Some(id)) => self.report.products.iter().rposition(|p| p.activation_id.as_deref() == Some(id.as_str())),
            (Some(name), None) => self.report.products.iter().rposition(|p| p.name.as_deref() == Some(name.as_str())),
            (None, None) => self.report.products.len().checked_sub(1),
        };
        let index = existing.unwrap_or_else(|| {
            self.report.products.push(SlmgrProduct { line: number, name, ..SlmgrProduct::default() });
            self.report.products.len() - 1
        });
        let product = &mut self.report.products[index];
        if product.activation_id.is_none() {
            product.activation_id = self.xpr_id.take();
        }
        let date = values::date_time(rest);
        match expiry {
            Expiry::Until => {
                product.license_status = Some(LicenseStatus::Licensed);
                product.expires_at = date;
            }
            Expiry::Permanent => {
                product.license_status = Some(LicenseStatus::Licensed);
                product.permanent = true;
            }
            Expiry::GraceEnds(status) => {
                product.license_status = Some(status);
                product.expires_at = date;
            }
            Expiry::Notification => product.license_status = Some(LicenseStatus::Notification),
            Expiry::Unlicensed => product.license_status = Some(LicenseStatus::Unlicensed),
        }
    }

    /// The attempt an outcome line closes; outcomes without "Activating …" above them (a partial
    /// paste) still count, as an attempt on an unnamed product.
    fn attempt(&mut self, number: usize) -> &mut ActivationAttempt {
        let index = match self.open_attempt.take() {
            Some(index) if index < self.report.activations.len() => index,
            _ => {
                let attempt = ActivationAttempt {
                    line: number,
                    product: None,
                    activation_id: None,
                    error: None,
                    message: None,
                    succeeded: false,
                };
                self.report.activations.push(attempt);
                self.report.activations.len() - 1
            }
        };
        &mut self.report.activations[index]
    }

    fn error(&mut self, number: usize, value: &str) {
        let (code, message) = values::error_code(value);
        // "Error: product key not found." from /dli is not an activation attempt.
        if code.is_none() && self.open_attempt.is_none() {
            return;
        }
        let attempt = self.attempt(number);
        attempt.error = code;
        attempt.message = message;
    }

    /// The slui hint on a line of its own: the console wrapped "Error: 0x…" before it.
    fn slui_fallback(&mut self, number: usize, code: Option<u32>, line: &str) {
        if self.open_attempt.is_none()
            && let Some(last) = self.report.activations.last_mut()
            && last.error.is_some()
            && last.error == code
        {
            last.message.get_or_insert_with(|| line.to_string());
            return;
        }
        let attempt = self.attempt(number);
        attempt.error = code;
        attempt.message = Some(line.to_string());
    }

    fn finish(self) -> Result<SlmgrReport, SlmgrError> {
        if !self.distinctive {
            return Err(SlmgrError::NotSlmgr { why: "no slmgr labels found".to_string(), offset: 0 });
        }
        let mut report = self.report;
        report.language = if self.chinese_lines > self.english_lines { "zh-CN" } else { "en" }.to_string();
        // No "Trusted time": a product with both its end date and the time left tells when the
        // text was printed.
        if report.printed_at.is_none() {
            report.printed_at = report.products.iter().find_map(|p| {
                let minutes = p.minutes_left.or(p.days_left.map(|d| d.saturating_mul(1440)))?;
                let end = p.expires_at?;
                Some(Timestamp(end.0.checked_sub(i64::try_from(minutes).ok()?.checked_mul(60)?)?))
            });
        }
        Ok(report)
    }
}

/// An "Error: 0x… message" line is slmgr's way of reporting a failed command, whatever the code
/// (Win32, DNS, RPC, NTSTATUS or licensing): a lone one pasted from a popup is readable.
fn is_error_line(value: &str) -> bool {
    values::hex_code(value).is_some() || value.contains("slui")
}

enum Outcome<'a> {
    Error(&'a str),
    Succeeded,
}

/// "Windows(R), EnterpriseS edition (…)...错误: 0xC004F074 …" → the product part and the outcome.
fn split_outcome(rest: &str) -> (&str, Option<Outcome<'_>>) {
    for marker in ["错误", "Error:", "ERROR:", "error:"] {
        if let Some(at) = rest.find(marker) {
            let value = rest[at + marker.len()..].trim_start_matches([':', '：', ' ']);
            return (&rest[..at], Some(Outcome::Error(value)));
        }
    }
    for marker in ["Product activated successfully", "成功地激活了产品", "成功的激活了产品"] {
        if let Some(at) = rest.find(marker) {
            return (&rest[..at], Some(Outcome::Succeeded));
        }
    }
    (rest, None)
}

fn kms_client(client: &mut KmsClientInfo, field: ClientField, value: &str) {
    match field {
        ClientField::Seen => {}
        ClientField::Cmid => client.cmid = values::text(value),
        ClientField::Registered => client.registered = values::address(value),
        ClientField::FromDns => client.from_dns = values::address(value),
        ClientField::IpAddress => client.ip_address = values::address(value),
        ClientField::ExtendedPid => client.extended_pid = values::text(value),
        ClientField::ActivationInterval => client.activation_interval_minutes = values::leading_u32(value),
        ClientField::RenewalInterval => client.renewal_interval_minutes = values::leading_u32(value),
        ClientField::Caching(enabled) => client.host_caching = Some(enabled),
    }
}

fn kms_host(host: &mut KmsHostStatus, field: HostField, value: &str) {
    match field {
        HostField::Seen => {}
        HostField::CurrentCount => host.current_count = values::leading_u32(value),
        HostField::ListeningPort => {
            host.listening_port = values::leading_number(value).and_then(|n| u16::try_from(n).ok());
        }
        HostField::DnsPublishing(enabled) => host.dns_publishing = Some(enabled),
        HostField::Priority => host.low_priority = Some(values::loose_eq(value, "Low")),
        HostField::TotalRequests => host.total_requests = values::leading_number(value),
        HostField::FailedRequests => host.failed_requests = values::leading_number(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_like_an_editor_shows_them() {
        let lines: Vec<_> = numbered_lines("a\r\nb\nc\rd\r\n").collect();
        assert_eq!(lines, [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "")]);
    }
}
