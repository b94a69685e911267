//! The frame every page shares (header, navigation, language switch, footer) and the small pieces
//! pages build from. Pages are maud templates: every value is escaped unless it is wrapped in
//! `PreEscaped`, which only this module and the report embedding use, on text they built
//! themselves. No page holds an inline script, a style attribute that needs script, or a URL to
//! anywhere but this server.

use actdoc_core::Lang;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::lang::switch_href;
use crate::text::{Text, text};

/// The section of the site a page belongs to, to mark it in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Search,
    Browse,
    Codes,
    Analyze,
    Check,
    Api,
    None,
}

/// Everything the frame needs besides the body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub section: Section,
    /// The request's address, for the language switch.
    pub uri: &'a Uri,
    /// `rel=canonical`: the stable address of this content.
    pub canonical: Option<&'a str>,
    /// Whether the network-check page exists on this server.
    pub checks: bool,
    /// Whether the reader signed in with the login form (then a sign-out button is shown).
    pub signed_in: bool,
    /// The search box in the header; the home page has its own, bigger one.
    pub header_search: bool,
}

pub(crate) fn layout(frame: &Frame<'_>, body: &Markup) -> Markup {
    let t = text(frame.lang);
    let nav: [(Section, &str, &str, bool); 6] = [
        (Section::Search, "/", t.nav_search, true),
        (Section::Browse, "/types", t.nav_browse, true),
        (Section::Codes, "/codes", t.nav_codes, true),
        (Section::Analyze, "/analyze", t.nav_analyze, true),
        (Section::Check, "/check", t.nav_check, frame.checks),
        (Section::Api, "/api", t.nav_api, true),
    ];
    html! {
        (DOCTYPE)
        html lang=(frame.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (frame.title) " · Activation Doctor" }
                link rel="stylesheet" href="/static/site.css";
                @if let Some(canonical) = frame.canonical {
                    link rel="canonical" href=(canonical);
                }
                // One small file of our own: copy buttons and file names. Everything works without it.
                script src="/static/site.js" defer {}
            }
            body {
                header.site {
                    div.bar {
                        a.brand href="/" {
                            span.mark aria-hidden="true" { "A" }
                            span { "Activation Doctor" }
                        }
                        nav.main aria-label=(t.nav_search) {
                            @for (section, href, label, shown) in nav {
                                @if shown {
                                    @if section == frame.section {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                        div.tools {
                            @if frame.header_search {
                                form.mini action="/search" method="get" role="search" {
                                    input type="search" name="q" aria-label=(t.search_label)
                                        placeholder="0xC004F074" autocomplete="off";
                                }
                            }
                            span.langs aria-label=(t.language) {
                                (lang_link(frame, Lang::En, "English"))
                                (lang_link(frame, Lang::ZhCn, "中文"))
                            }
                            @if frame.signed_in {
                                form.signout action="/logout" method="post" {
                                    button.link type="submit" { (t.sign_out) }
                                }
                            }
                        }
                    }
                }
                main { (body) }
                footer.site {
                    p { (t.footer) }
                    p.meta { "actdoc " (env!("CARGO_PKG_VERSION")) " · " a href="/api" { (t.nav_api) } }
                }
            }
        }
    }
}

fn lang_link(frame: &Frame<'_>, lang: Lang, label: &str) -> Markup {
    html! {
        @if frame.lang == lang {
            span.current lang=(lang.tag()) aria-current="true" { (label) }
        } @else {
            a href=(switch_href(frame.uri, lang)) lang=(lang.tag()) hreflang=(lang.tag()) { (label) }
        }
    }
}

/// A page as a response with its status.
pub(crate) fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// An error page: what went wrong, in the reader's language, and the way back.
pub(crate) fn error_page(frame: &Frame<'_>, status: StatusCode, heading: &str, detail: &str) -> Response {
    let t = text(frame.lang);
    // The page has its own search form: no second one in the header.
    let frame = Frame { header_search: false, ..*frame };
    let body = html! {
        section.error {
            p.status { (status.as_u16()) " " (status.canonical_reason().unwrap_or_default()) }
            h1 { (heading) }
            p.lead { (prose(detail)) }
            (search_form(t, "", false))
            p { a href="/" { (t.back_home) } }
        }
    };
    respond(status, layout(&frame, &body))
}

/// The search form; `big` on the home page.
pub(crate) fn search_form(t: &Text, value: &str, big: bool) -> Markup {
    html! {
        form.search.big[big] action="/search" method="get" role="search" {
            label for="q" { (t.search_label) }
            div.row {
                input #q type="search" name="q" value=(value) placeholder="0xC004F074"
                    autocomplete="off" spellcheck="false" required autofocus[big];
                button type="submit" { (t.search_button) }
            }
            @if big {
                p.hint { (t.search_hint) }
            }
        }
    }
}

/// The page of a code: `/codes/0xC004F074`.
pub(crate) fn code_href(code: &str) -> String {
    format!("/codes/{}", path_segment(code))
}

/// Percent-encodes a path segment (a user's input can hold anything, `/` and `?` included).
pub(crate) fn path_segment(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // Unreserved characters stay readable; everything else is encoded.
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// A symbolic name (`SL_E_VL_BINDING_SERVICE_UNAVAILABLE`) that may break after each underscore
/// in a narrow column, rather than in the middle of a word.
pub(crate) fn ident(name: &str) -> Markup {
    html! {
        @for (i, part) in name.split('_').enumerate() {
            @if i > 0 { "_" wbr; }
            (part)
        }
    }
}

/// A knowledge-base text: `backticks` become `<code>` (commands to copy) and every code in the
/// running text (`0x800706BA`) becomes a link to its page.
pub(crate) fn rich(text: &str) -> Markup {
    marked(text, true)
}

/// The same for texts whose backticks quote names rather than commands to run (error messages,
/// API descriptions): `<code>` without the copy affordance.
pub(crate) fn prose(text: &str) -> Markup {
    marked(text, false)
}

fn marked(text: &str, commands: bool) -> Markup {
    html! {
        @for (i, part) in text.split('`').enumerate() {
            @if i % 2 == 1 {
                code.cmd[commands] { (part) }
            } @else {
                (linked_codes(part))
            }
        }
    }
}

fn linked_codes(text: &str) -> Markup {
    let mut pieces: Vec<(bool, &str)> = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i + 10 <= bytes.len() {
        let is_code = bytes[i] == b'0'
            && (bytes[i + 1] == b'x' || bytes[i + 1] == b'X')
            && bytes[i + 2..i + 10].iter().all(u8::is_ascii_hexdigit)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.get(i + 10).is_none_or(|b| !b.is_ascii_alphanumeric());
        if is_code {
            pieces.push((false, &text[start..i]));
            pieces.push((true, &text[i..i + 10]));
            i += 10;
            start = i;
        } else {
            i += 1;
        }
    }
    pieces.push((false, &text[start..]));
    html! {
        @for (is_code, piece) in pieces {
            @if is_code {
                @let canonical = format!("0x{}", piece[2..].to_ascii_uppercase());
                a.code href=(code_href(&canonical)) { (canonical) }
            } @else {
                (piece)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_become_code_and_codes_become_links() {
        let out = rich("Run `slmgr /ato` after 0xc004f074, not 0x1234 <b>").into_string();
        assert_eq!(
            out,
            "Run <code class=\"cmd\">slmgr /ato</code> after \
             <a class=\"code\" href=\"/codes/0xC004F074\">0xC004F074</a>, not 0x1234 &lt;b&gt;"
        );
    }

    #[test]
    fn names_may_break_after_underscores() {
        assert_eq!(ident("SL_E_X").into_string(), "SL_<wbr>E_<wbr>X");
        assert_eq!(ident("<b>").into_string(), "&lt;b&gt;");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("0xC004F074"), "0xC004F074");
        assert_eq!(path_segment("a/b c?<"), "a%2Fb%20c%3F%3C");
        assert_eq!(path_segment("错误"), "%E9%94%99%E8%AF%AF");
    }
}
