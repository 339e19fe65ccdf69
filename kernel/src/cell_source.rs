//! What the kernel works out from a cell's source text before evcxr sees it:
//! whether it is complete (`is_complete_request`) and where to put interruption
//! points so an endless loop can be stopped without killing the process.

use syn::visit::Visit;

/// The call inserted at the top of every loop body. Short, because it can show up
/// in a compiler message quoting the line.
pub const INTERRUPT_POINT: &str = "::nbtools::__i();";

/// The answer to `is_complete_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    /// Ready to run.
    Complete,
    /// More input expected (an open brace, string or comment); `indent` suggests the next line's indent.
    Incomplete {
        /// Whitespace for the next line.
        indent: String,
    },
    /// Cannot become valid by adding text (for example an unmatched `)`).
    Invalid,
}

/// Decides whether `code` is ready to run.
pub fn completeness(code: &str) -> Completeness {
    let depth = match delimiter_depth(code) {
        Scan::Unbalanced => return Completeness::Invalid,
        Scan::Unterminated => {
            return Completeness::Incomplete {
                indent: String::new(),
            };
        }
        Scan::Depth(0) => 0,
        Scan::Depth(depth) => {
            return Completeness::Incomplete {
                indent: "    ".repeat(depth),
            };
        }
    };
    debug_assert_eq!(depth, 0);
    let body = strip_commands(code);
    if body.trim().is_empty() {
        return Completeness::Complete;
    }
    match syn::parse_str::<syn::Block>(&format!("{{{body}\n}}")) {
        Ok(_) => Completeness::Complete,
        Err(error) if error.to_string().contains("unexpected end of input") => {
            Completeness::Incomplete {
                indent: String::new(),
            }
        }
        Err(_) => {
            // A dangling binary operator or `let x =` at the end: the user is mid-statement.
            let tail = body.trim_end();
            if [
                "=", "+", "-", "*", "/", "&&", "||", ".", ",", "=>", "->", "|",
            ]
            .iter()
            .any(|op| tail.ends_with(op))
            {
                Completeness::Incomplete {
                    indent: String::new(),
                }
            } else {
                Completeness::Invalid
            }
        }
    }
}

enum Scan {
    Depth(usize),
    Unbalanced,
    Unterminated,
}

/// Tracks (), [], {} outside strings, chars and comments.
fn delimiter_depth(code: &str) -> Scan {
    let bytes = code.as_bytes();
    let mut stack = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut nesting = 1;
                i += 2;
                while nesting > 0 {
                    if i + 1 >= bytes.len() {
                        return Scan::Unterminated;
                    }
                    if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                        nesting += 1;
                        i += 1;
                    } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        nesting -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !is_ident_byte(bytes[i - 1])) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while bytes.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) == Some(&b'"') {
                    let closing: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    match find(&bytes[j + 1..], &closing) {
                        Some(end) => i = j + 1 + end + closing.len(),
                        None => return Scan::Unterminated,
                    }
                    continue;
                }
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Scan::Unterminated,
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'\'' => {
                // A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a): skip literals only.
                if bytes.get(i + 1) == Some(&b'\\') {
                    if let Some(end) = bytes[i + 2..].iter().position(|&b| b == b'\'') {
                        i += 2 + end;
                    }
                } else if let Some(ch) = code[i + 1..].chars().next()
                    && code[i + 1 + ch.len_utf8()..].starts_with('\'')
                {
                    i += 1 + ch.len_utf8();
                }
            }
            open @ (b'(' | b'[' | b'{') => stack.push(open),
            close @ (b')' | b']' | b'}') => {
                let expected = match close {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if stack.pop() != Some(expected) {
                    return Scan::Unbalanced;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Scan::Depth(stack.len())
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Blanks evcxr command lines (`:dep …`) so the rest parses as Rust, keeping line numbers.
fn strip_commands(code: &str) -> String {
    code.lines()
        .map(|line| {
            if line.trim_start().starts_with(':') {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A cell as the kernel hands it to evcxr, and where text was inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrumented {
    /// The code to compile.
    pub code: String,
    /// Each insertion as (1-based line, 1-based column in chars of the user's code,
    /// width in chars), so compiler messages can be mapped back to what was written.
    pub insertions: Vec<(usize, usize, usize)>,
}

impl Instrumented {
    /// Maps a column reported for the instrumented code back to the user's column.
    pub fn original_column(&self, line: usize, column: usize) -> usize {
        let shift: usize = self
            .insertions
            .iter()
            .filter(|&&(l, c, _)| l == line && c < column)
            .map(|&(_, _, width)| width)
            .sum();
        column.saturating_sub(shift).max(1)
    }
}

/// Prepares a cell for evcxr:
/// - [`INTERRUPT_POINT`] after the opening brace of every loop body, except in
///   const contexts, where a call is not allowed;
/// - the final expression borrowed, `&(…)`, so the display hooks in nbtools find a
///   rich (`Render`) or plain (`Debug`) form by method lookup alone, where evcxr would
///   otherwise compile the cell twice for every value that is not `Render`.
///
/// Code that does not parse is returned unchanged: the compiler will explain it.
pub fn instrument(code: &str) -> Instrumented {
    let unchanged = || Instrumented {
        code: code.to_owned(),
        insertions: Vec::new(),
    };
    let body = strip_commands(code);
    // The wrapper adds one line before the cell, so cell line N is line N + 1 here.
    let Ok(block) = syn::parse_str::<syn::Block>(&format!("{{\n{body}\n}}")) else {
        return unchanged();
    };
    let mut finder = LoopFinder::default();
    finder.visit_block(&block);
    // (line, 1-based column in the cell, text, required preceding text)
    let mut edits: Vec<(usize, usize, &str, Option<char>)> = finder
        .points
        .iter()
        .map(|&(line, column)| (line - 1, column + 1, INTERRUPT_POINT, Some('{')))
        .collect();
    if let Some((start, end)) = final_expression(&block) {
        edits.push((start.line - 1, start.column + 1, "&(", None));
        edits.push((end.line - 1, end.column + 1, ")", None));
    }
    if edits.is_empty() {
        return unchanged();
    }
    edits.sort_by_key(|&(line, column, _, _)| (line, column));
    edits.dedup_by_key(|e| (e.0, e.1, e.2));
    let mut lines: Vec<String> = code.split('\n').map(str::to_owned).collect();
    for &(line, column, text, after) in edits.iter().rev() {
        let Some(current) = lines.get_mut(line - 1) else {
            return unchanged();
        };
        let byte = current
            .char_indices()
            .nth(column - 1)
            .map_or(current.len(), |(b, _)| b);
        if after.is_some_and(|c| !current[..byte].ends_with(c)) {
            return unchanged();
        }
        current.insert_str(byte, text);
    }
    Instrumented {
        code: lines.join("\n"),
        insertions: edits
            .iter()
            .map(|&(line, column, text, _)| (line, column, text.chars().count()))
            .collect(),
    }
}

/// Where the block's trailing expression (no semicolon) starts and ends.
fn final_expression(
    block: &syn::Block,
) -> Option<(proc_macro2::LineColumn, proc_macro2::LineColumn)> {
    use syn::spanned::Spanned;
    let span = match block.stmts.last()? {
        syn::Stmt::Expr(expr, None) => expr.span(),
        syn::Stmt::Macro(mac) if mac.semi_token.is_none() => mac.span(),
        _ => return None,
    };
    Some((span.start(), span.end()))
}

#[derive(Default)]
struct LoopFinder {
    /// (line, 0-based char column) of each loop body's `{`, in wrapper coordinates.
    points: Vec<(usize, usize)>,
    const_depth: usize,
}

impl LoopFinder {
    fn mark(&mut self, body: &syn::Block) {
        if self.const_depth == 0 {
            let open = body.brace_token.span.open().start();
            self.points.push((open.line, open.column + 1));
        }
    }

    fn in_const(&mut self, visit: impl FnOnce(&mut Self)) {
        self.const_depth += 1;
        visit(self);
        self.const_depth -= 1;
    }
}

impl<'ast> Visit<'ast> for LoopFinder {
    fn visit_expr_loop(&mut self, node: &'ast syn::ExprLoop) {
        self.mark(&node.body);
        syn::visit::visit_expr_loop(self, node);
    }

    fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
        self.mark(&node.body);
        syn::visit::visit_expr_while(self, node);
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        self.mark(&node.body);
        syn::visit::visit_expr_for_loop(self, node);
    }

    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        if node.sig.constness.is_some() {
            self.in_const(|v| syn::visit::visit_item_fn(v, node));
        } else {
            syn::visit::visit_item_fn(self, node);
        }
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        if node.sig.constness.is_some() {
            self.in_const(|v| syn::visit::visit_impl_item_fn(v, node));
        } else {
            syn::visit::visit_impl_item_fn(self, node);
        }
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        if node.sig.constness.is_some() {
            self.in_const(|v| syn::visit::visit_trait_item_fn(v, node));
        } else {
            syn::visit::visit_trait_item_fn(self, node);
        }
    }

    fn visit_item_const(&mut self, node: &'ast syn::ItemConst) {
        self.in_const(|v| syn::visit::visit_item_const(v, node));
    }

    fn visit_item_static(&mut self, node: &'ast syn::ItemStatic) {
        self.in_const(|v| syn::visit::visit_item_static(v, node));
    }

    fn visit_expr_const(&mut self, node: &'ast syn::ExprConst) {
        self.in_const(|v| syn::visit::visit_expr_const(v, node));
    }

    fn visit_type_array(&mut self, node: &'ast syn::TypeArray) {
        self.in_const(|v| syn::visit::visit_type_array(v, node));
    }

    fn visit_expr_repeat(&mut self, node: &'ast syn::ExprRepeat) {
        self.visit_expr(&node.expr);
        self.in_const(|v| v.visit_expr(&node.len));
    }

    fn visit_macro(&mut self, _node: &'ast syn::Macro) {
        // Macro bodies are token soup to syn; leave them alone.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_completeness() {
        let cases = [
            ("let x = 1;", Completeness::Complete),
            ("6 * 7", Completeness::Complete),
            (":dep foo = \"1\"", Completeness::Complete),
            ("", Completeness::Complete),
            (
                "fn f() {",
                Completeness::Incomplete {
                    indent: "    ".into(),
                },
            ),
            (
                "let s = \"open",
                Completeness::Incomplete {
                    indent: String::new(),
                },
            ),
            (
                "/* comment",
                Completeness::Incomplete {
                    indent: String::new(),
                },
            ),
            (
                "let x =",
                Completeness::Incomplete {
                    indent: String::new(),
                },
            ),
            ("let x = )", Completeness::Invalid),
            ("fn f() { ]", Completeness::Invalid),
            ("let c = '}';", Completeness::Complete),
            (
                "fn f<'a>(x: &'a str) -> &'a str { x }",
                Completeness::Complete,
            ),
            ("let r = r#\"a \" { b\"#;", Completeness::Complete),
            ("let x = 1 2;", Completeness::Invalid),
        ];
        for (code, expected) in cases {
            assert_eq!(completeness(code), expected, "{code:?}");
        }
    }

    #[test]
    fn instruments_loops_outside_const_contexts() {
        let code = "let mut n = 0;\nloop { n += 1; if n > 3 { break } }\nfor i in 0..3 {\n    while n < i {}\n}\nconst fn f() { loop {} }\nlet s = \"loop {\";";
        let out = instrument(code);
        let lines: Vec<&str> = out.code.lines().collect();
        assert_eq!(
            lines[1],
            "loop {::nbtools::__i(); n += 1; if n > 3 { break } }"
        );
        assert_eq!(lines[2], "for i in 0..3 {::nbtools::__i();");
        assert_eq!(lines[3], "    while n < i {::nbtools::__i();}");
        assert_eq!(lines[5], "const fn f() { loop {} }");
        assert_eq!(lines[6], "let s = \"loop {\";");
        let width = INTERRUPT_POINT.chars().count();
        assert_eq!(
            out.insertions,
            vec![(2, 7, width), (3, 16, width), (4, 18, width)]
        );
        assert_eq!(out.original_column(2, 30), 30 - INTERRUPT_POINT.len());
        assert_eq!(out.original_column(2, 3), 3);
    }

    #[test]
    fn borrows_the_final_expression() {
        let cases = [
            ("6 * 7", "&(6 * 7)"),
            ("let x = 1;\nx", "let x = 1;\n&(x)"),
            ("format!(\"{}\", 1)", "&(format!(\"{}\", 1))"),
            (
                "let v = vec![\n  1,\n  2];\nv.iter()\n .sum::<i32>()",
                "let v = vec![\n  1,\n  2];\n&(v.iter()\n .sum::<i32>())",
            ),
            ("let x = 1;", "let x = 1;"),
            ("println!(\"a\");", "println!(\"a\");"),
            ("fn f() {}", "fn f() {}"),
        ];
        for (code, expected) in cases {
            assert_eq!(instrument(code).code, expected, "{code:?}");
        }
        let out = instrument("let s = \"é\"; s.len()");
        assert_eq!(out.code, "let s = \"é\"; &(s.len())");
        assert_eq!(
            out.original_column(1, 20),
            18,
            "columns after `&(` shift back"
        );
    }

    #[test]
    fn leaves_unparsable_and_loop_free_code_alone() {
        for code in [
            "let x = ;",
            "println!(\"hi\");",
            ":dep x = \"1\"\nlet y = 2;",
            "let é = \"ü\"; loop { break }",
        ] {
            let out = instrument(code);
            if code.contains("loop") {
                assert!(out.code.contains(INTERRUPT_POINT), "{code}");
            } else {
                assert_eq!(out.code, code);
            }
        }
    }
}
