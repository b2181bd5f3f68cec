//! Roles and what they cover. A grant is a role, and for unit-scoped roles the root of the unit
//! subtree it covers.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: accounts, units, configuration (and, as before, the whole city's work).
    Admin,
    /// 安全管理员: second factors, sessions, keys.
    SecurityAdmin,
    /// Campaign-wide organiser (discipline commission, propaganda department).
    Organiser,
    /// 审计管理员: reads and exports the audit log, the other two's actions included.
    Auditor,
    /// Administers one unit and the units below it.
    UnitAdmin,
    /// A cadre: sees his own records.
    Member,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::SecurityAdmin, Role::Organiser, Role::Auditor, Role::UnitAdmin, Role::Member];

    /// The three officers of 三员分立: no account holds two of them.
    pub const OFFICERS: [Role; 3] = [Role::Admin, Role::SecurityAdmin, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SecurityAdmin => "security_admin",
            Role::Organiser => "organiser",
            Role::Auditor => "auditor",
            Role::UnitAdmin => "unit_admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role is scoped to a unit subtree (and so needs a unit when granted).
    pub fn unit_scoped(self) -> bool {
        matches!(self, Role::UnitAdmin)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoleGrant {
    pub role: Role,
    /// The unit whose subtree a unit-scoped role covers.
    pub unit_id: Option<i64>,
    /// That unit's materialised path, e.g. `/1/12/`.
    #[serde(skip)]
    pub unit_path: Option<String>,
}
