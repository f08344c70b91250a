//! Source fields: the paths a rule may read from an [`Employee`] and its lifecycle decision.

use std::borrow::Cow;
use std::fmt;

use hr_core::{Employee, LifecycleDecision, ManagerRef};

/// What a rule reads: one person and the lifecycle decision for them.
#[derive(Debug, Clone, Copy)]
pub struct Input<'e> {
    /// The person.
    pub employee: &'e Employee,
    /// Their lifecycle decision at the time of mapping.
    pub decision: &'e LifecycleDecision,
}

macro_rules! fields {
    ($($variant:ident => $path:literal, $doc:literal;)*) => {
        /// A source field path, such as `contact.work_email`.
        ///
        /// Every path, and what it reads:
        ///
        /// | path | value |
        /// |---|---|
        $(#[doc = concat!("| `", $path, "` | ", $doc, " |")])*
        /// | `custom.<key>` | the adapter-specific custom field `<key>` |
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Field {
            $(#[doc = $doc] $variant,)*
            /// A custom field of the HR source.
            Custom(String),
        }

        impl Field {
            /// Every fixed path (custom fields aside), in documentation order.
            pub const PATHS: &'static [&'static str] = &[$($path),*];

            /// The field for `path`, if it names one.
            ///
            /// ```
            /// use mapping::Field;
            /// assert_eq!(Field::parse("contact.work_email"), Some(Field::WorkEmail));
            /// assert_eq!(Field::parse("custom.badge"), Some(Field::Custom("badge".into())));
            /// assert_eq!(Field::parse("name.nope"), None);
            /// ```
            pub fn parse(path: &str) -> Option<Self> {
                match path {
                    $($path => Some(Self::$variant),)*
                    _ => {
                        let key = path.strip_prefix("custom.")?;
                        let valid = !key.is_empty()
                            && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                        valid.then(|| Self::Custom(key.to_owned()))
                    }
                }
            }

            /// The path as written in configuration.
            pub fn path(&self) -> Cow<'static, str> {
                match self {
                    $(Self::$variant => Cow::Borrowed($path),)*
                    Self::Custom(key) => Cow::Owned(format!("custom.{key}")),
                }
            }
        }
    };
}

fields! {
    Id => "id", "the HR system's stable key";
    EmployeeNumber => "employee_number", "the employee number (not unique across companies)";
    Given => "name.given", "the first name to show: roepnaam, else first of the first names, else initials";
    GivenName => "name.given_name", "the roepnaam as recorded";
    FirstNames => "name.first_names", "the official first names";
    FirstName => "name.first_name", "the first of the official first names";
    Initials => "name.initials", "the initials";
    Prefix => "name.prefix", "the family-name prefix (tussenvoegsel), `de`";
    FamilyName => "name.family_name", "the family name without prefix, `Vries`";
    Family => "name.family", "the own family name with prefix, `de Vries`";
    FamilyDisplay => "name.family_display", "the family name as used per naming convention, `Bakker-de Vries`";
    PartnerFamily => "name.partner_family", "the partner's family name with prefix";
    Display => "name.display", "given name and family name as used, `Anouk Bakker-de Vries`";
    Convention => "name.convention", "the naming convention: own, partner, partner_own, own_partner";
    WorkEmail => "contact.work_email", "work e-mail";
    PrivateEmail => "contact.private_email", "private e-mail";
    WorkMobile => "contact.work_mobile", "work mobile number";
    PrivateMobile => "contact.private_mobile", "private mobile number";
    WorkPhone => "contact.work_phone", "work landline";
    Street => "address.street", "street name";
    HouseNumber => "address.house_number", "house number";
    HouseNumberAddition => "address.house_number_addition", "house-number addition";
    StreetLine => "address.street_line", "street, number and addition, `Keizersgracht 123 B`";
    PostalCode => "address.postal_code", "postal code";
    City => "address.city", "city";
    State => "address.state", "state or province";
    Country => "address.country", "ISO 3166 alpha-2 country code";
    CompanyId => "org.company.id", "employing company's id";
    CompanyName => "org.company.name", "employing company's name";
    DepartmentId => "org.department.id", "department id";
    DepartmentName => "org.department.name", "department name";
    JobTitle => "org.job_title", "job title (function)";
    CostCenterCode => "org.cost_center.code", "cost centre code";
    CostCenterLabel => "org.cost_center.label", "cost centre label";
    EmployeeTypeCode => "org.employee_type.code", "employee type code";
    EmployeeTypeLabel => "org.employee_type.label", "employee type label";
    ManagerId => "manager.id", "the manager's HR id, when the manager is an employee";
    ManagerName => "manager.name", "the name of a manager who is not an employee";
    ManagerEmail => "manager.email", "the e-mail of a manager who is not an employee";
    TimeZone => "time_zone", "the person's IANA time zone, else the zone the lifecycle used";
    EmploymentStart => "employment.start", "start date of the latest employment (YYYY-MM-DD)";
    EmploymentEnd => "employment.end", "end date of the latest employment, if any";
    LifecycleState => "lifecycle.state", "the lifecycle state: not_yet_provisioned, pending, active, suspended, deactivated";
}

fn text(value: Option<&str>) -> Option<Cow<'_, str>> {
    value.filter(|v| !v.trim().is_empty()).map(Cow::Borrowed)
}

fn owned(value: String) -> Option<Cow<'static, str>> {
    (!value.trim().is_empty()).then_some(Cow::Owned(value))
}

impl Field {
    /// The field's value for `input`, `None` when absent or blank.
    pub fn get<'e>(&self, input: Input<'e>) -> Option<Cow<'e, str>> {
        let e = input.employee;
        let n = &e.name;
        let a = e.address.as_ref();
        let latest = || e.employments.iter().max_by_key(|j| j.start());
        match self {
            Self::Id => text(Some(e.id.as_str())),
            Self::EmployeeNumber => text(e.employee_number.as_deref()),
            Self::Given => owned(n.display_given_name()),
            Self::GivenName => text(n.given_name.as_deref()),
            Self::FirstNames => text(n.first_names.as_deref()),
            Self::FirstName => n
                .first_names
                .as_deref()
                .and_then(|f| f.split_whitespace().next())
                .map(Cow::Borrowed),
            Self::Initials => text(n.initials.as_deref()),
            Self::Prefix => text(n.family_name_prefix.as_deref()),
            Self::FamilyName => text(Some(n.family_name.as_str())),
            Self::Family => owned(n.own_family_name()),
            Self::FamilyDisplay => owned(n.display_family_name()),
            Self::PartnerFamily => n.partner_full_family_name().and_then(owned),
            Self::Display => owned(n.display_name()),
            Self::Convention => Some(Cow::Borrowed(n.convention.as_str())),
            Self::WorkEmail => text(e.contact.work_email.as_deref()),
            Self::PrivateEmail => text(e.contact.private_email.as_deref()),
            Self::WorkMobile => text(e.contact.work_mobile.as_deref()),
            Self::PrivateMobile => text(e.contact.private_mobile.as_deref()),
            Self::WorkPhone => text(e.contact.work_phone.as_deref()),
            Self::Street => text(a.and_then(|a| a.street.as_deref())),
            Self::HouseNumber => text(a.and_then(|a| a.house_number.as_deref())),
            Self::HouseNumberAddition => text(a.and_then(|a| a.house_number_addition.as_deref())),
            Self::StreetLine => a.and_then(|a| a.street_line()).and_then(owned),
            Self::PostalCode => text(a.and_then(|a| a.postal_code.as_deref())),
            Self::City => text(a.and_then(|a| a.city.as_deref())),
            Self::State => text(a.and_then(|a| a.state.as_deref())),
            Self::Country => text(a.and_then(|a| a.country.as_ref()).map(|c| c.as_str())),
            Self::CompanyId => text(e.org.company.as_ref().map(|c| c.id.as_str())),
            Self::CompanyName => text(e.org.company.as_ref().map(|c| c.name.as_str())),
            Self::DepartmentId => text(e.org.department.as_ref().map(|d| d.id.as_str())),
            Self::DepartmentName => text(e.org.department.as_ref().map(|d| d.name.as_str())),
            Self::JobTitle => text(e.org.job_title.as_deref()),
            Self::CostCenterCode => text(e.org.cost_center.as_ref().map(|c| c.code.as_str())),
            Self::CostCenterLabel => {
                text(e.org.cost_center.as_ref().and_then(|c| c.label.as_deref()))
            }
            Self::EmployeeTypeCode => text(e.org.employee_type.as_ref().map(|c| c.code.as_str())),
            Self::EmployeeTypeLabel => text(
                e.org
                    .employee_type
                    .as_ref()
                    .and_then(|c| c.label.as_deref()),
            ),
            Self::ManagerId => text(
                e.manager
                    .as_ref()
                    .and_then(ManagerRef::employee_id)
                    .map(|id| id.as_str()),
            ),
            Self::ManagerName => match &e.manager {
                Some(ManagerRef::External { name, .. }) => text(name.as_deref()),
                _ => None,
            },
            Self::ManagerEmail => match &e.manager {
                Some(ManagerRef::External { email, .. }) => text(email.as_deref()),
                _ => None,
            },
            Self::TimeZone => Some(Cow::Borrowed(
                e.time_zone.unwrap_or(input.decision.zone).name(),
            )),
            Self::EmploymentStart => latest().map(|j| Cow::Owned(j.start().to_string())),
            Self::EmploymentEnd => latest()
                .and_then(|j| j.end())
                .map(|d| Cow::Owned(d.to_string())),
            Self::LifecycleState => Some(Cow::Borrowed(input.decision.state.as_str())),
            Self::Custom(key) => text(e.custom.get(key).map(String::as_str)),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_parses_back_to_itself() {
        for path in Field::PATHS {
            let field = Field::parse(path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(field.path(), *path);
        }
        assert_eq!(Field::parse("custom."), None);
        assert_eq!(Field::parse("custom.a b"), None);
    }
}
