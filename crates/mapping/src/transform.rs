//! Value transforms applied by mapping rules after a value has been computed.
//!
//! A rule's transform list is written in configuration as short specs such as
//! `"lower"`, `"truncate(50)"` or `"replace(' ', '.')"`; [`Transform::parse`] reads
//! one spec and [`Transform::apply`] runs it. Transforms borrow their input when
//! they leave it unchanged, so a clean value passes through a whole chain without
//! a single allocation.
//!
//! ```
//! use std::borrow::Cow;
//! use mapping::Transform;
//!
//! let chain: Vec<Transform> = ["ascii", "lower", "replace(' ', '.')"]
//!     .iter()
//!     .map(|spec| Transform::parse(spec))
//!     .collect::<Result<_, _>>()?;
//! let mut value = Cow::Borrowed("Søren Ødegaard");
//! for transform in &chain {
//!     value = transform.apply(value)?;
//! }
//! assert_eq!(value, "soren.odegaard");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use chrono::format::{DelayedFormat, Item, Parsed, StrftimeItems};
use chrono::{Datelike as _, NaiveDate, NaiveTime};

/// The input format used by `date('to')` when only the output format is given.
const DEFAULT_DATE_INPUT: &str = "%Y-%m-%d";
/// The region used by a bare `e164` spec.
const DEFAULT_PHONE_REGION: &str = "NL";

/// One value transform of a mapping rule.
///
/// Build one with [`Transform::parse`] (or [`str::parse`]) from a config spec, or
/// directly; `Map` can only be built directly, because its table comes from the
/// mapping configuration rather than from a spec string.
///
/// ```
/// use std::borrow::Cow;
/// use mapping::Transform;
///
/// let t = Transform::parse("truncate(3)")?;
/// assert_eq!(t, Transform::Truncate(3));
/// assert_eq!(t.apply(Cow::Borrowed("Zoë Jansen"))?, "Zoë");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transform {
    /// Lowercases the value (Unicode-aware; ASCII input stays on a fast path).
    Lower,
    /// Uppercases the value (Unicode-aware, so `ß` becomes `SS`).
    Upper,
    /// Removes leading and trailing whitespace.
    Trim,
    /// Runs of whitespace become one space, and the ends are trimmed.
    CollapseSpaces,
    /// Removes all whitespace.
    RemoveSpaces,
    /// ASCII transliteration for logins: ß→ss, ø→o, é→e, ş→s, æ→ae, œ→oe, ł→l,
    /// đ→d, ı→i, þ→th, ð→d, ễ→e …; see [`to_ascii`].
    Ascii,
    /// Replaces every occurrence of `from` with `to`; an empty `from` changes nothing.
    Replace {
        /// The text to look for.
        from: String,
        /// Its replacement.
        to: String,
    },
    /// Keeps at most n characters (chars, not bytes).
    Truncate(usize),
    /// Reformats a date: parse with `from` (chrono strftime, e.g. `"%Y-%m-%d"`),
    /// print with `to`.
    ///
    /// A value with a date but no time of day prints as midnight if `to` asks for
    /// a time; a UTC offset parsed by `from` (`%z`) is kept for `to`.
    Date {
        /// The strftime format the value is in.
        from: String,
        /// The strftime format to print.
        to: String,
    },
    /// Looks the whole value up in a table (e.g. employee-type code → label);
    /// unmatched → `default` if set, else an error.
    Map {
        /// Exact (case-sensitive) value → replacement.
        table: BTreeMap<String, String>,
        /// The replacement for values the table does not hold.
        default: Option<String>,
    },
    /// Phone normalisation to E.164 with a default region (ISO 3166 alpha-2,
    /// e.g. `"NL"`); see [`e164`].
    E164 {
        /// The region whose country code national numbers get.
        default_region: String,
    },
}

/// A transform spec that [`Transform::parse`] could not read.
///
/// `position` is the byte offset in the spec where the problem is.
///
/// ```
/// use mapping::Transform;
///
/// let err = Transform::parse("truncate(5x)").unwrap_err();
/// assert_eq!(err.position, 9);
/// assert_eq!(err.to_string(), "at 9: invalid unsigned integer `5x`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("at {position}: {message}")]
pub struct TransformSpecError {
    /// Byte offset in the spec where the problem was found.
    pub position: usize,
    /// What is wrong, for a person editing the config.
    pub message: String,
}

impl TransformSpecError {
    fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

/// A value that a [`Transform`] could not transform.
///
/// ```
/// use std::borrow::Cow;
/// use mapping::{Transform, TransformError};
///
/// let t = Transform::parse("date('%d-%m-%Y')")?;
/// let err = t.apply(Cow::Borrowed("yesterday")).unwrap_err();
/// assert!(matches!(err, TransformError::NotADate { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// The value does not match the date format (or the output format asks for
    /// fields the value does not have; `format` is then the output format).
    #[error("`{value}` is not a date in format `{format}`")]
    NotADate {
        /// The value.
        value: String,
        /// The strftime format it was read (or printed) with.
        format: String,
    },
    /// The value has no entry in a `map` table and the table has no default.
    #[error("`{value}` has no entry in the map table and there is no default")]
    Unmapped {
        /// The value.
        value: String,
    },
    /// The value cannot be read as a phone number.
    #[error("`{value}` is not a phone number: {reason}")]
    NotAPhoneNumber {
        /// The value.
        value: String,
        /// Why not.
        reason: String,
    },
    /// The default region of an `e164` transform is not in the country-code table.
    #[error("unknown phone region `{region}` (expected an ISO 3166 alpha-2 code such as NL)")]
    UnknownRegion {
        /// The region as given.
        region: String,
    },
}

impl Transform {
    /// Parses a spec: `lower`, `upper`, `trim`, `collapse_spaces`, `remove_spaces`,
    /// `ascii`, `replace('a', 'b')`, `truncate(50)`, `date('%Y-%m-%d', '%d-%m-%Y')`
    /// (one argument = output format with input `"%Y-%m-%d"`), `e164` (region NL)
    /// or `e164('BE')`.
    ///
    /// Arguments are single- or double-quoted strings (with `\'` `\"` `\\` escapes)
    /// or unsigned integers; whitespace is allowed around them and around the
    /// spec. Names are ASCII case-insensitive. Date formats and phone regions are
    /// checked here, so a bad config fails at load time. `map` cannot be written
    /// inline (tables come from config): parse returns an error telling that.
    ///
    /// ```
    /// use mapping::Transform;
    ///
    /// assert_eq!(Transform::parse(" lower ")?, Transform::Lower);
    /// assert_eq!(
    ///     Transform::parse(r#"replace( "\"" , '' )"#)?,
    ///     Transform::Replace { from: "\"".into(), to: String::new() },
    /// );
    /// assert_eq!(
    ///     Transform::parse("date('%d-%m-%Y')")?,
    ///     Transform::Date { from: "%Y-%m-%d".into(), to: "%d-%m-%Y".into() },
    /// );
    /// let err = Transform::parse("truncate(50").unwrap_err();
    /// assert_eq!(err.position, 11);
    /// # Ok::<(), mapping::TransformSpecError>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Transform, TransformSpecError> {
        SpecParser { src: spec, pos: 0 }.spec()
    }

    /// Applies the transform.
    ///
    /// The input comes back (borrowed or owned, as it was given) when the
    /// transform does not change it; `trim`, `collapse_spaces` and `truncate`
    /// also return a borrowed slice of borrowed input when they only cut it.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use mapping::Transform;
    ///
    /// let out = Transform::Lower.apply(Cow::Borrowed("already lower"))?;
    /// assert!(matches!(out, Cow::Borrowed(_)));
    /// assert_eq!(Transform::Upper.apply(Cow::Borrowed("straße"))?, "STRASSE");
    /// # Ok::<(), mapping::TransformError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TransformError::NotADate`] from `Date`, [`TransformError::Unmapped`] from
    /// `Map`, and [`TransformError::NotAPhoneNumber`] or
    /// [`TransformError::UnknownRegion`] from `E164`; the other transforms
    /// always succeed.
    pub fn apply<'a>(&self, input: Cow<'a, str>) -> Result<Cow<'a, str>, TransformError> {
        match self {
            Transform::Lower => Ok(lower(input)),
            Transform::Upper => Ok(upper(input)),
            Transform::Trim => {
                let start = input.len() - input.trim_start().len();
                let end = start + input.trim().len();
                Ok(slice_cow(input, start, end))
            }
            Transform::CollapseSpaces => Ok(collapse_spaces(input)),
            Transform::RemoveSpaces => {
                if input.chars().any(char::is_whitespace) {
                    Ok(Cow::Owned(
                        input.chars().filter(|c| !c.is_whitespace()).collect(),
                    ))
                } else {
                    Ok(input)
                }
            }
            Transform::Ascii => {
                if input.is_ascii() {
                    Ok(input)
                } else {
                    Ok(Cow::Owned(to_ascii(&input).into_owned()))
                }
            }
            Transform::Replace { from, to } => {
                if from.is_empty() || !input.contains(from.as_str()) {
                    Ok(input)
                } else {
                    Ok(Cow::Owned(input.replace(from.as_str(), to)))
                }
            }
            Transform::Truncate(n) => {
                // Byte length bounds the char count, so short values skip the scan.
                if input.len() <= *n {
                    return Ok(input);
                }
                match input.char_indices().nth(*n) {
                    Some((end, _)) => Ok(slice_cow(input, 0, end)),
                    None => Ok(input),
                }
            }
            Transform::Date { from, to } => reformat_date(&input, from, to).map(Cow::Owned),
            Transform::Map { table, default } => match table.get(&*input).or(default.as_ref()) {
                Some(value) if *value == *input => Ok(input),
                Some(value) => Ok(Cow::Owned(value.clone())),
                None => Err(TransformError::Unmapped {
                    value: input.into_owned(),
                }),
            },
            Transform::E164 { default_region } => {
                let digits = normalise_phone(&input, default_region)?;
                let bytes = input.as_bytes();
                if bytes.first() == Some(&b'+') && &bytes[1..] == digits.as_bytes() {
                    Ok(input)
                } else {
                    Ok(Cow::Owned(digits.to_e164()))
                }
            }
        }
    }

    /// The spec name: `"lower"`, `"truncate"`, ….
    ///
    /// ```
    /// use mapping::Transform;
    ///
    /// assert_eq!(Transform::CollapseSpaces.name(), "collapse_spaces");
    /// assert_eq!(Transform::Truncate(5).name(), "truncate");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Lower => "lower",
            Transform::Upper => "upper",
            Transform::Trim => "trim",
            Transform::CollapseSpaces => "collapse_spaces",
            Transform::RemoveSpaces => "remove_spaces",
            Transform::Ascii => "ascii",
            Transform::Replace { .. } => "replace",
            Transform::Truncate(_) => "truncate",
            Transform::Date { .. } => "date",
            Transform::Map { .. } => "map",
            Transform::E164 { .. } => "e164",
        }
    }
}

/// Writes a spec that [`Transform::parse`] reads back to an equal value; `Map`
/// writes `map(<n> entries)`, which is not parseable.
///
/// ```
/// use mapping::Transform;
///
/// let t = Transform::Replace { from: "'".into(), to: "".into() };
/// assert_eq!(t.to_string(), r"replace('\'', '')");
/// assert_eq!(Transform::parse(&t.to_string())?, t);
/// # Ok::<(), mapping::TransformSpecError>(())
/// ```
impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Transform::Replace { from, to } | Transform::Date { from, to } => {
                f.write_char('(')?;
                write_quoted(f, from)?;
                f.write_str(", ")?;
                write_quoted(f, to)?;
                f.write_char(')')
            }
            Transform::Truncate(n) => write!(f, "({n})"),
            Transform::Map { table, .. } => write!(f, "({} entries)", table.len()),
            Transform::E164 { default_region } => {
                f.write_char('(')?;
                write_quoted(f, default_region)?;
                f.write_char(')')
            }
            _ => Ok(()),
        }
    }
}

/// Same as [`Transform::parse`].
///
/// ```
/// use mapping::Transform;
///
/// let t: Transform = "e164('BE')".parse()?;
/// assert_eq!(t, Transform::E164 { default_region: "BE".into() });
/// # Ok::<(), mapping::TransformSpecError>(())
/// ```
impl FromStr for Transform {
    type Err = TransformSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Transform::parse(spec)
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

// ---------------------------------------------------------------------------
// Simple transforms
// ---------------------------------------------------------------------------

/// `input[start..end]`, without allocating: borrowed input gives a borrowed
/// slice, owned input is cut in place.
fn slice_cow(input: Cow<'_, str>, start: usize, end: usize) -> Cow<'_, str> {
    if start == 0 && end == input.len() {
        return input;
    }
    match input {
        Cow::Borrowed(s) => Cow::Borrowed(&s[start..end]),
        Cow::Owned(mut s) => {
            s.truncate(end);
            s.drain(..start);
            Cow::Owned(s)
        }
    }
}

fn lower(input: Cow<'_, str>) -> Cow<'_, str> {
    if input.is_ascii() {
        if !input.bytes().any(|b| b.is_ascii_uppercase()) {
            return input;
        }
        let mut s = input.into_owned();
        s.make_ascii_lowercase();
        return Cow::Owned(s);
    }
    let unchanged = input.chars().all(|c| {
        let mut l = c.to_lowercase();
        l.next() == Some(c) && l.next().is_none()
    });
    if unchanged {
        input
    } else {
        Cow::Owned(input.to_lowercase())
    }
}

fn upper(input: Cow<'_, str>) -> Cow<'_, str> {
    if input.is_ascii() {
        if !input.bytes().any(|b| b.is_ascii_lowercase()) {
            return input;
        }
        let mut s = input.into_owned();
        s.make_ascii_uppercase();
        return Cow::Owned(s);
    }
    let unchanged = input.chars().all(|c| {
        let mut u = c.to_uppercase();
        u.next() == Some(c) && u.next().is_none()
    });
    if unchanged {
        input
    } else {
        Cow::Owned(input.to_uppercase())
    }
}

fn collapse_spaces(input: Cow<'_, str>) -> Cow<'_, str> {
    let start = input.len() - input.trim_start().len();
    let trimmed = input.trim();
    let end = start + trimmed.len();
    let mut previous_space = false;
    let mut clean = true;
    for c in trimmed.chars() {
        if c.is_whitespace() {
            if c != ' ' || previous_space {
                clean = false;
                break;
            }
            previous_space = true;
        } else {
            previous_space = false;
        }
    }
    if clean {
        return slice_cow(input, start, end);
    }
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

fn reformat_date(input: &str, from: &str, to: &str) -> Result<String, TransformError> {
    let not_a_date = |format: &str| TransformError::NotADate {
        value: input.to_owned(),
        format: format.to_owned(),
    };
    let mut out = String::with_capacity(to.len() + 8);
    let (date, time, offset) = match parse_simple_date(input, from) {
        Some(date) => (Some(date), None, None),
        None => {
            let mut parsed = Parsed::new();
            chrono::format::parse(&mut parsed, input, StrftimeItems::new(from))
                .map_err(|_| not_a_date(from))?;
            let offset = parsed.to_fixed_offset().ok();
            let utc_offset = offset.map_or(0, |o| o.local_minus_utc());
            match parsed.to_naive_datetime_with_offset(utc_offset) {
                Ok(dt) => (Some(dt.date()), Some(dt.time()), offset),
                Err(_) => (
                    parsed.to_naive_date().ok(),
                    parsed.to_naive_time().ok(),
                    offset,
                ),
            }
        }
    };
    if let Some(date) = date
        && offset.is_none()
        && format_simple_date(date, to, &mut out)
    {
        return Ok(out);
    }
    if date.is_none() && time.is_none() {
        return Err(not_a_date(from));
    }
    let time = time.or(date.map(|_| NaiveTime::MIN));
    out.clear();
    let written = match offset {
        Some(offset) => DelayedFormat::new_with_offset(date, time, &offset, StrftimeItems::new(to))
            .write_to(&mut out),
        None => DelayedFormat::new(date, time, StrftimeItems::new(to)).write_to(&mut out),
    };
    written.map_err(|_| not_a_date(to))?;
    Ok(out)
}

/// Fast path for the numeric formats configs use most (`%Y`, `%m`, `%d` and
/// ASCII punctuation such as `-`, `/`, `.`): reads a value in exactly that
/// shape (4-digit year, 2-digit month and day) without chrono's format parser.
/// Chrono reads such a value to the same date; for anything else (other
/// specifiers, spaces, 1-digit days, invalid dates) this returns `None` and
/// chrono decides.
fn parse_simple_date(input: &str, format: &str) -> Option<NaiveDate> {
    fn digits(input: &[u8], at: usize, n: usize) -> Option<u32> {
        let field = input.get(at..at + n)?;
        field.iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    }
    let input = input.as_bytes();
    let format = format.as_bytes();
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut i, mut f) = (0, 0);
    while f < format.len() {
        match format[f] {
            b'%' => {
                let (slot, width) = match format.get(f + 1)? {
                    b'Y' => (&mut year, 4),
                    b'm' => (&mut month, 2),
                    b'd' => (&mut day, 2),
                    _ => return None,
                };
                if slot.is_some() {
                    return None;
                }
                *slot = Some(digits(input, i, width)?);
                i += width;
                f += 2;
            }
            b if b.is_ascii_punctuation() => {
                if input.get(i) != Some(&b) {
                    return None;
                }
                i += 1;
                f += 1;
            }
            _ => return None,
        }
    }
    if i != input.len() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year?).ok()?, month?, day?)
}

/// Fast path for printing with a format of `%Y`, `%m`, `%d` and text without
/// `%`, as chrono would print it; returns false (leaving `out` for the caller
/// to clear) when the format has anything else.
fn format_simple_date(date: NaiveDate, format: &str, out: &mut String) -> bool {
    fn push_padded(out: &mut String, value: u32, width: usize) {
        let mut buf = [b'0'; 4];
        let mut v = value;
        for slot in buf[..width].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out.extend(buf[..width].iter().map(|&b| char::from(b)));
    }
    let Ok(year) = u32::try_from(date.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    let mut rest = format;
    while let Some(p) = rest.find('%') {
        out.push_str(&rest[..p]);
        match rest.as_bytes().get(p + 1) {
            Some(b'Y') => push_padded(out, year, 4),
            Some(b'm') => push_padded(out, date.month(), 2),
            Some(b'd') => push_padded(out, date.day(), 2),
            _ => return false,
        }
        rest = &rest[p + 2..];
    }
    out.push_str(rest);
    true
}

// ---------------------------------------------------------------------------
// ASCII transliteration
// ---------------------------------------------------------------------------

/// ASCII transliteration: NFD decomposition then combining marks dropped, plus a
/// table for letters that do not decompose (ß ẞ ø Ø æ Æ œ Œ ł Ł đ Đ ı þ Þ ð Ð ĸ ŋ ŧ
/// ħ ə …, and typographic quotes/dashes → `'`, `"` and `-`). Anything still not
/// ASCII is dropped. The output is always ASCII.
///
/// Compatibility decompositions are used too (NFKD), so ligatures and Dutch `ĳ`
/// become `ij`, full-width letters become ASCII letters and a no-break space
/// becomes a space. The input is borrowed when it is already ASCII.
///
/// ```
/// use std::borrow::Cow;
/// use mapping::to_ascii;
///
/// assert_eq!(to_ascii("Jürgen Strauß"), "Jurgen Strauss");
/// assert_eq!(to_ascii("Ayşe Yılmaz"), "Ayse Yilmaz");
/// assert_eq!(to_ascii("Lan Nguyễn"), "Lan Nguyen");
/// assert!(matches!(to_ascii("plain"), Cow::Borrowed("plain")));
/// ```
pub fn to_ascii(input: &str) -> Cow<'_, str> {
    if input.is_ascii() {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(s) = transliterate(c) {
            out.push_str(s);
        } else {
            unicode_normalization::char::decompose_compatible(c, |d| {
                if d.is_ascii() {
                    out.push(d);
                } else if let Some(s) = transliterate(d) {
                    out.push_str(s);
                }
            });
        }
    }
    Cow::Owned(out)
}

/// Characters that have no (useful) decomposition to ASCII.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ẞ' => "SS",
        'ø' => "o",
        'Ø' => "O",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        'ł' => "l",
        'Ł' => "L",
        'đ' | 'ð' | 'ɖ' => "d",
        'Đ' | 'Ð' | 'Ɖ' => "D",
        'ı' | 'ɨ' => "i",
        'Ɨ' => "I",
        'þ' => "th",
        'Þ' => "TH",
        'ĸ' => "k",
        'ŋ' => "ng",
        'Ŋ' => "NG",
        'ŧ' => "t",
        'Ŧ' => "T",
        'ħ' => "h",
        'Ħ' => "H",
        'ƒ' => "f",
        'Ƒ' => "F",
        'ə' | 'ǝ' => "e",
        'Ə' | 'Ǝ' => "E",
        'ƀ' => "b",
        'Ƀ' => "B",
        'ǥ' => "g",
        'Ǥ' => "G",
        'ŉ' => "n",
        // Apostrophes, single quotes, primes and the spacing acute accent.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
        | '\u{2039}' | '\u{203A}' | '\u{02B9}' | '\u{02BB}' | '\u{02BC}' | '\u{02BD}'
        | '\u{00B4}' => "'",
        // Double quotes and guillemets.
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
        | '\u{00AB}' | '\u{00BB}' => "\"",
        // Hyphens, dashes and the minus sign.
        '\u{2010}'..='\u{2015}'
        | '\u{2043}'
        | '\u{2212}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}' => "-",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trunk {
    /// National numbers start with a trunk `0` that E.164 drops.
    Zero,
    /// The leading `0` is part of the number (Italy).
    Kept,
    /// North American Numbering Plan: 10-digit national numbers, no trunk `0`.
    Nanp,
}

#[derive(Debug)]
struct Region {
    code: &'static str,
    country_code: &'static str,
    trunk: Trunk,
}

const fn region(code: &'static str, country_code: &'static str, trunk: Trunk) -> Region {
    Region {
        code,
        country_code,
        trunk,
    }
}

static REGIONS: &[Region] = &[
    region("NL", "31", Trunk::Zero),
    region("BE", "32", Trunk::Zero),
    region("DE", "49", Trunk::Zero),
    region("FR", "33", Trunk::Zero),
    region("GB", "44", Trunk::Zero),
    region("IE", "353", Trunk::Zero),
    region("LU", "352", Trunk::Zero),
    region("AT", "43", Trunk::Zero),
    region("CH", "41", Trunk::Zero),
    region("ES", "34", Trunk::Zero),
    region("IT", "39", Trunk::Kept),
    region("PT", "351", Trunk::Zero),
    region("DK", "45", Trunk::Zero),
    region("SE", "46", Trunk::Zero),
    region("NO", "47", Trunk::Zero),
    region("FI", "358", Trunk::Zero),
    region("PL", "48", Trunk::Zero),
    region("CZ", "420", Trunk::Zero),
    region("US", "1", Trunk::Nanp),
    region("CA", "1", Trunk::Nanp),
    region("AU", "61", Trunk::Zero),
    region("JP", "81", Trunk::Zero),
    region("VN", "84", Trunk::Zero),
    region("IN", "91", Trunk::Zero),
    region("BR", "55", Trunk::Zero),
    region("ZA", "27", Trunk::Zero),
    region("SG", "65", Trunk::Zero),
];

fn find_region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Digits read from the input before normalisation: room for `00`, a 15-digit
/// number, a stray trunk `0` and some slack.
const MAX_INPUT_DIGITS: usize = 20;

/// The digits of a normalised E.164 number, without the `+`.
#[derive(Debug)]
struct E164Digits {
    buf: [u8; 15],
    len: usize,
}

impl E164Digits {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn to_e164(&self) -> String {
        let mut out = String::with_capacity(self.len + 1);
        out.push('+');
        out.extend(self.as_bytes().iter().map(|&b| char::from(b)));
        out
    }
}

/// Normalises a phone number to E.164 (`+31612345678`): strips spaces, dashes,
/// dots, slashes, parentheses and a `(0)` trunk marker; `+CC…` is kept; `00CC…`
/// becomes `+CC…`; a national number (leading 0) gets the region's country code
/// with the 0 dropped (NL: `06-12345678` → `+31612345678`, `020 123 4567` →
/// `+31201234567`).
///
/// US/CA numbers are `+1…`, or 10 digits (or 11 starting with 1) in region US
/// or CA; `011…` is read as the NANP international prefix there. Italian
/// numbers keep their leading 0. A trunk 0 written after a country code that
/// drops it (`+31 06…`) is dropped too. The result must have 8–15 digits after
/// `+` (11 for `+1`); letters or other characters are an error. The region is
/// an ISO 3166 alpha-2 code, matched ASCII case-insensitively, from the table
/// NL BE DE FR GB IE LU AT CH ES IT PT DK SE NO FI PL CZ US CA AU JP VN IN BR ZA SG.
///
/// ```
/// use mapping::e164;
///
/// assert_eq!(e164("06-12345678", "NL")?, "+31612345678");
/// assert_eq!(e164("+31 (0)20 123 4567", "BE")?, "+31201234567");
/// assert_eq!(e164("(415) 555-0123", "US")?, "+14155550123");
/// assert!(e164("call me", "NL").is_err());
/// # Ok::<(), mapping::TransformError>(())
/// ```
///
/// # Errors
///
/// [`TransformError::UnknownRegion`] when `default_region` is not in the table
/// (checked first, whatever the number), and [`TransformError::NotAPhoneNumber`]
/// when the input has other characters or the wrong number of digits.
pub fn e164(input: &str, default_region: &str) -> Result<String, TransformError> {
    normalise_phone(input, default_region).map(|digits| digits.to_e164())
}

fn normalise_phone(input: &str, default_region: &str) -> Result<E164Digits, TransformError> {
    let region = find_region(default_region).ok_or_else(|| TransformError::UnknownRegion {
        region: default_region.to_owned(),
    })?;
    let fail = |reason: String| TransformError::NotAPhoneNumber {
        value: input.to_owned(),
        reason,
    };

    let mut digits = [0u8; MAX_INPUT_DIGITS];
    let mut n = 0;
    let mut plus = false;
    let mut i = 0;
    while let Some(c) = input[i..].chars().next() {
        let mut step = c.len_utf8();
        match c {
            '0'..='9' => {
                if n == MAX_INPUT_DIGITS {
                    return Err(fail("too many digits".to_owned()));
                }
                digits[n] = c as u8;
                n += 1;
            }
            '+' => {
                if plus || n > 0 {
                    return Err(fail("'+' may only stand at the start".to_owned()));
                }
                plus = true;
            }
            '(' if input[i..].starts_with("(0)") && (plus || digits[..n].starts_with(b"00")) => {
                step = 3;
            }
            '-' | '.' | '/' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            c if c.is_whitespace() => {}
            c if c.is_alphabetic() => {
                return Err(fail(format!("letters are not allowed (found `{c}`)")));
            }
            c => return Err(fail(format!("unexpected character `{c}`"))),
        }
        i += step;
    }
    let d = &digits[..n];
    if d.is_empty() {
        return Err(fail("no digits".to_owned()));
    }

    let (country_code, rest): (&[u8], &[u8]) = if plus {
        (&[], d)
    } else if let Some(international) = d.strip_prefix(b"00") {
        (&[], international)
    } else {
        match region.trunk {
            Trunk::Nanp => {
                if let Some(international) = d.strip_prefix(b"011") {
                    (&[], international)
                } else if d.len() == 10 {
                    (b"1", d)
                } else if d.len() == 11 && d[0] == b'1' {
                    (&[], d)
                } else {
                    return Err(fail(format!(
                        "a {} number needs 10 digits, found {}",
                        region.code,
                        d.len()
                    )));
                }
            }
            Trunk::Zero => (
                region.country_code.as_bytes(),
                d.strip_prefix(b"0").unwrap_or(d),
            ),
            Trunk::Kept => (region.country_code.as_bytes(), d),
        }
    };

    // A trunk 0 written after a country code that drops it: "+31 06 …".
    let mut stray_zero = None;
    if country_code.is_empty() && rest.iter().skip(1).take(3).any(|&b| b == b'0') {
        for r in REGIONS.iter().filter(|r| r.trunk == Trunk::Zero) {
            let cc = r.country_code.as_bytes();
            if rest.starts_with(cc) && rest.get(cc.len()) == Some(&b'0') {
                if rest.get(cc.len() + 1) == Some(&b'0') {
                    return Err(fail(format!(
                        "a +{} number cannot start with 00 after the country code",
                        r.country_code
                    )));
                }
                stray_zero = Some(cc.len());
                break;
            }
        }
    }

    let total = country_code.len() + rest.len() - usize::from(stray_zero.is_some());
    if total < 8 {
        return Err(fail(format!(
            "too short: {total} digits, E.164 needs 8 to 15"
        )));
    }
    if total > 15 {
        return Err(fail(format!("too long: {total} digits, E.164 allows 15")));
    }
    let mut out = E164Digits {
        buf: [0; 15],
        len: 0,
    };
    for (k, &b) in country_code.iter().chain(rest.iter()).enumerate() {
        if Some(k) != stray_zero.map(|cc_len| country_code.len() + cc_len) {
            out.buf[out.len] = b;
            out.len += 1;
        }
    }
    match out.buf[0] {
        b'0' => Err(fail("a country code cannot start with 0".to_owned())),
        b'1' if out.len != 11 => Err(fail(format!(
            "a +1 (US/CA) number has 10 digits after the country code, found {}",
            out.len - 1
        ))),
        _ => Ok(out),
    }
}

// ---------------------------------------------------------------------------
// Spec parser
// ---------------------------------------------------------------------------

const NAMES: &str =
    "lower, upper, trim, collapse_spaces, remove_spaces, ascii, replace, truncate, date, e164";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lower,
    Upper,
    Trim,
    CollapseSpaces,
    RemoveSpaces,
    Ascii,
    Replace,
    Truncate,
    Date,
    E164,
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        const KINDS: [(&str, Kind); 10] = [
            ("lower", Kind::Lower),
            ("upper", Kind::Upper),
            ("trim", Kind::Trim),
            ("collapse_spaces", Kind::CollapseSpaces),
            ("remove_spaces", Kind::RemoveSpaces),
            ("ascii", Kind::Ascii),
            ("replace", Kind::Replace),
            ("truncate", Kind::Truncate),
            ("date", Kind::Date),
            ("e164", Kind::E164),
        ];
        KINDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, k)| k)
    }

    /// Minimum and maximum argument counts, and how to call it.
    fn signature(self) -> (usize, usize, &'static str) {
        match self {
            Kind::Replace => (2, 2, "replace('from', 'to')"),
            Kind::Truncate => (1, 1, "truncate(n)"),
            Kind::Date => (1, 2, "date('to') or date('from', 'to')"),
            Kind::E164 => (0, 1, "e164 or e164('REGION')"),
            _ => (0, 0, ""),
        }
    }
}

#[derive(Debug)]
enum ArgValue {
    Str(String),
    Int(usize),
}

#[derive(Debug)]
struct Arg {
    position: usize,
    value: ArgValue,
}

impl Arg {
    fn string(self, name: &str, what: &str) -> Result<String, TransformSpecError> {
        match self.value {
            ArgValue::Str(s) => Ok(s),
            ArgValue::Int(_) => Err(TransformSpecError::new(
                self.position,
                format!("`{name}` expects {what} as a quoted string, found an integer"),
            )),
        }
    }

    fn date_format(self) -> Result<String, TransformSpecError> {
        let position = self.position;
        let format = self.string("date", "a strftime format")?;
        if format.is_empty() {
            return Err(TransformSpecError::new(position, "empty date format"));
        }
        if StrftimeItems::new(&format).any(|item| matches!(item, Item::Error)) {
            return Err(TransformSpecError::new(
                position,
                format!("invalid date format `{format}` (chrono strftime, e.g. '%Y-%m-%d')"),
            ));
        }
        Ok(format)
    }
}

#[derive(Debug)]
struct SpecParser<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> SpecParser<'s> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn found(c: Option<char>) -> String {
        match c {
            Some(c) => format!("`{c}`"),
            None => "the end of the spec".to_owned(),
        }
    }

    fn spec(mut self) -> Result<Transform, TransformSpecError> {
        self.skip_ws();
        let name_pos = self.pos;
        let name = self.name()?;
        if name.eq_ignore_ascii_case("map") {
            return Err(TransformSpecError::new(
                name_pos,
                "`map` cannot be written inline: its table comes from the mapping config \
                 (give the rule a map table instead)",
            ));
        }
        let kind = Kind::from_name(name).ok_or_else(|| {
            let underscored = name.replace('-', "_");
            let message = match Kind::from_name(&underscored) {
                Some(_) => format!("unknown transform `{name}`; did you mean `{underscored}`?"),
                None => format!("unknown transform `{name}`; expected one of: {NAMES}"),
            };
            TransformSpecError::new(name_pos, message)
        })?;
        let name_end = self.pos;
        self.skip_ws();
        let (args, close) = if self.peek() == Some('(') {
            self.args()?
        } else {
            (Vec::new(), name_end)
        };
        let has_parens = close != name_end;
        self.skip_ws();
        if let Some(c) = self.peek() {
            let message = if has_parens {
                format!("unexpected `{c}` after ')'; a spec holds one transform")
            } else {
                format!("expected '(' or the end of the spec after `{name}`, found `{c}`")
            };
            return Err(TransformSpecError::new(self.pos, message));
        }
        build(kind, name, args, close)
    }

    fn name(&mut self) -> Result<&'s str, TransformSpecError> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() => {}
            c => {
                let message = if start == 0 && c.is_none() {
                    "empty transform spec; expected a name such as `lower`".to_owned()
                } else {
                    format!("expected a transform name, found {}", Self::found(c))
                };
                return Err(TransformSpecError::new(start, message));
            }
        }
        let len = self.src[start..]
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .unwrap_or(self.src.len() - start);
        self.pos = start + len;
        let src: &'s str = self.src;
        Ok(&src[start..self.pos])
    }

    /// Parses `( args )` starting at the `(`; returns the arguments and the
    /// position of the `)`.
    fn args(&mut self) -> Result<(Vec<Arg>, usize), TransformSpecError> {
        let open = self.pos;
        self.pos += 1;
        let missing_close = |src: &str| {
            TransformSpecError::new(src.len(), format!("missing ')' to close '(' at {open}"))
        };
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok((args, self.pos - 1));
        }
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(missing_close(self.src)),
                Some(')') => {
                    return Err(TransformSpecError::new(
                        self.pos,
                        "expected an argument after ','",
                    ));
                }
                Some(',') => {
                    return Err(TransformSpecError::new(
                        self.pos,
                        "expected an argument before ','",
                    ));
                }
                Some(_) => args.push(self.arg()?),
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok((args, self.pos - 1));
                }
                None => return Err(missing_close(self.src)),
                c => {
                    return Err(TransformSpecError::new(
                        self.pos,
                        format!("expected ',' or ')', found {}", Self::found(c)),
                    ));
                }
            }
        }
    }

    fn arg(&mut self) -> Result<Arg, TransformSpecError> {
        let position = self.pos;
        let value = match self.peek() {
            Some(q @ ('\'' | '"')) => ArgValue::Str(self.quoted(q)?),
            _ => ArgValue::Int(self.integer()?),
        };
        Ok(Arg { position, value })
    }

    fn quoted(&mut self, quote: char) -> Result<String, TransformSpecError> {
        let open = self.pos;
        self.pos += 1;
        let unterminated = || {
            TransformSpecError::new(
                open,
                format!("unterminated string: no closing {quote} for the one here"),
            )
        };
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(i) = rest.bytes().position(|b| b == quote as u8 || b == b'\\') else {
                return Err(unterminated());
            };
            out.push_str(&rest[..i]);
            self.pos += i;
            if rest.as_bytes()[i] == quote as u8 {
                self.pos += 1;
                return Ok(out);
            }
            match self.src[self.pos + 1..].chars().next() {
                Some(c @ ('\'' | '"' | '\\')) => {
                    out.push(c);
                    self.pos += 2;
                }
                Some(c) => {
                    return Err(TransformSpecError::new(
                        self.pos,
                        format!("unknown escape `\\{c}`; only \\' \\\" and \\\\ are allowed"),
                    ));
                }
                None => return Err(unterminated()),
            }
        }
    }

    fn integer(&mut self) -> Result<usize, TransformSpecError> {
        let start = self.pos;
        while let Some(c) = self
            .peek()
            .filter(|&c| !(c.is_whitespace() || matches!(c, ',' | '(' | ')' | '\'' | '"')))
        {
            self.pos += c.len_utf8();
        }
        let token = &self.src[start..self.pos];
        let Some(first) = token.chars().next() else {
            return Err(TransformSpecError::new(
                start,
                format!("expected an argument, found {}", Self::found(self.peek())),
            ));
        };
        if token.bytes().all(|b| b.is_ascii_digit()) {
            return token.parse().map_err(|_| {
                TransformSpecError::new(start, format!("integer `{token}` is too large"))
            });
        }
        let message = if first.is_ascii_digit() || first == '-' || first == '+' {
            format!("invalid unsigned integer `{token}`")
        } else {
            format!(
                "expected a quoted string or an unsigned integer, found `{token}` \
                 (quote strings: '{token}')"
            )
        };
        Err(TransformSpecError::new(start, message))
    }
}

fn build(
    kind: Kind,
    name: &str,
    args: Vec<Arg>,
    close: usize,
) -> Result<Transform, TransformSpecError> {
    let (min, max, usage) = kind.signature();
    if args.len() > max {
        let message = if max == 0 {
            format!("`{name}` takes no arguments")
        } else {
            format!(
                "`{name}` takes at most {max} argument{}, found {}; usage: {usage}",
                if max == 1 { "" } else { "s" },
                args.len()
            )
        };
        return Err(TransformSpecError::new(args[max].position, message));
    }
    if args.len() < min {
        return Err(TransformSpecError::new(
            close,
            format!(
                "`{name}` needs {min} argument{}, found {}; usage: {usage}",
                if min == 1 { "" } else { "s" },
                args.len()
            ),
        ));
    }
    let mut args = args.into_iter();
    let mut next = || args.next();
    Ok(match kind {
        Kind::Lower => Transform::Lower,
        Kind::Upper => Transform::Upper,
        Kind::Trim => Transform::Trim,
        Kind::CollapseSpaces => Transform::CollapseSpaces,
        Kind::RemoveSpaces => Transform::RemoveSpaces,
        Kind::Ascii => Transform::Ascii,
        Kind::Replace => match (next(), next()) {
            (Some(from), Some(to)) => Transform::Replace {
                from: from.string(name, "the text to replace")?,
                to: to.string(name, "the replacement")?,
            },
            _ => unreachable_arity(close)?,
        },
        Kind::Truncate => match next() {
            Some(Arg {
                value: ArgValue::Int(n),
                ..
            }) => Transform::Truncate(n),
            Some(Arg { position, .. }) => {
                return Err(TransformSpecError::new(
                    position,
                    "`truncate` expects an unsigned integer (a character count), found a string",
                ));
            }
            None => unreachable_arity(close)?,
        },
        Kind::Date => match (next(), next()) {
            (Some(to), None) => Transform::Date {
                from: DEFAULT_DATE_INPUT.to_owned(),
                to: to.date_format()?,
            },
            (Some(from), Some(to)) => Transform::Date {
                from: from.date_format()?,
                to: to.date_format()?,
            },
            _ => unreachable_arity(close)?,
        },
        Kind::E164 => match next() {
            None => Transform::E164 {
                default_region: DEFAULT_PHONE_REGION.to_owned(),
            },
            Some(arg) => {
                let position = arg.position;
                let region = arg.string(name, "a region")?;
                if find_region(&region).is_none() {
                    let known: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
                    return Err(TransformSpecError::new(
                        position,
                        format!(
                            "unknown phone region `{region}`; supported: {}",
                            known.join(", ")
                        ),
                    ));
                }
                Transform::E164 {
                    default_region: region,
                }
            }
        },
    })
}

/// The arity check above makes this impossible; an error rather than a panic
/// keeps `parse` panic-free whatever happens.
fn unreachable_arity(close: usize) -> Result<Transform, TransformSpecError> {
    Err(TransformSpecError::new(close, "wrong number of arguments"))
}
