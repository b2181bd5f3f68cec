//! Social publicity placements (社会层面宣传): posters in bus shelters, banners on streets,
//! electronic screens, online pieces — each with material, channel, place, district, optional
//! coordinates, quantity, period and photos; entered on a phone or in bulk from a spreadsheet.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::filter::Where;
use super::uploads::{self, Upload};
use super::{audit, Actor, App, Page, Paging};
use crate::db::{now, Tx};
use crate::domain::{parse_date, text::normalize};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::storage::Stored;

pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_PHOTOS: usize = 6;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PlacementInput {
    pub unit_id: i64,
    /// A material's code or name (标语, 横幅, 海报, 展板, 围挡, 宣传品, …).
    pub material: String,
    /// A channel's code or name (网络媒体, 公共场所, 交通工具, 电子屏, …).
    pub channel: String,
    pub place: String,
    #[serde(default)]
    pub district: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub quantity: i64,
    pub start_date: String,
    pub end_date: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub theme_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

pub async fn materials(app: &App) -> AppResult<Vec<Named>> {
    named(app, "placement_materials").await
}

pub async fn channels(app: &App) -> AppResult<Vec<Named>> {
    named(app, "placement_channels").await
}

async fn named(app: &App, table: &str) -> AppResult<Vec<Named>> {
    Ok(sqlx::query(&format!("SELECT code, name FROM {table} ORDER BY sort, code"))
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| Named { code: r.get("code"), name: r.get("name") })
        .collect())
}

/// Reference data and the campaign's period, loaded once per request or import.
struct Context {
    materials: Vec<Named>,
    channels: Vec<Named>,
    units: HashMap<String, (i64, String)>,
    unit_paths: HashMap<i64, String>,
    period: (String, String),
}

async fn context(app: &App, campaign_id: i64) -> AppResult<Context> {
    let period = sqlx::query("SELECT start_date, end_date FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&app.db.pool)
        .await?
        .map(|r| (r.get::<String, _>("start_date"), r.get::<String, _>("end_date")))
        .ok_or(AppError::NotFound)?;
    let mut units = HashMap::new();
    let mut unit_paths = HashMap::new();
    for r in sqlx::query("SELECT id, name, path FROM units").fetch_all(&app.db.pool).await? {
        let (id, name, path): (i64, String, String) = (r.get("id"), r.get("name"), r.get("path"));
        units.insert(name, (id, path.clone()));
        unit_paths.insert(id, path);
    }
    Ok(Context {
        materials: materials(app).await?,
        channels: channels(app).await?,
        units,
        unit_paths,
        period,
    })
}

fn find<'a>(list: &'a [Named], raw: &str) -> Option<&'a Named> {
    let raw = normalize(raw);
    list.iter().find(|n| n.code == raw || n.name == raw)
}

/// A placement after validation.
struct Valid {
    unit_id: i64,
    material: String,
    channel: String,
    place: String,
    district: String,
    lat_e6: Option<i64>,
    lng_e6: Option<i64>,
    quantity: i64,
    start: String,
    end: String,
    note: String,
}

fn validate(ctx: &Context, actor: &Actor, input: &PlacementInput) -> Result<Valid, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, msg: Msg| errors.push(FieldError { field: field.into(), msg });
    let material = find(&ctx.materials, &input.material).map(|n| n.code.clone());
    if material.is_none() {
        fail("material", Msg::new("err.placement_material"));
    }
    let channel = find(&ctx.channels, &input.channel).map(|n| n.code.clone());
    if channel.is_none() {
        fail("channel", Msg::new("err.placement_channel"));
    }
    match ctx.unit_paths.get(&input.unit_id) {
        None => fail("unit_id", Msg::new("err.unit_unknown")),
        Some(path) if !actor.covers(path) => {
            fail("unit_id", Msg::new("roster.unit_out_of_scope").arg("unit", input.unit_id))
        }
        Some(_) => {}
    }
    let place = normalize(&input.place);
    if place.is_empty() || place.chars().count() > 200 {
        fail("place", Msg::new("err.required"));
    }
    if !(1..=MAX_QUANTITY).contains(&input.quantity) {
        fail("quantity", Msg::new("err.quantity").arg("max", MAX_QUANTITY));
    }
    let coord = |v: Option<f64>, limit: f64| {
        v.map(|x| if x.is_finite() && x.abs() <= limit { Ok((x * 1e6).round() as i64) } else { Err(()) })
    };
    let lat = coord(input.lat, 90.0);
    let lng = coord(input.lng, 180.0);
    if matches!(lat, Some(Err(())))
        || matches!(lng, Some(Err(())))
        || input.lat.is_some() != input.lng.is_some()
    {
        fail("coordinates", Msg::new("err.coordinates"));
    }
    let start = parse_date("start_date", &input.start_date).map_err(|e| e.fields().to_vec());
    let end = parse_date("end_date", &input.end_date).map_err(|e| e.fields().to_vec());
    let (start, end) = match (start, end) {
        (Ok(s), Ok(e)) => {
            if e < s {
                fail("end_date", Msg::new("err.period_order"));
            } else if s < ctx.period.0 || e > ctx.period.1 {
                fail(
                    "start_date",
                    Msg::new("err.outside_campaign").arg("from", &ctx.period.0).arg("to", &ctx.period.1),
                );
            }
            (s, e)
        }
        (s, e) => {
            errors.extend(s.err().unwrap_or_default());
            errors.extend(e.err().unwrap_or_default());
            (String::new(), String::new())
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Valid {
        unit_id: input.unit_id,
        material: material.unwrap_or_default(),
        channel: channel.unwrap_or_default(),
        place,
        district: normalize(&input.district).chars().take(50).collect(),
        lat_e6: lat.and_then(Result::ok),
        lng_e6: lng.and_then(Result::ok),
        quantity: input.quantity,
        start,
        end,
        note: normalize(&input.note).chars().take(500).collect(),
    })
}

/// A placement's own columns, in the order [`Valid::bind`] gives them.
const COLUMNS: [&str; 11] = [
    "unit_id",
    "material",
    "channel",
    "place",
    "district",
    "lat_e6",
    "lng_e6",
    "quantity",
    "start_date",
    "end_date",
    "note",
];

impl Valid {
    fn bind<'q, O>(
        &'q self,
        q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        q.bind(self.unit_id)
            .bind(&self.material)
            .bind(&self.channel)
            .bind(&self.place)
            .bind(&self.district)
            .bind(self.lat_e6)
            .bind(self.lng_e6)
            .bind(self.quantity)
            .bind(&self.start)
            .bind(&self.end)
            .bind(&self.note)
    }

    /// The fields as the audit log shows them.
    fn fields(&self) -> serde_json::Value {
        json!({
            "unit_id": self.unit_id, "material": self.material, "channel": self.channel, "place": self.place,
            "district": self.district, "lat_e6": self.lat_e6, "lng_e6": self.lng_e6, "quantity": self.quantity,
            "start_date": self.start, "end_date": self.end, "note": self.note,
        })
    }
}

async fn insert(tx: &mut Tx, actor: &Actor, campaign_id: i64, v: &Valid) -> AppResult<i64> {
    let params: Vec<String> = (1..=COLUMNS.len() + 3).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO placements ({}, created_by, created_at, campaign_id) VALUES ({}) RETURNING id",
        COLUMNS.join(", "),
        params.join(", ")
    );
    let (id,): (i64,) = v
        .bind(sqlx::query_as(&sql))
        .bind(actor.user_id)
        .bind(now())
        .bind(campaign_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(id)
}

/// Records one placement with its photos (images only).
pub async fn create(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    input: PlacementInput,
    photos: Vec<Upload>,
) -> AppResult<i64> {
    let ctx = context(app, campaign_id).await?;
    let v = validate(&ctx, actor, &input).map_err(AppError::Invalid)?;
    if photos.len() > MAX_PHOTOS {
        return Err(AppError::invalid("photos", Msg::new("err.too_many_files").arg("max", MAX_PHOTOS)));
    }
    let photos = uploads::accept(app, &photos, app.config.max_upload_bytes, uploads::Accept::Images).await?;
    let mut tx = app.db.begin().await?;
    let id = insert(&mut tx, actor, campaign_id, &v).await?;
    for p in &photos {
        sqlx::query(
            "INSERT INTO placement_photos (placement_id, storage_key, file_name, content_type, size_bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&p.key)
        .bind(&p.file_name)
        .bind(p.content_type)
        .bind(p.size)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    }
    for theme in &input.theme_ids {
        sqlx::query(
            "INSERT INTO placement_themes (placement_id, theme_id) SELECT $1, id FROM campaign_themes WHERE id = $2 AND campaign_id = $3 ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(theme)
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "placement.create",
        "placement",
        id,
        json!({"quantity": v.quantity, "channel": v.channel, "photos": photos.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The placement's campaign is still open: a closed campaign's report stands on its placements.
const CAMPAIGN_OPEN: &str =
    "EXISTS (SELECT 1 FROM campaigns c WHERE c.id = placements.campaign_id AND c.status <> 'closed')";

/// The placement's campaign, once the actor may act on it: his unit's, and the campaign not closed.
async fn correctable(app: &App, actor: &Actor, id: i64) -> AppResult<(i64, Valid)> {
    let r = sqlx::query(
        "SELECT p.*, u.path, c.status FROM placements p JOIN units u ON u.id = p.unit_id
         JOIN campaigns c ON c.id = p.campaign_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !actor.covers(&r.get::<String, _>("path")) {
        return Err(AppError::NotFound);
    }
    if r.get::<String, _>("status") == crate::domain::status::CAMPAIGN_CLOSED {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    let stored = Valid {
        unit_id: r.get("unit_id"),
        material: r.get("material"),
        channel: r.get("channel"),
        place: r.get("place"),
        district: r.get("district"),
        lat_e6: r.get("lat_e6"),
        lng_e6: r.get("lng_e6"),
        quantity: r.get("quantity"),
        start: r.get("start_date"),
        end: r.get("end_date"),
        note: r.get("note"),
    };
    Ok((r.get("campaign_id"), stored))
}

/// A placement as its correction form shows it; refused as a correction would be.
pub async fn for_correction(app: &App, actor: &Actor, id: i64) -> AppResult<(i64, PlacementInput)> {
    let (campaign_id, v) = correctable(app, actor, id).await?;
    let degrees = |e6: Option<i64>| e6.map(|v| v as f64 / 1_000_000.0);
    let input = PlacementInput {
        unit_id: v.unit_id,
        material: v.material,
        channel: v.channel,
        place: v.place,
        district: v.district,
        lat: degrees(v.lat_e6),
        lng: degrees(v.lng_e6),
        quantity: v.quantity,
        start_date: v.start,
        end_date: v.end,
        note: v.note,
        theme_ids: Vec::new(),
    };
    Ok((campaign_id, input))
}

/// Corrects a placement's figures, place and dates (its photos stay), checked as a new one is;
/// returns its campaign.
pub async fn update(app: &App, actor: &Actor, id: i64, input: PlacementInput) -> AppResult<i64> {
    let (campaign_id, before) = correctable(app, actor, id).await?;
    let ctx = context(app, campaign_id).await?;
    let v = validate(&ctx, actor, &input).map_err(AppError::Invalid)?;
    let mut tx = app.db.begin().await?;
    let set: Vec<String> = COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let sql = format!(
        "UPDATE placements SET {} WHERE id = ${} AND {CAMPAIGN_OPEN} RETURNING id",
        set.join(", "),
        COLUMNS.len() + 1
    );
    let updated: Option<(i64,)> = v.bind(sqlx::query_as(&sql)).bind(id).fetch_optional(&mut *tx).await?;
    if updated.is_none() {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    audit::record(
        &mut tx,
        actor,
        "placement.update",
        "placement",
        id,
        audit::changes(before.fields(), v.fields()),
    )
    .await?;
    tx.commit().await?;
    Ok(campaign_id)
}

/// Deletes a placement recorded by mistake, with its photos' records; the log keeps what it was.
pub async fn delete(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let (_, before) = correctable(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    // Asked again inside the transaction, holding the row: a campaign closed meanwhile keeps it.
    let held = sqlx::query(&format!("UPDATE placements SET id = id WHERE id = $1 AND {CAMPAIGN_OPEN}"))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if held == 0 {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    for table in ["placement_photos", "placement_themes"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE placement_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM placements WHERE id = $1").bind(id).execute(&mut *tx).await?;
    audit::record(&mut tx, actor, "placement.delete", "placement", id, json!({"before": before.fields()}))
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PlacementImportReport)]
pub struct ImportReport {
    pub total: usize,
    pub created: usize,
    /// Row number (as the spreadsheet shows it) and its problems.
    pub errors: Vec<(usize, Vec<String>)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Material,
    Channel,
    Place,
    District,
    Quantity,
    Start,
    End,
    Unit,
    Lat,
    Lng,
    Note,
}

fn column(header: &str) -> Option<Col> {
    let h: String = normalize(header).chars().filter(|c| !c.is_whitespace()).collect();
    Some(match h.as_str() {
        "材料" | "宣传材料" | "形式" => Col::Material,
        "载体" | "渠道" | "宣传载体" => Col::Channel,
        "地点" | "位置" | "投放地点" => Col::Place,
        "区域" | "区县" | "乡镇" | "片区" => Col::District,
        "数量" | "投放数量" => Col::Quantity,
        "开始日期" | "开始时间" => Col::Start,
        "结束日期" | "结束时间" => Col::End,
        "负责单位" | "单位" => Col::Unit,
        "纬度" => Col::Lat,
        "经度" => Col::Lng,
        "备注" => Col::Note,
        _ => return None,
    })
}

/// Imports placements from a spreadsheet: every row checked, nothing written unless all pass.
pub async fn import(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    bytes: &[u8],
    lang: Lang,
) -> AppResult<ImportReport> {
    let ctx = context(app, campaign_id).await?;
    let sheet = super::sheet::read(bytes).await?;
    let (at, cols) = super::sheet::header(&sheet, |c| column(c) == Some(Col::Quantity), column)
        .ok_or_else(|| AppError::invalid("file", Msg::new("err.placement_header")))?;
    let cell = |cells: &Vec<String>, c: Col| {
        cols.get(&c).and_then(|i| cells.get(*i)).map(|s| normalize(s)).unwrap_or_default()
    };
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    let rows: Vec<&(usize, Vec<String>)> =
        sheet.rows[at + 1..].iter().filter(|(_, c)| c.iter().any(|v| !v.trim().is_empty())).collect();
    for (row, cells) in &rows {
        let unit_name = crate::domain::text::normalize_name(&cell(cells, Col::Unit));
        let unit_id = ctx.units.get(&unit_name).map(|u| u.0).unwrap_or(-1);
        let number = |c: Col| -> Option<f64> {
            Some(cell(cells, c)).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
        };
        let input = PlacementInput {
            unit_id,
            material: cell(cells, Col::Material),
            channel: cell(cells, Col::Channel),
            place: cell(cells, Col::Place),
            district: cell(cells, Col::District),
            lat: number(Col::Lat),
            lng: number(Col::Lng),
            quantity: number(Col::Quantity).filter(|q| q.fract() == 0.0).map(|q| q as i64).unwrap_or(0),
            // Ledgers often leave the period out: then it is the campaign's.
            start_date: Some(cell(cells, Col::Start))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| ctx.period.0.clone()),
            end_date: Some(cell(cells, Col::End))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| ctx.period.1.clone()),
            note: cell(cells, Col::Note),
            theme_ids: Vec::new(),
        };
        match validate(&ctx, actor, &input) {
            Ok(v) => valid.push(v),
            Err(fields) => {
                let mut msgs: Vec<String> = fields.iter().map(|f| f.render(lang)).collect();
                if unit_id < 0 {
                    msgs.retain(|m| !m.contains(&Msg::new("err.unit_unknown").render(lang)));
                    msgs.insert(0, Msg::new("roster.unit_unknown").arg("unit", &unit_name).render(lang));
                }
                errors.push((*row, msgs));
            }
        }
    }
    let mut report = ImportReport { total: rows.len(), created: 0, errors };
    if !report.errors.is_empty() || valid.is_empty() {
        return Ok(report);
    }
    let mut tx = app.db.begin().await?;
    for v in &valid {
        insert(&mut tx, actor, campaign_id, v).await?;
    }
    audit::record(&mut tx, actor, "placement.import", "campaign", campaign_id, json!({"rows": valid.len()}))
        .await?;
    tx.commit().await?;
    report.created = valid.len();
    Ok(report)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Total {
    pub name: String,
    pub placements: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub placements: i64,
    pub quantity: i64,
    pub by_channel: Vec<Total>,
    pub by_material: Vec<Total>,
    pub by_district: Vec<Total>,
}

fn scope(actor: &Actor, campaign_id: i64) -> Where {
    Where::new([format!("pl.campaign_id = {campaign_id}"), actor.scope_sql("u.path")])
}

const FROM: &str = "FROM placements pl JOIN units u ON u.id = pl.unit_id";

/// Totals by channel, material and district. One scan of a covering index, grouped by codes;
/// names and the three breakdowns are folded here from a few hundred groups. The units are
/// joined only when a unit scope needs them.
pub async fn totals(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Totals> {
    let (join, w) = if actor.campaign_wide() {
        ("", Where::new([format!("pl.campaign_id = {campaign_id}")]))
    } else {
        ("JOIN units u ON u.id = pl.unit_id", scope(actor, campaign_id))
    };
    let sql = format!(
        "SELECT pl.channel, pl.material, pl.district, COUNT(*) AS n, CAST(SUM(pl.quantity) AS BIGINT) AS q
         FROM placements pl {join} WHERE {} GROUP BY pl.channel, pl.material, pl.district",
        w.sql()
    );
    let groups = w.fetch_all(&app.db.pool, &sql).await?;
    let (channels, materials) = (channels(app).await?, materials(app).await?);
    let name = |list: &[Named], code: &str| {
        list.iter().find(|n| n.code == code).map(|n| n.name.clone()).unwrap_or_else(|| code.to_string())
    };
    let mut by: [HashMap<String, (i64, i64)>; 3] = Default::default();
    for r in &groups {
        let (n, q): (i64, i64) = (r.get("n"), r.get::<Option<i64>, _>("q").unwrap_or(0));
        let keys = [
            name(&channels, &r.get::<String, _>("channel")),
            name(&materials, &r.get::<String, _>("material")),
            r.get("district"),
        ];
        for (map, key) in by.iter_mut().zip(keys) {
            let e = map.entry(key).or_default();
            e.0 += n;
            e.1 += q;
        }
    }
    let sorted = |map: &HashMap<String, (i64, i64)>| {
        let mut v: Vec<Total> =
            map.iter().map(|(k, (n, q))| Total { name: k.clone(), placements: *n, quantity: *q }).collect();
        v.sort_by(|a, b| b.quantity.cmp(&a.quantity).then_with(|| a.name.cmp(&b.name)));
        v
    };
    let [by_channel, by_material, by_district] = [sorted(&by[0]), sorted(&by[1]), sorted(&by[2])];
    Ok(Totals {
        placements: by_channel.iter().map(|t| t.placements).sum(),
        quantity: by_channel.iter().map(|t| t.quantity).sum(),
        by_channel,
        by_material,
        by_district,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlacementRow {
    pub id: i64,
    pub unit_name: String,
    pub material: String,
    pub channel: String,
    pub place: String,
    pub district: String,
    pub quantity: i64,
    pub start_date: String,
    pub end_date: String,
    pub photos: i64,
}

pub async fn list(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    paging: Paging,
) -> AppResult<Page<PlacementRow>> {
    let w = scope(actor, campaign_id);
    let total = w.count(&app.db.pool, FROM).await?;
    let sql = format!(
        "SELECT pl.id, u.name AS unit_name, m.name AS material, c.name AS channel, pl.place, pl.district, pl.quantity, pl.start_date,
                pl.end_date, (SELECT COUNT(*) FROM placement_photos f WHERE f.placement_id = pl.id) AS photos
         {FROM} JOIN placement_materials m ON m.code = pl.material JOIN placement_channels c ON c.code = pl.channel
         WHERE {} ORDER BY pl.id DESC{}",
        w.sql(),
        paging.sql()
    );
    let items = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .iter()
        .map(|r| PlacementRow {
            id: r.get("id"),
            unit_name: r.get("unit_name"),
            material: r.get("material"),
            channel: r.get("channel"),
            place: r.get("place"),
            district: r.get("district"),
            quantity: r.get("quantity"),
            start_date: r.get("start_date"),
            end_date: r.get("end_date"),
            photos: r.get("photos"),
        })
        .collect();
    Ok(Page::new(items, total, paging))
}

/// Every placement of the campaign the actor may see, as XLSX.
pub async fn export_xlsx(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Vec<u8>> {
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("社会宣传").map_err(xerr)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in ["负责单位", "材料", "载体", "地点", "区域", "数量", "开始日期", "结束日期", "照片"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xerr)?;
    }
    let mut row = 1u32;
    let mut page = 1;
    loop {
        let chunk = list(app, actor, campaign_id, Paging { page: Some(page), per_page: Some(500) }).await?;
        for p in &chunk.items {
            for (c, v) in [&p.unit_name, &p.material, &p.channel, &p.place, &p.district].iter().enumerate() {
                crate::services::sheet::write_text(sheet, row, c as u16, *v).map_err(xerr)?;
            }
            sheet.write_number(row, 5, p.quantity as f64).map_err(xerr)?;
            crate::services::sheet::write_text(sheet, row, 6, &p.start_date).map_err(xerr)?;
            crate::services::sheet::write_text(sheet, row, 7, &p.end_date).map_err(xerr)?;
            sheet.write_number(row, 8, p.photos as f64).map_err(xerr)?;
            row += 1;
        }
        if chunk.items.len() < 500 {
            break;
        }
        page += 1;
    }
    sheet.set_column_width(3, 28).map_err(xerr)?;
    book.save_to_buffer().map_err(xerr)
}

/// Photos of a placement, for whoever may see the placement.
pub async fn photo(app: &App, actor: &Actor, photo_id: i64) -> AppResult<(String, Stored)> {
    let r = sqlx::query(
        "SELECT f.storage_key, f.content_type, u.path FROM placement_photos f JOIN placements pl ON pl.id = f.placement_id
         JOIN units u ON u.id = pl.unit_id WHERE f.id = $1",
    )
    .bind(photo_id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !actor.covers(&r.get::<String, _>("path")) && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    Ok((r.get("content_type"), app.files.open(&r.get::<String, _>("storage_key")).await?))
}
