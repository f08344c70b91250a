//! Canonical text of paths and filters: lowercase operators and keywords, JSON literals,
//! and only the parentheses the tree shape needs, so that parsing the text gives the
//! same tree back.

use std::fmt::{self, Display, Formatter, Write};

use super::{AttrPath, CompValue, CompareOp, Filter, PatchPath};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_char(':')?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_char('.')?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Writes `s` as a JSON string literal.
fn write_json_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        f.write_str(s.get(run..i).unwrap_or_default())?;
        if esc.is_empty() {
            write!(f, "\\u{:04x}", c as u32)?;
        } else {
            f.write_str(esc)?;
        }
        run = i + c.len_utf8();
    }
    f.write_str(s.get(run..).unwrap_or_default())?;
    f.write_char('"')
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::Str(s) => write_json_string(f, s),
        }
    }
}

/// Binding strength: `or` < `and` < everything else.
fn precedence(f: &Filter) -> u8 {
    match f {
        Filter::Or(..) => 1,
        Filter::And(..) => 2,
        _ => 3,
    }
}

/// Writes an operand of a binary operator of precedence `parent`; the right operand
/// needs parentheses at equal precedence too, since chains associate to the left.
fn write_operand(f: &mut Formatter<'_>, child: &Filter, parent: u8, right: bool) -> fmt::Result {
    let p = precedence(child);
    if p < parent || (right && p == parent) {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::ValuePath { attr, filter } => write!(f, "{attr}[{filter}]"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::And(a, b) | Filter::Or(a, b) => {
                let p = precedence(self);
                write_operand(f, a, p, false)?;
                f.write_str(if p == 2 { " and " } else { " or " })?;
                write_operand(f, b, p, true)
            }
        }
    }
}

impl Display for PatchPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.value_filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}
