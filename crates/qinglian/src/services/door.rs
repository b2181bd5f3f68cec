//! What each server keeps in memory for the door of a sitting, where a thousand phones ask the
//! same questions within a minute: the sitting itself, for two seconds, and, while the door is
//! busy, who is expected at it (names and the last four digits of their phones), for ten.
//!
//! Only reads go through here, and only to say yes sooner: every rule that must be exact (one
//! record per person, capacity, the attempt limits) is enforced in the database. A name that is
//! not in memory is looked up in the database as before, so someone added a moment ago is found;
//! someone who left the audience may still sign in for those ten seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Row;

use super::filter::Where;
use super::sittings::Sitting;
use super::App;
use crate::error::AppResult;

const SITTING_FOR: Duration = Duration::from_secs(2);
const ROSTER_FOR: Duration = Duration::from_secs(10);
/// Look-ups within [`SITTING_FOR`] that make a door busy enough to keep its roster.
const BUSY: u32 = 32;
/// Rosters kept at once; a city rarely opens more doors at the same minute.
const ROSTERS: usize = 16;

pub struct Door {
    sittings: super::recent::Recent<Sitting>,
    rosters: Mutex<HashMap<i64, Roster>>,
    /// Look-ups per sitting since the instant given, to tell a busy door.
    lookups: Mutex<HashMap<i64, (Instant, u32)>>,
    /// Held while a roster loads: the others ask the database meanwhile instead of loading it too.
    loading: tokio::sync::Mutex<()>,
}

impl Default for Door {
    fn default() -> Door {
        Door {
            sittings: super::recent::Recent::new(SITTING_FOR),
            rosters: Mutex::default(),
            lookups: Mutex::default(),
            loading: tokio::sync::Mutex::default(),
        }
    }
}

struct Roster {
    at: Instant,
    /// Name → (person, last four digits of the phone), in the order of the people's ids.
    names: HashMap<String, Vec<(i64, String)>>,
}

impl Roster {
    fn find(&self, name: &str, last4: &str) -> Option<i64> {
        let people = self.names.get(name)?;
        people.iter().find(|(_, digits)| digits == last4).map(|(person, _)| *person)
    }
}

/// Forgets what this server remembers of sitting `id` after a correction; the other servers
/// forget it within [`SITTING_FOR`] (its roster within [`ROSTER_FOR`]).
pub fn forget(app: &App, id: i64) {
    app.door.sittings.forget(id);
    lock(&app.door.rosters).remove(&id);
}

/// The sitting `id` as the door reads it.
pub async fn sitting(app: &App, id: i64) -> AppResult<Arc<Sitting>> {
    app.door.sittings.get(id, super::sittings::load(app, id)).await
}

/// The person expected at `s` under `name` whose phone ends in `last4`, if the door's memory
/// knows him; `None` means ask the database.
pub async fn expected(app: &App, s: &Sitting, name: &str, last4: &str) -> AppResult<Option<i64>> {
    let door = &app.door;
    if let Some(roster) = lock(&door.rosters).get(&s.id).filter(|r| r.at.elapsed() < ROSTER_FOR) {
        return Ok(roster.find(name, last4));
    }
    if !busy(door, s.id) {
        return Ok(None);
    }
    let Ok(_loading) = door.loading.try_lock() else { return Ok(None) };
    let roster = load_roster(app, s).await?;
    let found = roster.find(name, last4);
    let mut rosters = lock(&door.rosters);
    rosters.retain(|_, r| r.at.elapsed() < ROSTER_FOR);
    if rosters.len() < ROSTERS {
        rosters.insert(s.id, roster);
    }
    Ok(found)
}

/// Counts a look-up at sitting `id`; whether the door is busy.
fn busy(door: &Door, id: i64) -> bool {
    let mut lookups = lock(&door.lookups);
    if lookups.len() > 10_000 {
        lookups.clear();
    }
    let entry = lookups.entry(id).or_insert((Instant::now(), 0));
    if entry.0.elapsed() > SITTING_FOR {
        *entry = (Instant::now(), 0);
    }
    entry.1 += 1;
    entry.1 >= BUSY
}

async fn load_roster(app: &App, s: &Sitting) -> AppResult<Roster> {
    let mut w = Where::default();
    let cond = s.audience_sql(&mut w);
    w.fixed(cond);
    let sql = format!(
        "SELECT p.id, p.name, p.phone FROM people p JOIN units u ON u.id = p.unit_id WHERE {} ORDER BY p.id",
        w.sql()
    );
    let mut names: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for r in w.fetch_all(&app.db.pool, &sql).await? {
        let Some(phone) = app.db.vault.column_opt(&r, "phone")? else { continue };
        let digits = phone.get(phone.len().saturating_sub(4)..).unwrap_or_default().to_string();
        names.entry(r.get("name")).or_default().push((r.get("id"), digits));
    }
    Ok(Roster { at: Instant::now(), names })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
