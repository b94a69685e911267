//! The state rules: one machine's facts, in time order, folded into the verdict of each of its
//! products. Every rule here is a row of the README's rule table, with the test that pins it.
//!
//! Order: facts are sorted by time (untimed text last: it is what the user ran while collecting),
//! then a request before its response, then by file and record. Shuffling events or files never
//! changes the result.

use std::borrow::Cow;
use std::collections::BTreeMap;

use actdoc_logs::time::{DAY, HOUR, Timestamp};
use actdoc_report::model::{App, LicenseStatus, MachineState};

use crate::evidence::Ev;
use crate::observe::{Fact, Obs, Request, Response};

/// How long a KMS activation lasts.
pub(crate) const VALIDITY: i64 = 180 * DAY;
/// A client's response follows its request within seconds; allow for a slow host.
const RESPONSE_WINDOW: i64 = 15 * 60;
/// A licence with fewer days left than this is worth a warning.
pub(crate) const EXPIRY_WARNING_DAYS: u64 = 30;
/// 12289 status flag: the host has not counted enough machines yet.
const NOT_ENOUGH_COUNT: u32 = 0x0400_0000;
pub(crate) const SL_E_VL_NOT_ENOUGH_COUNT: u32 = 0xC004_F038;
/// What slmgr shows when no KMS host answered.
pub(crate) const SL_E_VL_BINDING_SERVICE_UNAVAILABLE: u32 = 0xC004_F074;
const SL_E_NO_PID_CONFIG_DATA: u32 = 0xC004_F014;

/// Which product a fact is about: its application, its SKU, and for a product that texts name
/// without a SKU, its name.
pub(crate) type ProductKey<'k> = (App, Option<&'k str>, Option<&'k str>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The attempt ended with this code.
    Code,
    /// A request (12288, no error) that no response (12289) followed.
    NoAnswer,
}

#[derive(Clone, Debug)]
pub(crate) struct Failure<'a> {
    pub ev: Ev,
    /// The code as the record gives it.
    pub shown: u32,
    /// The real error: behind 0xC004F074, the code a request of the same episode holds.
    pub code: u32,
    pub kind: FailureKind,
    pub host: Option<&'a str>,
}

/// A KMS host answered "not activated" and its count explains it (rule 1).
#[derive(Clone, Debug)]
pub(crate) struct Refusal<'a> {
    pub ev: Ev,
    pub host: Option<&'a str>,
    pub count: Option<u32>,
    pub needed: Option<u32>,
}

/// A request of this machine to a KMS host, for the host's count and the correlation with its log.
#[derive(Clone, Debug)]
pub(crate) struct SentRequest<'a> {
    pub ev: Ev,
    pub host: &'a str,
    pub cmid: &'a str,
    /// The count the host answered with, when a response followed.
    pub answered_count: Option<u32>,
}

/// One product's verdict and what it rests on.
#[derive(Clone, Debug)]
pub(crate) struct Verdict<'a> {
    pub app: App,
    pub sku: Option<String>,
    pub app_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub channel: Option<Cow<'a, str>>,
    pub partial_key: Option<&'a str>,
    pub status: Option<LicenseStatus>,
    pub reason: Option<u32>,
    pub state: MachineState,
    pub expires: Option<Timestamp>,
    pub days_left: Option<u64>,
    pub kms_host: Option<(&'a str, &'static str)>,
    /// A KMS client (it sent requests, or its channel says so): its activation expires.
    pub kms_client: bool,
    pub last_attempt: Option<Ev>,
    /// Every failed attempt, oldest first.
    pub failures: Vec<Failure<'a>>,
    /// The failure that explains a `failing` verdict, when one does.
    pub last_failure: Option<Failure<'a>>,
    pub refusal: Option<Refusal<'a>>,
    /// Failed or unanswered renewals since this time while the licence still holds (rule 3).
    pub renewal_trouble: Option<Failure<'a>>,
    /// When it became licensed after its last failures.
    pub licensed_since: Option<Ev>,
    /// The licence ran out with no renewal.
    pub expired: bool,
    /// The newest facts the verdict rests on, newest first.
    pub evidence: Vec<Ev>,
    /// Every attempt with its result (0: succeeded), for the timeline.
    pub attempts: Vec<(Ev, u32)>,
}

/// Folds a machine's facts into one verdict per product. `as_of` is the machine's evaluation time.
pub(crate) fn judge<'a>(
    obs: &mut [Obs<'a>],
    file_rank: &[usize],
    as_of: Option<Timestamp>,
) -> (Vec<Verdict<'a>>, Vec<SentRequest<'a>>) {
    obs.sort_by_cached_key(|o| {
        let rank = match o.fact {
            Fact::Request(_) => 0u8,
            Fact::Response(_) => 1,
            _ => 2,
        };
        (o.ev.time.is_none(), o.ev.time, rank, file_rank.get(o.ev.file).copied(), o.ev.record_id, o.ev.line)
    });
    let responses = pair_responses(obs);
    let keys = product_keys(obs, &responses);

    let mut folds: BTreeMap<ProductKey<'_>, Fold<'a>> = BTreeMap::new();
    let mut sent = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        let Some(key) = keys[i] else { continue };
        let fold = folds.entry(key).or_default();
        let response = responses[i].and_then(|r| match &obs[r].fact {
            Fact::Response(resp) => Some((obs[r].ev, *resp)),
            _ => None,
        });
        if let Fact::Request(r) = &o.fact
            && let (Some(host), Some(cmid)) = (r.host, r.cmid)
        {
            sent.push(SentRequest { ev: o.ev, host, cmid, answered_count: response.and_then(|(_, r)| r.count) });
        }
        fold.apply(o, response);
    }
    let verdicts = folds.into_iter().map(|(key, fold)| fold.verdict(key, as_of)).collect();
    (verdicts, sent)
}

/// For each request, the response (12289) that answered it: the next response within the window,
/// first come first served when several requests wait (Windows and Office renew together).
fn pair_responses(obs: &[Obs<'_>]) -> Vec<Option<usize>> {
    let mut answer = vec![None; obs.len()];
    let mut waiting: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for (i, o) in obs.iter().enumerate() {
        match o.fact {
            Fact::Request(Request { hresult: 0, .. }) => waiting.push_back(i),
            Fact::Response(_) => {
                let Some(t) = o.ev.time else { continue };
                while let Some(&front) = waiting.front() {
                    let stale = obs[front].ev.time.is_none_or(|rt| t.0 - rt.0 > RESPONSE_WINDOW);
                    if !stale {
                        break;
                    }
                    waiting.pop_front();
                }
                if let Some(request) = waiting.pop_front() {
                    answer[request] = Some(i);
                }
            }
            _ => {}
        }
    }
    answer
}

/// The product each fact belongs to. Responses go with their request; a fact that names no SKU
/// goes to the machine's one product of its application (or its one product at all), else to a
/// product of that application without a SKU.
fn product_keys<'k>(obs: &'k [Obs<'_>], responses: &[Option<usize>]) -> Vec<Option<ProductKey<'k>>> {
    // Applications learnt from any record that names both (12288 names only the SKU).
    let mut app_of_sku: BTreeMap<&str, App> = BTreeMap::new();
    for o in obs {
        if let (Some(app), Some(sku)) = (o.app, o.sku.as_deref()) {
            app_of_sku.entry(sku).or_insert(app);
        }
    }
    let mut skus: BTreeMap<App, Vec<&str>> = BTreeMap::new();
    for o in obs {
        if let Some(sku) = o.sku.as_deref() {
            let app = o.app.or_else(|| app_of_sku.get(sku).copied()).unwrap_or(App::Other);
            let list = skus.entry(app).or_default();
            if !list.contains(&sku) {
                list.push(sku);
            }
        }
    }
    let all: Vec<(App, &str)> = skus.iter().flat_map(|(a, l)| l.iter().map(move |s| (*a, *s))).collect();
    let mut keys: Vec<Option<ProductKey<'k>>> = obs
        .iter()
        .map(|o| {
            if matches!(o.fact, Fact::Response(_)) {
                return None;
            }
            if let Some(sku) = o.sku.as_deref() {
                let app = o.app.or_else(|| app_of_sku.get(sku).copied()).unwrap_or(App::Other);
                return Some((app, Some(sku), None));
            }
            let only = |app: App| match skus.get(&app).map(Vec::as_slice) {
                Some([one]) => Some((app, Some(*one), None)),
                _ => None,
            };
            Some(match o.app {
                // Office texts without SKUs (Office Tool Plus) name each product: several Office
                // products of one machine stay apart. Windows has one product per machine.
                Some(app @ (App::Office | App::Other)) => only(app).unwrap_or((app, None, o.name)),
                Some(app) => only(app).unwrap_or((app, None, None)),
                None => match all.as_slice() {
                    [(app, sku)] => (*app, Some(*sku), None),
                    _ => only(App::Windows).unwrap_or((App::Windows, None, None)),
                },
            })
        })
        .collect();
    for (request, response) in responses.iter().enumerate() {
        if let Some(r) = response {
            keys[*r] = keys[request];
        }
    }
    keys
}

#[derive(Debug, Default)]
struct Fold<'a> {
    app_id: Option<&'a str>,
    name: Option<&'a str>,
    channel: Option<Cow<'a, str>>,
    partial_key: Option<&'a str>,
    status: Option<LicenseStatus>,
    reason: Option<u32>,
    expires: Option<Timestamp>,
    /// Minutes left as an untimed text printed them.
    text_minutes: Option<u64>,
    /// The days the same text printed (slmgr's own rounding).
    text_days: Option<u64>,
    kms_host: Option<(&'a str, &'static str)>,
    kms_client: bool,
    /// Activated through Active Directory: lasts 180 days like KMS.
    ad: bool,
    /// A text gave the date the activation ends (`/xpr`): it expires, whatever the channel.
    dated: bool,
    last_attempt: Option<Ev>,
    failures: Vec<Failure<'a>>,
    failures_since_licensed: usize,
    last_failure: Option<Failure<'a>>,
    refusal: Option<Refusal<'a>>,
    renewal_trouble: Option<Failure<'a>>,
    succeeded: bool,
    licensed_since: Option<Ev>,
    evidence: Vec<Ev>,
    attempts: Vec<(Ev, u32)>,
}

/// Records listed as a product's evidence: the newest few the verdict rests on.
const EVIDENCE_KEPT: usize = 3;

impl<'a> Fold<'a> {
    fn apply(&mut self, o: &Obs<'a>, response: Option<(Ev, Response)>) {
        if self.app_id.is_none() {
            self.app_id = o.app_id;
        }
        if self.name.is_none() {
            self.name = o.name;
        }
        self.evidence.push(o.ev);
        if self.evidence.len() > 2 * EVIDENCE_KEPT {
            self.evidence.drain(..EVIDENCE_KEPT);
        }
        match &o.fact {
            Fact::Request(r) => self.request(o.ev, r, response),
            Fact::Response(_) => {}
            Fact::Registered(host) => self.kms_host = Some((host, "registered")),
            Fact::Failed { code } => self.failed(o.ev, *code, FailureKind::Code, None),
            Fact::Succeeded { ad } => {
                self.ad |= *ad;
                let lasts = *ad || self.kms_client;
                self.licensed(o.ev, o.ev.time.filter(|_| lasts).map(|t| Timestamp(t.0.saturating_add(VALIDITY))));
                if lasts && o.ev.time.is_none() {
                    // An untimed success (a pasted /ato): a full validity period from when it ran.
                    self.text_minutes = Some(u64::try_from(VALIDITY / 60).unwrap_or(0));
                }
                self.last_attempt = Some(o.ev);
                self.attempts.push((o.ev, 0));
            }
            Fact::State(s) => {
                if let Some(status) = s.status {
                    self.set_status(o.ev, status);
                }
                self.reason = s.reason.filter(|_| s.status != Some(LicenseStatus::Licensed));
                self.expires = s.grace_end.or(self.expires);
                self.text_minutes = None;
                self.text_days = None;
                set(&mut self.partial_key, s.partial_key);
                set(&mut self.channel, s.channel.clone());
            }
            Fact::Snapshot(s) => {
                if let Some(status) = s.status {
                    self.set_status(o.ev, status);
                }
                self.reason = s.reason;
                let minutes = s.minutes_left.or(s.days_left.map(|d| d.saturating_mul(1440)));
                match (o.ev.time, minutes) {
                    (Some(t), Some(m)) => self.expires = Some(minutes_after(t, m)),
                    (None, Some(m)) => {
                        self.text_minutes = Some(m);
                        self.text_days = s.days_left;
                    }
                    _ => {}
                }
                if let Some(end) = s.expires_at {
                    self.expires = Some(end);
                    self.text_minutes = None;
                    self.text_days = None;
                    self.dated = true;
                }
                if s.permanent {
                    self.expires = None;
                    self.text_minutes = None;
                    self.text_days = None;
                }
                set(&mut self.name, s.name);
                set(&mut self.partial_key, s.partial_key);
                set(&mut self.channel, s.channel.clone());
                if s.kms_host.is_some() {
                    self.kms_host = s.kms_host;
                }
            }
        }
        if self.channel.as_deref() == Some("VOLUME_KMSCLIENT") {
            self.kms_client = true;
        }
    }

    /// Rules 1–3: a request, and the response that followed it or its absence.
    fn request(&mut self, ev: Ev, r: &Request<'a>, response: Option<(Ev, Response)>) {
        self.kms_client = true;
        self.last_attempt = Some(ev);
        if let Some(host) = r.host {
            self.kms_host = Some((host, "event"));
        }
        // The request reports the licence as it stood before this attempt.
        if let Some(status) = r.status {
            self.set_status(ev, status);
            if let (Some(t), Some(m)) = (ev.time, r.minutes_left.filter(|m| *m > 0)) {
                self.expires = Some(minutes_after(t, m));
            }
        }
        if r.hresult != 0 {
            return self.failed(ev, r.hresult, FailureKind::Code, r.host);
        }
        let Some((response_ev, response)) = response else {
            return self.failed(ev, SL_E_VL_BINDING_SERVICE_UNAVAILABLE, FailureKind::NoAnswer, r.host);
        };
        self.evidence.push(response_ev);
        if response.hresult != 0 {
            return self.failed(response_ev, response.hresult, FailureKind::Code, r.host);
        }
        if response.activated == Some(true) {
            let time = response_ev.time.or(ev.time);
            self.attempts.push((ev, 0));
            return self.licensed(response_ev, time.map(|t| Timestamp(t.0.saturating_add(VALIDITY))));
        }
        // Answered, not activated: the count the host reported against what this product needs.
        let short = match (response.count, r.min_count) {
            (Some(count), Some(needed)) => count < needed,
            _ => false,
        };
        let flagged = response.flags.is_some_and(|f| f & NOT_ENOUGH_COUNT != 0);
        if short || flagged {
            self.reason = Some(SL_E_VL_NOT_ENOUGH_COUNT);
        }
        self.attempts.push((ev, SL_E_VL_NOT_ENOUGH_COUNT));
        self.refusal = Some(Refusal { ev: response_ev, host: r.host, count: response.count, needed: r.min_count });
    }

    fn set_status(&mut self, ev: Ev, status: LicenseStatus) {
        if status == LicenseStatus::Licensed {
            if self.status != Some(LicenseStatus::Licensed) || self.failures_since_licensed > 0 {
                self.licensed_since = Some(ev);
            }
            self.failures_since_licensed = 0;
            self.last_failure = None;
            self.refusal = None;
        } else {
            self.renewal_trouble = None;
        }
        self.status = Some(status);
        self.text_minutes = None;
        self.text_days = None;
    }

    fn licensed(&mut self, ev: Ev, expires: Option<Timestamp>) {
        self.set_status(ev, LicenseStatus::Licensed);
        self.succeeded = true;
        self.reason = None;
        self.expires = expires;
        self.renewal_trouble = None;
    }

    fn failed(&mut self, ev: Ev, code: u32, kind: FailureKind, host: Option<&'a str>) {
        self.last_attempt = Some(ev);
        self.attempts.push((ev, code));
        let failure = Failure { ev, shown: code, code, kind, host };
        self.failures.push(failure.clone());
        let still_licensed = self.status == Some(LicenseStatus::Licensed)
            && self.expires.is_none_or(|e| ev.time.is_none_or(|t| t < e))
            && self.kms_client;
        if still_licensed {
            // A renewal that failed: the activation still holds until it expires (rule 3).
            self.renewal_trouble.get_or_insert(failure);
        } else {
            self.failures_since_licensed += 1;
            self.last_failure = Some(failure);
            self.refusal = None;
        }
    }

    fn verdict(mut self, key: ProductKey<'_>, as_of: Option<Timestamp>) -> Verdict<'a> {
        real_errors(&mut self.failures);
        if let Some(last) = &mut self.last_failure {
            last.code = self.failures.iter().rev().find(|f| f.ev == last.ev).map_or(last.code, |f| f.code);
        }
        let ran_out =
            self.status == Some(LicenseStatus::Licensed) && self.expires.is_some_and(|e| as_of.is_some_and(|a| e <= a));
        let count_reason = self.reason == Some(SL_E_VL_NOT_ENOUGH_COUNT);
        let state = match self.status {
            Some(LicenseStatus::Licensed) if !ran_out => MachineState::Activated,
            // Windows lists SKUs it has no key for as unlicensed with this reason: not a failure.
            Some(LicenseStatus::Unlicensed) if self.reason == Some(SL_E_NO_PID_CONFIG_DATA) => MachineState::Unknown,
            // Expired, in notification, or unlicensed.
            Some(LicenseStatus::Licensed | LicenseStatus::Notification | LicenseStatus::Unlicensed) => {
                MachineState::Failing
            }
            Some(_) if self.failures_since_licensed > 0 || (self.reason.is_some() && !count_reason) => {
                MachineState::Failing
            }
            Some(_) => MachineState::Grace,
            None if self.failures_since_licensed > 0 => MachineState::Failing,
            None if self.refusal.is_some() => MachineState::Grace,
            None => MachineState::Unknown,
        };
        // MAK, retail, OEM and digital licences do not expire (rule 9).
        let expires = self
            .expires
            .filter(|_| self.kms_client || self.ad || self.dated || self.status != Some(LicenseStatus::Licensed));
        let days_left = match (expires, as_of) {
            (Some(e), Some(a)) if self.text_minutes.is_none() => {
                Some(u64::try_from((e.0.saturating_sub(a.0).max(0).saturating_add(DAY / 2)) / DAY).unwrap_or(0))
            }
            // As the text printed them, else its minutes to the nearest day.
            _ => self.text_days.or(self.text_minutes.map(|m| (m + 720) / 1440)),
        };
        let mut evidence = self.evidence;
        evidence.reverse();
        evidence.truncate(EVIDENCE_KEPT);
        Verdict {
            app: key.0,
            sku: key.1.map(str::to_string),
            app_id: self.app_id,
            name: self.name,
            channel: self.channel,
            partial_key: self.partial_key,
            status: self.status,
            reason: self.reason,
            state,
            expires,
            days_left,
            kms_host: self.kms_host,
            kms_client: self.kms_client,
            last_attempt: self.last_attempt,
            last_failure: if state == MachineState::Failing { self.last_failure } else { None },
            refusal: self.refusal,
            renewal_trouble: if state == MachineState::Activated { self.renewal_trouble } else { None },
            licensed_since: self.licensed_since.filter(|_| self.succeeded || !self.failures.is_empty()),
            expired: ran_out,
            failures: self.failures,
            evidence,
            attempts: self.attempts,
        }
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn minutes_after(t: Timestamp, minutes: u64) -> Timestamp {
    Timestamp(t.0.saturating_add(i64::try_from(minutes).unwrap_or(i64::MAX / 120).saturating_mul(60)))
}

/// Behind the catch-all 0xC004F074 that slui and slmgr show, the code a request (12288) of the
/// same episode (within an hour) recorded. `failures` is in time order.
fn real_errors(failures: &mut [Failure<'_>]) {
    let requests: Vec<(Timestamp, u32)> = failures
        .iter()
        .filter(|f| f.ev.event_id == Some(12288) && f.kind == FailureKind::Code)
        .filter(|f| f.shown != SL_E_VL_BINDING_SERVICE_UNAVAILABLE)
        .filter_map(|f| f.ev.time.map(|t| (t, f.shown)))
        .collect();
    for f in
        failures.iter_mut().filter(|f| f.shown == SL_E_VL_BINDING_SERVICE_UNAVAILABLE && f.kind == FailureKind::Code)
    {
        let near = match f.ev.time {
            Some(t) => {
                let from = requests.partition_point(|(rt, _)| rt.0 < t.0 - HOUR);
                requests[from..].iter().take_while(|(rt, _)| rt.0 <= t.0 + HOUR).last()
            }
            // An untimed text: the newest request of the same product.
            None => requests.last(),
        };
        if let Some((_, code)) = near {
            f.code = *code;
        }
    }
}
