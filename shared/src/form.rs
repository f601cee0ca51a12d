//! Booking forms: what the applicant typed, and its one parser into typed values.
//!
//! Every field is optional on the wire so that a missing field is reported like any other
//! invalid one (R10: every field is mandatory, and every problem is reported at once, each with
//! its dotted field path).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::address::{Address, AddressLine, City, Postcode, State};
use crate::codes::{BranchCode, ServiceCode};
use crate::country::CountryCode;
use crate::email::EmailAddress;
use crate::error::ValidationError;
use crate::lang::Lang;
use crate::mykad::MyKad;
use crate::name::PersonName;
use crate::passport::PassportNumber;
use crate::phone::PhoneNumber;
use crate::wire::{ClockTime, FieldErrorBody, IdType};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One invalid field: its dotted path and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: &'static str,
    pub error: ValidationError,
}

impl FieldIssue {
    pub fn to_body(&self, lang: Lang) -> FieldErrorBody {
        FieldErrorBody {
            field: self.field.to_owned(),
            code: self.error.code().to_owned(),
            message: self.error.message(lang),
        }
    }
}

/// Collects field issues while parsing a form.
#[derive(Default)]
struct Issues(Vec<FieldIssue>);

impl Issues {
    /// Parses one required field, recording the problem under `field`.
    fn field<T>(
        &mut self,
        field: &'static str,
        raw: &Option<String>,
        parse: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Option<T> {
        let result = match raw.as_deref().map(str::trim) {
            None | Some("") => Err(ValidationError::Required),
            Some(value) => parse(value),
        };
        result
            .map_err(|error| self.0.push(FieldIssue { field, error }))
            .ok()
    }
}

fn parse_date(input: &str) -> Result<NaiveDate, ValidationError> {
    NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| ValidationError::InvalidDate)
}

fn parse_time(input: &str) -> Result<ClockTime, ValidationError> {
    ClockTime::parse(input).ok_or(ValidationError::InvalidFormat)
}

fn parse_id_type(input: &str) -> Result<IdType, ValidationError> {
    IdType::parse(input).ok_or(ValidationError::InvalidFormat)
}

/// The address as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AddressForm {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub postcode: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub city: Option<String>,
    /// State or federal territory code, e.g. `SGR`, `KUL`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1, max_length = 3))]
    pub state: Option<String>,
}

/// The applicant as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplicantForm {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub name: Option<String>,
    /// `mykad` or `passport`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, pattern = "^(mykad|passport)$"))]
    pub id_type: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub id_number: Option<String>,
    /// ISO 3166-1 alpha-3; `MYS` for MyKad holders (may be omitted for them).
    #[serde(default)]
    pub nationality: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub address: AddressForm,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub email: Option<String>,
}

/// Body of `POST /api/v1/appointments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BookingForm {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub branch: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub service: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, format = Date))]
    pub date: Option<String>,
    /// `HH:MM`, the start of one of the day's slots.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub start: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub applicant: ApplicantForm,
    /// A solved challenge from `GET /api/v1/auth/challenge` (see the code request): needed by
    /// an applicant while the service is in rush mode (`rush` in the catalogue), ignored
    /// otherwise and for partners. Not part of an `Idempotency-Key`'s request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altcha: Option<String>,
}

/// Who the applicant is: one identity document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    MyKad(MyKad),
    Passport {
        number: PassportNumber,
        country: CountryCode,
    },
}

impl Identity {
    pub fn id_type(&self) -> IdType {
        match self {
            Identity::MyKad(_) => IdType::Mykad,
            Identity::Passport { .. } => IdType::Passport,
        }
    }
    /// The normalised document number.
    pub fn number(&self) -> &str {
        match self {
            Identity::MyKad(mykad) => mykad.as_str(),
            Identity::Passport { number, .. } => number.as_str(),
        }
    }
    /// ISO 3166-1 alpha-3 of the issuing country.
    pub fn nationality(&self) -> &str {
        match self {
            Identity::MyKad(_) => crate::country::MALAYSIA,
            Identity::Passport { country, .. } => country.as_str(),
        }
    }
    pub fn masked(&self) -> String {
        match self {
            Identity::MyKad(mykad) => mykad.masked(),
            Identity::Passport { number, .. } => number.masked(),
        }
    }
}

/// A fully valid applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub name: PersonName,
    pub identity: Identity,
    pub address: Address,
    pub phone: PhoneNumber,
    pub email: EmailAddress,
}

/// A fully valid booking request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    pub branch: BranchCode,
    pub service: ServiceCode,
    pub date: NaiveDate,
    pub start: ClockTime,
    pub applicant: Applicant,
}

impl AddressForm {
    fn parse_into(&self, issues: &mut Issues) -> Option<Address> {
        let line1 = issues.field("applicant.address.line1", &self.line1, AddressLine::parse);
        let line2 = match self.line2.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(_) => issues
                .field("applicant.address.line2", &self.line2, AddressLine::parse)
                .map(Some),
        };
        let postcode = issues.field(
            "applicant.address.postcode",
            &self.postcode,
            Postcode::parse,
        );
        let city = issues.field("applicant.address.city", &self.city, City::parse);
        let state = issues.field("applicant.address.state", &self.state, State::parse);
        Some(Address {
            line1: line1?,
            line2: line2?,
            postcode: postcode?,
            city: city?,
            state: state?,
        })
    }
}

impl ApplicantForm {
    fn parse_into(&self, issues: &mut Issues) -> Option<Applicant> {
        let name = issues.field("applicant.name", &self.name, PersonName::parse);
        let id_type = issues.field("applicant.id_type", &self.id_type, parse_id_type);
        let identity = match id_type {
            Some(IdType::Mykad) => {
                let mykad = issues.field("applicant.id_number", &self.id_number, MyKad::parse);
                let nationality_ok = match self.nationality.as_deref().map(str::trim) {
                    None | Some("") => true,
                    Some(_) => issues
                        .field("applicant.nationality", &self.nationality, |raw| {
                            CountryCode::parse(raw).and_then(|c| {
                                if c.as_str() == crate::country::MALAYSIA {
                                    Ok(c)
                                } else {
                                    Err(ValidationError::InvalidCountry)
                                }
                            })
                        })
                        .is_some(),
                };
                mykad.filter(|_| nationality_ok).map(Identity::MyKad)
            }
            Some(IdType::Passport) => {
                let number = issues.field(
                    "applicant.id_number",
                    &self.id_number,
                    PassportNumber::parse,
                );
                let country = issues.field(
                    "applicant.nationality",
                    &self.nationality,
                    CountryCode::parse,
                );
                number
                    .zip(country)
                    .map(|(number, country)| Identity::Passport { number, country })
            }
            None => None,
        };
        let address = self.address.parse_into(issues);
        let phone = issues.field("applicant.phone", &self.phone, PhoneNumber::parse);
        let email = issues.field("applicant.email", &self.email, EmailAddress::parse);
        Some(Applicant {
            name: name?,
            identity: identity?,
            address: address?,
            phone: phone?,
            email: email?,
        })
    }

    /// Parses the applicant alone (the SPA validates this step before the slot is chosen).
    pub fn parse(&self) -> Result<Applicant, Vec<FieldIssue>> {
        let mut issues = Issues::default();
        let applicant = self.parse_into(&mut issues);
        finish(applicant, issues)
    }
}

impl BookingForm {
    /// Parses the whole form, reporting every invalid field at once.
    pub fn parse(&self) -> Result<BookingRequest, Vec<FieldIssue>> {
        let mut issues = Issues::default();
        let branch = issues.field("branch", &self.branch, BranchCode::parse);
        let service = issues.field("service", &self.service, ServiceCode::parse);
        let date = issues.field("date", &self.date, parse_date);
        let start = issues.field("start", &self.start, parse_time);
        let applicant = self.applicant.parse_into(&mut issues);
        let request = (|| {
            Some(BookingRequest {
                branch: branch?,
                service: service?,
                date: date?,
                start: start?,
                applicant: applicant?,
            })
        })();
        finish(request, issues)
    }
}

impl RescheduleTarget {
    /// Parses the body of a reschedule request.
    pub fn parse(form: &crate::wire::RescheduleForm) -> Result<RescheduleTarget, Vec<FieldIssue>> {
        let mut issues = Issues::default();
        let date = issues.field("date", &form.date, parse_date);
        let start = issues.field("start", &form.start, parse_time);
        let target = date
            .zip(start)
            .map(|(date, start)| RescheduleTarget { date, start });
        finish(target, issues)
    }
}

impl WaitlistRequest {
    /// Parses the body of a request to join a waitlist.
    pub fn parse(form: &crate::wire::WaitlistForm) -> Result<WaitlistRequest, Vec<FieldIssue>> {
        let mut issues = Issues::default();
        let service = issues.field("service", &form.service, ServiceCode::parse);
        let branch = issues.field("branch", &form.branch, BranchCode::parse);
        let date = issues.field("date", &form.date, parse_date);
        let request = (|| {
            Some(WaitlistRequest {
                service: service?,
                branch: branch?,
                date: date?,
            })
        })();
        finish(request, issues)
    }
}

/// A valid request to wait for a seat on a full day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistRequest {
    pub service: ServiceCode,
    pub branch: BranchCode,
    pub date: NaiveDate,
}

/// A valid reschedule request: the new slot at the same branch, for the same service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RescheduleTarget {
    pub date: NaiveDate,
    pub start: ClockTime,
}

fn finish<T>(value: Option<T>, issues: Issues) -> Result<T, Vec<FieldIssue>> {
    match value {
        Some(value) if issues.0.is_empty() => Ok(value),
        _ => Err(issues.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_form() -> BookingForm {
        BookingForm {
            branch: Some("SGR-SHAH-ALAM".into()),
            service: Some("passport_renewal".into()),
            date: Some("2026-12-01".into()),
            start: Some("09:00".into()),
            applicant: ApplicantForm {
                name: Some("Siti Nur'aini binti Ahmad".into()),
                id_type: Some("mykad".into()),
                id_number: Some("900101-14-5678".into()),
                nationality: None,
                address: AddressForm {
                    line1: Some("No. 12, Jalan Anggerik 3".into()),
                    line2: None,
                    postcode: Some("40150".into()),
                    city: Some("Shah Alam".into()),
                    state: Some("SGR".into()),
                },
                phone: Some("012-345 6789".into()),
                email: Some("Siti@Example.com".into()),
            },
            altcha: None,
        }
    }

    #[test]
    fn a_valid_form_parses_and_normalises() {
        let request = valid_form().parse().expect("valid form");
        assert_eq!(request.applicant.identity.number(), "900101145678");
        assert_eq!(request.applicant.identity.nationality(), "MYS");
        assert_eq!(request.applicant.phone.as_str(), "+60123456789");
        assert_eq!(request.applicant.email.as_str(), "siti@example.com");
        assert_eq!(request.start.to_string(), "09:00");
    }

    #[test]
    fn an_empty_form_reports_every_required_field() {
        let issues = BookingForm::default().parse().expect_err("empty form");
        let fields: Vec<_> = issues.iter().map(|i| i.field).collect();
        for expected in [
            "branch",
            "service",
            "date",
            "start",
            "applicant.name",
            "applicant.id_type",
            "applicant.address.line1",
            "applicant.address.postcode",
            "applicant.address.city",
            "applicant.address.state",
            "applicant.phone",
            "applicant.email",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
        assert!(issues.iter().all(|i| i.error == ValidationError::Required));
        assert!(
            !fields.contains(&"applicant.address.line2"),
            "line2 is optional"
        );
    }

    #[test]
    fn several_bad_fields_are_all_reported_with_their_codes() {
        let mut form = valid_form();
        form.applicant.id_number = Some("900230-14-5678".into());
        form.applicant.phone = Some("12345".into());
        form.applicant.address.postcode = Some("4015".into());
        form.date = Some("2026-02-30".into());
        let issues = form.parse().expect_err("bad form");
        let got: Vec<_> = issues.iter().map(|i| (i.field, i.error.code())).collect();
        assert_eq!(
            got,
            vec![
                ("date", "invalid_date"),
                ("applicant.id_number", "invalid_date"),
                ("applicant.address.postcode", "invalid_postcode"),
                ("applicant.phone", "invalid_phone"),
            ]
        );
    }

    #[test]
    fn passport_holders_need_a_nationality() {
        let mut form = valid_form();
        form.applicant.id_type = Some("passport".into());
        form.applicant.id_number = Some("A1234567".into());
        let issues = form.parse().expect_err("no nationality");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, "applicant.nationality");
        form.applicant.nationality = Some("idn".into());
        let request = form.parse().expect("valid passport form");
        assert_eq!(request.applicant.identity.nationality(), "IDN");
    }

    #[test]
    fn mykad_holders_cannot_claim_another_nationality() {
        let mut form = valid_form();
        form.applicant.nationality = Some("SGP".into());
        let issues = form.parse().expect_err("mykad with SGP");
        assert_eq!(issues[0].field, "applicant.nationality");
    }
}
