#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SCIM filters and paths: the RFC 7644 §3.4.2.2 examples, rejections with their
//! column, precedence, printing, validation against the schema, evaluation per attribute
//! type, the Okta and Entra forms, and property tests (round trip, no panics).

use chrono::{TimeZone, Utc};
use okta_scim::filter::FilterLimits;
use okta_scim::resource::Meta;
use okta_scim::schema::{
    Attribute, AttributeType, ENTERPRISE_USER_SCHEMA, ResourceKind, ResourceSchema, Schema,
};
use okta_scim::{
    AttrPath, CompValue, CompareOp, EnterpriseUser, Filter, Group, Manager, MultiValue, Name,
    PatchPath, Reference, ResourceId, ScimError, ScimType, User,
};
use proptest::prelude::*;
use serde_json::{Number, Value, json};

// ---------------------------------------------------------------- helpers

fn parse(s: &str) -> Filter {
    Filter::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn path(s: &str) -> AttrPath {
    AttrPath::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse as a path: {e}"))
}

fn pr(p: &str) -> Filter {
    Filter::Present(path(p))
}

fn cmp(p: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: path(p),
        op,
        value,
    }
}

fn s(v: &str) -> CompValue {
    CompValue::Str(v.to_owned())
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}

fn vp(attr: &str, f: Filter) -> Filter {
    Filter::ValuePath {
        attr: path(attr),
        filter: Box::new(f),
    }
}

/// Asserts `input` is refused with invalidFilter at `column`, with `fragment` in the detail.
fn rejected(input: &str, column: usize, fragment: &str) {
    let e = Filter::parse(input).expect_err(input);
    assert_eq!(e.status(), 400, "{input:?}");
    assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter), "{input:?}");
    let want = format!("invalid filter at column {column}: ");
    assert!(
        e.detail().starts_with(&want),
        "{input:?}: {:?} should start with {want:?}",
        e.detail()
    );
    assert!(
        e.detail().contains(fragment),
        "{input:?}: {:?} should mention {fragment:?}",
        e.detail()
    );
}

fn users() -> ResourceSchema {
    ResourceSchema::user()
}

const HR: &str = "urn:example:params:scim:schemas:extension:hr:2.0:User";

/// Users with an HR extension holding an integer, a decimal and a case-exact string.
fn users_hr() -> ResourceSchema {
    ResourceSchema::user().with_extension(
        Schema::new(HR, "HR")
            .with_attribute(Attribute::new("level", AttributeType::Integer))
            .with_attribute(Attribute::new("fte", AttributeType::Decimal))
            .with_attribute(Attribute::new("badge", AttributeType::String).case_exact(true))
            .with_attribute(Attribute::new("onLeave", AttributeType::Boolean))
            .with_attribute(Attribute::new("hiredAt", AttributeType::DateTime)),
        false,
    )
}

fn validated(f: &str, schema: &ResourceSchema) -> Filter {
    let f = parse(f);
    f.validate(schema)
        .unwrap_or_else(|e| panic!("{f} should validate: {e}"));
    f
}

fn matches(f: &str, resource: &Value, schema: &ResourceSchema) -> bool {
    validated(f, schema).matches(resource, schema)
}

fn invalid(f: &str, schema: &ResourceSchema, fragment: &str) {
    let e = parse(f).validate(schema).expect_err(f);
    assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter), "{f}");
    assert!(
        e.detail().contains(fragment),
        "{f}: {:?} should mention {fragment:?}",
        e.detail()
    );
}

/// Barbara Jensen as `User::to_json` renders her, with an enterprise extension.
fn bjensen() -> Value {
    let mut u = User::new("bjensen@example.com")
        .with_name(Name::new("Barbara", "O'Malley"))
        .with_email(MultiValue::new("bjensen@example.com", "home", false))
        .with_email(MultiValue::new("babs@Work.example.org", "work", true))
        .with_external_id("00u1ABC");
    u.id = Some(ResourceId::new("2819c223-7f76-453a-919d-413861904646"));
    u.title = Some("Tour Guide".into());
    u.user_type = Some("Employee".into());
    u.display_name = Some("Babs Jensen".into());
    let mut ims = MultiValue::new("babs@foo.com", "xmpp", false);
    ims.display = Some(String::new());
    u.ims.push(ims);
    let mut meta = Meta::created(
        ResourceKind::User,
        Utc.with_ymd_and_hms(2011, 5, 13, 4, 42, 34).unwrap(),
    );
    meta.last_modified = Some(Utc.with_ymd_and_hms(2011, 5, 13, 4, 42, 34).unwrap());
    u.meta = Some(meta);
    let mut manager = Manager::default();
    manager.value = Some("26118915-6090-4610-87e4-49d8ca9f808d".into());
    let mut ent = EnterpriseUser::default();
    ent.employee_number = Some("701984".into());
    ent.manager = Some(manager);
    u = u.with_enterprise(ent).with_extension(
        "urn:example:custom:1.0:User",
        json!({"badge": "AbC-1", "floor": 3, "remote": true, "tags": ["a", "B"]}),
    );
    let v = u.to_json();
    // sanity: the shape the evaluator relies on
    assert_eq!(v["userName"], "bjensen@example.com");
    assert_eq!(v[ENTERPRISE_USER_SCHEMA]["employeeNumber"], "701984");
    assert!(v["meta"]["created"].is_string());
    v
}

// ---------------------------------------------------------------- parsing

/// Every example filter of RFC 7644 §3.4.2.2 (and Figure 2/3 variants).
const RFC_EXAMPLES: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
];

#[test]
fn every_rfc_example_parses_validates_and_round_trips() {
    for ex in RFC_EXAMPLES {
        let f = parse(ex);
        f.validate(&users())
            .unwrap_or_else(|e| panic!("{ex} should validate: {e}"));
        let printed = f.to_string();
        assert_eq!(
            Filter::parse(&printed).unwrap(),
            f,
            "{ex} printed as {printed}"
        );
        let _ = f.matches(&bjensen(), &users());
    }
}

#[test]
fn rfc_examples_have_the_expected_tree() {
    assert_eq!(
        parse(r#"userName eq "bjensen""#),
        cmp("userName", CompareOp::Eq, s("bjensen"))
    );
    let core = parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#);
    let Filter::Compare { path: p, op, .. } = &core else {
        panic!("{core:?}")
    };
    assert_eq!(
        p.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:core:2.0:User")
    );
    assert_eq!(
        (p.name.as_str(), p.sub_attr.as_deref(), *op),
        ("userName", None, CompareOp::Sw)
    );
    assert_eq!(
        parse(
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#
        ),
        and(
            cmp("userType", CompareOp::Ne, s("Employee")),
            not(or(
                cmp("emails", CompareOp::Co, s("example.com")),
                cmp("emails.value", CompareOp::Co, s("example.org"))
            ))
        )
    );
    assert_eq!(
        parse(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#),
        and(
            cmp("userType", CompareOp::Eq, s("Employee")),
            vp(
                "emails",
                and(
                    cmp("type", CompareOp::Eq, s("work")),
                    cmp("value", CompareOp::Co, s("@example.com"))
                )
            )
        )
    );
    assert_eq!(
        parse(r#"userType eq "Employee" and (emails.type eq "work")"#),
        and(
            cmp("userType", CompareOp::Eq, s("Employee")),
            cmp("emails.type", CompareOp::Eq, s("work"))
        )
    );
}

#[test]
fn precedence_is_not_then_and_then_or_left_associative() {
    assert_eq!(
        parse("a pr or b pr and c pr or d pr"),
        or(or(pr("a"), and(pr("b"), pr("c"))), pr("d"))
    );
    assert_eq!(
        parse("a pr and b pr and c pr"),
        and(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr and (b pr or c pr)"),
        and(pr("a"), or(pr("b"), pr("c")))
    );
    assert_eq!(parse("not (a pr) and b pr"), and(not(pr("a")), pr("b")));
    assert_eq!(
        parse("((a pr))"),
        pr("a"),
        "redundant parentheses leave no trace"
    );
}

#[test]
fn keywords_operators_and_attribute_names_are_case_insensitive() {
    let f = parse(r#"USERNAME EQ "x" AnD Title PR oR NOT (userType Ne "y")"#);
    assert_eq!(
        f,
        or(
            and(cmp("USERNAME", CompareOp::Eq, s("x")), pr("Title")),
            not(cmp("userType", CompareOp::Ne, s("y")))
        )
    );
    assert_eq!(
        f.to_string(),
        r#"USERNAME eq "x" and Title pr or not (userType ne "y")"#
    );
    for op in ["eq", "EQ", "Eq", "eQ"] {
        assert!(Filter::parse(&format!(r#"userName {op} "x""#)).is_ok());
    }
    // Names keep their case but validate case-insensitively.
    validated(r#"NAME.GIVENNAME eq "Barbara""#, &users());
    assert!(matches(
        r#"NAME.GIVENNAME eq "barbara""#,
        &bjensen(),
        &users()
    ));
}

#[test]
fn not_needs_parentheses_with_or_without_space() {
    assert_eq!(parse("not(title pr)"), not(pr("title")));
    assert_eq!(parse("not (title pr)"), not(pr("title")));
    assert_eq!(parse("NOT\t( title pr )"), not(pr("title")));
    // `not` without parentheses is an attribute named "not", then garbage.
    rejected("not title pr", 5, "expected an operator");
}

#[test]
fn attributes_named_like_keywords_parse_as_attributes() {
    assert_eq!(parse("pr pr"), pr("pr"));
    assert_eq!(parse(r#"not eq "x""#), cmp("not", CompareOp::Eq, s("x")));
    assert_eq!(parse("and pr and or pr"), and(pr("and"), pr("or")));
    assert_eq!(parse("eq eq 1").to_string(), "eq eq 1");
    assert_eq!(parse("not[value pr]"), vp("not", pr("value")));
    assert_eq!(parse("notes pr or order pr"), or(pr("notes"), pr("order")));
    assert_eq!(parse("never pr"), pr("never"));
    assert_eq!(
        parse("prefix pr and android pr"),
        and(pr("prefix"), pr("android"))
    );
}

#[test]
fn whitespace_runs_and_tabs_are_accepted_but_separation_is_required() {
    assert_eq!(
        parse("  userName \t eq   \"x\"\tand\t\ttitle  pr  "),
        and(cmp("userName", CompareOp::Eq, s("x")), pr("title"))
    );
    assert_eq!(parse("( title pr )"), pr("title"));
    rejected(r#"userName eq"x""#, 12, "whitespace after the operator");
    rejected(r#"userName"x""#, 9, "whitespace after the attribute path");
    rejected(r#"title pr and(userName pr)"#, 13, "whitespace after 'and'");
    rejected(
        r#"(title pr)or(userName pr)"#,
        11,
        "expected 'and', 'or' or the end",
    );
}

#[test]
fn comparison_values_are_strict_json() {
    assert_eq!(
        parse("active eq true"),
        cmp("active", CompareOp::Eq, CompValue::Bool(true))
    );
    assert_eq!(
        parse("active eq false"),
        cmp("active", CompareOp::Eq, CompValue::Bool(false))
    );
    assert_eq!(
        parse("title eq null"),
        cmp("title", CompareOp::Eq, CompValue::Null)
    );
    assert_eq!(
        parse("x gt -12"),
        cmp("x", CompareOp::Gt, CompValue::Number(Number::from(-12)))
    );
    assert_eq!(
        parse("x gt 18446744073709551615"),
        cmp(
            "x",
            CompareOp::Gt,
            CompValue::Number(Number::from(u64::MAX))
        )
    );
    assert_eq!(
        parse("x gt 1.5e3"),
        cmp(
            "x",
            CompareOp::Gt,
            CompValue::Number(Number::from_f64(1500.0).unwrap())
        )
    );
    assert_eq!(
        parse(r#"x eq "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#),
        cmp("x", CompareOp::Eq, s("a\"b\\c/d\u{8}\u{c}\n\r\té😀"))
    );
    assert_eq!(
        parse(r#"x eq "Zoë 😀""#),
        cmp("x", CompareOp::Eq, s("Zoë 😀"))
    );
    rejected("active eq True", 11, "lowercase");
    rejected("active eq NULL", 11, "lowercase");
    rejected("userName eq bjensen", 13, "double quotes");
    rejected("userName eq 'bjensen'", 13, "expected a comparison value");
    rejected(r#"userName eq "a\x""#, 15, "invalid escape");
    rejected(r#"userName eq "\ud800""#, 14, "unpaired surrogate");
    rejected(r#"userName eq "\udc00x""#, 14, "unpaired surrogate");
    rejected(r#"userName eq "\u12G4""#, 14, "four hex digits");
    rejected(r#"userName eq "abc"#, 13, "unterminated string");
    rejected("userName eq \"a\u{1}b\"", 15, "control characters");
    rejected("x eq 01", 7, "invalid number");
    rejected("x eq 1.", 8, "digit after '.'");
    rejected("x eq -", 7, "expected a digit");
    rejected("x eq 1e", 8, "exponent");
    rejected("x eq 1e999", 6, "out of range");
    rejected("x eq 12abc", 8, "invalid number");
}

#[test]
fn rejections_name_the_column_and_what_was_expected() {
    rejected("userName eq", 12, "expected a comparison value");
    rejected("userName eq ", 13, "expected a comparison value");
    rejected(r#"userName xx "a""#, 10, "expected an operator");
    rejected("userName", 9, "expected an operator");
    rejected(
        r#"userName eq "a" garbage"#,
        17,
        "expected 'and', 'or' or the end",
    );
    rejected(r#"userName eq "a")"#, 16, "expected 'and', 'or' or the end");
    rejected("(title pr", 10, "expected 'and', 'or' or ')'");
    rejected(
        "title pr and",
        13,
        "expected an attribute path, '(' or 'not' after 'and'",
    );
    rejected("title pr and ", 14, "expected an attribute path");
    rejected("()", 2, "expected an attribute path");
    rejected(
        r#"emails[type eq "work""#,
        22,
        "expected 'and', 'or' or ']'",
    );
    rejected(r#"emails[type[value pr] pr]"#, 12, "cannot be nested");
    rejected(r#"emails.value[type pr]"#, 13, "without sub-attribute");
    rejected("name.givenName.x pr", 15, "at most one sub-attribute");
    rejected("1abc pr", 1, "must start with a letter");
    rejected(
        "user#name pr",
        5,
        "expected whitespace after the attribute path",
    );
    rejected("userName pr pr", 13, "expected 'and', 'or' or the end");
    rejected(
        r#"userName eq "é" x"#,
        17,
        "expected 'and', 'or' or the end",
    );
    let e = Filter::parse("").unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter));
    assert!(e.detail().contains("empty"));
    assert!(
        Filter::parse(" \t ")
            .unwrap_err()
            .detail()
            .contains("empty")
    );
}

#[test]
fn entra_value_path_with_sub_attribute_folds_into_the_value_filter() {
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "x@example.com""#),
        vp(
            "emails",
            and(
                cmp("type", CompareOp::Eq, s("work")),
                cmp("value", CompareOp::Eq, s("x@example.com"))
            )
        )
    );
    assert_eq!(
        parse(r#"emails[type eq "work"].value pr"#),
        vp(
            "emails",
            and(cmp("type", CompareOp::Eq, s("work")), pr("value"))
        )
    );
    let f = parse(r#"emails[type eq "work" or primary eq true].value eq "x""#);
    assert_eq!(
        f.to_string(),
        r#"emails[(type eq "work" or primary eq true) and value eq "x"]"#
    );
    assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
    let u = bjensen();
    assert!(matches(
        r#"emails[type eq "work"].value eq "BABS@work.example.org""#,
        &u,
        &users()
    ));
    assert!(!matches(
        r#"emails[type eq "home"].value eq "babs@work.example.org""#,
        &u,
        &users()
    ));
}

#[test]
fn limits_bound_length_depth_and_terms() {
    let deep = format!("{}title pr{}", "(".repeat(1 << 20), ")".repeat(1 << 20));
    let e = Filter::parse(&deep).unwrap_err();
    assert!(e.detail().contains("bytes long"), "{}", e.detail());
    let unbounded_len = FilterLimits::default().with_max_len(usize::MAX);
    let e = Filter::parse_with(&deep, unbounded_len).unwrap_err();
    assert!(
        e.detail().contains("nested deeper than 32"),
        "{}",
        e.detail()
    );
    let e = Filter::parse_with(&deep, unbounded_len.with_max_depth(usize::MAX)).unwrap_err();
    assert!(
        e.detail().contains("nested deeper than 256"),
        "{}",
        e.detail()
    );
    let nots = format!("{}title pr{}", "not (".repeat(40), ")".repeat(40));
    assert!(
        Filter::parse(&nots)
            .unwrap_err()
            .detail()
            .contains("nested")
    );

    let ok32 = format!("{}title pr{}", "(".repeat(32), ")".repeat(32));
    assert_eq!(parse(&ok32), pr("title"));
    let bad33 = format!("{}title pr{}", "(".repeat(33), ")".repeat(33));
    rejected(&bad33, 33, "nested deeper than 32 levels");

    let terms = |n: usize| vec!["title pr"; n].join(" or ");
    assert!(Filter::parse(&terms(100)).is_ok());
    let e = Filter::parse(&terms(101)).unwrap_err();
    assert!(
        e.detail().contains("more than 100 comparisons"),
        "{}",
        e.detail()
    );
    let tight = FilterLimits::new().with_max_terms(2).with_max_len(30);
    assert!(Filter::parse_with("a pr and b pr", tight).is_ok());
    assert!(Filter::parse_with("a pr and b pr and c pr", tight).is_err());
    assert!(
        Filter::parse_with(&"x".repeat(31), tight)
            .unwrap_err()
            .detail()
            .contains("31 bytes")
    );
    assert_eq!(FilterLimits::default(), FilterLimits::new());
    assert_eq!(FilterLimits::default().max_len, 8192);
}

#[test]
fn from_str_and_equality_fast_path() {
    let f: Filter = r#"userName eq "ann@example.com""#.parse().unwrap();
    let (p, v) = f.equality().unwrap();
    assert_eq!((p.name.as_str(), v), ("userName", "ann@example.com"));
    let f: Filter = r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#
        .parse()
        .unwrap();
    assert!(f.equality().unwrap().0.urn.is_some());
    for other in [
        r#"userName ne "a""#,
        r#"name.givenName eq "a""#,
        "userName eq 1",
        r#"userName eq "a" and title pr"#,
        r#"(userName eq "a")"#,
    ] {
        let f = parse(other);
        if other.starts_with('(') {
            assert!(f.equality().is_some(), "parentheses vanish: {other}");
        } else {
            assert!(f.equality().is_none(), "{other}");
        }
    }
    assert!("title pr and".parse::<Filter>().is_err());
}

// ---------------------------------------------------------------- paths

#[test]
fn attr_paths_split_the_urn_at_the_last_colon() {
    let p = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    assert_eq!(p.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
    assert_eq!(
        (p.name.as_str(), p.sub_attr.as_deref()),
        ("manager", Some("value"))
    );
    let p = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber");
    assert_eq!((p.name.as_str(), p.sub_attr), ("employeeNumber", None));
    let p = path("urn:ietf:params:scim:schemas:core:2.0:User:userName");
    assert_eq!(
        p.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:core:2.0:User")
    );
    assert_eq!(path("userName"), AttrPath::new("userName"));
    let p = path("name.givenName");
    assert_eq!(
        (p.urn, p.name.as_str(), p.sub_attr.as_deref()),
        (None, "name", Some("givenName"))
    );
    assert_eq!(path("members.$ref").sub_attr.as_deref(), Some("$ref"));
    assert_eq!(path(" x-y_1 ").name, "x-y_1");
    let p: AttrPath = "urn:okta:custom:User:costCenterCode".parse().unwrap();
    assert_eq!(p.to_string(), "urn:okta:custom:User:costCenterCode");

    for (bad, col) in [
        ("", 1),
        ("name.", 6),
        ("name..x", 6),
        ("a.b.c", 4),
        ("1x", 1),
        ("urn:x:", 7),
        (":x", 1),
        ("user name", 6),
        ("emails[type eq \"work\"]", 7),
        ("na!me", 3),
    ] {
        let e = AttrPath::parse(bad).expect_err(bad);
        assert_eq!(e.scim_type(), Some(ScimType::InvalidPath), "{bad:?}");
        assert!(
            e.detail()
                .starts_with(&format!("invalid path at column {col}: ")),
            "{bad:?}: {}",
            e.detail()
        );
    }
}

#[test]
fn patch_paths_parse_every_form() {
    let p =
        PatchPath::parse(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#).unwrap();
    assert_eq!(p.attr, AttrPath::new("members"));
    assert_eq!(
        p.value_filter,
        Some(cmp(
            "value",
            CompareOp::Eq,
            s("2819c223-7f76-453a-919d-413861904646")
        ))
    );
    assert_eq!(p.sub_attr, None);

    let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.sub_attr.as_deref(), Some("value"));
    assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);

    let p = PatchPath::parse(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    )
    .unwrap();
    assert_eq!(p.attr.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
    assert_eq!(p.attr.sub_attr.as_deref(), Some("value"));
    assert!(p.value_filter.is_none() && p.sub_attr.is_none());

    let p: PatchPath = "members".parse().unwrap();
    assert_eq!(p.attr, AttrPath::new("members"));
    let p =
        PatchPath::parse(r#"addresses[type eq "work" and not (primary eq false)].streetAddress"#)
            .unwrap();
    assert_eq!(
        p.value_filter,
        Some(and(
            cmp("type", CompareOp::Eq, s("work")),
            not(cmp("primary", CompareOp::Eq, CompValue::Bool(false)))
        ))
    );

    for (bad, col, fragment) in [
        (r#"members[value eq "a"][display pr]"#, 22, "expected '.'"),
        (r#"a[b[c pr]]"#, 4, "cannot be nested"),
        (
            r#"members[value eq "a"].display.x"#,
            30,
            "single sub-attribute",
        ),
        (
            r#"members[value eq "a"]."#,
            23,
            "expected an attribute name",
        ),
        (r#"members[value eq]"#, 17, "whitespace after the operator"),
        (r#"members[]"#, 9, "expected an attribute path"),
        (r#"members[value eq "a""#, 21, "expected 'and', 'or' or ']'"),
        (r#"name.givenName[x pr]"#, 15, "without sub-attribute"),
        (r#"members value"#, 9, "expected '[' or the end"),
        ("", 1, "expected an attribute path"),
    ] {
        let e = PatchPath::parse(bad).expect_err(bad);
        assert_eq!(e.scim_type(), Some(ScimType::InvalidPath), "{bad:?}");
        assert!(
            e.detail()
                .starts_with(&format!("invalid path at column {col}: ")),
            "{bad:?}: {}",
            e.detail()
        );
        assert!(e.detail().contains(fragment), "{bad:?}: {}", e.detail());
    }
}

// ---------------------------------------------------------------- printing

#[test]
fn printing_is_canonical_with_minimal_parentheses() {
    let cases = [
        ("A PR Or B pr AnD c pr", "A pr or B pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("(a pr and b pr) and c pr", "a pr and b pr and c pr"),
        ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
        ("not(a pr or b pr)", "not (a pr or b pr)"),
        ("x[a pr or b pr] and y pr", "x[a pr or b pr] and y pr"),
        (r#"x EQ "a\u0001\"\\/""#, r#"x eq "a\u0001\"\\/""#),
        ("x gt 1.50", "x gt 1.5"),
        ("x gt 1E2", "x gt 100.0"),
        ("x gt -0", "x gt 0"),
    ];
    for (input, printed) in cases {
        let f = parse(input);
        assert_eq!(f.to_string(), printed, "{input}");
        assert_eq!(parse(printed), f, "{input}");
    }
    assert_eq!(CompareOp::Ge.to_string(), "ge");
    assert_eq!(CompValue::Null.to_string(), "null");
    assert_eq!(s("tab\there").to_string(), r#""tab\there""#);
    // a right-nested `and` keeps its shape through the text
    let right = and(pr("a"), and(pr("b"), pr("c")));
    assert_eq!(right.to_string(), "a pr and (b pr and c pr)");
    assert_eq!(parse(&right.to_string()), right);
}

// ---------------------------------------------------------------- validation

#[test]
fn validation_names_unknown_attributes() {
    let u = users();
    invalid("shoeSize pr", &u, "'shoeSize'");
    invalid(r#"name.nickname eq "x""#, &u, "'name.nickname'");
    invalid(r#"userName.value eq "x""#, &u, "'userName.value'");
    invalid(r#"emails[kind eq "work"]"#, &u, "'emails.kind'");
    invalid(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize eq "x""#,
        &u,
        "shoeSize",
    );
    invalid(r#"employeeNumber eq "1""#, &u, "'employeeNumber'");
    invalid(r#"members[value eq "x"]"#, &u, "'members'");
    // Groups have no userName.
    invalid(r#"userName eq "x""#, &ResourceSchema::group(), "'userName'");
    // Undeclared extensions are accepted.
    validated(r#"urn:example:custom:1.0:User:anything gt 3"#, &u);
    validated(r#"urn:example:custom:1.0:User:tags[value eq "a"]"#, &u);
}

#[test]
fn validation_checks_operators_against_types() {
    let u = users_hr();
    invalid(
        "active gt true",
        &u,
        "'gt' is not supported on the boolean attribute 'active'",
    );
    invalid(r#"x509Certificates.value lt "a""#, &u, "binary");
    invalid(r#"name ge "a""#, &u, "'name' is a complex attribute");
    invalid(r#"meta.created co "2011""#, &u, "dateTime");
    invalid(r#"active sw "t""#, &u, "boolean");
    invalid(&format!("{HR}:level co 3"), &u, "integer");
    invalid(&format!("{HR}:fte ew 3"), &u, "decimal");
    invalid("title gt null", &u, "null");
    validated(r#"userName gt "m" and userName le "n""#, &u);
    validated(&format!("{HR}:level ge 3 and {HR}:fte lt 0.5"), &u);
    validated(r#"meta.created ge "2011-05-13T04:42:34+02:00""#, &u);
    validated("title eq null or title ne null", &u);
}

#[test]
fn validation_checks_value_types() {
    let u = users_hr();
    invalid(r#"active eq "yes""#, &u, "'active' is a boolean attribute");
    invalid(
        "meta.created gt 5",
        &u,
        "'meta.created' is a dateTime attribute",
    );
    invalid(
        r#"meta.created gt "yesterday""#,
        &u,
        "not an RFC 3339 date-time",
    );
    invalid("userName eq 5", &u, "JSON string");
    invalid("userName eq true", &u, "JSON string");
    invalid(&format!(r#"{HR}:level eq "3""#), &u, "JSON number");
    invalid(r#"schemas eq 1"#, &u, "schemas");
    // Entra's string booleans, any case.
    validated(r#"active eq "True""#, &u);
    validated(r#"active eq "FALSE""#, &u);
    validated(r#"emails[primary eq "true"]"#, &u);
    // xsd:dateTime without offset is UTC
    validated(r#"meta.lastModified lt "2011-05-13T04:42:34""#, &u);
}

#[test]
fn validation_of_complex_attributes_and_value_paths() {
    let u = users();
    // multi-valued complex with `value`: the RFC's `emails co "example.com"`
    validated(r#"emails co "example.com""#, &u);
    validated(r#"groups eq "g1""#, &u);
    // single-valued complex or no `value`: refused
    invalid(r#"name eq "Barbara""#, &u, "'name' is a complex attribute");
    invalid(
        r#"addresses eq "x""#,
        &u,
        "'addresses' is a complex attribute",
    );
    // pr works on anything
    validated("name pr and addresses pr and meta pr", &u);
    // value paths need a complex attribute
    invalid(
        r#"userName[value eq "x"]"#,
        &u,
        "'userName' is not a complex attribute",
    );
    invalid(r#"schemas[value eq "x"]"#, &u, "not a complex attribute");
    validated(r#"name[givenName eq "Barbara"]"#, &u);
    validated(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value pr]"#,
        &u,
    );
    invalid(
        r#"emails[urn:ietf:params:scim:schemas:core:2.0:User:value pr]"#,
        &u,
        "relative",
    );
    invalid(r#"emails[value.x pr]"#, &u, "'emails.value.x'");
    invalid(r#"emails[primary gt true]"#, &u, "boolean");
    // schemas is a case-insensitive multi-valued string
    validated(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        &u,
    );
    validated(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:schemas co "enterprise""#,
        &u,
    );
}

#[test]
fn validation_accepts_what_okta_and_entra_send() {
    let u = users();
    let g = ResourceSchema::group();
    validated(r#"userName eq "ann@example.com""#, &u);
    validated(
        r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
        &u,
    );
    validated(r#"displayName eq "Finance""#, &g);
    validated(r#"id eq "abc""#, &g);
    validated(r#"members[value eq "2819c223"]"#, &g);
    validated(r#"emails[type eq "work"].value eq "ann@example.com""#, &u);
    validated(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#,
        &u,
    );
}

// ---------------------------------------------------------------- evaluation

#[test]
fn rfc_examples_evaluate_over_barbara() {
    let u = bjensen();
    let s = users();
    let expect = [
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"name.familyName co "O'Malley""#, true),
        (r#"name.familyName co "o'mal""#, true),
        (r#"userName sw "BJ""#, true),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            false,
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#,
            true,
        ),
        ("title pr", true),
        ("nickName pr", false),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:35Z""#, true),
        (r#"meta.lastModified le "2011-05-13T04:42:33Z""#, false),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr and userType eq "Intern""#, false),
        (r#"nickName pr or userType eq "employee""#, true),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            r#"schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER""#,
            true,
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#,
            false,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (r#"not (emails co "nowhere.test")"#, true),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            true,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@work.example.org"]"#,
            true,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            false,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
    ];
    for (f, want) in expect {
        assert_eq!(matches(f, &u, &s), want, "{f}");
    }
}

#[test]
fn strings_follow_case_exact() {
    let u = bjensen();
    let s = users();
    // id and externalId are caseExact, userName is not
    assert!(matches(
        r#"id eq "2819c223-7f76-453a-919d-413861904646""#,
        &u,
        &s
    ));
    assert!(!matches(
        r#"id eq "2819C223-7F76-453A-919D-413861904646""#,
        &u,
        &s
    ));
    assert!(matches(r#"externalId eq "00u1ABC""#, &u, &s));
    assert!(!matches(r#"externalId eq "00u1abc""#, &u, &s));
    assert!(matches(r#"userName eq "BJENSEN@EXAMPLE.COM""#, &u, &s));
    assert!(matches(r#"userName ew "@Example.Com""#, &u, &s));
    assert!(matches(r#"id sw "2819c""#, &u, &s));
    assert!(!matches(r#"id sw "2819C""#, &u, &s));
    // ordering: case-insensitive userName, case-exact id
    assert!(matches(r#"userName gt "BJ""#, &u, &s));
    assert!(matches(r#"userName lt "C""#, &u, &s));
    assert!(
        matches(r#"id gt "2819C""#, &u, &s),
        "'c' > 'C' in code-point order"
    );
    // Unicode lowercase on both sides
    let ae = json!({"userName": "ÆSIR@EXAMPLE.COM", "displayName": "Straße"});
    assert!(matches(r#"userName eq "æsir@example.com""#, &ae, &s));
    assert!(matches(r#"userName sw "æS""#, &ae, &s));
    assert!(matches(r#"displayName co "STRAßE""#, &ae, &s));
    // the case-exact HR badge
    let hr = users_hr();
    let v = json!({HR: {"badge": "AbC"}});
    assert!(matches(&format!(r#"{HR}:badge eq "AbC""#), &v, &hr));
    assert!(!matches(&format!(r#"{HR}:badge eq "abc""#), &v, &hr));
}

#[test]
fn datetimes_compare_chronologically_with_offsets() {
    let u = bjensen(); // lastModified 2011-05-13T04:42:34Z
    let s = users();
    assert!(matches(
        r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#,
        &u,
        &s
    ));
    assert!(matches(
        r#"meta.lastModified eq "2011-05-12T23:42:34-05:00""#,
        &u,
        &s
    ));
    assert!(matches(
        r#"meta.lastModified gt "2011-05-13T06:42:33+02:00""#,
        &u,
        &s
    ));
    assert!(!matches(
        r#"meta.lastModified gt "2011-05-13T06:42:34+02:00""#,
        &u,
        &s
    ));
    assert!(matches(
        r#"meta.lastModified lt "2011-05-13T04:42:34.001Z""#,
        &u,
        &s
    ));
    assert!(matches(r#"meta.created ne "2011-05-13T04:42:35Z""#, &u, &s));
    // stored with an offset, compared with Z (as text "…+02:00" > "…Z" would mislead)
    let v = json!({"meta": {"created": "2024-01-01T01:00:00+02:00"}});
    assert!(matches(r#"meta.created lt "2023-12-31T23:30:00Z""#, &v, &s));
    assert!(matches(r#"meta.created eq "2023-12-31T23:00:00Z""#, &v, &s));
    // unparseable stored values never match
    let v = json!({"meta": {"created": "last tuesday"}});
    assert!(!matches(
        r#"meta.created lt "2030-01-01T00:00:00Z""#,
        &v,
        &s
    ));
    assert!(!matches(
        r#"meta.created ge "2000-01-01T00:00:00Z""#,
        &v,
        &s
    ));
}

#[test]
fn numbers_compare_numerically_and_booleans_by_equality() {
    let hr = users_hr();
    let v = json!({HR: {"level": 7, "fte": 0.8, "onLeave": false}, "active": true});
    let q = |f: &str| matches(&f.replace("HR:", &format!("{HR}:")), &v, &hr);
    assert!(q("HR:level eq 7"));
    assert!(q("HR:level eq 7.0"));
    assert!(q("HR:level gt 6.5"));
    assert!(q("HR:level le 7"));
    assert!(!q("HR:level lt 7"));
    assert!(q("HR:level gt -1"));
    assert!(q("HR:fte lt 1"));
    assert!(q("HR:fte ge 0.8"));
    assert!(!q("HR:fte gt 8e-1"));
    assert!(q("HR:onLeave eq false"));
    assert!(q(r#"HR:onLeave eq "FALSE""#));
    assert!(q("active eq true"));
    assert!(q(r#"active eq "True""#));
    assert!(!q("active eq false"));
    assert!(q("active ne false"));
    // wrong stored types never match
    let bad = json!({HR: {"level": "7"}, "active": "yes"});
    assert!(!matches(&format!("{HR}:level eq 7"), &bad, &hr));
    assert!(!matches("active eq true", &bad, &hr));
    assert!(matches("active ne true", &bad, &hr));
}

#[test]
fn multi_valued_attributes_match_when_any_value_does() {
    let u = bjensen();
    let s = users();
    assert!(matches(r#"emails co "work.example.org""#, &u, &s));
    assert!(matches(r#"emails.value ew "@example.com""#, &u, &s));
    assert!(matches(r#"emails.type eq "home""#, &u, &s));
    assert!(matches(r#"emails.primary eq true"#, &u, &s));
    assert!(!matches(r#"emails.type eq "other""#, &u, &s));
    assert!(matches(r#"emails ne "nobody@example.com""#, &u, &s));
    assert!(
        !matches(r#"emails ne "bjensen@example.com""#, &u, &s),
        "ne = no value equals"
    );
    // Groups: membership check
    let mut g = Group::new("Finance")
        .with_member(Reference::to("2819c223", Some("Babs")))
        .with_member(Reference::to("902c246b", None));
    g.id = Some(ResourceId::new("e9e30dba"));
    let gv = g.to_json();
    let gs = ResourceSchema::group();
    assert!(matches(r#"members[value eq "902c246b"]"#, &gv, &gs));
    assert!(matches(r#"members.value eq "902c246b""#, &gv, &gs));
    assert!(
        matches(r#"members eq "2819c223""#, &gv, &gs),
        "implicit .value"
    );
    assert!(
        !matches(r#"members[value eq "902C246B"]"#, &gv, &gs),
        "members.value is caseExact"
    );
    assert!(matches(
        r#"displayName eq "finance" and id eq "e9e30dba""#,
        &gv,
        &gs
    ));
}

#[test]
fn value_paths_need_one_element_dotted_paths_do_not() {
    let u = json!({"emails": [
        {"type": "work", "value": "ann@home.example"},
        {"type": "home", "value": "ann@corp.example"}]});
    let s = users();
    assert!(matches(
        r#"emails.type eq "work" and emails.value co "@corp""#,
        &u,
        &s
    ));
    assert!(!matches(
        r#"emails[type eq "work" and value co "@corp"]"#,
        &u,
        &s
    ));
    assert!(matches(
        r#"emails[type eq "home" and value co "@corp"]"#,
        &u,
        &s
    ));
    assert!(matches(r#"emails[not (type eq "work")]"#, &u, &s));
    assert!(!matches(
        r#"emails[type eq "work"] and not (emails[type eq "work"])"#,
        &u,
        &s
    ));
    // a single-valued complex attribute is one element
    let n = json!({"name": {"givenName": "Ann", "familyName": "de Vries"}});
    assert!(matches(
        r#"name[givenName eq "ann" and familyName sw "de"]"#,
        &n,
        &s
    ));
    // absent or null: no element
    assert!(!matches(
        r#"emails[not (type pr)]"#,
        &json!({"emails": null}),
        &s
    ));
    assert!(!matches(r#"emails[not (type pr)]"#, &json!({}), &s));
}

#[test]
fn extension_attributes_enterprise_and_undeclared() {
    let u = bjensen();
    let s = users();
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    assert!(matches(
        &format!(r#"{ent}:employeeNumber eq "701984""#),
        &u,
        &s
    ));
    assert!(matches(
        &format!(r#"{ent}:manager.value sw "26118915""#),
        &u,
        &s
    ));
    assert!(matches(&format!(r#"{ent}:manager pr"#), &u, &s));
    assert!(!matches(&format!(r#"{ent}:department pr"#), &u, &s));
    // URN and key case do not matter
    let upper = ent.to_uppercase();
    assert!(matches(
        &format!(r#"{upper}:EMPLOYEENUMBER eq "701984""#),
        &u,
        &s
    ));
    let shouty = json!({"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"EmployeeNumber": "9"}});
    assert!(matches(
        &format!(r#"{ent}:employeeNumber eq "9""#),
        &shouty,
        &s
    ));
    // core URN prefix means top level
    assert!(matches(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "barbara""#,
        &u,
        &s
    ));
    // undeclared extension: by JSON type, strings case-insensitive
    let c = "urn:example:custom:1.0:User";
    assert!(matches(&format!(r#"{c}:badge eq "abc-1""#), &u, &s));
    assert!(matches(&format!(r#"{c}:badge sw "ABC""#), &u, &s));
    assert!(matches(&format!(r#"{c}:floor ge 3"#), &u, &s));
    assert!(!matches(&format!(r#"{c}:floor gt 3"#), &u, &s));
    assert!(matches(&format!(r#"{c}:remote eq true"#), &u, &s));
    assert!(matches(&format!(r#"{c}:tags eq "b""#), &u, &s));
    assert!(!matches(&format!(r#"{c}:floor eq "3""#), &u, &s));
    assert!(!matches(&format!(r#"{c}:missing pr"#), &u, &s));
    assert!(matches(&format!(r#"{c}:missing ne "x""#), &u, &s));
    assert!(!matches(r#"urn:example:other:1.0:User:badge pr"#, &u, &s));
}

#[test]
fn presence_and_null_semantics() {
    let s = users();
    let v = json!({
        "userName": "ann", "title": "", "nickName": null, "emails": [], "phoneNumbers": [{}],
        "name": {}, "ims": [{"value": ""}], "photos": [{"value": "http://x"}], "displayName": "A"
    });
    for (attr, present) in [
        ("userName", true),
        ("title", false),
        ("nickName", false),
        ("locale", false),
        ("emails", false),
        ("phoneNumbers", false),
        ("name", false),
        ("ims", false),
        ("ims.value", false),
        ("photos", true),
        ("photos.value", true),
        ("displayName", true),
    ] {
        assert_eq!(matches(&format!("{attr} pr"), &v, &s), present, "{attr} pr");
        if !matches!(attr, "name" | "ims" | "phoneNumbers" | "photos" | "emails") {
            // eq null is exactly not-pr; ne null is pr
            assert_eq!(
                matches(&format!("{attr} eq null"), &v, &s),
                !present,
                "{attr} eq null"
            );
            assert_eq!(
                matches(&format!("{attr} ne null"), &v, &s),
                present,
                "{attr} ne null"
            );
        }
    }
    // ne on an absent attribute matches (ne is not eq)
    assert!(matches(r#"locale ne "en""#, &v, &s));
    assert!(!matches(r#"locale eq "en""#, &v, &s));
    assert!(matches(r#"userName ne "bob""#, &v, &s));
    assert!(!matches(r#"userName ne "ANN""#, &v, &s));
}

#[test]
fn wrong_json_shapes_never_panic_or_match() {
    let s = users();
    let shapes = [
        json!(null),
        json!(5),
        json!("userName"),
        json!([{"userName": "a"}]),
        json!({"userName": 5, "emails": "a@b", "name": "x", "meta": [1, 2], "active": "maybe"}),
        json!({"emails": [null, 1, "x", [], {"value": 5}, {"value": ["a@b"]}], "name": [{"givenName": "a"}]}),
        json!({ENTERPRISE_USER_SCHEMA: "nope", "urn:example:custom:1.0:User": [1]}),
    ];
    for f in RFC_EXAMPLES.iter().copied().chain([
        r#"emails[value eq "a@b"]"#,
        r#"name.givenName eq "a""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
        r#"urn:example:custom:1.0:User:x.y eq 1"#,
        "active eq true",
    ]) {
        let f = validated(f, &s);
        for v in &shapes {
            let _ = f.matches(v, &s);
        }
    }
    // "value" stored in an array under an object: any of them
    let odd = json!({"emails": [{"value": ["a@b", "c@d"]}]});
    assert!(matches(r#"emails.value eq "c@d""#, &odd, &s));
    // array-wrapped single-valued complex: elements are searched
    let odd = json!({"name": [{"givenName": "a"}]});
    assert!(matches(r#"name.givenName eq "A""#, &odd, &s));
    // an unvalidated filter over unknown attributes simply does not match
    assert!(!parse("nosuch pr").matches(&json!({"nosuch": 1}), &s));
}

#[test]
fn matches_element_uses_the_parent_definition() {
    let g = ResourceSchema::group();
    let members = g.attribute(None, "members");
    let el = json!({"value": "2819c223", "display": "Babs", "type": "User"});
    assert!(parse(r#"value eq "2819c223""#).matches_element(&el, members));
    assert!(!parse(r#"value eq "2819C223""#).matches_element(&el, members));
    assert!(parse(r#"display eq "BABS" and type eq "user""#).matches_element(&el, members));
    assert!(parse(r#"VALUE eq "2819c223""#).matches_element(&el, members));
    // without definition: strings compare case-insensitively
    assert!(parse(r#"value eq "2819C223""#).matches_element(&el, None));
    assert!(parse("display pr and not (primary pr)").matches_element(&el, None));
    // a simple multi-valued element is the value of `value`
    assert!(parse(r#"value eq "a""#).matches_element(&json!("A"), None));
    assert!(!parse(r#"display eq "a""#).matches_element(&json!("a"), None));
    // emails.primary is boolean: Entra's "True"
    let u = users();
    let emails = u.attribute(None, "emails");
    let e = json!({"value": "a@b", "primary": true});
    assert!(parse(r#"primary eq "True""#).matches_element(&e, emails));
    assert!(!parse(r#"primary eq false"#).matches_element(&e, emails));
    // a PATCH path's filter evaluates per element
    let p = PatchPath::parse(r#"members[value eq "2819c223"]"#).unwrap();
    let f = p.value_filter.unwrap();
    let all = json!([el, {"value": "902c246b"}]);
    let hits: Vec<_> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| f.matches_element(m, members))
        .collect();
    assert_eq!(hits.len(), 1);
}

#[test]
fn okta_and_entra_queries() {
    let s = users();
    let u = bjensen();
    // Okta: existence check by userName (case-insensitive), groups by displayName
    assert!(matches(r#"userName eq "BJensen@example.com""#, &u, &s));
    assert!(!matches(r#"userName eq "bjensen""#, &u, &s));
    let g = Group::new("Finance EMEA").to_json();
    assert!(matches(
        r#"displayName eq "finance emea""#,
        &g,
        &ResourceSchema::group()
    ));
    assert!(matches(r#"displayName eq "Babs Jensen""#, &u, &s));
    // Entra: externalId eq "<guid>", caseExact
    let e = User::new("ann")
        .with_external_id("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
        .to_json();
    assert!(matches(
        r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
        &e,
        &s
    ));
    assert!(!matches(
        r#"externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF""#,
        &e,
        &s
    ));
    // Entra: booleans as strings and the value-path-with-sub-attribute form
    assert!(matches(r#"active eq "True""#, &e, &s));
    let e = User::new("ann")
        .with_email(MultiValue::new("ann@corp.example", "work", true))
        .to_json();
    assert!(matches(
        r#"emails[type eq "work"].value eq "ann@corp.example""#,
        &e,
        &s
    ));
    let err: ScimError = Filter::parse(r#"emails[type eq "work"].value eq"#).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter));
}

#[test]
fn a_prefix_that_is_not_a_urn_is_an_unknown_attribute() {
    // `foo:bar` used to pass validation as an attribute of an undeclared extension and
    // then silently match nothing; Q-E6 wants 400 invalidFilter instead.
    let u = users();
    invalid(r#"foo:bar eq "x""#, &u, "'foo:bar'");
    invalid("userName:x pr", &u, "'userName:x'");
    invalid(r#"emails:x[value eq "a"]"#, &u, "'emails:x'");
    // real undeclared extension URNs are still accepted, in any case
    validated(r#"urn:example:hr:1.0:User:badge eq "x""#, &u);
    validated(r#"URN:example:hr:1.0:User:badge eq "x""#, &u);
}

#[test]
fn never_returned_attributes_cannot_be_filtered_on() {
    // RFC 7643 §4.1.1: a password is never returnable; a filter on it would be an
    // oracle for its value (`password sw "a"`, `password sw "b"`, …).
    let u = users();
    for f in [
        r#"password eq "1mz050nq""#,
        r#"password sw "1""#,
        "password pr",
        r#"PASSWORD ne null"#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:password eq "x""#,
        r#"userName pr and not (password co "a")"#,
    ] {
        invalid(f, &u, "' is never returned");
    }
    let secret = ResourceSchema::user().with_extension(
        Schema::new(HR, "HR").with_attribute(
            Attribute::complex(
                "badge",
                vec![
                    Attribute::new("value", AttributeType::String),
                    Attribute::new("pin", AttributeType::String)
                        .with_returned(okta_scim::schema::Returned::Never),
                ],
            )
            .multi_valued(),
        ),
        false,
    );
    invalid(
        &format!(r#"{HR}:badge.pin eq "1234""#),
        &secret,
        "badge.pin' is never returned",
    );
    invalid(
        &format!(r#"{HR}:badge[pin sw "1"]"#),
        &secret,
        "badge.pin' is never returned",
    );
    validated(&format!(r#"{HR}:badge[value eq "b-1"]"#), &secret);
}

#[test]
fn case_insensitive_contains_on_long_non_ascii_values() {
    // `co` used to restart a case-folded comparison at every character of a
    // non-ASCII value: O(value × needle), seconds for one resource.
    let s = users();
    let hay = format!("{}Öb", "ä".repeat(40_000));
    let needle = format!("{}öB", "Ä".repeat(3_000));
    let u = json!({"userName": hay});
    let miss = format!("{}c", "ä".repeat(3_000));
    assert!(matches(&format!(r#"userName co "{needle}""#), &u, &s));
    assert!(!matches(&format!(r#"userName co "{miss}""#), &u, &s));
    let ascii = json!({"userName": format!("{}b", "a".repeat(400_000))});
    let needle = format!("{}B", "A".repeat(6_000));
    assert!(matches(&format!(r#"userName co "{needle}""#), &ascii, &s));
    assert!(!matches(&format!(r#"userName co "{needle}a""#), &ascii, &s));
    // semantics unchanged: Unicode lowercase on both sides
    assert!(matches(
        r#"userName co "ÄNN""#,
        &json!({"userName": "x.änn@y"}),
        &s
    ));
    assert!(matches(r#"userName co """#, &json!({"userName": "x"}), &s));
    assert!(!matches(
        r#"userName co "anne""#,
        &json!({"userName": "ann"}),
        &s
    ));
}

// ---------------------------------------------------------------- properties

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => Just("$ref".to_owned()),
        1 => prop::sample::select(vec!["pr", "not", "and", "or", "eq", "NOT", "True", "null"])
            .prop_map(str::to_owned),
    ]
}

fn urn_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        1 => prop::sample::select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:okta:custom:1.0",
            "urn:x",
        ])
        .prop_map(|u| Some(u.to_owned())),
    ]
}

fn attr_path_strategy() -> impl Strategy<Value = AttrPath> {
    (
        urn_strategy(),
        name_strategy(),
        prop::option::of(name_strategy()),
    )
        .prop_map(|(urn, name, sub_attr)| AttrPath {
            urn,
            name,
            sub_attr,
        })
}

fn value_strategy() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|i| CompValue::Number(i.into())),
        any::<u64>().prop_map(|u| CompValue::Number(u.into())),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::Str),
    ]
}

fn op_strategy() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ])
}

fn term_strategy(p: BoxedStrategy<AttrPath>) -> impl Strategy<Value = Filter> {
    prop_oneof![
        p.clone().prop_map(Filter::Present),
        (p, op_strategy(), value_strategy()).prop_map(|(path, op, value)| Filter::Compare {
            path,
            op,
            value
        }),
    ]
}

/// Filters whose inner paths (in value filters) may be anything but value paths.
fn inner_filter_strategy() -> impl Strategy<Value = Filter> {
    term_strategy(attr_path_strategy().boxed()).prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn filter_strategy() -> impl Strategy<Value = Filter> {
    let vpath =
        (urn_strategy(), name_strategy(), inner_filter_strategy()).prop_map(|(urn, name, f)| {
            Filter::ValuePath {
                attr: AttrPath {
                    urn,
                    name,
                    sub_attr: None,
                },
                filter: Box::new(f),
            }
        });
    let leaf = prop_oneof![3 => term_strategy(attr_path_strategy().boxed()), 1 => vpath];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
        ]
    })
}

const VALID_SEEDS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]"#,
    r#"not (a pr) and (b gt 1.5e3 or c le -2)"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x\u00e9""#,
    r#"emails[type eq "work"].value eq "x""#,
];

fn assert_parse_result(input: &str) {
    match Filter::parse(input) {
        Ok(f) => assert_eq!(Filter::parse(&f.to_string()).as_ref(), Ok(&f), "{input:?}"),
        Err(e) => {
            assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter), "{input:?}");
            assert!(e.detail().starts_with("invalid filter"), "{input:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_filters_parse_back_to_the_same_tree(f in filter_strategy()) {
        let text = f.to_string();
        prop_assert_eq!(Filter::parse_with(&text, FilterLimits::default().with_max_len(1 << 20)), Ok(f), "{}", text);
    }

    #[test]
    fn printed_patch_paths_parse_back(
        attr in attr_path_strategy(),
        filter in prop::option::of(inner_filter_strategy()),
        sub in prop::option::of(name_strategy()),
    ) {
        let p = match filter {
            Some(f) => PatchPath {
                attr: AttrPath { sub_attr: None, ..attr },
                value_filter: Some(f),
                sub_attr: sub,
            },
            None => PatchPath { attr, value_filter: None, sub_attr: None },
        };
        let text = p.to_string();
        if text.len() <= 8192 {
            prop_assert_eq!(PatchPath::parse(&text), Ok(p), "{}", text);
        }
    }

    #[test]
    fn printed_attr_paths_parse_back(p in attr_path_strategy()) {
        prop_assert_eq!(AttrPath::parse(&p.to_string()), Ok(p));
    }

    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        assert_parse_result(&input);
        if let Err(e) = PatchPath::parse(&input) {
            prop_assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
        }
        if let Err(e) = AttrPath::parse(&input) {
            prop_assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
        }
    }

    #[test]
    fn grammar_soup_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
        "(", ")", "[", "]", " ", "\t", "not", "and", "or", "pr", "eq", "gt", "\"", "\\", "x",
        "emails", ".", ":", "urn:a:2.0", "1", "-", "e", "true", "null", "\"a\"", "$ref",
    ]), 0..40)) {
        let input: String = parts.concat();
        assert_parse_result(&input);
        let _ = PatchPath::parse(&input);
    }

    #[test]
    fn mutated_valid_filters_never_panic(
        seed in prop::sample::select(VALID_SEEDS.to_vec()),
        at in any::<prop::sample::Index>(),
        edit in 0u8..3,
        c in any::<char>(),
    ) {
        let mut chars: Vec<char> = seed.chars().collect();
        let i = at.index(chars.len() + 1);
        match edit {
            0 => chars.insert(i, c),
            1 if i < chars.len() => { chars.remove(i); }
            _ if i < chars.len() => chars[i] = c,
            _ => chars.push(c),
        }
        let input: String = chars.into_iter().collect();
        assert_parse_result(&input);
        if let Ok(f) = Filter::parse(&input) && f.validate(&users()).is_ok() {
            let _ = f.matches(&bjensen(), &users());
        }
    }
}
