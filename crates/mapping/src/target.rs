//! Where values go: Okta profile attributes and SCIM User attributes, with their rules.

use std::fmt;

/// The SCIM core User schema.
pub const SCIM_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The SCIM enterprise User extension.
pub const SCIM_ENTERPRISE_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The custom extension used unless the configuration names another.
pub const DEFAULT_CUSTOM_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:hrsync:2.0:User";

/// A SCIM User attribute a rule can set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ScimTarget {
    /// A single-valued core attribute: `userName`, `externalId`, `displayName`, `nickName`,
    /// `title`, `userType`, `preferredLanguage`, `locale`, `timezone`, `profileUrl`.
    Core(&'static str),
    /// A sub-attribute of `name`: `givenName`, `familyName`, `middleName`, `formatted`,
    /// `honorificPrefix`, `honorificSuffix`.
    Name(&'static str),
    /// `emails` of a type: `emails.work`, `emails.home`, `emails.other`.
    Email(&'static str),
    /// `phoneNumbers` of a type: `phoneNumbers.work`, `.mobile`, `.home`, `.other`.
    Phone(&'static str),
    /// A field of the address of a type: `addresses.work.locality`, `addresses.home.country`, …
    Address(&'static str, &'static str),
    /// An enterprise-extension attribute: `enterprise.employeeNumber`, `.costCenter`,
    /// `.organization`, `.division`, `.department`, `.manager.value`, `.manager.displayName`.
    Enterprise(&'static str),
    /// An attribute of the configured custom extension: `custom.<name>`.
    Custom(String),
}

const CORE: [&str; 10] = [
    "userName",
    "externalId",
    "displayName",
    "nickName",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "profileUrl",
];
const NAME: [&str; 6] = [
    "givenName",
    "familyName",
    "middleName",
    "formatted",
    "honorificPrefix",
    "honorificSuffix",
];
const EMAIL_TYPES: [&str; 3] = ["work", "home", "other"];
const PHONE_TYPES: [&str; 4] = ["work", "mobile", "home", "other"];
const ADDRESS_TYPES: [&str; 2] = ["work", "home"];
const ADDRESS_FIELDS: [&str; 5] = [
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
];
const ENTERPRISE: [&str; 7] = [
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager.value",
    "manager.displayName",
];

fn pick(list: &[&'static str], name: &str) -> Option<&'static str> {
    list.iter().copied().find(|n| *n == name)
}

impl ScimTarget {
    /// The target for a path as written in configuration.
    ///
    /// ```
    /// use mapping::ScimTarget;
    /// assert_eq!(ScimTarget::parse("name.givenName"), Some(ScimTarget::Name("givenName")));
    /// assert_eq!(ScimTarget::parse("addresses.work.locality"), Some(ScimTarget::Address("work", "locality")));
    /// assert_eq!(ScimTarget::parse("name.nope"), None);
    /// ```
    pub fn parse(path: &str) -> Option<Self> {
        if let Some(n) = pick(&CORE, path) {
            return Some(Self::Core(n));
        }
        let (head, rest) = path.split_once('.')?;
        match head {
            "name" => pick(&NAME, rest).map(Self::Name),
            "emails" => pick(&EMAIL_TYPES, rest).map(Self::Email),
            "phoneNumbers" => pick(&PHONE_TYPES, rest).map(Self::Phone),
            "addresses" => {
                let (kind, field) = rest.split_once('.')?;
                Some(Self::Address(
                    pick(&ADDRESS_TYPES, kind)?,
                    pick(&ADDRESS_FIELDS, field)?,
                ))
            }
            "enterprise" => pick(&ENTERPRISE, rest).map(Self::Enterprise),
            "custom" => valid_name(rest).then(|| Self::Custom(rest.to_owned())),
            _ => None,
        }
    }

    /// Whether Okta's import needs it: `userName`, `name.givenName`, `name.familyName`.
    pub fn is_required(&self) -> bool {
        matches!(
            self,
            Self::Core("userName") | Self::Name("givenName" | "familyName")
        )
    }
}

impl fmt::Display for ScimTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Core(n) => f.write_str(n),
            Self::Name(n) => write!(f, "name.{n}"),
            Self::Email(t) => write!(f, "emails.{t}"),
            Self::Phone(t) => write!(f, "phoneNumbers.{t}"),
            Self::Address(t, n) => write!(f, "addresses.{t}.{n}"),
            Self::Enterprise(n) => write!(f, "enterprise.{n}"),
            Self::Custom(n) => write!(f, "custom.{n}"),
        }
    }
}

/// Whether `name` can be an Okta or custom SCIM attribute name.
pub(crate) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Okta's required profile attributes (default schema).
pub const OKTA_REQUIRED: [&str; 4] = ["login", "email", "firstName", "lastName"];

/// A broken rule of the target system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    Length(usize, usize),
    Email,
    CountryCode,
}

/// The checks of an Okta default-profile attribute (research okta.md §1.3), beyond the
/// no-4-byte-characters rule that holds for every value.
pub(crate) fn okta_checks(name: &str) -> &'static [Check] {
    const LOGIN: [Check; 2] = [Check::Length(5, 100), Check::Email];
    const NAME: [Check; 1] = [Check::Length(1, 50)];
    const PHONE: [Check; 1] = [Check::Length(0, 100)];
    const COUNTRY: [Check; 1] = [Check::CountryCode];
    const STREET: [Check; 1] = [Check::Length(0, 1024)];
    const CITY: [Check; 1] = [Check::Length(0, 128)];
    const ZIP: [Check; 1] = [Check::Length(0, 50)];
    const POSTAL: [Check; 1] = [Check::Length(0, 4096)];
    match name {
        "login" | "email" | "secondEmail" => &LOGIN,
        "firstName" | "lastName" => &NAME,
        "primaryPhone" | "mobilePhone" => &PHONE,
        "countryCode" => &COUNTRY,
        "streetAddress" => &STREET,
        "city" | "state" => &CITY,
        "zipCode" => &ZIP,
        "postalAddress" => &POSTAL,
        _ => &[],
    }
}

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted.
const ISO_3166_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Whether `value` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub(crate) fn is_country_code(value: &str) -> bool {
    ISO_3166_ALPHA2.binary_search(&value).is_ok()
}

/// Whether `value` looks like an e-mail address: one `@`, text before it, a dotted domain
/// after it, no spaces.
pub(crate) fn is_email(value: &str) -> bool {
    // One pass: exactly one `@` with text before it; after it, dot-separated non-empty
    // labels (at least two); no whitespace anywhere.
    let bytes = value.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    if at == 0 || bytes[..at].iter().any(u8::is_ascii_whitespace) {
        return false;
    }
    let local = &bytes[..at];
    if local[0] == b'.'
        || local[at - 1] == b'.'
        || local.windows(2).any(|w| w == b"..")
        || !local.iter().any(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let domain = &bytes[at + 1..];
    let mut labels = 1;
    let mut label_len = 0;
    for &b in domain {
        match b {
            b'@' => return false,
            b'.' if label_len == 0 => return false,
            b'.' => {
                labels += 1;
                label_len = 0;
            }
            b if b.is_ascii_whitespace() => return false,
            _ => label_len += 1,
        }
    }
    labels >= 2 && label_len > 0 && !value.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scim_target_round_trips() {
        let mut all: Vec<String> = CORE.iter().map(|s| (*s).to_owned()).collect();
        all.extend(NAME.iter().map(|n| format!("name.{n}")));
        all.extend(EMAIL_TYPES.iter().map(|n| format!("emails.{n}")));
        all.extend(PHONE_TYPES.iter().map(|n| format!("phoneNumbers.{n}")));
        for t in ADDRESS_TYPES {
            all.extend(ADDRESS_FIELDS.iter().map(|n| format!("addresses.{t}.{n}")));
        }
        all.extend(ENTERPRISE.iter().map(|n| format!("enterprise.{n}")));
        all.push("custom.badge_no".into());
        for path in all {
            let t = ScimTarget::parse(&path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(t.to_string(), path);
        }
        for bad in [
            "",
            "name",
            "emails.private",
            "addresses.work",
            "enterprise.boss",
            "custom.9x",
            "x.y",
        ] {
            assert_eq!(ScimTarget::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn country_codes_are_the_assigned_ones() {
        for ok in ["NL", "DE", "US", "NO", "GB", "VN"] {
            assert!(is_country_code(ok), "{ok}");
        }
        for bad in ["UK", "XX", "EU", "nl", "N", "NLD", ""] {
            assert!(!is_country_code(bad), "{bad}");
        }
    }

    #[test]
    fn email_shapes() {
        for ok in ["a@b.nl", "anouk.devries@acme.example", "x+y@sub.domain.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.nl", "a@@b.nl", "a b@c.nl", "a@b.", "a@.nl",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
