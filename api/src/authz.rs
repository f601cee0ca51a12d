//! Who may do what: the one place that decides, for every kind of caller.
//!
//! A [`Principal`] is built by one extractor per audience (applicant token, staff session,
//! partner token); the engine asks [`appointment`], [`branch`] or [`global`] before it acts.
//! Deny by default: an action not granted below is refused. Outside a principal's scope an
//! appointment does not exist for it ([`Denied::NotFound`], so references cannot be probed);
//! inside its scope, an action its role may not take is [`Denied::Forbidden`].

use temujanji_shared::email::EmailAddress;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// An applicant who proved an e-mail address with a one-time code.
    Applicant(EmailAddress),
    /// A staff member with a live session.
    Staff(StaffMember),
    /// A partner portal (machine to machine); sees only the appointments it made.
    Partner(PartnerClient),
    /// The server itself: sweeps (no-shows) and start-up work. Never built from a request.
    System,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Counter officer of one branch: the day, check-in, serving.
    Officer,
    /// Branch supervisor: an officer's work plus the branch's configuration, blocks, audit and
    /// reports.
    Supervisor,
    /// HQ administrator: everything, at every branch, and the staff accounts.
    Admin,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [Role::Officer, Role::Supervisor, Role::Admin]
            .into_iter()
            .find(|r| r.code() == input)
    }
}

temujanji_shared::sql_text_enum!(Role);

#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The branch of an officer or supervisor; `None` for an administrator.
    pub branch: Option<String>,
    /// The login session the request's token belongs to.
    pub session: i64,
}

#[derive(Debug, Clone)]
pub struct PartnerClient {
    pub id: i64,
    /// The services it may book.
    pub services: Vec<String>,
    /// The branches it may book at; `None` for every branch.
    pub branches: Option<Vec<String>>,
}

/// May this partner book `service` at `branch`? Its registration says which.
pub fn partner_booking(client: &PartnerClient, branch: &str, service: &str) -> Result<(), Denied> {
    let service_ok = client.services.iter().any(|s| s == service);
    let branch_ok = client
        .branches
        .as_ref()
        .is_none_or(|list| list.iter().any(|b| b == branch));
    if service_ok && branch_ok {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// What a principal wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewAppointment,
    CancelAppointment,
    RescheduleAppointment,
    CheckIn,
    Serve,
    MarkNoShow,
    /// Cancel as fraud (someone else's identity, made-up data) and block its maker.
    VoidAppointment,
    /// The day's board and the queue of a branch.
    RunCounter,
    ConfigureBranch,
    ManageBlocks,
    ReadAudit,
    ReadReports,
    ManageStaff,
    /// Partner clients and their webhook deliveries.
    ManagePartners,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Outside the principal's scope: answered as if it did not exist.
    #[error("not found")]
    NotFound,
    /// In scope, but the principal's role may not do this.
    #[error("forbidden")]
    Forbidden,
}

/// The facts about an appointment that decide who may touch it.
#[derive(Debug, Clone, Copy)]
pub struct AppointmentScope<'a> {
    pub branch: &'a str,
    pub email: &'a str,
    pub partner: Option<i64>,
}

/// May `principal` do `action` to the appointment described by `scope`?
pub fn appointment(
    principal: &Principal,
    action: Action,
    scope: AppointmentScope<'_>,
) -> Result<(), Denied> {
    use Action::*;
    let in_scope = match principal {
        Principal::Applicant(email) => email.as_str() == scope.email,
        Principal::Staff(staff) => {
            staff.role == Role::Admin || staff.branch.as_deref() == Some(scope.branch)
        }
        Principal::Partner(client) => scope.partner == Some(client.id),
        Principal::System => true,
    };
    if !in_scope {
        return Err(Denied::NotFound);
    }
    let allowed = match principal {
        Principal::Applicant(_) | Principal::Partner(_) => {
            matches!(
                action,
                ViewAppointment | CancelAppointment | RescheduleAppointment
            )
        }
        // Staff do not move an applicant's appointment; the applicant does. Voiding as fraud
        // is for supervisors and administrators.
        Principal::Staff(staff) => {
            matches!(
                action,
                ViewAppointment | CancelAppointment | CheckIn | Serve | MarkNoShow
            ) || (action == VoidAppointment && staff.role != Role::Officer)
        }
        Principal::System => matches!(action, MarkNoShow),
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// May `principal` do `action` at `branch` (the counter, the branch's settings, its reports)?
/// Branch codes are public, so another branch is refused openly.
pub fn branch(principal: &Principal, action: Action, branch: &str) -> Result<(), Denied> {
    use Action::*;
    let Principal::Staff(staff) = principal else {
        return Err(Denied::Forbidden);
    };
    let own = staff.role == Role::Admin || staff.branch.as_deref() == Some(branch);
    let allowed = match staff.role {
        Role::Officer => matches!(action, RunCounter),
        Role::Supervisor | Role::Admin => matches!(
            action,
            RunCounter | ConfigureBranch | ManageBlocks | ReadAudit | ReadReports
        ),
    };
    if own && allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// May `principal` do `action` across all branches (staff accounts, all-branch reports)?
/// Blocks are not a branch's: supervisors manage them too.
pub fn global(principal: &Principal, action: Action) -> Result<(), Denied> {
    match principal {
        Principal::Staff(staff)
            if staff.role == Role::Supervisor && action == Action::ManageBlocks =>
        {
            Ok(())
        }
        Principal::Staff(staff) if staff.role == Role::Admin => match action {
            Action::ManageStaff
            | Action::ManagePartners
            | Action::ManageBlocks
            | Action::ReadAudit
            | Action::ReadReports
            | Action::ConfigureBranch
            | Action::RunCounter => Ok(()),
            _ => Err(Denied::Forbidden),
        },
        _ => Err(Denied::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, branch: Option<&str>) -> Principal {
        Principal::Staff(StaffMember {
            id: 1,
            username: "u".into(),
            role,
            branch: branch.map(str::to_owned),
            session: 1,
        })
    }

    fn scope() -> AppointmentScope<'static> {
        AppointmentScope {
            branch: "PJY",
            email: "siti@example.com",
            partner: None,
        }
    }

    #[test]
    fn an_appointment_outside_the_scope_does_not_exist() {
        let other = Principal::Applicant(EmailAddress::parse("ali@example.com").expect("valid"));
        assert_eq!(
            appointment(&other, Action::ViewAppointment, scope()),
            Err(Denied::NotFound)
        );
        let elsewhere = staff(Role::Supervisor, Some("JHB"));
        assert_eq!(
            appointment(&elsewhere, Action::CheckIn, scope()),
            Err(Denied::NotFound)
        );
        let partner = Principal::Partner(partner_client(7));
        assert_eq!(
            appointment(&partner, Action::ViewAppointment, scope()),
            Err(Denied::NotFound)
        );
        let own = AppointmentScope {
            partner: Some(7),
            ..scope()
        };
        assert_eq!(
            appointment(&partner, Action::CancelAppointment, own),
            Ok(())
        );
        assert_eq!(
            appointment(&partner, Action::CheckIn, own),
            Err(Denied::Forbidden)
        );
    }

    fn partner_client(id: i64) -> PartnerClient {
        PartnerClient {
            id,
            services: vec!["PASSPORT_RENEWAL".into()],
            branches: Some(vec!["PJY".into()]),
        }
    }

    #[test]
    fn a_partner_books_only_its_services_at_its_branches() {
        let client = partner_client(7);
        assert_eq!(partner_booking(&client, "PJY", "PASSPORT_RENEWAL"), Ok(()));
        assert_eq!(
            partner_booking(&client, "JHB", "PASSPORT_RENEWAL"),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            partner_booking(&client, "PJY", "VISA"),
            Err(Denied::Forbidden)
        );
        let everywhere = PartnerClient {
            branches: None,
            ..client
        };
        assert_eq!(
            partner_booking(&everywhere, "JHB", "PASSPORT_RENEWAL"),
            Ok(())
        );
        assert_eq!(
            global(&Principal::Partner(everywhere), Action::ManagePartners),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            global(&staff(Role::Admin, None), Action::ManagePartners),
            Ok(())
        );
        assert_eq!(
            global(
                &staff(Role::Supervisor, Some("PJY")),
                Action::ManagePartners
            ),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn inside_the_scope_the_role_decides() {
        let owner = Principal::Applicant(EmailAddress::parse("siti@example.com").expect("valid"));
        assert_eq!(
            appointment(&owner, Action::CancelAppointment, scope()),
            Ok(())
        );
        assert_eq!(
            appointment(&owner, Action::CheckIn, scope()),
            Err(Denied::Forbidden)
        );
        let officer = staff(Role::Officer, Some("PJY"));
        assert_eq!(appointment(&officer, Action::Serve, scope()), Ok(()));
        assert_eq!(
            appointment(&officer, Action::RescheduleAppointment, scope()),
            Err(Denied::Forbidden)
        );
        let admin = staff(Role::Admin, None);
        assert_eq!(appointment(&admin, Action::CheckIn, scope()), Ok(()));
    }

    #[test]
    fn branch_work_needs_the_branch_and_the_role() {
        let officer = staff(Role::Officer, Some("PJY"));
        assert_eq!(branch(&officer, Action::RunCounter, "PJY"), Ok(()));
        assert_eq!(
            branch(&officer, Action::ConfigureBranch, "PJY"),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            branch(&officer, Action::RunCounter, "JHB"),
            Err(Denied::Forbidden)
        );
        let supervisor = staff(Role::Supervisor, Some("PJY"));
        assert_eq!(branch(&supervisor, Action::ReadReports, "PJY"), Ok(()));
        assert_eq!(
            global(&supervisor, Action::ManageStaff),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            global(&staff(Role::Admin, None), Action::ManageStaff),
            Ok(())
        );
        let applicant = Principal::Applicant(EmailAddress::parse("a@example.com").expect("valid"));
        assert_eq!(
            branch(&applicant, Action::RunCounter, "PJY"),
            Err(Denied::Forbidden)
        );
    }
}
