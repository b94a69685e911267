//! One Simplified Chinese term per concept (issue 12, item 22): the glossary in `kb/glossary.toml`
//! names the preferred term and the variants that must not come back, and this test looks for
//! those variants in every knowledge-base file, in the string literals of the CLI and in the web
//! page texts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Glossary {
    term: Vec<Term>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    concept: String,
    en: String,
    preferred: String,
    deprecated: Vec<String>,
    source: String,
}

fn glossary() -> Glossary {
    toml::from_str(include_str!("../kb/glossary.toml")).unwrap_or_else(|e| panic!("kb/glossary.toml: {e}"))
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The string literals of a Rust source file with the line each starts on: `"…"` (with escapes),
/// `r"…"` and `r#"…"#`. Comments and char literals are skipped.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == 'r' && matches!(next, Some('"' | '#')) && (i == 0 || !ident(chars[i - 1])) {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                i += 1;
                continue;
            }
            let (start, mut text) = (line, String::new());
            j += 1;
            while let Some(&ch) = chars.get(j) {
                if ch == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                line += usize::from(ch == '\n');
                text.push(ch);
                j += 1;
            }
            out.push((start, text));
            i = j;
        } else if c == '"' {
            let (start, mut text) = (line, String::new());
            let mut j = i + 1;
            while let Some(&ch) = chars.get(j) {
                if ch == '\\' {
                    text.push(ch);
                    if let Some(&escaped) = chars.get(j + 1) {
                        text.push(escaped);
                        line += usize::from(escaped == '\n');
                    }
                    j += 2;
                    continue;
                }
                if ch == '"' {
                    break;
                }
                line += usize::from(ch == '\n');
                text.push(ch);
                j += 1;
            }
            out.push((start, text));
            i = j + 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '"') or a lifetime ('a): skip the literal so its quote
            // does not open a string.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// `(place, text)` pairs to search: whole files of the knowledge base, string literals elsewhere.
fn texts() -> Vec<(String, String)> {
    let root = manifest();
    let mut out = Vec::new();
    let mut kb_files = Vec::new();
    files_under(&root.join("kb"), &mut kb_files);
    for path in kb_files {
        if path.file_name().is_some_and(|n| n == "glossary.toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (n, line) in text.lines().enumerate() {
            out.push((format!("{}:{}", path.strip_prefix(&root).unwrap().display(), n + 1), line.to_string()));
        }
    }
    let mut rust = Vec::new();
    files_under(&root.join("../actdoc/src"), &mut rust);
    rust.retain(|p| p.extension().is_some_and(|e| e == "rs"));
    rust.push(root.join("../web/src/text.rs"));
    // The sentences of scan findings and the report's labels are shown to users too.
    rust.push(root.join("../fleet/src/texts.rs"));
    rust.push(root.join("../report/src/html/labels.rs"));
    assert!(rust.len() > 5, "the CLI sources were not found");
    for path in rust {
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (line, literal) in string_literals(&src) {
            out.push((format!("{}:{line}", path.display()), literal));
        }
    }
    out
}

#[test]
fn the_glossary_is_well_formed() {
    let g = glossary();
    assert!(g.term.len() >= 5);
    let mut all = Vec::new();
    for t in &g.term {
        for field in [&t.concept, &t.en, &t.preferred, &t.source] {
            assert!(!field.trim().is_empty(), "{}: empty field", t.concept);
        }
        assert!(!t.deprecated.is_empty(), "{}: no deprecated variant", t.concept);
        for d in &t.deprecated {
            assert!(!t.preferred.contains(d.as_str()), "{}: `{d}` is part of the preferred term", t.concept);
            assert!(!all.contains(d), "`{d}` listed twice");
            all.push(d.clone());
        }
    }
    assert!(all.iter().any(|d| d == "微软"), "the terms named in issue 12 are all covered");
}

#[test]
fn no_deprecated_term_in_the_kb_the_cli_or_the_web_texts() {
    let g = glossary();
    let mut found = Vec::new();
    for (place, text) in texts() {
        for t in &g.term {
            for d in t.deprecated.iter().filter(|d| text.contains(d.as_str())) {
                found.push(format!("{place}: `{d}`, write `{}` ({})", t.preferred, t.concept));
            }
        }
    }
    assert!(found.is_empty(), "deprecated zh-CN terms:\n{}", found.join("\n"));
}

#[test]
fn the_preferred_terms_are_in_use() {
    let g = glossary();
    let all: String = texts().into_iter().map(|(_, t)| t).collect();
    for t in &g.term {
        assert!(all.contains(t.preferred.as_str()), "{}: `{}` is used nowhere", t.concept, t.preferred);
    }
}

#[test]
fn the_literal_scanner_sees_strings_not_comments() {
    let src = "// 微软 in a comment\nlet a = '\"'; let b = \"监听 here\";\n/* 离线 */ let c = r#\"raw \"许可存储\"\"#; fn f<'a>(x: &'a str) {}";
    let literals: Vec<String> = string_literals(src).into_iter().map(|(_, s)| s).collect();
    assert_eq!(literals, ["监听 here", "raw \"许可存储\""]);
    assert_eq!(string_literals("\n\n\"x\"")[0].0, 3);
}
