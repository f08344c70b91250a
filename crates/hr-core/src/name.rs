//! Personal names, Dutch conventions included.

use serde::{Deserialize, Serialize};

/// Which family name a person uses, and in which order: the Dutch *naamgebruik*
/// (Nmbrs `Naamstelling` 1..4).
///
/// ```
/// use hr_core::NamingConvention;
///
/// assert_eq!(NamingConvention::from_nmbrs_code(3), Some(NamingConvention::PartnerOwn));
/// assert_eq!("own_partner".parse::<NamingConvention>()?, NamingConvention::OwnPartner);
/// # Ok::<(), hr_core::name::UnknownNamingConvention>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NamingConvention {
    /// Own (birth) family name only: "de Vries". Nmbrs code 1 (0 is treated alike).
    #[default]
    Own,
    /// Partner's family name only: "Bakker". Nmbrs code 2.
    Partner,
    /// Partner's name, then own: "Bakker-de Vries". Nmbrs code 3.
    PartnerOwn,
    /// Own name, then partner's: "de Vries-Bakker". Nmbrs code 4.
    OwnPartner,
}

/// A naming-convention text that is none of the known spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown naming convention {0:?}: expected own, partner, partner_own, own_partner or 0..4")]
pub struct UnknownNamingConvention(pub String);

impl NamingConvention {
    /// Maps the Nmbrs `Naamstelling` code. Codes 0 and 1 are the own name (HelloID's
    /// Nmbrs mapping treats 0 as the birth name too); other codes are unknown.
    pub fn from_nmbrs_code(code: i64) -> Option<Self> {
        match code {
            0 | 1 => Some(Self::Own),
            2 => Some(Self::Partner),
            3 => Some(Self::PartnerOwn),
            4 => Some(Self::OwnPartner),
            _ => None,
        }
    }

    /// The Nmbrs `Naamstelling` code of this convention (1..4).
    pub fn nmbrs_code(self) -> u8 {
        match self {
            Self::Own => 1,
            Self::Partner => 2,
            Self::PartnerOwn => 3,
            Self::OwnPartner => 4,
        }
    }

    /// The snake-case name used in configuration and CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Partner => "partner",
            Self::PartnerOwn => "partner_own",
            Self::OwnPartner => "own_partner",
        }
    }
}

impl std::str::FromStr for NamingConvention {
    type Err = UnknownNamingConvention;

    /// Accepts the snake-case names (case-insensitive, `-` for `_` too) and the Nmbrs
    /// codes `0`..`4`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        match t.as_str() {
            "own" => Ok(Self::Own),
            "partner" => Ok(Self::Partner),
            "partner_own" => Ok(Self::PartnerOwn),
            "own_partner" => Ok(Self::OwnPartner),
            _ => t
                .parse::<i64>()
                .ok()
                .and_then(Self::from_nmbrs_code)
                .ok_or_else(|| UnknownNamingConvention(s.to_owned())),
        }
    }
}

/// A person's name as HR systems record it, with the parts Dutch names need.
///
/// The family name is stored without its prefix (*tussenvoegsel*): "de Vries" is
/// `family_name_prefix = "de"`, `family_name = "Vries"`. Composed names come from the
/// methods, so a sort by [`PersonName::family_name`] sorts Dutch names correctly.
///
/// ```
/// use hr_core::{NamingConvention, PersonName};
///
/// let name = PersonName::new("Anouk", "Vries")
///     .with_family_name_prefix("de")
///     .with_partner_name(Some("van den"), "Berg")
///     .with_convention(NamingConvention::PartnerOwn);
/// assert_eq!(name.display_family_name(), "van den Berg-de Vries");
/// assert_eq!(name.display_name(), "Anouk van den Berg-de Vries");
/// assert_eq!(name.own_family_name(), "de Vries");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonName {
    /// The name the person goes by (*roepnaam*, Nmbrs `Nickname`).
    pub given_name: Option<String>,
    /// Official first names (Nmbrs `FirstName`), e.g. "Johannes Petrus".
    pub first_names: Option<String>,
    /// Initials, e.g. "J.P.".
    pub initials: Option<String>,
    /// The prefix of the own family name (*tussenvoegsel*), e.g. "van der".
    pub family_name_prefix: Option<String>,
    /// The own (birth) family name without prefix, e.g. "Vries".
    pub family_name: String,
    /// The prefix of the partner's family name.
    pub partner_family_name_prefix: Option<String>,
    /// The partner's family name without prefix.
    pub partner_family_name: Option<String>,
    /// Which family names the person uses, in which order.
    #[serde(default)]
    pub convention: NamingConvention,
}

/// Joins non-empty parts with single spaces, collapsing inner white space.
fn join_words(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for word in parts.iter().flat_map(|p| p.split_whitespace()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn non_empty(value: impl Into<String>) -> Option<String> {
    let value = value.into();
    if value.trim().is_empty() {
        None
    } else {
        Some(value)
    }
}

impl PersonName {
    /// A name from the name the person goes by and their family name (without prefix).
    /// An empty given name is stored as `None`.
    pub fn new(given_name: impl Into<String>, family_name: impl Into<String>) -> Self {
        Self {
            given_name: non_empty(given_name),
            first_names: None,
            initials: None,
            family_name_prefix: None,
            family_name: family_name.into(),
            partner_family_name_prefix: None,
            partner_family_name: None,
            convention: NamingConvention::Own,
        }
    }

    /// Sets the official first names.
    pub fn with_first_names(mut self, first_names: impl Into<String>) -> Self {
        self.first_names = non_empty(first_names);
        self
    }

    /// Sets the initials.
    pub fn with_initials(mut self, initials: impl Into<String>) -> Self {
        self.initials = non_empty(initials);
        self
    }

    /// Sets the prefix of the own family name (*tussenvoegsel*).
    pub fn with_family_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.family_name_prefix = non_empty(prefix);
        self
    }

    /// Sets the partner's family name and its prefix.
    pub fn with_partner_name(
        mut self,
        prefix: Option<&str>,
        family_name: impl Into<String>,
    ) -> Self {
        self.partner_family_name_prefix = prefix.and_then(non_empty);
        self.partner_family_name = non_empty(family_name);
        self
    }

    /// Sets the naming convention.
    pub fn with_convention(mut self, convention: NamingConvention) -> Self {
        self.convention = convention;
        self
    }

    /// The own family name with its prefix: "de Vries".
    pub fn own_family_name(&self) -> String {
        join_words(&[
            self.family_name_prefix.as_deref().unwrap_or(""),
            &self.family_name,
        ])
    }

    /// The partner's family name with its prefix, when recorded: "van den Berg".
    pub fn partner_full_family_name(&self) -> Option<String> {
        let family = self.partner_family_name.as_deref()?;
        let joined = join_words(&[
            self.partner_family_name_prefix.as_deref().unwrap_or(""),
            family,
        ]);
        (!joined.is_empty()).then_some(joined)
    }

    /// The family name as the person uses it, per [`NamingConvention`].
    ///
    /// A convention that needs a partner name falls back to the own name when none is
    /// recorded, so a half-filled HR record never yields an empty or dangling name.
    pub fn display_family_name(&self) -> String {
        let own = self.own_family_name();
        let Some(partner) = self.partner_full_family_name() else {
            return own;
        };
        if own.is_empty() {
            return partner;
        }
        match self.convention {
            NamingConvention::Own => own,
            NamingConvention::Partner => partner,
            NamingConvention::PartnerOwn => format!("{partner}-{own}"),
            NamingConvention::OwnPartner => format!("{own}-{partner}"),
        }
    }

    /// The first name to show: the given name, else the first of the official first
    /// names, else the initials; empty when none is recorded.
    pub fn display_given_name(&self) -> String {
        if let Some(given) = self.given_name.as_deref().filter(|g| !g.trim().is_empty()) {
            return join_words(&[given]);
        }
        if let Some(first) = self
            .first_names
            .as_deref()
            .and_then(|f| f.split_whitespace().next())
        {
            return first.to_owned();
        }
        self.initials
            .as_deref()
            .map(|i| join_words(&[i]))
            .unwrap_or_default()
    }

    /// Given name and family name as used: "Anouk Bakker-de Vries".
    pub fn display_name(&self) -> String {
        join_words(&[
            self.display_given_name().as_str(),
            self.display_family_name().as_str(),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anouk() -> PersonName {
        PersonName::new("Anouk", "Vries")
            .with_family_name_prefix("de")
            .with_partner_name(None, "Bakker")
    }

    #[test]
    fn every_convention_composes_as_the_person_signs() {
        let cases = [
            (NamingConvention::Own, "de Vries"),
            (NamingConvention::Partner, "Bakker"),
            (NamingConvention::PartnerOwn, "Bakker-de Vries"),
            (NamingConvention::OwnPartner, "de Vries-Bakker"),
        ];
        for (convention, expected) in cases {
            let name = anouk().with_convention(convention);
            assert_eq!(name.display_family_name(), expected, "{convention:?}");
            assert_eq!(name.display_name(), format!("Anouk {expected}"));
        }
    }

    #[test]
    fn partner_conventions_without_partner_fall_back_to_own_name() {
        let name = PersonName::new("Jan", "Vries")
            .with_family_name_prefix("de")
            .with_convention(NamingConvention::Partner);
        assert_eq!(name.display_family_name(), "de Vries");
        let blank_partner = name.clone().with_partner_name(Some("  "), "  ");
        assert_eq!(blank_partner.display_family_name(), "de Vries");
        assert_eq!(blank_partner.partner_family_name, None);
    }

    #[test]
    fn white_space_is_collapsed_and_missing_given_name_falls_back() {
        let name = PersonName::new("  ", " Berg ")
            .with_family_name_prefix(" van  den ")
            .with_first_names("Johannes  Petrus")
            .with_initials("J.P.");
        assert_eq!(name.given_name, None);
        assert_eq!(name.display_name(), "Johannes van den Berg");
        let only_initials = PersonName::new("", "Berg").with_initials("J.P.");
        assert_eq!(only_initials.display_name(), "J.P. Berg");
        assert_eq!(PersonName::new("", "Berg").display_name(), "Berg");
    }

    #[test]
    fn naming_convention_codes_and_names_round_trip() {
        for c in [
            NamingConvention::Own,
            NamingConvention::Partner,
            NamingConvention::PartnerOwn,
            NamingConvention::OwnPartner,
        ] {
            assert_eq!(
                NamingConvention::from_nmbrs_code(c.nmbrs_code().into()),
                Some(c)
            );
            assert_eq!(c.as_str().parse::<NamingConvention>(), Ok(c));
        }
        assert_eq!("Partner-Own".parse(), Ok(NamingConvention::PartnerOwn));
        assert_eq!("0".parse(), Ok(NamingConvention::Own));
        assert!("5".parse::<NamingConvention>().is_err());
        assert!("birth".parse::<NamingConvention>().is_err());
    }
}
