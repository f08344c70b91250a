//! Table and property tests for `mapping::transform`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use mapping::{Transform, TransformError, TransformSpecError, e164, to_ascii};
use proptest::prelude::*;

fn apply(t: &Transform, input: &str) -> Result<String, TransformError> {
    // Run every case on borrowed and on owned input: both paths must agree.
    let borrowed = t.apply(Cow::Borrowed(input)).map(Cow::into_owned);
    let owned = t.apply(Cow::Owned(input.to_owned())).map(Cow::into_owned);
    assert_eq!(
        borrowed, owned,
        "{t} on {input:?}: borrowed and owned differ"
    );
    borrowed
}

fn check_table(t: &Transform, cases: &[(&str, &str)]) {
    for &(input, expected) in cases {
        assert_eq!(
            apply(t, input).unwrap(),
            expected,
            "{t} on {input:?} should give {expected:?}"
        );
    }
}

/// The transform returns the borrowed input unchanged (no allocation).
fn assert_borrows(t: &Transform, input: &str) {
    match t.apply(Cow::Borrowed(input)).unwrap() {
        Cow::Borrowed(out) => assert_eq!(out, input, "{t} on {input:?}"),
        Cow::Owned(out) => panic!("{t} on {input:?} allocated {out:?}"),
    }
}

/// The transform returns a borrowed slice of the input (no allocation).
fn assert_slices(t: &Transform, input: &str) {
    assert!(
        matches!(t.apply(Cow::Borrowed(input)).unwrap(), Cow::Borrowed(_)),
        "{t} on {input:?} allocated"
    );
}

fn parse(spec: &str) -> Transform {
    Transform::parse(spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"))
}

fn s(v: &str) -> String {
    v.to_owned()
}

// ---------------------------------------------------------------------------
// Simple transforms
// ---------------------------------------------------------------------------

#[test]
fn lower() {
    check_table(
        &Transform::Lower,
        &[
            ("", ""),
            ("   ", "   "),
            ("Jan de Vries", "jan de vries"),
            ("JAN", "jan"),
            ("already lower", "already lower"),
            ("ÉCOLE Ødegaard", "école ødegaard"),
            ("ΣΟΦΊΑ", "σοφία"),
            ("İ", "i\u{307}"),
        ],
    );
    assert_borrows(&Transform::Lower, "already lower 123");
    assert_borrows(&Transform::Lower, "");
    assert_borrows(&Transform::Lower, "søren ødegaard");
}

#[test]
fn upper() {
    check_table(
        &Transform::Upper,
        &[
            ("", ""),
            (" \t", " \t"),
            ("jan de vries", "JAN DE VRIES"),
            ("Straße", "STRASSE"),
            ("zoë", "ZOË"),
            ("ALREADY", "ALREADY"),
        ],
    );
    assert_borrows(&Transform::Upper, "ALREADY UPPER 1");
    assert_borrows(&Transform::Upper, "ØDEGAARD");
}

#[test]
fn trim() {
    check_table(
        &Transform::Trim,
        &[
            ("", ""),
            ("    ", ""),
            ("  Jan  ", "Jan"),
            ("\t\nJan de Vries\r\n", "Jan de Vries"),
            ("\u{a0}Zoë\u{3000}", "Zoë"),
            ("clean", "clean"),
            ("in  side", "in  side"),
        ],
    );
    assert_borrows(&Transform::Trim, "clean value");
    assert_slices(&Transform::Trim, "  cut  ");
}

#[test]
fn collapse_spaces() {
    check_table(
        &Transform::CollapseSpaces,
        &[
            ("", ""),
            ("   ", ""),
            ("Jan  de   Vries", "Jan de Vries"),
            ("  Jan de Vries  ", "Jan de Vries"),
            ("Jan\tde\n\nVries", "Jan de Vries"),
            ("Jan\u{a0}de Vries", "Jan de Vries"),
            ("Jan de Vries", "Jan de Vries"),
            ("Zoë  Ødegaard", "Zoë Ødegaard"),
        ],
    );
    assert_borrows(&Transform::CollapseSpaces, "Jan de Vries");
    assert_slices(&Transform::CollapseSpaces, "  Jan de Vries ");
}

#[test]
fn remove_spaces() {
    check_table(
        &Transform::RemoveSpaces,
        &[
            ("", ""),
            (" \t\n", ""),
            ("Jan de Vries", "JandeVries"),
            ("1234 AB", "1234AB"),
            ("Zoë\u{a0}Ødegaard", "ZoëØdegaard"),
            ("none", "none"),
        ],
    );
    assert_borrows(&Transform::RemoveSpaces, "nospaces");
}

#[test]
fn ascii_transform() {
    check_table(
        &Transform::Ascii,
        &[
            ("", ""),
            ("  ", "  "),
            ("Søren Ødegaard", "Soren Odegaard"),
            ("Jürgen Strauß", "Jurgen Strauss"),
            ("Ayşe Yılmaz", "Ayse Yilmaz"),
            ("Renée Lefèvre", "Renee Lefevre"),
            ("Lan Nguyễn", "Lan Nguyen"),
            ("Zoë", "Zoe"),
            ("plain ascii", "plain ascii"),
        ],
    );
    assert_borrows(&Transform::Ascii, "plain ascii");
}

#[test]
fn to_ascii_table() {
    let cases = [
        ("", ""),
        ("Søren Ødegaard", "Soren Odegaard"),
        ("Jürgen Strauß", "Jurgen Strauss"),
        ("GROẞ", "GROSS"),
        ("Ayşe Yılmaz", "Ayse Yilmaz"),
        ("Renée Lefèvre", "Renee Lefevre"),
        ("Lan Nguyễn", "Lan Nguyen"),
        ("Zoë", "Zoe"),
        ("Æsa Œuvre", "AEsa OEuvre"),
        ("Łukasz Đorđević", "Lukasz Dordevic"),
        ("Þóra Guðmundsdóttir", "THora Gudmundsdottir"),
        ("Ðiðrik", "Didrik"),
        ("ĸŋŧħ", "kngth"),
        ("Ĳsselmeer", "IJsselmeer"),
        ("ﬁnn", "finn"),
        ("Ｊａｎ", "Jan"),
        ("O’Brien – “Bob”", "O'Brien - \"Bob\""),
        ("Jan\u{a0}Jansen", "Jan Jansen"),
        ("İstanbul", "Istanbul"),
        ("Ελένη 李", " "),
        ("e\u{301}", "e"),
    ];
    for (input, expected) in cases {
        assert_eq!(to_ascii(input), expected, "to_ascii({input:?})");
    }
    assert!(matches!(to_ascii("plain"), Cow::Borrowed("plain")));
    assert!(matches!(to_ascii(""), Cow::Borrowed("")));
}

#[test]
fn replace() {
    let t = Transform::Replace {
        from: s(" "),
        to: s("."),
    };
    check_table(
        &t,
        &[
            ("", ""),
            ("Jan de Vries", "Jan.de.Vries"),
            ("  ", ".."),
            ("nospace", "nospace"),
        ],
    );
    assert_borrows(&t, "nospace");
    let multi = Transform::Replace {
        from: s("ij"),
        to: s("y"),
    };
    check_table(&multi, &[("Dijkstra", "Dykstra"), ("ijij", "yy")]);
    let unicode = Transform::Replace {
        from: s("ë"),
        to: s("e"),
    };
    check_table(&unicode, &[("Zoë Noël", "Zoe Noel")]);
    let delete = Transform::Replace {
        from: s("-"),
        to: s(""),
    };
    check_table(&delete, &[("van-der-Berg", "vanderBerg")]);
    let empty_from = Transform::Replace {
        from: s(""),
        to: s("x"),
    };
    check_table(&empty_from, &[("", ""), ("abc", "abc")]);
    assert_borrows(&empty_from, "abc");
}

#[test]
fn truncate() {
    let cases: &[(usize, &str, &str)] = &[
        (0, "", ""),
        (0, "abc", ""),
        (5, "", ""),
        (3, "abc", "abc"),
        (2, "abc", "ab"),
        (50, "short", "short"),
        // Multi-byte characters at the boundary are kept whole.
        (3, "Zoë Jansen", "Zoë"),
        (2, "Zoë", "Zo"),
        (1, "ễa", "ễ"),
        (2, "日本語", "日本"),
        (3, "日本語", "日本語"),
        (1, "😀😀", "😀"),
        // Chars, not grapheme clusters: the combining mark is a char of its own.
        (1, "e\u{301}x", "e"),
    ];
    for &(n, input, expected) in cases {
        assert_eq!(
            apply(&Transform::Truncate(n), input).unwrap(),
            expected,
            "truncate({n}) on {input:?}"
        );
    }
    assert_borrows(&Transform::Truncate(10), "short");
    assert_borrows(&Transform::Truncate(3), "日本語");
    assert_slices(&Transform::Truncate(3), "Zoë Jansen");
}

// ---------------------------------------------------------------------------
// Date
// ---------------------------------------------------------------------------

#[test]
fn date_ok() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("%Y-%m-%d", "%d-%m-%Y", "2024-03-15", "15-03-2024"),
        ("%d/%m/%Y", "%Y-%m-%d", "15/03/2024", "2024-03-15"),
        ("%d-%m-%Y", "%Y%m%d", "1-3-2024", "20240301"),
        ("%Y-%m-%d", "%d %B %Y", "2024-02-29", "29 February 2024"),
        ("%Y-%m-%d", "%Y-%m-%d", "2024-03-05", "2024-03-05"),
        (
            "%Y-%m-%dT%H:%M:%S",
            "%d-%m-%Y %H:%M",
            "2024-03-15T08:30:00",
            "15-03-2024 08:30",
        ),
        // A date without a time prints as midnight.
        (
            "%Y-%m-%d",
            "%Y-%m-%dT%H:%M:%S",
            "2024-03-15",
            "2024-03-15T00:00:00",
        ),
        // A parsed offset is kept.
        (
            "%Y-%m-%dT%H:%M:%S%z",
            "%Y-%m-%d %H:%M %:z",
            "2024-03-15T08:30:00+0100",
            "2024-03-15 08:30 +01:00",
        ),
        // Time only.
        ("%H:%M", "%I:%M %p", "14:05", "02:05 PM"),
    ];
    for &(from, to, input, expected) in cases {
        let t = Transform::Date {
            from: s(from),
            to: s(to),
        };
        assert_eq!(apply(&t, input).unwrap(), expected, "{t} on {input:?}");
    }
}

#[test]
fn date_errors() {
    let t = parse("date('%d-%m-%Y')");
    for input in [
        "",
        "   ",
        "15-03-2024",
        "2024-02-30",
        "2024-13-01",
        "2024-03-15 ",
        "yesterday",
    ] {
        assert_eq!(
            apply(&t, input),
            Err(TransformError::NotADate {
                value: s(input),
                format: s("%Y-%m-%d"),
            }),
            "{input:?}"
        );
    }
    // The output asks for a date the input does not have: the error names `to`.
    let t = Transform::Date {
        from: s("%H:%M"),
        to: s("%Y"),
    };
    assert_eq!(
        apply(&t, "10:00"),
        Err(TransformError::NotADate {
            value: s("10:00"),
            format: s("%Y"),
        })
    );
    // A bad format built directly is an error, not a panic.
    let t = Transform::Date {
        from: s("%Y-%m-%d"),
        to: s("%Q"),
    };
    assert!(apply(&t, "2024-03-15").is_err());
    let err = apply(&parse("date('%d-%m-%Y')"), "x").unwrap_err();
    assert_eq!(err.to_string(), "`x` is not a date in format `%Y-%m-%d`");
}

// ---------------------------------------------------------------------------
// Map
// ---------------------------------------------------------------------------

fn employee_types(default: Option<&str>) -> Transform {
    let table: BTreeMap<String, String> = [("E", "Employee"), ("C", "Contractor"), ("I", "I")]
        .into_iter()
        .map(|(k, v)| (s(k), s(v)))
        .collect();
    Transform::Map {
        table,
        default: default.map(s),
    }
}

#[test]
fn map_hit_miss_default() {
    let strict = employee_types(None);
    check_table(
        &strict,
        &[("E", "Employee"), ("C", "Contractor"), ("I", "I")],
    );
    assert_borrows(&strict, "I");
    for miss in ["X", "e", "", " E"] {
        assert_eq!(
            apply(&strict, miss),
            Err(TransformError::Unmapped { value: s(miss) })
        );
    }
    let lenient = employee_types(Some("Other"));
    check_table(
        &lenient,
        &[("E", "Employee"), ("X", "Other"), ("", "Other")],
    );
    let err = apply(&strict, "X").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`X` has no entry in the map table and there is no default"
    );
}

// ---------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------

#[test]
fn e164_ok() {
    let cases: &[(&str, &str, &str)] = &[
        // NL mobile and landline, every way people write them.
        ("06-12345678", "NL", "+31612345678"),
        ("06 1234 5678", "NL", "+31612345678"),
        ("06.12.34.56.78", "NL", "+31612345678"),
        ("(06) 12345678", "NL", "+31612345678"),
        ("(0)6-12345678", "NL", "+31612345678"),
        ("020 123 4567", "NL", "+31201234567"),
        ("020-1234567", "NL", "+31201234567"),
        ("+31 (0)6 12345678", "NL", "+31612345678"),
        ("+31(0)20-1234567", "NL", "+31201234567"),
        ("+31 6 12345678", "NL", "+31612345678"),
        ("+31612345678", "NL", "+31612345678"),
        ("0031 6 12345678", "NL", "+31612345678"),
        ("0031 (0)6 12345678", "NL", "+31612345678"),
        ("0031612345678", "NL", "+31612345678"),
        ("+31 06 12345678", "NL", "+31612345678"),
        ("612345678", "NL", "+31612345678"),
        ("06\u{a0}12345678", "NL", "+31612345678"),
        (" 06–12345678 ", "NL", "+31612345678"),
        ("06-12345678", "nl", "+31612345678"),
        // International numbers ignore the region.
        ("+31 6 12345678", "US", "+31612345678"),
        ("+32 470 12 34 56", "NL", "+32470123456"),
        // BE
        ("0470 12 34 56", "BE", "+32470123456"),
        ("02 123 45 67", "BE", "+3221234567"),
        // US / CA
        ("(415) 555-0123", "US", "+14155550123"),
        ("415.555.0123", "US", "+14155550123"),
        ("1-415-555-0123", "US", "+14155550123"),
        ("+1 415 555 0123", "NL", "+14155550123"),
        ("011 31 6 12345678", "US", "+31612345678"),
        ("416-555-0199", "CA", "+14165550199"),
        // Others
        ("030/1234567", "DE", "+49301234567"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("087 123 4567", "IE", "+353871234567"),
        ("0412 345 678", "AU", "+61412345678"),
        ("090-1234-5678", "JP", "+819012345678"),
        ("9123 4567", "SG", "+6591234567"),
        ("601 234 567", "CZ", "+420601234567"),
    ];
    for &(input, region, expected) in cases {
        assert_eq!(
            e164(input, region).as_deref(),
            Ok(expected),
            "e164({input:?}, {region:?})"
        );
        let t = Transform::E164 {
            default_region: s(region),
        };
        assert_eq!(apply(&t, input).unwrap(), expected, "{t} on {input:?}");
    }
    let nl = Transform::E164 {
        default_region: s("NL"),
    };
    assert_borrows(&nl, "+31612345678");
}

#[test]
fn e164_errors() {
    let not_a_phone = |input: &str, region: &str, reason_part: &str| match e164(input, region) {
        Err(TransformError::NotAPhoneNumber { value, reason }) => {
            assert_eq!(value, input);
            assert!(
                reason.contains(reason_part),
                "e164({input:?}): reason {reason:?} lacks {reason_part:?}"
            );
        }
        other => panic!("e164({input:?}, {region:?}) gave {other:?}"),
    };
    not_a_phone("06-1234", "NL", "too short");
    not_a_phone("12345", "BE", "too short");
    not_a_phone("+31 6 1234 5678 9012 3", "NL", "too long");
    not_a_phone(&"1".repeat(40), "NL", "too many digits");
    not_a_phone("555-0123", "US", "10 digits");
    not_a_phone("+1 415 555 01234", "NL", "10 digits");
    not_a_phone("06-CALL-ME", "NL", "letters");
    not_a_phone("06 12345678 ext 12", "NL", "letters");
    not_a_phone("06#12345678", "NL", "unexpected character `#`");
    not_a_phone("", "NL", "no digits");
    not_a_phone("   ", "NL", "no digits");
    not_a_phone("()-", "NL", "no digits");
    not_a_phone("+31+612345678", "NL", "'+'");
    not_a_phone("06+12345678", "NL", "'+'");
    not_a_phone("+0612345678", "NL", "country code cannot start with 0");
    not_a_phone("000612345678", "NL", "country code cannot start with 0");
    not_a_phone(
        "+31 00 1234567",
        "NL",
        "cannot start with 00 after the country code",
    );

    for region in ["XX", "", "NLD", "31"] {
        assert_eq!(
            e164("06-12345678", region),
            Err(TransformError::UnknownRegion { region: s(region) })
        );
        let t = Transform::E164 {
            default_region: s(region),
        };
        assert_eq!(
            t.apply(Cow::Borrowed("+31612345678")),
            Err(TransformError::UnknownRegion { region: s(region) })
        );
    }
    let err = e164("abc", "NL").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`abc` is not a phone number: letters are not allowed (found `a`)"
    );
}

// ---------------------------------------------------------------------------
// Spec parsing
// ---------------------------------------------------------------------------

#[test]
fn parse_every_form() {
    let date = |from: &str, to: &str| Transform::Date {
        from: s(from),
        to: s(to),
    };
    let replace = |from: &str, to: &str| Transform::Replace {
        from: s(from),
        to: s(to),
    };
    let phone = |r: &str| Transform::E164 {
        default_region: s(r),
    };
    let cases: Vec<(&str, Transform)> = vec![
        ("lower", Transform::Lower),
        ("upper", Transform::Upper),
        ("trim", Transform::Trim),
        ("collapse_spaces", Transform::CollapseSpaces),
        ("remove_spaces", Transform::RemoveSpaces),
        ("ascii", Transform::Ascii),
        ("LOWER", Transform::Lower),
        ("lower()", Transform::Lower),
        ("  lower  ", Transform::Lower),
        ("lower ( )", Transform::Lower),
        ("\tascii\n", Transform::Ascii),
        ("replace(' ', '.')", replace(" ", ".")),
        ("replace(\" \", \".\")", replace(" ", ".")),
        ("replace( 'a' ,'b' )", replace("a", "b")),
        ("replace ('a', \"b\")", replace("a", "b")),
        ("replace('', '')", replace("", "")),
        (r"replace('\'', '\\')", replace("'", "\\")),
        (r#"replace("\"", '\"')"#, replace("\"", "\"")),
        (r#"replace("it's", 'a"b')"#, replace("it's", "a\"b")),
        ("replace('ë', 'e')", replace("ë", "e")),
        ("replace('(,)', ')')", replace("(,)", ")")),
        ("truncate(50)", Transform::Truncate(50)),
        ("truncate( 0 )", Transform::Truncate(0)),
        ("truncate(007)", Transform::Truncate(7)),
        ("date('%d-%m-%Y')", date("%Y-%m-%d", "%d-%m-%Y")),
        ("date('%Y-%m-%d', '%d-%m-%Y')", date("%Y-%m-%d", "%d-%m-%Y")),
        ("date(\"%d/%m/%Y\",\"%Y%m%d\")", date("%d/%m/%Y", "%Y%m%d")),
        ("e164", phone("NL")),
        ("e164()", phone("NL")),
        ("e164('BE')", phone("BE")),
        ("e164( \"us\" )", phone("us")),
    ];
    for (spec, expected) in cases {
        assert_eq!(parse(spec), expected, "{spec:?}");
        assert_eq!(spec.parse::<Transform>().unwrap(), expected, "{spec:?}");
    }
}

#[test]
fn parse_errors_have_byte_positions() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "empty transform spec"),
        ("   ", 3, "expected a transform name"),
        ("foo", 0, "unknown transform `foo`"),
        ("  foo(1)", 2, "unknown transform `foo`"),
        ("lowercase", 0, "unknown transform `lowercase`"),
        ("collapse-spaces", 0, "did you mean `collapse_spaces`?"),
        ("(lower)", 0, "expected a transform name, found `(`"),
        ("'lower'", 0, "expected a transform name"),
        ("é", 0, "expected a transform name, found `é`"),
        ("map", 0, "`map` cannot be written inline"),
        ("  map('a', 'b')", 2, "`map` cannot be written inline"),
        ("MAP", 0, "`map` cannot be written inline"),
        // Missing ')' points at the end of the spec.
        ("truncate(50", 11, "missing ')' to close '(' at 8"),
        ("replace('a', 'b'", 16, "missing ')'"),
        ("lower(", 6, "missing ')'"),
        ("replace('a',", 12, "missing ')'"),
        // Bad integers.
        ("truncate(5x)", 9, "invalid unsigned integer `5x`"),
        ("truncate(-1)", 9, "invalid unsigned integer `-1`"),
        ("truncate(1.5)", 9, "invalid unsigned integer `1.5`"),
        (
            "truncate( 99999999999999999999999 )",
            10,
            "integer `99999999999999999999999` is too large",
        ),
        (
            "truncate(ten)",
            9,
            "expected a quoted string or an unsigned integer",
        ),
        ("truncate('5')", 9, "expects an unsigned integer"),
        // Wrong arity: too few points at ')' (or the end of the name), too
        // many at the first extra argument.
        ("truncate", 8, "`truncate` needs 1 argument, found 0"),
        ("truncate()", 9, "`truncate` needs 1 argument, found 0"),
        ("truncate(1, 2)", 12, "takes at most 1 argument, found 2"),
        ("lower(1)", 6, "`lower` takes no arguments"),
        ("ascii('x')", 6, "`ascii` takes no arguments"),
        ("replace('a')", 11, "`replace` needs 2 arguments, found 1"),
        ("replace", 7, "`replace` needs 2 arguments"),
        (
            "replace('a', 'b', 'c')",
            18,
            "takes at most 2 arguments, found 3",
        ),
        ("date()", 5, "`date` needs 1 argument"),
        ("date('%Y', '%m', '%d')", 17, "takes at most 2 arguments"),
        ("e164('NL', 'BE')", 11, "takes at most 1 argument"),
        // Unterminated quotes point at the opening quote.
        ("replace('abc)", 8, "unterminated string"),
        ("replace('a', \"b)", 13, "unterminated string"),
        (r"replace('a\')", 8, "unterminated string"),
        (r"replace('a', 'c\')", 13, "unterminated string"),
        ("replace('a\\", 8, "unterminated string"),
        // Escapes.
        (r"replace('a\n', 'b')", 10, r"unknown escape `\n`"),
        // Argument syntax.
        ("replace(, 'b')", 8, "expected an argument before ','"),
        ("replace('a',)", 12, "expected an argument after ','"),
        ("replace('a' 'b')", 12, "expected ',' or ')', found `'`"),
        ("truncate(5 5)", 11, "expected ',' or ')', found `5`"),
        (
            "replace(1, 'b')",
            8,
            "expects the text to replace as a quoted string",
        ),
        (
            "replace('a', 2)",
            13,
            "expects the replacement as a quoted string",
        ),
        (
            "lower(é)",
            6,
            "expected a quoted string or an unsigned integer, found `é`",
        ),
        ("truncate(()", 9, "expected an argument, found `(`"),
        // Trailing input; offsets are bytes, not chars.
        (
            "lower upper",
            6,
            "expected '(' or the end of the spec after `lower`",
        ),
        ("lower() x", 8, "unexpected `x` after ')'"),
        ("replace('é', 'e') x", 19, "unexpected `x` after ')'"),
        ("truncate(1))", 11, "unexpected `)` after ')'"),
        // Checked arguments.
        ("date('%Q')", 5, "invalid date format `%Q`"),
        ("date('%Y-%m-%d', '')", 17, "empty date format"),
        ("date(1)", 5, "expects a strftime format as a quoted string"),
        (
            "e164('XX')",
            5,
            "unknown phone region `XX`; supported: NL, BE",
        ),
        ("e164(31)", 5, "expects a region as a quoted string"),
    ];
    for &(spec, position, message_part) in cases {
        let err = Transform::parse(spec).expect_err(spec);
        assert_eq!(err.position, position, "{spec:?}: {err}");
        assert!(
            err.message.contains(message_part),
            "{spec:?}: {:?} lacks {message_part:?}",
            err.message
        );
        assert_eq!(err.to_string(), format!("at {position}: {}", err.message));
    }
}

#[test]
fn spec_error_display() {
    let err: TransformSpecError = Transform::parse("truncate(50").unwrap_err();
    assert_eq!(err.to_string(), "at 11: missing ')' to close '(' at 8");
}

// ---------------------------------------------------------------------------
// Display, names
// ---------------------------------------------------------------------------

fn every_parseable_variant() -> Vec<Transform> {
    vec![
        Transform::Lower,
        Transform::Upper,
        Transform::Trim,
        Transform::CollapseSpaces,
        Transform::RemoveSpaces,
        Transform::Ascii,
        Transform::Replace {
            from: s(" "),
            to: s("."),
        },
        Transform::Replace {
            from: s(r#"it's "x" \ y"#),
            to: s(""),
        },
        Transform::Truncate(0),
        Transform::Truncate(usize::MAX),
        Transform::Date {
            from: s("%d/%m/%Y"),
            to: s("%Y-%m-%d"),
        },
        Transform::Date {
            from: s("%Y-%m-%d"),
            to: s("%d '%B' %Y"),
        },
        Transform::E164 {
            default_region: s("NL"),
        },
        Transform::E164 {
            default_region: s("us"),
        },
    ]
}

#[test]
fn display_round_trips() {
    for t in every_parseable_variant() {
        let spec = t.to_string();
        assert_eq!(parse(&spec), t, "{spec:?}");
    }
    assert_eq!(Transform::Truncate(50).to_string(), "truncate(50)");
    assert_eq!(
        Transform::Replace {
            from: s("'"),
            to: s("\\")
        }
        .to_string(),
        r"replace('\'', '\\')"
    );
    assert_eq!(
        parse("date('%d-%m-%Y')").to_string(),
        "date('%Y-%m-%d', '%d-%m-%Y')"
    );
    assert_eq!(parse("e164").to_string(), "e164('NL')");
    let map = employee_types(Some("x"));
    assert_eq!(map.to_string(), "map(3 entries)");
    assert!(Transform::parse(&map.to_string()).is_err());
}

#[test]
fn names() {
    let names: Vec<&str> = every_parseable_variant()
        .iter()
        .map(Transform::name)
        .collect();
    assert_eq!(
        names,
        [
            "lower",
            "upper",
            "trim",
            "collapse_spaces",
            "remove_spaces",
            "ascii",
            "replace",
            "replace",
            "truncate",
            "truncate",
            "date",
            "date",
            "e164",
            "e164"
        ]
    );
    assert_eq!(employee_types(None).name(), "map");
    for t in every_parseable_variant() {
        assert!(t.to_string().starts_with(t.name()));
    }
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn region() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(s("NL")),
        Just(s("BE")),
        Just(s("US")),
        Just(s("IT")),
        Just(s("GB")),
        Just(s("cz")),
        Just(s("XX")),
        "[A-Za-z]{0,3}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn to_ascii_is_always_ascii(input in any::<String>()) {
        let out = to_ascii(&input);
        prop_assert!(out.is_ascii());
        if input.is_ascii() {
            prop_assert!(matches!(out, Cow::Borrowed(_)));
            prop_assert_eq!(&*out, input.as_str());
        }
    }

    #[test]
    fn to_ascii_on_latin_text(input in "[a-zA-Z àáâãäåçèéêëìíîïñòóôõöøùúûüýÿßæœłđıþðŁŒÆØ’–]{0,40}") {
        let out = to_ascii(&input);
        prop_assert!(out.is_ascii());
        // Every Latin letter here becomes at least one ASCII letter.
        prop_assert!(out.len() >= input.chars().count());
    }

    #[test]
    fn ascii_transform_never_panics(input in any::<String>()) {
        let out = Transform::Ascii.apply(Cow::Borrowed(&input)).unwrap();
        prop_assert!(out.is_ascii());
    }

    #[test]
    fn truncate_is_a_short_prefix(input in any::<String>(), n in 0usize..40) {
        for owned in [false, true] {
            let cow = if owned { Cow::Owned(input.clone()) } else { Cow::Borrowed(input.as_str()) };
            let out = Transform::Truncate(n).apply(cow).unwrap();
            prop_assert!(out.chars().count() <= n);
            prop_assert!(input.starts_with(&*out));
            prop_assert_eq!(out.chars().count(), input.chars().count().min(n));
        }
    }

    #[test]
    fn collapse_spaces_is_idempotent(input in prop_oneof![any::<String>(), "[ \t\n\u{a0}\u{3000}aé]{0,30}"]) {
        let once = Transform::CollapseSpaces.apply(Cow::Borrowed(&input)).unwrap().into_owned();
        let twice = Transform::CollapseSpaces.apply(Cow::Borrowed(&once)).unwrap();
        prop_assert!(matches!(twice, Cow::Borrowed(_)), "second pass allocated");
        prop_assert_eq!(&*twice, once.as_str());
        prop_assert!(!once.contains("  "));
        prop_assert_eq!(once.trim(), once.as_str());
    }

    #[test]
    fn e164_never_panics_and_is_well_formed(
        input in prop_oneof![any::<String>(), "[+0-9 ()./-]{0,25}", "\\+?(00)?[0-9]{0,17}"],
        region in region(),
    ) {
        if let Ok(out) = e164(&input, &region) {
            prop_assert!(is_e164(&out), "{:?} -> {:?}", input, out);
            // Normalising a normalised number changes nothing.
            prop_assert_eq!(e164(&out, &region), Ok(out.clone()));
        }
        let t = Transform::E164 { default_region: region.clone() };
        let applied = t.apply(Cow::Borrowed(&input)).map(Cow::into_owned);
        prop_assert_eq!(applied, e164(&input, &region));
    }

    #[test]
    fn date_matches_chrono(
        (y, m, d) in (0i32..=9999, 1u32..=12, 1u32..=31),
        noise in prop_oneof![Just(String::new()), Just(s(" ")), Just(s("x")), "[0-9 /.-]{1,3}"],
        from in prop_oneof![Just("%Y-%m-%d"), Just("%d-%m-%Y"), Just("%Y%m%d"), Just("%d/%m/%Y"), Just("%m.%d.%Y"), Just("%d %m %Y")],
        to in prop_oneof![Just("%Y-%m-%d"), Just("%d-%m-%Y"), Just("%Y%m%d"), Just("%d %B %Y"), Just("on %d/%m/%Y!"), Just("%e-%-m-%y")],
        pad in any::<bool>(),
        noise_at_end in any::<bool>(),
    ) {
        // Build an input in `from`'s shape (sometimes unpadded, sometimes with
        // junk) and compare with chrono's own parse-and-format.
        let (dd, mm) = if pad { (format!("{d:02}"), format!("{m:02}")) } else { (d.to_string(), m.to_string()) };
        let mut input = from.replace("%Y", &format!("{y:04}")).replace("%m", &mm).replace("%d", &dd);
        if noise_at_end { input.push_str(&noise) } else { input.insert_str(0, &noise) }
        let expected = chrono::NaiveDate::parse_from_str(&input, from).map(|date| date.format(to).to_string());
        let t = Transform::Date { from: s(from), to: s(to) };
        let got = apply(&t, &input);
        match expected {
            Ok(expected) => prop_assert_eq!(got, Ok(expected)),
            Err(_) => prop_assert!(matches!(got, Err(TransformError::NotADate { .. })), "{:?} -> {:?}", input, got),
        }
    }

    #[test]
    fn parse_never_panics(
        spec in prop_oneof![
            any::<String>(),
            "[a-z_4 ]{0,16}\\(?[ '\"\\\\,0-9a-z%()\u{e9}-]{0,24}\\)?",
        ]
    ) {
        if let Err(err) = Transform::parse(&spec) {
            prop_assert!(err.position <= spec.len());
            prop_assert!(spec.is_char_boundary(err.position));
        }
    }

    #[test]
    fn replace_and_truncate_round_trip(from in any::<String>(), to in any::<String>(), n in any::<usize>()) {
        let replace = Transform::Replace { from, to };
        prop_assert_eq!(Transform::parse(&replace.to_string()), Ok(replace));
        let truncate = Transform::Truncate(n);
        prop_assert_eq!(Transform::parse(&truncate.to_string()), Ok(truncate));
    }
}
