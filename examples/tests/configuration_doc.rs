//! Every `toml` block of `docs/configuration.md` is a configuration `hrsync` accepts, and
//! the configuration errors it and `docs/troubleshooting.md` quote are the ones `hrsync`
//! gives, so the pages cannot drift from the code. A block without a `[source]` table is a section
//! shown on its own: it is parsed under a minimal `[source]`/`[target]`. Blocks fenced as
//! ```` ```toml partial ```` are left out (keys of a command this build does not have).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hrsync_cli::config::Config;

const PAGE: &str = include_str!("../../docs/configuration.md");
const TROUBLESHOOTING: &str = include_str!("../../docs/troubleshooting.md");

const BASE: &str = "[source]\nkind = \"simulator\"\n\n[target]\nkind = \"simulator\"\n\n";

/// `(line of the fence, info string, body)` of every fenced block.
fn blocks(markdown: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String, usize)> = None;
    for (n, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some((n + 1, info.trim().to_owned(), String::new(), indent));
                }
            }
            Some((start, info, body, fence_indent)) => {
                if trimmed.starts_with("```") {
                    out.push((*start, std::mem::take(info), std::mem::take(body)));
                    open = None;
                } else {
                    // Blocks inside list items are indented with the item.
                    let strip = (*fence_indent).min(indent);
                    body.push_str(&line[strip..]);
                    body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    out
}

#[test]
fn every_toml_block_of_the_configuration_page_parses() {
    let mut checked = 0;
    for (line, info, body) in blocks(PAGE) {
        let mut words = info.split_whitespace();
        if words.next() != Some("toml") || words.any(|w| w == "partial") {
            continue;
        }
        let text = if body.lines().any(|l| l.trim() == "[source]") {
            body.clone()
        } else {
            format!("{BASE}{body}")
        };
        if let Err(e) = Config::from_toml(&text) {
            panic!("docs/configuration.md line {line}: {e}\n{text}");
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} toml blocks found");
}

#[test]
fn the_complete_example_sets_what_it_says() {
    let (_, _, body) = blocks(PAGE)
        .into_iter()
        .find(|(_, info, body)| info == "toml" && body.contains("[safeguards]"))
        .expect("the complete file");
    let config = Config::from_toml(&body).unwrap();
    assert_eq!(config.sync.groups.len(), 2);
    assert!(config.sync.link.adopt_matching_login && !config.sync.link.adopt_matching_email);
    assert_eq!(config.sync.lifecycle.provision_days_before_start(), 7);
    assert_eq!(config.safeguards.disabled.len(), 1);
    assert_eq!(config.schedule.every.as_deref(), Some("1h"));
}

#[test]
fn the_errors_the_page_quotes_are_the_errors_hrsync_gives() {
    let err = |text: &str| Config::from_toml(text).unwrap_err().to_string();
    assert_eq!(
        err("[source]\nkind = \"nmbrs\"\ncompanies = [\"ACME\"]\n[target]\nkind = \"okta\"\n"),
        "source.companies[0]: \"ACME\" is not an Nmbrs company id (digits)"
    );
    assert_eq!(
        err(&format!(
            "{BASE}[mapping]\npreset = \"okta-default\"\nfile = \"m.toml\"\n"
        )),
        "mapping: set either `preset` or `file`, not both"
    );
    assert_eq!(
        err(&format!("{BASE}[mapping]\n")),
        "mapping: set `preset` (iamconnector, humaans, okta-default) or `file`"
    );
    assert!(
        err(&format!(
            "{BASE}[safeguards]\nmax_destructive_share = 1.5\n"
        ))
        .contains("a share must be between 0 and 1, got 1.5")
    );
    // An unknown key is named.
    assert!(err(&format!("{BASE}[sync]\nlink_atribute = \"x\"\n")).contains("link_atribute"));
    // [sync.link] needs both keys.
    assert!(
        err(&format!("{BASE}[sync.link]\nadopt_matching_login = true\n"))
            .contains("adopt_matching_email")
    );
}

#[test]
fn the_configuration_errors_troubleshooting_quotes_are_real() {
    let err = |text: &str| Config::from_toml(text).unwrap_err().to_string();
    // The page wraps lines: compare with white space collapsed.
    let page = TROUBLESHOOTING
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let quoted = |text: &str| {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            page.contains(&text),
            "troubleshooting.md does not quote {text:?}"
        );
    };
    quoted(&err(&format!("{BASE}[mapping]\npreset = \"nope\"\n")));
    quoted(&err(&format!("{BASE}[schedule]\nevery = \"soon\"\n")));
    quoted(&err(
        "[source]\nkind = \"nmbrs\"\ncompanies = [\"ACME\"]\n[target]\nkind = \"okta\"\n",
    ));
    let unknown =
        err("[source]\nkind = \"csv\"\npath = \"p.csv\"\ncolour = 1\n[target]\nkind = \"okta\"\n");
    assert!(
        unknown.contains("TOML parse error at line 1, column 1"),
        "{unknown}"
    );
    assert!(
        unknown.contains("unknown field `colour`, expected `path`"),
        "{unknown}"
    );
}
