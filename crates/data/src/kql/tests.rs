#![allow(clippy::unwrap_used)]

use super::*;

fn round(q: &str) -> String {
    match parse(q) {
        Ok(ast) => {
            let printed = ast.to_string();
            let again =
                parse(&printed).unwrap_or_else(|e| panic!("reparse of {printed:?} failed: {e}"));
            assert_eq!(
                again.to_string(),
                printed,
                "display is not stable for {q:?}"
            );
            printed
        }
        Err(e) => panic!("{q:?}: {e}"),
    }
}

#[test]
fn precedence() {
    assert_eq!(round("T | where a or b and c"), "T | where a or b and c");
    assert_eq!(
        round("T | where (a or b) and c"),
        "T | where (a or b) and c"
    );
    assert_eq!(
        round("T | extend x = 1 + 2 * 3 - -4"),
        "T | extend x = 1 + 2 * 3 - -4"
    );
    assert_eq!(
        round("T | extend x = (1 + 2) * 3"),
        "T | extend x = (1 + 2) * 3"
    );
    assert_eq!(
        round("T | extend x = 1 - (2 - 3)"),
        "T | extend x = 1 - (2 - 3)"
    );
    let q = parse("T | where a + 1 > b * 2 and c").unwrap();
    let Operator::Where {
        predicate:
            Expr::Binary {
                op: BinaryOp::And,
                lhs,
                ..
            },
        ..
    } = &q.body.ops[0]
    else {
        panic!("{q:?}")
    };
    assert!(matches!(
        **lhs,
        Expr::Binary {
            op: BinaryOp::Gt,
            ..
        }
    ));
}

#[test]
fn spans_point_at_source() {
    let text = "T | where Name has 'x'";
    let q = parse(text).unwrap();
    let Operator::Where { predicate, span } = &q.body.ops[0] else {
        panic!()
    };
    assert_eq!(&text[span.start..span.end], "where Name has 'x'");
    assert_eq!(
        &text[predicate.span().start..predicate.span().end],
        "Name has 'x'"
    );
}

#[test]
fn error_display_has_caret() {
    let err = parse("T\n| where x == 1\n| evaluate bag_unpack(x)").unwrap_err();
    assert_eq!((err.line, err.column), (3, 3));
    let shown = err.to_string();
    assert!(
        shown.starts_with("line 3, column 3: operator 'evaluate' is not supported"),
        "{shown}"
    );
    assert!(
        shown.ends_with("| evaluate bag_unpack(x)\n    ^^^^^^^^"),
        "{shown}"
    );
}

#[test]
fn hostile_input_does_not_overflow() {
    for text in [
        "T | where ".to_string() + &"(".repeat(100_000),
        "T | where ".to_string() + &"-".repeat(100_000) + "1",
        "T | extend x = dynamic(".to_string() + &"[".repeat(100_000),
        "(".repeat(100_000),
        "T | join (".repeat(10_000),
    ] {
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nests more than"), "{}", err.message);
    }
}

#[test]
fn no_panic_on_garbage() {
    let samples = [
        "",
        "|",
        "T |",
        "T | where",
        "let",
        "let x",
        "let x =",
        "T | take -1",
        "T | where x in",
        "'",
        "@'",
        "datetime(",
        "T | where a matches",
        "T | join on",
        "[",
        "['a",
        "T | parse x with",
        "1e999",
        "99999999999999999999",
        "T | where x == datetime(nope)",
        "T | sort",
        "é | where ü == 'ö'",
        "T | where x.",
        "T | where x[",
        "\u{0}",
    ];
    for s in samples {
        let _ = parse(s);
    }
    // every prefix of a long query
    let q = "let a = dynamic({'k': [1, -2.5, \"s\"]}); T | where x between (1 .. 2) and y !in~ ('a') | join kind=leftouter (U | project k) on $left.k == $right.k | parse kind=regex m with 'a' x:int * | mv-expand z to typeof(string) limit 3";
    for i in 0..=q.len() {
        if q.is_char_boundary(i) {
            let _ = parse(&q[..i]);
        }
    }
    round(q);
}

/// Random token soup (deterministic xorshift) must never panic, and whatever parses must
/// print and re-parse to the same text.
#[test]
fn random_token_soup() {
    const PIECES: &[&str] = &[
        "T",
        " | ",
        "where ",
        "project ",
        "extend ",
        "summarize ",
        " by ",
        "join ",
        "on ",
        "$left",
        "$right",
        ".",
        "..",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        "=",
        "==",
        "!=",
        "=~",
        "!~",
        "<",
        ">=",
        "+",
        "-",
        "*",
        "/",
        "%",
        " and ",
        " or ",
        " in ",
        " !in~ ",
        " has_any ",
        " between ",
        "1",
        "2.5",
        "1d",
        "'s'",
        "\"d\"",
        "@'v'",
        "h'x'",
        "x",
        "count()",
        "ago(1h)",
        "datetime(2024-01-01)",
        "timespan(1:00:00)",
        "dynamic([1,{\"a\":2}])",
        "['n']",
        "let ",
        "union ",
        "mv-expand ",
        "parse ",
        " with ",
        "take 1",
        "sort by ",
        " asc",
        " nulls first",
        "top 3 ",
        "distinct ",
        "kind=inner ",
        "// c\n",
        "\n",
        "arg_max(x, *)",
        "not(",
        "iff(",
        "matches regex ",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut parsed = 0;
    for _ in 0..20_000 {
        let len = next() % 24;
        let prefix = ["", "T | where ", "T | extend a = ", "T | summarize "][(next() % 4) as usize];
        let text: String = std::iter::once(prefix)
            .chain((0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]))
            .collect();
        if let Ok(ast) = parse(&text) {
            parsed += 1;
            let printed = ast.to_string();
            let again =
                parse(&printed).unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}: {e}"));
            assert_eq!(again.to_string(), printed, "{text:?}");
        }
    }
    println!("{parsed} of 20000 random queries parse");
    assert!(parsed > 100, "{parsed}");
}
