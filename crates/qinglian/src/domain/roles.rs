//! Roles and what they cover. A grant is a role, and for unit-scoped roles the root of the unit
//! subtree it covers.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts and everything else.
    Admin,
    /// Campaign-wide organiser (discipline commission, propaganda department).
    Organiser,
    /// Reads the audit log.
    Auditor,
    /// Administers one unit and the units below it.
    UnitAdmin,
    /// A cadre: sees his own records.
    Member,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Organiser, Role::Auditor, Role::UnitAdmin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
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
