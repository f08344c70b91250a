//! Services, operations, namespaces and SOAPActions: every protocol constant in one place.

use std::borrow::Cow;
use std::fmt;

/// The prefix of every namespace and SOAPAction of API v3.
///
/// It names `api.nmbrs.nl` on every host, the sandbox and Sweden included (research §1:
/// the sandbox help pages show `Host: api-sandbox.nmbrs.nl` with this SOAPAction).
pub const NAMESPACE_BASE: &str = "https://api.nmbrs.nl/soap/v3/";

/// The SOAP 1.1 envelope namespace.
pub const SOAP11_ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// The request content type (SOAP 1.1).
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// An Nmbrs SOAP service (`{Service}.asmx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Service {
    /// `CompanyService.asmx`: companies, periods, cost centres.
    Company,
    /// `DebtorService.asmx`: debtors, environment, master lists.
    Debtor,
    /// `EmployeeService.asmx`: people and their history.
    Employee,
    /// `ReportService.asmx` (reachable through [`crate::NmbrsClient::call_raw`]).
    Report,
}

impl Service {
    /// The service's name as it appears in paths, namespaces and SOAPActions.
    ///
    /// ```
    /// assert_eq!(nmbrs_client::Service::Employee.name(), "EmployeeService");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Company => "CompanyService",
            Self::Debtor => "DebtorService",
            Self::Employee => "EmployeeService",
            Self::Report => "ReportService",
        }
    }

    /// The service's XML namespace, independent of the host.
    ///
    /// ```
    /// assert_eq!(
    ///     nmbrs_client::Service::Company.namespace(),
    ///     "https://api.nmbrs.nl/soap/v3/CompanyService"
    /// );
    /// ```
    pub fn namespace(self) -> String {
        format!("{NAMESPACE_BASE}{}", self.name())
    }

    /// The path of the service below the base URL: `EmployeeService.asmx`.
    pub fn path(self) -> String {
        format!("{}.asmx", self.name())
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One SOAP operation of a service.
///
/// The typed methods of [`crate::NmbrsClient`] use the constants in [`ops`];
/// [`Operation::new`] names any other operation for [`crate::NmbrsClient::call_raw`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operation {
    service: Service,
    name: Cow<'static, str>,
    bulk: bool,
}

impl Operation {
    /// An operation that answers quickly (gets the normal timeout).
    pub const fn new(service: Service, name: &'static str) -> Self {
        Self {
            service,
            name: Cow::Borrowed(name),
            bulk: false,
        }
    }

    /// An operation that returns data for a whole company (gets the bulk timeout).
    pub const fn bulk(service: Service, name: &'static str) -> Self {
        Self {
            service,
            name: Cow::Borrowed(name),
            bulk: true,
        }
    }

    /// An operation named at run time.
    ///
    /// ```
    /// use nmbrs_client::{Operation, Service};
    /// let op = Operation::named(Service::Employee, "Schedule_Get".to_owned(), false);
    /// assert_eq!(
    ///     op.soap_action(),
    ///     "\"https://api.nmbrs.nl/soap/v3/EmployeeService/Schedule_Get\""
    /// );
    /// ```
    pub fn named(service: Service, name: String, bulk: bool) -> Self {
        Self {
            service,
            name: Cow::Owned(name),
            bulk,
        }
    }

    /// The service.
    pub fn service(&self) -> Service {
        self.service
    }

    /// The operation's name, e.g. `Manager_GetCurrent`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the operation returns a whole company's data.
    pub fn is_bulk(&self) -> bool {
        self.bulk
    }

    /// The `SOAPAction` header value, quoted as ASMX expects.
    pub fn soap_action(&self) -> String {
        format!("\"{NAMESPACE_BASE}{}/{}\"", self.service.name(), self.name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.service.name(), self.name)
    }
}

/// The operations this crate types, as constants.
pub mod ops {
    use super::{Operation, Service};

    /// `CompanyService.List_GetAll`: every company the API user may see.
    pub const COMPANY_LIST_GET_ALL: Operation = Operation::new(Service::Company, "List_GetAll");
    /// `CompanyService.List_GetByDebtor(DebtorId)`.
    pub const COMPANY_LIST_GET_BY_DEBTOR: Operation =
        Operation::new(Service::Company, "List_GetByDebtor");
    /// `CompanyService.Company_GetCurrentPeriod(CompanyId)`.
    pub const COMPANY_GET_CURRENT_PERIOD: Operation =
        Operation::new(Service::Company, "Company_GetCurrentPeriod");
    /// `CompanyService.CostCenter_GetList(CompanyId)`.
    pub const COMPANY_COST_CENTER_GET_LIST: Operation =
        Operation::new(Service::Company, "CostCenter_GetList");

    /// `DebtorService.List_GetAll`.
    pub const DEBTOR_LIST_GET_ALL: Operation = Operation::new(Service::Debtor, "List_GetAll");
    /// `DebtorService.Environment_Get` (authenticated with the plain `AuthHeader`).
    pub const DEBTOR_ENVIRONMENT_GET: Operation =
        Operation::new(Service::Debtor, "Environment_Get");
    /// `DebtorService.Department_GetList(DebtorId)`.
    pub const DEBTOR_DEPARTMENT_GET_LIST: Operation =
        Operation::new(Service::Debtor, "Department_GetList");
    /// `DebtorService.Function_GetList(DebtorId)`.
    pub const DEBTOR_FUNCTION_GET_LIST: Operation =
        Operation::new(Service::Debtor, "Function_GetList");
    /// `DebtorService.Manager_GetList(DebtorId)`.
    pub const DEBTOR_MANAGER_GET_LIST: Operation =
        Operation::new(Service::Debtor, "Manager_GetList");

    /// `EmployeeService.EmployeeType_GetList`.
    pub const EMPLOYEE_TYPE_GET_LIST: Operation =
        Operation::new(Service::Employee, "EmployeeType_GetList");
    /// `EmployeeService.List_GetByCompany(CompanyId, EmployeeType)`.
    pub const EMPLOYEE_LIST_GET_BY_COMPANY: Operation =
        Operation::bulk(Service::Employee, "List_GetByCompany");
    /// `EmployeeService.PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany(CompanyID)`.
    pub const PERSONAL_INFO_WITHOUT_BSN: Operation = Operation::bulk(
        Service::Employee,
        "PersonalInfoWithoutBSN_Get_GetAllEmployeesByCompany",
    );
    /// `EmployeeService.PersonalInfo_GetAll_AllEmployeesByCompany(CompanyID)`: carries BSN.
    pub const PERSONAL_INFO_WITH_BSN: Operation = Operation::bulk(
        Service::Employee,
        "PersonalInfo_GetAll_AllEmployeesByCompany",
    );
    /// `EmployeeService.Employment_GetAll_AllEmployeesByCompany(CompanyID)`.
    pub const EMPLOYMENTS: Operation =
        Operation::bulk(Service::Employee, "Employment_GetAll_AllEmployeesByCompany");
    /// `EmployeeService.Contract_GetAll_AllEmployeesByCompany(CompanyID)`.
    pub const CONTRACTS: Operation =
        Operation::bulk(Service::Employee, "Contract_GetAll_AllEmployeesByCompany");
    /// `EmployeeService.Department_GetAll_AllEmployeesByCompany(CompanyID)`.
    pub const DEPARTMENTS: Operation =
        Operation::bulk(Service::Employee, "Department_GetAll_AllEmployeesByCompany");
    /// `EmployeeService.Function_GetAll_AllEmployeesByCompany_V2(CompanyID)`.
    pub const FUNCTIONS: Operation = Operation::bulk(
        Service::Employee,
        "Function_GetAll_AllEmployeesByCompany_V2",
    );
    /// `EmployeeService.Address_GetAll_AllEmployeesByCompany(CompanyID)`.
    pub const ADDRESSES: Operation =
        Operation::bulk(Service::Employee, "Address_GetAll_AllEmployeesByCompany");
    /// `EmployeeService.CostCenter_GetAllEmployeesByCompany(CompanyId, Period, Year)`.
    pub const COST_CENTERS: Operation =
        Operation::bulk(Service::Employee, "CostCenter_GetAllEmployeesByCompany");
    /// `EmployeeService.Manager_GetCurrent(EmployeeId)`.
    pub const MANAGER_GET_CURRENT: Operation =
        Operation::new(Service::Employee, "Manager_GetCurrent");
}

/// The request parameter that names a company, whose spelling differs per operation
/// (research §3: `CompanyID` for the `*_GetAll_AllEmployeesByCompany` family,
/// `CompanyId` elsewhere; element names are case-sensitive).
pub(crate) fn company_param(op: &Operation) -> &'static str {
    if op.name().contains("AllEmployeesByCompany")
        && op.name() != "CostCenter_GetAllEmployeesByCompany"
    {
        "CompanyID"
    } else {
        "CompanyId"
    }
}

#[cfg(test)]
mod tests {
    use super::ops::*;
    use super::*;

    #[test]
    fn company_parameter_spelling_follows_the_operation() {
        for op in [
            PERSONAL_INFO_WITHOUT_BSN,
            PERSONAL_INFO_WITH_BSN,
            EMPLOYMENTS,
            CONTRACTS,
            DEPARTMENTS,
            FUNCTIONS,
            ADDRESSES,
        ] {
            assert_eq!(company_param(&op), "CompanyID", "{op}");
        }
        for op in [
            COST_CENTERS,
            EMPLOYEE_LIST_GET_BY_COMPANY,
            COMPANY_GET_CURRENT_PERIOD,
            COMPANY_COST_CENTER_GET_LIST,
        ] {
            assert_eq!(company_param(&op), "CompanyId", "{op}");
        }
    }

    #[test]
    fn soap_action_uses_the_production_namespace() {
        assert_eq!(
            MANAGER_GET_CURRENT.soap_action(),
            "\"https://api.nmbrs.nl/soap/v3/EmployeeService/Manager_GetCurrent\""
        );
        assert_eq!(
            EMPLOYMENTS.to_string(),
            "EmployeeService.Employment_GetAll_AllEmployeesByCompany"
        );
    }
}
