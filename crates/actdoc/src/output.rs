//! What every subcommand shares about output: the chosen language and format, colour, wrapping,
//! and the exit statuses.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use actdoc_core::Lang;
use anyhow::{Result, bail};

use crate::cli::{ColorChoice, Format, GlobalArgs};

/// All went well.
pub(crate) const OK: u8 = 0;
/// A problem was found (an unnamed code, nothing matched).
pub(crate) const PROBLEM: u8 = 1;
/// Bad usage or input that is not a code.
pub(crate) const USAGE: u8 = 2;

/// Where to write and how.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) lang: Lang,
    pub(crate) format: Format,
    pub(crate) color: bool,
    pub(crate) width: usize,
}

impl Output {
    pub(crate) fn from_args(args: &GlobalArgs) -> Result<Output> {
        let format = match (args.json, args.format) {
            (true, Some(Format::Text)) => bail!("--json and --format text contradict each other; pick one"),
            (true, _) => Format::Json,
            (false, format) => format.unwrap_or(Format::Text),
        };
        let lang = args.lang.unwrap_or_else(lang_from_env);
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        };
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100).clamp(40, 200);
        Ok(Output { lang, format, color, width })
    }

    /// Wraps a painted span in an ANSI style when colour is on.
    pub(crate) fn paint(&self, style: Style, text: &str) -> String {
        if self.color { format!("\x1b[{}m{text}\x1b[0m", style.sgr()) } else { text.to_string() }
    }

    /// Wraps `text` to the terminal width with a hanging indent. English breaks only at spaces,
    /// so a command such as `slmgr /ckms` stays whole; Chinese has no spaces and breaks anywhere.
    pub(crate) fn wrap(&self, text: &str, indent: &str) -> String {
        let separator = match self.lang {
            Lang::En => textwrap::WordSeparator::AsciiSpace,
            Lang::ZhCn => textwrap::WordSeparator::UnicodeBreakProperties,
        };
        let options = textwrap::Options::new(self.width)
            .initial_indent(indent)
            .subsequent_indent(indent)
            .word_separator(separator);
        textwrap::fill(text, options)
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Style {
    Heading,
    Label,
    Code,
    Dim,
    Warn,
}

impl Style {
    fn sgr(self) -> &'static str {
        match self {
            Style::Heading => "1",
            Style::Label => "36",
            Style::Code => "1;33",
            Style::Dim => "2",
            Style::Warn => "1;31",
        }
    }
}

/// Text from logs and file names, safe for a terminal: control characters (an ESC that would
/// clear the screen or set the window title) are shown as `\x{1b}`, never sent raw, whatever
/// `--color` says.
pub(crate) fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.push_str(&c.escape_unicode().to_string().replace("\\u{", "\\x{"));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

pub(crate) fn print_text(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// The first of LC_ALL, LC_MESSAGES, LANG that is set decides, as POSIX says.
fn lang_from_env() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find_map(|value| Lang::from_locale(&value))
        .unwrap_or_default()
}

pub(crate) fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// `actdoc … | head` closes the pipe early; that is not an error.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
