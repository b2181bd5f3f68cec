//! Use cases, one function each. Every function that reads checks the actor's permission; every
//! function that writes also validates its input, runs in one transaction and records an audit
//! entry in that same transaction. HTML pages and the JSON API both call these.

pub mod audience;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod board;
pub mod campaigns;
pub mod channels;
pub mod checkin_flags;
pub mod dashboard;
pub mod door;
pub mod filter;
pub mod inspections;
pub mod integrity;
pub mod jobs;
pub mod jury;
pub mod ledger;
pub mod ledgers;
pub mod materials;
pub mod outbox;
pub mod people;
pub mod placements;
pub mod pledges;
pub mod portal;
pub mod privacy;
pub mod quiz;
pub mod reach;
pub mod recent;
pub mod report;
pub mod revisions;
pub mod roster;
pub mod search;
pub mod second_factor;
pub mod series;
pub mod sheet;
pub mod signatures;
pub mod sittings;
pub mod statistics;
pub mod throttle;
pub mod units;
pub mod uploads;
pub mod users;
pub mod works;
pub mod yearly;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::Db;
use crate::domain::{Role, RoleGrant};
use crate::error::{AppError, AppResult};
use crate::storage::FileStore;

/// What every use case needs: the database, the file store and the configuration.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub files: Arc<dyn FileStore>,
    pub config: Arc<Config>,
    pub signer: Arc<crate::signing::Signer>,
    /// Per-server memory of the sign-in door: sittings, and who is expected at a busy one.
    pub door: Arc<door::Door>,
    /// Per-server read cache of pledges for the signing path.
    pub pledges: Arc<recent::Recent<pledges::Pledge>>,
    /// Per-server memory of the live dashboards' figures, by campaign and variant.
    pub dashboards: Arc<recent::Recent<dashboard::Snapshot, (i64, bool)>>,
    /// Dashboards this server is feeding now, at most `dashboard::MAX_STREAMS`.
    pub dashboard_streams: Arc<tokio::sync::Semaphore>,
    /// Per-server read cache of the public portal's figures.
    pub portal: Arc<portal::Cache>,
    /// Group commit of sign-ins.
    pub checkins: Arc<batch::Batcher<sittings::Checkin>>,
    /// Group commit of signatures.
    pub signatures: Arc<batch::Batcher<signatures::NewSignature>>,
    /// Attempt counters for sign-in, QR sign-in and public forms.
    pub throttle: Arc<throttle::Throttle>,
    /// The channels notices leave by, and how often they are tried.
    pub delivery: Arc<outbox::Delivery>,
    /// Wakes this server's job worker when a job is queued here.
    pub jobs: Arc<tokio::sync::Notify>,
}

/// Runs heavy work (argon2, parsing a spreadsheet) on a blocking thread once one of `slots` is
/// free, so a flood queues here instead of exhausting memory or the async workers; if no slot
/// frees up within `wait`, the caller is asked to try again later (`busy`, a 429).
pub(crate) async fn bounded<T: Send + 'static>(
    slots: &tokio::sync::Semaphore,
    wait: std::time::Duration,
    busy: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let _slot = tokio::time::timeout(wait, slots.acquire())
        .await
        .map_err(|_| AppError::TooMany(crate::i18n::Msg::new(busy)))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Internal(e.to_string()))
}

/// Slots for `bounded` work: `per_core` for each core of this machine.
pub(crate) fn slots(per_core: usize) -> tokio::sync::Semaphore {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()) * per_core)
}

/// The signed-in caller of a use case.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<RoleGrant>,
    pub must_change_password: bool,
    /// The policy requires a second factor of this account and none is enrolled: until one is,
    /// the session may only enrol it.
    pub must_enroll_second_factor: bool,
    /// When the session's holder last gave his password; `None` for an integration token.
    #[serde(skip)]
    pub confirmed_at: Option<i64>,
    #[serde(skip)]
    pub ip: String,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Admins and organisers act on the whole city.
    pub fn campaign_wide(&self) -> bool {
        self.has(Role::Admin) || self.has(Role::Organiser)
    }

    pub fn require_organiser(&self) -> AppResult<()> {
        if self.campaign_wide() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Holders of city-wide power, of whom the policy may require a second factor.
    pub fn privileged(&self) -> bool {
        Role::OFFICERS.iter().any(|r| self.has(*r)) || self.has(Role::Organiser)
    }

    /// Who manages second factors and sessions (三员分立: not the system administrator).
    pub fn require_security_admin(&self) -> AppResult<()> {
        if self.has(Role::SecurityAdmin) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// A privileged action needs the password given within `reauth_minutes` (an integration
    /// token never qualifies): a session left open on a desk does not hand out accounts.
    pub fn require_recent_password(&self, app: &App) -> AppResult<()> {
        let fresh =
            self.confirmed_at.is_some_and(|at| crate::db::now() - at <= app.config.reauth_minutes * 60);
        if fresh {
            Ok(())
        } else {
            Err(AppError::ReauthRequired)
        }
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.has(Role::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The unit subtrees this actor administers (empty for city-wide or unscoped roles).
    fn admin_paths(&self) -> impl Iterator<Item = &str> {
        self.grants.iter().filter(|g| g.role == Role::UnitAdmin).filter_map(|g| g.unit_path.as_deref())
    }

    /// Whether the actor may act on a unit with materialised path `path`.
    pub fn covers(&self, path: &str) -> bool {
        self.campaign_wide() || self.admin_paths().any(|root| path.starts_with(root))
    }

    /// A SQL condition restricting `column` (a units.path) to what the actor may see.
    /// Paths are made only of digits and slashes by this program, so they are safe to inline.
    pub fn scope_sql(&self, column: &str) -> String {
        if self.campaign_wide() {
            return "1=1".to_string();
        }
        let parts: Vec<String> = self
            .admin_paths()
            .filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == '/'))
            .map(|p| format!("{column} LIKE '{p}%'"))
            .collect();
        if parts.is_empty() {
            "1=0".to_string()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }

    /// Whether the actor sees full phone numbers of people in unit `path`.
    pub fn sees_phones_of(&self, path: &str) -> bool {
        self.has(Role::Admin) || self.admin_paths().any(|root| path.starts_with(root))
    }

    /// Only the audit officer reads the log (三员分立): the other two's actions are in it.
    pub fn can_read_audit(&self) -> bool {
        self.has(Role::Auditor)
    }
}

/// `?page=&per_page=` of every list.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::IntoParams)]
pub struct Paging {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl Paging {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(50).clamp(1, 500)
    }
    /// Rows before the page; a page number far past the end saturates instead of overflowing.
    pub fn offset(&self) -> i64 {
        (self.page() - 1).saturating_mul(self.per_page())
    }
    pub fn sql(&self) -> String {
        format!(" LIMIT {} OFFSET {}", self.per_page(), self.offset())
    }
}

/// A page of a list, with the total across all pages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, paging: Paging) -> Page<T> {
        Page { items, total, page: paging.page(), per_page: paging.per_page() }
    }
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// Trimmed text with a length limit in characters; `None` if empty.
pub(crate) fn clean_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
    required: bool,
) -> AppResult<String> {
    use crate::i18n::Msg;
    let s = raw.trim().to_string();
    if required && s.is_empty() {
        return Err(AppError::invalid(field, Msg::new("err.required")));
    }
    if s.chars().count() > max_chars {
        return Err(AppError::invalid(field, Msg::new("err.too_long").arg("max", max_chars)));
    }
    Ok(s)
}

/// What depends on a record: each check is a query counting rows for `$1` and the message naming
/// them (`{n}`). A delete or a withdrawal is refused while any is found, with the found ones named.
pub(crate) struct Dependents(pub &'static [(&'static str, &'static str)]);

impl Dependents {
    /// Counts each kind of dependent inside `tx`, so a record added in between is seen.
    pub async fn refuse_if_any(
        &self,
        tx: &mut crate::db::Tx,
        id: i64,
        refusal: &'static str,
    ) -> AppResult<()> {
        self.refuse_if_any_of(tx, &[id], refusal).await
    }

    /// As [`Dependents::refuse_if_any`], for checks over several records: each check is given
    /// the ids it names (`$1`, `$2`, …).
    pub async fn refuse_if_any_of(
        &self,
        tx: &mut crate::db::Tx,
        ids: &[i64],
        refusal: &'static str,
    ) -> AppResult<()> {
        use crate::i18n::{current, Lang, Msg};
        let mut found = Vec::new();
        for (count_sql, key) in self.0 {
            let named = (1..=ids.len()).take_while(|i| count_sql.contains(&format!("${i}"))).count();
            let n: i64 = ids[..named]
                .iter()
                .fold(sqlx::query_scalar(count_sql), |q, id| q.bind(*id))
                .fetch_one(&mut **tx)
                .await?;
            if n > 0 {
                found.push(Msg::new(key).arg("n", n).render(current()));
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        let list = found.join(if current() == Lang::Zh { "、" } else { ", " });
        Err(AppError::Conflict(Msg::new(refusal).arg("what", list)))
    }
}
