//! Findings: a title, the knowledge base's explanation of the code, and the steps the evidence
//! leaves open. The knowledge base tags each step by purpose; a finding made from records has
//! already found the real error, so its steps start at the first one that confirms or fixes.

use std::collections::HashMap;

use actdoc_core::{StepPurpose, explain, format_code};
use actdoc_logs::decode::Interner;
use actdoc_report::model::{CodeRef, Evidence, Finding, Severity, Shared};

use crate::Options;

#[derive(Clone, Debug)]
struct Explained {
    code: Shared,
    name: Option<Shared>,
    message: Option<Shared>,
    cause: Option<Shared>,
    open_steps: Vec<Shared>,
}

/// Explains codes once each, and keeps one copy of each text the report repeats (a SKU, a host
/// name, an edition): a fleet has 100,000 machines and a handful of codes, hosts and editions.
#[derive(Debug)]
pub(crate) struct Explainer<'a> {
    options: &'a Options<'a>,
    cache: HashMap<u32, Explained>,
    strings: Interner,
}

impl<'a> Explainer<'a> {
    pub(crate) fn new(options: &'a Options<'a>) -> Explainer<'a> {
        Explainer { options, cache: HashMap::new(), strings: Interner::default() }
    }

    /// The one shared copy of `text`.
    pub(crate) fn intern(&mut self, text: &str) -> Shared {
        self.strings.intern(text)
    }

    /// `0x` + 8 upper-case hex digits, shared.
    pub(crate) fn code(&mut self, code: u32) -> Shared {
        self.get(code).code.clone()
    }

    fn get(&mut self, code: u32) -> &Explained {
        let options = self.options;
        self.cache.entry(code).or_insert_with(|| {
            let formatted = Shared::from(format_code(code));
            let Some(e) = explain(&formatted, options.kb, options.lang).into_iter().next().and_then(Result::ok) else {
                return Explained { code: formatted, name: None, message: None, cause: None, open_steps: Vec::new() };
            };
            let open: Vec<Shared> = e
                .resolution
                .iter()
                .zip(e.resolution_purpose.iter().copied().chain(std::iter::repeat(StepPurpose::Fix)))
                .filter(|(_, purpose)| *purpose != StepPurpose::Find)
                .map(|(step, _)| Shared::from(step.as_str()))
                .collect();
            Explained {
                code: formatted,
                name: e.name.as_deref().map(Shared::from),
                message: e.message.as_deref().map(Shared::from),
                cause: e.cause.as_deref().map(Shared::from),
                open_steps: if open.is_empty() {
                    e.resolution.iter().map(|s| Shared::from(s.as_str())).collect()
                } else {
                    open
                },
            }
        })
    }

    pub(crate) fn code_ref(&mut self, code: u32) -> CodeRef {
        let e = self.get(code);
        CodeRef { code: e.code.clone(), name: e.name.clone(), message: e.message.clone() }
    }

    pub(crate) fn name(&mut self, code: u32) -> Shared {
        self.get(code).name.clone().unwrap_or_else(|| Shared::from(""))
    }

    /// A finding about one code, explained from the knowledge base.
    pub(crate) fn finding(
        &mut self,
        code: u32,
        severity: Severity,
        kind: &str,
        title: String,
        evidence: Vec<Evidence>,
    ) -> Finding {
        let e = self.get(code);
        Finding {
            severity,
            kind: kind.to_string(),
            code: Some(format_code(code)),
            machine: None,
            kms_host: None,
            title,
            explanation: e.cause.clone().or_else(|| e.message.clone()).unwrap_or_else(|| Shared::from("")),
            resolution: e.open_steps.clone(),
            evidence,
        }
    }
}

/// A finding whose explanation and steps are our own sentences, not one code's.
pub(crate) fn plain(
    severity: Severity,
    kind: &str,
    code: Option<u32>,
    title: String,
    explanation: &str,
    resolution: Vec<Shared>,
    evidence: Vec<Evidence>,
) -> Finding {
    Finding {
        severity,
        kind: kind.to_string(),
        code: code.map(format_code),
        machine: None,
        kms_host: None,
        title,
        explanation: Shared::from(explanation),
        resolution,
        evidence,
    }
}
