//! Configurable mapping from `hr-core` people to Okta profiles and SCIM User resources.
//!
//! A [`MappingConfig`] (TOML or JSON) is compiled once into a [`Mapper`]; every problem of
//! the configuration is reported then, with its rule, setting and position
//! ([`ConfigErrors`]). [`Mapper::map`] turns an [`hr_core::Employee`] and its
//! [`hr_core::LifecycleDecision`] into a [`MappedUser`]: the Okta profile
//! ([`MappedUser::okta_profile`], and [`MappedUser::okta_update_profile`] without the
//! create-only attributes), the SCIM User resource with the enterprise and a custom
//! extension ([`MappedUser::scim_user`]), the login, the active flag, and the
//! [`Provenance`] of every value. A value Okta would reject is a per-person
//! [`MappingError`], never a panic and never an attribute silently dropped.
//!
//! # Rules
//!
//! ```toml
//! [[rules]]
//! okta = "login"                                   # an Okta profile attribute
//! scim = "userName"                                # a SCIM attribute (see ScimTarget)
//! from = "contact.work_email | '{name.given}.{name.family}@acme.nl'"
//! transforms = ["ascii", "remove_spaces", "lower"] # see Transform
//! on_null = "skip"                                 # skip | clear | default (with `default = "…"`)
//! flow = "create_only"                             # always | create_only
//! ```
//!
//! `from` is a fallback chain (`|`) of source fields ([`Field`] lists every path, plus
//! `custom.<key>`), quoted literals and `{…}` templates. `map` with a table and
//! `map_default` translates codes to labels.
//!
//! # Presets
//!
//! [`Mapper::preset`] knows three (their TOML is in the crate's `presets/` folder):
//!
//! **`okta-default`** — our recommendation for Nmbrs people: login and e-mail from the work
//! e-mail (else the private one), login create-only; first name = roepnaam; last name as
//! the person uses it per naming convention with its tussenvoegsel (`Bakker-de Vries`);
//! phones in E.164 (default region NL); company, department, title, cost centre, employee
//! type, manager, home address, time zone; the HR id as `hrEmployeeId` / SCIM `externalId`.
//!
//! **`iamconnector`** reproduces the Nmbrs → Okta table of the IAMConnector product:
//!
//! | Nmbrs | Okta / SCIM | preset rule `from` |
//! |---|---|---|
//! | ID | id / externalId | `id` (Okta `nmbrsId`) |
//! | DisplayName | displayName | `name.display` |
//! | Nickname | givenName | `name.given_name` (falling back to `name.given` when no roepnaam is recorded) |
//! | LastName | familyName | `name.family_name` |
//! | EmailWork (or EmailPrivate) | email | `contact.work_email \| contact.private_email` (also the login: IAMConnector's username format is Email) |
//! | TelephoneMobileWork | primaryPhone | `contact.work_mobile` |
//! | EmailPrivate | privateEmail | `contact.private_email` |
//! | TelephoneMobilePrivate | PrivateMobile | `contact.private_mobile` |
//! | EmployeeType | userType | `org.employee_type.label \| org.employee_type.code` |
//! | Department | department | `org.department.name` |
//! | Function | title | `org.job_title` |
//! | Company | organization | `org.company.name` |
//! | Active | active contract + X days before and after | [`MappedUser::active`] from the lifecycle policy |
//!
//! **`humaans`** reproduces the Humaans → Okta table:
//!
//! | Humaans | Okta | preset rule `from` |
//! |---|---|---|
//! | Work email | login, email | `contact.work_email` |
//! | First name / middle name / last name | firstName / middleName / lastName | `name.first_name \| name.given` / `custom.middle_name` / `name.family` (with tussenvoegsel) |
//! | Preferred name | nickName | `name.given_name` |
//! | Personal email | secondEmail | `contact.private_email` |
//! | Employee ID | employeeNumber | `employee_number` |
//! | Personal phone number | mobilePhone | `contact.private_mobile` |
//! | Phone number | primaryPhone | `contact.work_phone \| contact.work_mobile` |
//! | Address | streetAddress, city, state, zipCode, countryCode | `address.street_line`, `address.city`, `address.state`, `address.postal_code`, `address.country` |
//! | Timezone | timezone | `time_zone` |
//! | Profile URL | profileUrl | `custom.profile_url` |
//! | Contract type | userType | `org.employee_type.label \| org.employee_type.code` |
//! | Company | organization | `org.company.name` |
//! | Job title | title | `org.job_title` |
//! | Department | department | `org.department.name` |
//! | Manager | manager, managerId | `manager.name \| manager.email`, `manager.id` |
//!
//! # Example
//!
//! ```
//! use hr_core::conformance::Fixture;
//!
//! let mapper = mapping::Mapper::from_toml(r#"
//!     [[rules]]
//!     okta = "login"
//!     scim = "userName"
//!     from = "'{name.given}.{name.family}@acme.nl'"
//!     transforms = ["ascii", "remove_spaces", "lower"]
//!     flow = "create_only"
//!     [[rules]]
//!     okta = "email"
//!     scim = "emails.work"
//!     from = "contact.work_email | contact.private_email"
//!     [[rules]]
//!     okta = "firstName"
//!     scim = "name.givenName"
//!     from = "name.given"
//!     [[rules]]
//!     okta = "lastName"
//!     scim = "name.familyName"
//!     from = "name.family_display"
//! "#)?;
//! let fixture = Fixture::standard();
//! let soren = &fixture.employees[2];
//! let user = mapper.map(soren, &fixture.policy.evaluate(soren, fixture.reference_time))?;
//! assert_eq!(user.login(), Some("soren.odegaard@acme.nl"));
//! let why = user.explain("okta:login").expect("a rule sets the login");
//! assert_eq!(why.sources, ["name.given", "name.family"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod expr;
mod field;
mod mapper;
mod output;
mod target;
pub mod transform;

pub use config::{Flow, MappingConfig, OnNull, RuleConfig, ScimConfig};
pub use field::{Field, Input};
pub use mapper::{
    ConfigError, ConfigErrors, Mapper, MappingError, MappingErrorKind, MappingErrors, PRESETS,
};
pub use output::{MappedUser, OktaEntry, OktaProfileView, Outcome, Provenance};
pub use target::{
    DEFAULT_CUSTOM_SCHEMA, OKTA_REQUIRED, SCIM_ENTERPRISE_SCHEMA, SCIM_USER_SCHEMA, ScimTarget,
};
pub use transform::{Transform, TransformError, TransformSpecError, e164, to_ascii};
