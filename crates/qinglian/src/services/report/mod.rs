//! The summary report (总结报告) that writes itself, and the campaign notice (通知).
//!
//! A draft is composed from the campaign's [`facts`] with every number a `{key}` marker of a
//! figure. The organiser edits the wording; each save is a new version stored with the figures
//! (the snapshot) it was written against, so what a version says can always be traced to the
//! numbers it was made from. A figure may be overridden with a reason; it is then marked as such
//! wherever the draft is shown. The same draft becomes the DOCX and PDF official documents.

pub mod compose;
pub mod facts;
pub mod notice;
pub mod paperwork;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{audit, clean_text, Actor, App};
use crate::db::now;
use crate::documents::official::{self, Document};
use crate::domain::{chinese_date, parse_date, today};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
pub use facts::{Facts, Figure};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// 一、… (黑体)
    Heading1,
    /// （一）… (楷体)
    Heading2,
    Para,
}

/// A heading or paragraph of a draft; numbers are `{key}` markers of figures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
}

/// A figure the organiser changed by hand, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Override {
    pub value: i64,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Body {
    pub title: String,
    pub issuer: String,
    /// 成文日期, YYYY-MM-DD.
    pub date: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub campaign_id: i64,
    /// 0 while nothing is saved yet (the draft was composed just now).
    pub version: i64,
    pub body: Body,
    /// The figures this version was written against.
    pub figures: BTreeMap<String, Figure>,
    pub overrides: BTreeMap<String, Override>,
    pub saved_by: String,
    pub saved_at: i64,
    /// Keys of figures whose records have changed since the snapshot.
    pub stale: Vec<String>,
}

/// A piece of a rendered paragraph: text, or a figure with where it came from.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Segment {
    pub text: String,
    pub key: Option<String>,
    pub source: Option<String>,
    pub label: Option<String>,
    pub overridden: bool,
    /// A marker whose figure does not exist in the snapshot.
    pub missing: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RenderedBlock {
    pub kind: BlockKind,
    pub segments: Vec<Segment>,
}

impl RenderedBlock {
    pub fn plain(&self) -> String {
        self.segments.iter().map(|s| s.text.as_str()).collect()
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VersionSummary {
    pub version: i64,
    pub saved_by: String,
    pub saved_at: i64,
    pub note: String,
}

/// Splits `text` at `{key}` markers: (literal, Some(key)) pieces in order.
pub fn markers(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let key = &rest[open + 1..open + close];
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            out.push((rest[..open + close + 1].to_string(), None));
        } else {
            out.push((rest[..open].to_string(), None));
            out.push((String::new(), Some(key.to_string())));
        }
        rest = &rest[open + close + 1..];
    }
    out.push((rest.to_string(), None));
    out.retain(|(t, k)| !t.is_empty() || k.is_some());
    out
}

impl Draft {
    pub fn render(&self) -> Vec<RenderedBlock> {
        self.body
            .blocks
            .iter()
            .map(|b| RenderedBlock {
                kind: b.kind,
                segments: markers(&b.text)
                    .into_iter()
                    .map(|(text, key)| match key {
                        None => Segment {
                            text,
                            key: None,
                            source: None,
                            label: None,
                            overridden: false,
                            missing: false,
                        },
                        Some(key) => match self.figures.get(&key) {
                            Some(f) => {
                                let over = self.overrides.get(&key);
                                Segment {
                                    text: f.text(over.map(|o| o.value).unwrap_or(f.value)),
                                    source: Some(f.source.clone()),
                                    label: Some(f.label.clone()),
                                    overridden: over.is_some(),
                                    missing: false,
                                    key: Some(key),
                                }
                            }
                            None => Segment {
                                text: format!("〔缺少数据：{key}〕"),
                                key: Some(key),
                                source: None,
                                label: None,
                                overridden: false,
                                missing: true,
                            },
                        },
                    })
                    .collect(),
            })
            .collect()
    }

    /// The official document this draft prints as, with the report's furniture.
    pub fn document(&self, furniture: &paperwork::Furniture) -> Document {
        let blocks = self
            .render()
            .iter()
            .map(|b| {
                let text = b.plain();
                match b.kind {
                    BlockKind::Heading1 => official::Block::Heading1(text),
                    BlockKind::Heading2 => official::Block::Heading2(text),
                    BlockKind::Para => official::Block::Para(text),
                }
            })
            .collect();
        let issuer = if furniture.issuer.is_empty() { &self.body.issuer } else { &furniture.issuer };
        Document {
            head: furniture.head(),
            title: self.body.title.clone(),
            addressee: Some(furniture.addressee.clone()).filter(|a| !a.is_empty()),
            blocks,
            issuer: issuer.clone(),
            date: chinese_date(&self.body.date),
            record: furniture.record(&self.body.date),
        }
    }

    /// The draft as plain text, one block a line (what the snapshot test compares).
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.body.title);
        for b in self.render() {
            out.push_str(&b.plain());
            out.push('\n');
        }
        out
    }
}

fn composed(f: &Facts) -> Body {
    Body {
        title: compose::title(f),
        issuer: f.campaign.issuer_name.clone().unwrap_or_default(),
        date: today(),
        blocks: compose::compose(f),
    }
}

async fn latest_row(app: &App, campaign_id: i64) -> AppResult<Option<sqlx::any::AnyRow>> {
    Ok(sqlx::query(
        "SELECT r.version, r.body, r.snapshot, r.overrides, r.created_at, COALESCE(u.display_name, '') AS by_name
         FROM report_drafts r LEFT JOIN users u ON u.id = r.created_by
         WHERE r.campaign_id = $1 ORDER BY r.version DESC LIMIT 1",
    )
    .bind(campaign_id)
    .fetch_optional(&app.db.pool)
    .await?)
}

fn parse_json<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
    serde_json::from_str(raw).map_err(|e| AppError::Internal(format!("stored report draft: {e}")))
}

/// The current draft of campaign `campaign_id`: the latest saved version, or one composed now.
pub async fn draft(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Draft> {
    Ok(draft_and_facts(app, actor, campaign_id).await?.0)
}

/// The report as an official document: the current draft in the campaign's report furniture.
pub async fn document(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Document> {
    let d = draft(app, actor, campaign_id).await?;
    let furniture = super::campaigns::get(app, campaign_id).await?.paperwork.report;
    Ok(d.document(&furniture))
}

/// The current draft with the facts it was checked against, for callers that build on both.
pub async fn draft_and_facts(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<(Draft, Facts)> {
    actor.require_organiser()?;
    let facts = facts::load_with_previous(app, campaign_id).await?;
    let current = facts.figures();
    let mut d = match latest_row(app, campaign_id).await? {
        Some(r) => Draft {
            campaign_id,
            version: r.get("version"),
            body: parse_json(&r.get::<String, _>("body"))?,
            figures: parse_json(&r.get::<String, _>("snapshot"))?,
            overrides: parse_json(&r.get::<String, _>("overrides"))?,
            saved_by: r.get("by_name"),
            saved_at: r.get("created_at"),
            stale: Vec::new(),
        },
        None => Draft {
            campaign_id,
            version: 0,
            body: composed(&facts),
            figures: current.clone(),
            overrides: BTreeMap::new(),
            saved_by: String::new(),
            saved_at: 0,
            stale: Vec::new(),
        },
    };
    d.stale = d
        .figures
        .iter()
        .filter(|(k, f)| current.get(*k).map(|c| c.value) != Some(f.value))
        .map(|(k, _)| k.clone())
        .collect();
    Ok((d, facts))
}

async fn store(app: &App, actor: &Actor, d: &Draft, base: i64, note: &str) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let latest: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM report_drafts WHERE campaign_id = $1")
            .bind(d.campaign_id)
            .fetch_one(&mut *tx)
            .await?;
    // Two organisers editing at once: the second save must not silently undo the first.
    if latest.unwrap_or(0) != base {
        return Err(AppError::Conflict(Msg::new("err.report_changed")));
    }
    let version = base + 1;
    let json = |v: serde_json::Result<String>| v.map_err(|e| AppError::Internal(e.to_string()));
    sqlx::query(
        "INSERT INTO report_drafts (campaign_id, version, body, snapshot, overrides, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(d.campaign_id)
    .bind(version)
    .bind(json(serde_json::to_string(&d.body))?)
    .bind(json(serde_json::to_string(&d.figures))?)
    .bind(json(serde_json::to_string(&d.overrides))?)
    .bind(note)
    .bind(actor.user_id)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        "report.save",
        "campaign",
        d.campaign_id,
        json!({"version": version, "note": note, "overrides": d.overrides.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// Composes the draft anew from the records and saves it as the next version.
pub async fn regenerate(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<i64> {
    let (d, facts) = draft_and_facts(app, actor, campaign_id).await?;
    let fresh = Draft {
        body: Body { date: d.body.date.clone(), ..composed(&facts) },
        figures: facts.figures(),
        overrides: BTreeMap::new(),
        ..d.clone()
    };
    store(app, actor, &fresh, d.version, "regenerated").await
}

/// Keeps the wording and takes the current figures (overrides stay).
pub async fn refresh_figures(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<i64> {
    let (d, facts) = draft_and_facts(app, actor, campaign_id).await?;
    let fresh = Draft { figures: facts.figures(), ..d.clone() };
    store(app, actor, &fresh, d.version, "figures refreshed").await
}

/// What the organiser changes in the editor: the title, the date and the text of each block
/// (in the order shown; an emptied paragraph is dropped).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct DraftEdit {
    /// The version the edit was made on; saving over a newer one is refused.
    pub base_version: i64,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub date: String,
    pub blocks: Vec<String>,
}

const MAX_BLOCK_CHARS: usize = 5_000;

pub async fn save(app: &App, actor: &Actor, campaign_id: i64, edit: DraftEdit) -> AppResult<i64> {
    let d = draft(app, actor, campaign_id).await?;
    let title = clean_text("title", &edit.title, 200, true)?;
    let date = parse_date("date", &edit.date)?;
    if edit.blocks.len() != d.body.blocks.len() {
        return Err(AppError::Conflict(Msg::new("err.report_changed")));
    }
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    for (i, (old, text)) in d.body.blocks.iter().zip(&edit.blocks).enumerate() {
        let field = format!("blocks.{i}");
        let text = text.trim().replace("\r\n", "\n");
        if text.chars().count() > MAX_BLOCK_CHARS {
            errors.push(crate::error::FieldError {
                field,
                msg: Msg::new("err.too_long").arg("max", MAX_BLOCK_CHARS),
            });
            continue;
        }
        let unknown: Vec<String> = markers(&text)
            .into_iter()
            .filter_map(|(_, k)| k)
            .filter(|k| !d.figures.contains_key(k))
            .collect();
        if !unknown.is_empty() {
            errors.push(crate::error::FieldError {
                field,
                msg: Msg::new("err.report_marker").arg("keys", unknown.join(", ")),
            });
            continue;
        }
        if !text.is_empty() {
            blocks.push(Block { kind: old.kind, text });
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if d.version != edit.base_version {
        return Err(AppError::Conflict(Msg::new("err.report_changed")));
    }
    let edited = Draft { body: Body { title, date, blocks, issuer: d.body.issuer.clone() }, ..d.clone() };
    store(app, actor, &edited, d.version, "edited").await
}

/// Sets (or with `value: None` removes) a hand-made figure; a reason is required to set one.
pub async fn override_figure(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    key: &str,
    value: Option<i64>,
    reason: &str,
) -> AppResult<i64> {
    let mut d = draft(app, actor, campaign_id).await?;
    if !d.figures.contains_key(key) {
        return Err(AppError::invalid("key", Msg::new("err.report_marker").arg("keys", key)));
    }
    match value {
        Some(v) => {
            if !(0..=1_000_000_000_000).contains(&v) {
                return Err(AppError::invalid("value", Msg::new("err.number")));
            }
            let reason = clean_text("reason", reason, 500, true)?;
            d.overrides.insert(key.to_string(), Override { value: v, reason });
        }
        None => {
            d.overrides.remove(key);
        }
    }
    let base = d.version;
    store(app, actor, &d, base, &format!("override {key}")).await
}

pub async fn versions(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Vec<VersionSummary>> {
    actor.require_organiser()?;
    Ok(sqlx::query(
        "SELECT r.version, r.note, r.created_at, COALESCE(u.display_name, '') AS by_name
         FROM report_drafts r LEFT JOIN users u ON u.id = r.created_by WHERE r.campaign_id = $1 ORDER BY r.version DESC",
    )
    .bind(campaign_id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| VersionSummary {
        version: r.get("version"),
        saved_by: r.get("by_name"),
        saved_at: r.get("created_at"),
        note: r.get("note"),
    })
    .collect())
}

#[cfg(test)]
mod tests {
    use super::markers;

    #[test]
    fn markers_split_text_and_keys() {
        let parts = markers("共{a1.sittings}，签到{a1.checkins}。{不是标记}");
        let keys: Vec<_> = parts.iter().filter_map(|(_, k)| k.clone()).collect();
        assert_eq!(keys, ["a1.sittings", "a1.checkins"]);
        let text: String = parts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "共，签到。{不是标记}");
        assert_eq!(markers("无标记").len(), 1);
        assert_eq!(markers("{unclosed").len(), 1);
    }
}
