//! Cell magics: a cell whose first line starts with `%` is not Rust. The line names a
//! magic (`%%kql`, `%%ioc`, `%%b64`, `%%txt2df`, `%help`) and its arguments; the rest
//! of the cell is text the magic works on. [`translate`] turns such a cell into the
//! Rust that calls `nbtools::magic`, so it runs, shows and binds like any cell.
//!
//! Rust never starts with `%`, so no Rust cell is taken for a magic.

use crate::diagnostics::CellError;

/// Magic names with their usage, for errors and completion (the runtime's own table,
/// `nbtools::magic::MAGICS`, documents them for `%help`).
const MAGICS: &[(&str, &str)] = &[
    ("%%kql", "%%kql [provider] [-> name]"),
    ("%%ioc", "%%ioc [type,type...] [-> name]"),
    ("%%b64", "%%b64 [-> name]"),
    ("%%txt2df", "%%txt2df [--sep ,] [--no-headers] [-> name]"),
    ("%%help", "%%help"),
    ("%help", "%help"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Magic {
    Kql { provider: String },
    Ioc { types: String },
    B64,
    Txt2df { separator: String, headers: bool },
    Help,
}

/// True when `code` is a magic cell (its first non-blank line starts with `%`).
pub fn is_magic(code: &str) -> bool {
    code.trim_start().starts_with('%')
}

/// The Rust for a magic cell, `None` for a Rust cell, or an error naming what is wrong
/// with the magic line.
pub fn translate(code: &str) -> Option<Result<String, CellError>> {
    if !is_magic(code) {
        return None;
    }
    let code = code.trim_start_matches(['\n', '\r']);
    let (line, body) = code.split_once('\n').unwrap_or((code, ""));
    Some(parse_line(line.trim()).map(|(magic, bind)| rust_for(&magic, bind.as_deref(), body)))
}

fn magic_error(message: String) -> CellError {
    CellError::new("MagicError", message)
}

fn usage_list() -> String {
    MAGICS
        .iter()
        .map(|(_, usage)| format!("  {usage}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses `%%name args... [-> bind]`.
fn parse_line(line: &str) -> Result<(Magic, Option<String>), CellError> {
    let (line, bind) = match line.split_once("->") {
        Some((head, bind)) => {
            let bind = bind.trim();
            if !is_identifier(bind) {
                return Err(magic_error(format!(
                    "`-> {bind}`: the name to bind must be a Rust variable name \
                     (letters, digits and _, not starting with a digit, not a keyword)"
                )));
            }
            (head.trim(), Some(bind.to_owned()))
        }
        None => (line, None),
    };
    let mut words = line.split_whitespace();
    let name = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    let magic = match name {
        "%%kql" => Magic::Kql {
            provider: single_optional(name, &args)?.unwrap_or_default(),
        },
        "%%ioc" => Magic::Ioc {
            types: args.join(","),
        },
        "%%b64" => {
            no_args(name, &args)?;
            Magic::B64
        }
        "%%txt2df" => txt2df_args(&args)?,
        "%help" | "%%help" => {
            no_args(name, &args)?;
            Magic::Help
        }
        other => {
            let hint = MAGICS
                .iter()
                .map(|(n, _)| *n)
                .find(|n| n.trim_start_matches('%') == other.trim_start_matches('%'))
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(magic_error(format!(
                "unknown magic `{other}`{hint}; the magics are:\n{}",
                usage_list()
            )));
        }
    };
    if bind.is_some() && magic == Magic::Help {
        return Err(magic_error("`%help` has no result to bind".into()));
    }
    Ok((magic, bind))
}

fn no_args(name: &str, args: &[&str]) -> Result<(), CellError> {
    if args.is_empty() {
        return Ok(());
    }
    Err(magic_error(format!(
        "`{name}` takes no arguments, but was given `{}`",
        args.join(" ")
    )))
}

fn single_optional(name: &str, args: &[&str]) -> Result<Option<String>, CellError> {
    match args {
        [] => Ok(None),
        [one] => Ok(Some((*one).to_owned())),
        more => Err(magic_error(format!(
            "`{name}` takes at most one argument (the provider), but was given `{}`",
            more.join(" ")
        ))),
    }
}

fn txt2df_args(args: &[&str]) -> Result<Magic, CellError> {
    let mut separator = ",".to_owned();
    let mut headers = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--sep" => match rest.next() {
                Some(value) => separator = (*value).to_owned(),
                None => return Err(magic_error("`--sep` needs a value, e.g. `--sep ,`".into())),
            },
            "--headers" => headers = true,
            "--no-headers" => headers = false,
            other => {
                return Err(magic_error(format!(
                    "`%%txt2df` does not know `{other}`; usage: %%txt2df [--sep ,] [--no-headers] [-> name]"
                )));
            }
        }
    }
    Ok(Magic::Txt2df { separator, headers })
}

fn is_identifier(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "_",
    ];
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

/// `text` as a Rust raw string literal: enough `#`s that no `"#…` inside ends it.
fn raw_string(text: &str) -> String {
    let mut longest = 0;
    let mut run: Option<usize> = None;
    for c in text.chars() {
        run = match (c, run) {
            ('"', _) => Some(0),
            ('#', Some(n)) => Some(n + 1),
            _ => None,
        };
        if let Some(n) = run {
            longest = longest.max(n);
        }
    }
    let hashes = "#".repeat(longest + 1);
    format!("r{hashes}\"{text}\"{hashes}")
}

fn rust_for(magic: &Magic, bind: Option<&str>, body: &str) -> String {
    let call = match magic {
        Magic::Kql { provider } => format!(
            "nbtools::magic::kql({}, {}).unwrap_or_else(nbtools::magic::fail)",
            raw_string(provider),
            raw_string(body)
        ),
        Magic::Ioc { types } => format!(
            "nbtools::magic::ioc({}, {}).unwrap_or_else(nbtools::magic::fail)",
            raw_string(body),
            raw_string(types)
        ),
        Magic::B64 => format!(
            "nbtools::magic::b64({}).unwrap_or_else(nbtools::magic::fail)",
            raw_string(body)
        ),
        Magic::Txt2df { separator, headers } => format!(
            "nbtools::magic::txt2df({}, {}, {headers}).unwrap_or_else(nbtools::magic::fail)",
            raw_string(body),
            raw_string(separator)
        ),
        Magic::Help => return "nbtools::display(&nbtools::magic::help());".to_owned(),
    };
    match bind {
        // A top-level `let` outlives the cell, as any variable does.
        Some(name) => format!("let {name} = {call};\nnbtools::display(&{name});"),
        None => {
            format!("{{\n    let magic_result = {call};\n    nbtools::display(&magic_result);\n}}")
        }
    }
}

/// Completion of a magic name on a cell's first line: `(matches, start, end)` in
/// bytes, or `None` when the cursor is not in a magic name.
pub fn complete(code: &str, cursor: usize) -> Option<(Vec<String>, usize, usize)> {
    let first_line_end = code.find('\n').unwrap_or(code.len());
    if cursor > first_line_end || !code.starts_with('%') {
        return None;
    }
    let word_end = code[..first_line_end]
        .find(char::is_whitespace)
        .unwrap_or(first_line_end);
    if cursor > word_end {
        return None;
    }
    let typed = &code[..cursor];
    let matches: Vec<String> = MAGICS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .filter(|name| name.starts_with(typed))
        .collect();
    Some((matches, 0, word_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(code: &str) -> String {
        match translate(code) {
            Some(Ok(rust)) => rust,
            Some(Err(e)) => panic!("{code}: {}", e.evalue),
            None => panic!("{code}: not a magic cell"),
        }
    }

    fn error(code: &str) -> String {
        match translate(code) {
            Some(Err(e)) => e.evalue,
            other => panic!("{code}: expected an error, got {other:?}"),
        }
    }

    #[test]
    fn rust_cells_are_left_alone() {
        assert!(translate("let x = 5 % 2;").is_none());
        assert!(translate("// %%kql\nlet x = 1;").is_none());
    }

    #[test]
    fn kql_with_provider_and_binding() {
        let code = rust("%%kql LocalData -> fails\nSecurityEvent\n| where EventID == 4625\n");
        assert_eq!(
            code,
            "let fails = nbtools::magic::kql(r#\"LocalData\"#, r#\"SecurityEvent\n| where EventID == 4625\n\"#).unwrap_or_else(nbtools::magic::fail);\nnbtools::display(&fails);"
        );
        let plain = rust("%%kql\nSecurityAlert | take 1");
        assert!(plain.starts_with("{\n    let magic_result = nbtools::magic::kql(r#\"\"#, "));
        // No generated line starts with `:` (evcxr would read it as a command).
        assert!(
            plain
                .lines()
                .chain(code.lines())
                .all(|l| !l.trim_start().starts_with(':'))
        );
    }

    #[test]
    fn bodies_cannot_escape_the_raw_string() {
        let body = "x \"# y \"## z\")?; std::process::exit(1); (r#\"";
        let code = rust(&format!("%%b64\n{body}"));
        assert!(code.contains(&format!("r###\"{body}\"###")), "{code}");
    }

    #[test]
    fn arguments_are_checked() {
        assert!(error("%%kql a b").contains("at most one argument"));
        assert!(error("%%b64 --depth 3").contains("takes no arguments"));
        assert!(error("%%txt2df --sep").contains("needs a value"));
        assert!(error("%%txt2df --tab").contains("does not know `--tab`"));
        assert!(error("%%kql -> 1abc").contains("Rust variable name"));
        assert!(error("%%kql -> fn").contains("Rust variable name"));
        assert!(error("%help -> x").contains("no result"));
        let unknown = error("%kql\nx");
        assert!(
            unknown.contains("unknown magic `%kql` (did you mean `%%kql`?)"),
            "{unknown}"
        );
        assert!(unknown.contains("%%txt2df [--sep ,]"), "{unknown}");
        assert!(error("%%sql").contains("%%ioc"));
    }

    #[test]
    fn txt2df_and_ioc_arguments() {
        let code = rust("%%txt2df --sep ; --no-headers -> t\na;b");
        assert!(
            code.contains("txt2df(r#\"a;b\"#, r#\";\"#, false)"),
            "{code}"
        );
        let code = rust("%%ioc ipv4 dns\n1.2.3.4");
        assert!(
            code.contains("ioc(r#\"1.2.3.4\"#, r#\"ipv4,dns\"#)"),
            "{code}"
        );
        assert_eq!(rust("%help"), "nbtools::display(&nbtools::magic::help());");
    }

    #[test]
    fn magic_names_complete() {
        let (matches, start, end) = complete("%%t", 3).unwrap();
        assert_eq!((matches, start, end), (vec!["%%txt2df".to_owned()], 0, 3));
        let (matches, _, _) = complete("%", 1).unwrap();
        assert_eq!(matches.len(), MAGICS.len());
        assert!(complete("%%kql\nSecurityEvent", 10).is_none());
        assert!(complete("let x", 3).is_none());
    }
}
