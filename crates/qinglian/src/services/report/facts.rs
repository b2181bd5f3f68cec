//! What really happened in a campaign, read from the records in a handful of grouped queries:
//! per activity (sittings, sign-ins, trainings, materials read and signed, pledges, ledger
//! entries, unit tasks), the publicity placements, and per theme tag (四个结合) the inspections,
//! integrity units and tagged records. The report, the statistics and the year-over-year
//! comparison all read this one model, so they cannot disagree.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::domain::numerals;
use crate::error::AppResult;
use crate::services::campaigns::{self, Activity, Campaign};
use crate::services::App;

/// One number of the report, with what it counts and where the records behind it are.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Figure {
    pub key: String,
    /// What it counts, in Chinese: "签到人次".
    pub label: String,
    pub value: i64,
    /// The measure word written after it: 名, 次, 场.
    pub measure: String,
    /// Written in Chinese numerals (为期三天) rather than digits (56名).
    pub chinese: bool,
    /// The page listing the records counted.
    pub source: String,
    /// Which records are counted, and how: the figure's query in words.
    #[serde(default)]
    pub basis: String,
}

impl Figure {
    /// As the document writes it: "56名", "三天".
    pub fn text(&self, value: impl std::borrow::Borrow<i64>) -> String {
        let value = *value.borrow();
        if self.chinese {
            format!("{}{}", numerals::chinese(value), self.measure)
        } else {
            numerals::count(value, &self.measure)
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Training {
    pub title: String,
    pub venue: String,
    pub days: i64,
    pub trainees: i64,
    pub completed: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActivityFacts {
    pub activity: Activity,
    /// Sittings at which at least one person signed in.
    pub sittings: i64,
    pub checkins: i64,
    pub trainings: Vec<Training>,
    pub materials: i64,
    pub delivered: i64,
    pub read_signed: i64,
    pub pledges: i64,
    pub pledge_signatures: i64,
    /// Knowledge tests, those who handed a paper in (each once), the average of their best
    /// scores (rounded) and the share of them who passed.
    pub tests: i64,
    pub test_takers: i64,
    pub test_average: i64,
    pub test_pass_share: i64,
    pub entries: i64,
    pub units_reported: i64,
    pub participants: i64,
    pub tasks: i64,
    pub tasks_done: i64,
    /// Works received by the activity's calls (not rejected), and those published with a prize.
    pub works: i64,
    pub winners: i64,
    /// The campaign's column, told under its interview activity: heads invited, pieces published.
    pub column_invited: i64,
    pub column_published: i64,
    /// The units whose ledgers count the most participants, most first (at most two), when
    /// three or more units reported.
    pub leaders: Vec<String>,
}

impl ActivityFacts {
    fn new(activity: Activity) -> ActivityFacts {
        ActivityFacts {
            activity,
            sittings: 0,
            checkins: 0,
            trainings: Vec::new(),
            materials: 0,
            delivered: 0,
            read_signed: 0,
            pledges: 0,
            pledge_signatures: 0,
            tests: 0,
            test_takers: 0,
            test_average: 0,
            test_pass_share: 0,
            entries: 0,
            units_reported: 0,
            participants: 0,
            tasks: 0,
            tasks_done: 0,
            works: 0,
            winners: 0,
            column_invited: 0,
            column_published: 0,
            leaders: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Placements {
    pub sites: i64,
    pub quantity: i64,
    /// (material name, sites, quantity), in the catalogue's order.
    pub by_material: Vec<(String, i64, i64)>,
    /// Channel names used, in the catalogue's order.
    pub channels: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IntegrityUnit {
    pub unit: String,
    pub type_name: String,
    pub status: String,
    /// The checklist's goals (the text before "：" of each criterion): 班子清廉, 村务清爽, …
    pub goals: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ThemeFacts {
    pub seq: i64,
    pub name: String,
    pub activities: Vec<String>,
    pub entries: i64,
    pub placements: i64,
    pub inspections: i64,
    pub findings: i64,
    pub rectified: i64,
    pub integrity_units: Vec<IntegrityUnit>,
    /// What the tagged inspections looked at (their focus), distinct, at most three.
    pub focuses: Vec<String>,
    /// Tagged ledger entries in their units' own words: (unit, first sentence of the summary),
    /// accepted and largest first, at most two.
    pub highlights: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Facts {
    pub campaign: Campaign,
    pub units_tasked: i64,
    pub activities: Vec<ActivityFacts>,
    pub placements: Placements,
    pub inspections: i64,
    pub themes: Vec<ThemeFacts>,
    /// Units with at least one ledger entry submitted or accepted, across the campaign.
    pub units_reporting: i64,
    /// Last year's campaign, when there is one and the caller asked for it
    /// ([`load_with_previous`]).
    pub previous: Option<Previous>,
}

/// What last year's campaign (the latest of the year before) did, in the totals the report
/// compares.
#[derive(Clone, Debug, Serialize)]
pub struct Previous {
    pub id: i64,
    pub checkins: i64,
    pub pledge_signatures: i64,
    pub activity_titles: Vec<String>,
}

fn count_map(rows: &[sqlx::any::AnyRow], cols: &[&str]) -> HashMap<i64, Vec<i64>> {
    rows.iter().map(|r| (r.get::<i64, _>(0), cols.iter().map(|c| r.get::<i64, _>(*c)).collect())).collect()
}

/// Reads the facts of campaign `id`. Permission is the caller's business (organisers only).
pub async fn load(app: &App, id: i64) -> AppResult<Facts> {
    let campaign = campaigns::get(app, id).await?;
    let pool = &app.db.pool;
    let grouped = |sql: &'static str| sqlx::query(sql).bind(id).fetch_all(pool);

    let sittings = grouped(
        "SELECT x.activity_id, COUNT(*) AS sittings, CAST(SUM(x.n) AS BIGINT) AS checkins FROM (
           SELECT s.activity_id, (SELECT COUNT(*) FROM checkins c WHERE c.sitting_id = s.id) AS n
           FROM sittings s JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = $1) x
         WHERE x.n > 0 GROUP BY x.activity_id",
    )
    .await?;
    let materials = grouped(
        "SELECT m.activity_id, COUNT(*) AS materials,
           CAST(SUM((SELECT COUNT(*) FROM material_receipts r WHERE r.material_id = m.id AND r.delivered_at > 0)) AS BIGINT) AS delivered,
           CAST(SUM((SELECT COUNT(*) FROM signatures g WHERE g.subject = 'material' AND g.subject_id = m.id AND g.withdrawn_at = 0)) AS BIGINT) AS signed
         FROM materials m JOIN activities a ON a.id = m.activity_id WHERE a.campaign_id = $1 GROUP BY m.activity_id",
    )
    .await?;
    let pledges = grouped(
        "SELECT p.activity_id, COUNT(*) AS pledges, CAST(SUM(p.signature_count) AS BIGINT) AS signed
         FROM pledges p JOIN activities a ON a.id = p.activity_id WHERE a.campaign_id = $1 GROUP BY p.activity_id",
    )
    .await?;
    crate::services::quiz::close_expired_of_campaign(app, id).await?;
    let tests = grouped(
        "SELECT q.activity_id, COUNT(DISTINCT q.id) AS tests, COUNT(b.taker) AS takers,
           CAST(COALESCE(SUM(b.best), 0) AS BIGINT) AS points,
           CAST(COALESCE(SUM(CASE WHEN b.best >= q.pass_score THEN 1 ELSE 0 END), 0) AS BIGINT) AS passed
         FROM quizzes q JOIN activities a ON a.id = q.activity_id
         LEFT JOIN (SELECT quiz_id, taker, MAX(score) AS best FROM quiz_attempts WHERE submitted_at > 0
                    GROUP BY quiz_id, taker) b ON b.quiz_id = q.id
         WHERE a.campaign_id = $1 GROUP BY q.activity_id",
    )
    .await?;
    let entries = grouped(
        "SELECT e.activity_id, COUNT(*) AS entries, COUNT(DISTINCT e.unit_id) AS units,
           CAST(SUM(e.participants) AS BIGINT) AS participants
         FROM ledger_entries e JOIN activities a ON a.id = e.activity_id
         WHERE a.campaign_id = $1 AND e.status IN ('submitted', 'accepted') GROUP BY e.activity_id",
    )
    .await?;
    let tasks = grouped(
        "SELECT s.activity_id, COUNT(*) AS tasks,
           CAST(SUM(CASE WHEN t.status = 'accepted' THEN 1 ELSE 0 END) AS BIGINT) AS done
         FROM tasks t JOIN assignments s ON s.id = t.assignment_id JOIN activities a ON a.id = s.activity_id
         WHERE a.campaign_id = $1 GROUP BY s.activity_id",
    )
    .await?;
    let trainings = grouped(
        "SELECT se.activity_id, se.title, se.min_days, MAX(s.day_no) AS days, MIN(s.venue) AS venue,
           (SELECT COUNT(DISTINCT c.attendee_key) FROM checkins c JOIN sittings d ON d.id = c.sitting_id
             WHERE d.series_id = se.id) AS trainees,
           (SELECT COUNT(*) FROM (SELECT c.attendee_key FROM checkins c JOIN sittings d ON d.id = c.sitting_id
             WHERE d.series_id = se.id GROUP BY c.attendee_key
             HAVING COUNT(DISTINCT d.day_no) >= CASE WHEN se.min_days > 0 THEN se.min_days
               ELSE (SELECT COUNT(*) FROM sittings z WHERE z.series_id = se.id) END) y) AS completed
         FROM sitting_series se JOIN activities a ON a.id = se.activity_id JOIN sittings s ON s.series_id = se.id
         WHERE a.campaign_id = $1 GROUP BY se.id, se.activity_id, se.title, se.min_days ORDER BY se.id",
    )
    .await?;

    let works = grouped(
        "SELECT c.activity_id, COUNT(*) AS works, CAST(SUM(CASE WHEN w.published_at > 0 THEN 1 ELSE 0 END) AS BIGINT) AS winners
         FROM works w JOIN calls c ON c.id = w.call_id
         WHERE c.campaign_id = $1 AND c.activity_id IS NOT NULL AND w.status IN ('submitted', 'held') GROUP BY c.activity_id",
    )
    .await?;
    let column: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM column_pieces WHERE campaign_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let column_activity = campaign.activities.iter().find(|a| a.kind == "interview").map(|a| a.id);
    let leader_rows = grouped(
        "SELECT e.activity_id, u.name, CAST(SUM(e.participants) AS BIGINT) AS n FROM ledger_entries e
         JOIN activities a ON a.id = e.activity_id JOIN units u ON u.id = e.unit_id
         WHERE a.campaign_id = $1 AND e.status IN ('submitted', 'accepted')
         GROUP BY e.activity_id, u.id, u.name ORDER BY e.activity_id, n DESC, u.id",
    )
    .await?;
    let works = count_map(&works, &["works", "winners"]);
    let sittings = count_map(&sittings, &["sittings", "checkins"]);
    let materials = count_map(&materials, &["materials", "delivered", "signed"]);
    let pledges = count_map(&pledges, &["pledges", "signed"]);
    let tests = count_map(&tests, &["tests", "takers", "points", "passed"]);
    let entries = count_map(&entries, &["entries", "units", "participants"]);
    let tasks = count_map(&tasks, &["tasks", "done"]);
    let get = |m: &HashMap<i64, Vec<i64>>, id: i64, i: usize| m.get(&id).map(|v| v[i]).unwrap_or(0);

    let mut activities = Vec::new();
    for a in &campaign.activities {
        let mut f = ActivityFacts::new(a.clone());
        f.sittings = get(&sittings, a.id, 0);
        f.checkins = get(&sittings, a.id, 1);
        f.materials = get(&materials, a.id, 0);
        f.delivered = get(&materials, a.id, 1);
        f.read_signed = get(&materials, a.id, 2);
        f.pledges = get(&pledges, a.id, 0);
        f.pledge_signatures = get(&pledges, a.id, 1);
        f.tests = get(&tests, a.id, 0);
        f.test_takers = get(&tests, a.id, 1);
        if f.test_takers > 0 {
            let (points, passed) = (get(&tests, a.id, 2), get(&tests, a.id, 3));
            f.test_average = (points + f.test_takers / 2) / f.test_takers;
            f.test_pass_share = (passed * 100 + f.test_takers / 2) / f.test_takers;
        }
        f.entries = get(&entries, a.id, 0);
        f.units_reported = get(&entries, a.id, 1);
        f.participants = get(&entries, a.id, 2);
        f.tasks = get(&tasks, a.id, 0);
        f.tasks_done = get(&tasks, a.id, 1);
        f.works = get(&works, a.id, 0);
        f.winners = get(&works, a.id, 1);
        if f.units_reported >= 3 {
            f.leaders = leader_rows
                .iter()
                .filter(|r| r.get::<i64, _>("activity_id") == a.id)
                .take(2)
                .map(|r| r.get("name"))
                .collect();
        }
        if column_activity == Some(a.id) {
            (f.column_invited, f.column_published) = column;
        }
        f.trainings = trainings
            .iter()
            .filter(|r| r.get::<i64, _>("activity_id") == a.id)
            .map(|r| Training {
                title: r.get("title"),
                venue: r.get::<Option<String>, _>("venue").unwrap_or_default(),
                days: r.get::<Option<i64>, _>("days").unwrap_or(0),
                trainees: r.get("trainees"),
                completed: r.get("completed"),
            })
            .collect();
        activities.push(f);
    }

    let placement_rows = grouped(
        "SELECT m.name, COUNT(*) AS sites, CAST(SUM(p.quantity) AS BIGINT) AS quantity
         FROM placements p JOIN placement_materials m ON m.code = p.material
         WHERE p.campaign_id = $1 GROUP BY m.name, m.sort ORDER BY m.sort",
    )
    .await?;
    let by_material: Vec<(String, i64, i64)> =
        placement_rows.iter().map(|r| (r.get("name"), r.get("sites"), r.get("quantity"))).collect();
    let channels: Vec<String> = grouped(
        "SELECT ch.name FROM placements p JOIN placement_channels ch ON ch.code = p.channel
         WHERE p.campaign_id = $1 GROUP BY ch.name, ch.sort ORDER BY ch.sort",
    )
    .await?
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let placements = Placements {
        sites: by_material.iter().map(|m| m.1).sum(),
        quantity: by_material.iter().map(|m| m.2).sum(),
        by_material,
        channels,
    };

    let themes = themes(app, &campaign).await?;
    let inspections: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inspections WHERE campaign_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    let units_tasked: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT t.unit_id) FROM tasks t JOIN assignments s ON s.id = t.assignment_id
         JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let units_reporting: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT e.unit_id) FROM ledger_entries e JOIN activities a ON a.id = e.activity_id
         WHERE a.campaign_id = $1 AND e.status IN ('submitted', 'accepted')",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok(Facts {
        campaign,
        units_tasked,
        activities,
        placements,
        inspections,
        themes,
        units_reporting,
        previous: None,
    })
}

/// The facts with last year's campaign beside them (the latest one of the year before), for the
/// report's comparison. Last year's totals are its own facts, read the way every page reads
/// them, so the report and the year-over-year comparison cannot disagree.
pub async fn load_with_previous(app: &App, id: i64) -> AppResult<Facts> {
    let mut facts = load(app, id).await?;
    let last_year: Option<i64> =
        sqlx::query_scalar("SELECT id FROM campaigns WHERE year = $1 ORDER BY id DESC LIMIT 1")
            .bind(facts.campaign.year - 1)
            .fetch_optional(&app.db.pool)
            .await?;
    if let Some(previous_id) = last_year {
        let p = load(app, previous_id).await?;
        facts.previous = Some(Previous {
            id: previous_id,
            checkins: p.total(|a| a.checkins),
            pledge_signatures: p.total(|a| a.pledge_signatures),
            activity_titles: p.campaign.activities.iter().map(|a| a.title.clone()).collect(),
        });
    }
    Ok(facts)
}

async fn themes(app: &App, campaign: &Campaign) -> AppResult<Vec<ThemeFacts>> {
    let pool = &app.db.pool;
    let by_theme = |sql: &'static str| sqlx::query(sql).bind(campaign.id).fetch_all(pool);
    // Records tagged with a theme: ledger entries and placements.
    let mut tagged = Vec::new();
    for table in ["ledger_entry_themes", "placement_themes"] {
        let sql = format!(
            "SELECT x.theme_id, COUNT(*) AS n FROM {table} x JOIN campaign_themes t ON t.id = x.theme_id
             WHERE t.campaign_id = $1 GROUP BY x.theme_id"
        );
        tagged.push(count_map(&sqlx::query(&sql).bind(campaign.id).fetch_all(pool).await?, &["n"]));
    }
    let (entries, placements) = (&tagged[0], &tagged[1]);
    let inspections = count_map(
        &by_theme(
            "SELECT i.theme_id, COUNT(*) AS n,
               CAST(SUM((SELECT COUNT(*) FROM findings f WHERE f.inspection_id = i.id)) AS BIGINT) AS findings,
               CAST(SUM((SELECT COUNT(*) FROM findings f WHERE f.inspection_id = i.id AND f.status = 'closed')) AS BIGINT) AS closed
             FROM inspections i WHERE i.campaign_id = $1 AND i.theme_id IS NOT NULL GROUP BY i.theme_id",
        )
        .await?,
        &["n", "findings", "closed"],
    );
    let units = by_theme(
        "SELECT ia.theme_id, ia.type_id, u.name AS unit, it.name AS type_name, ia.status
         FROM integrity_applications ia JOIN units u ON u.id = ia.unit_id JOIN integrity_types it ON it.id = ia.type_id
         WHERE ia.campaign_id = $1 AND ia.theme_id IS NOT NULL AND ia.status NOT IN ('returned', 'withdrawn') ORDER BY ia.id",
    )
    .await?;
    let criteria = sqlx::query("SELECT type_id, text FROM integrity_criteria ORDER BY type_id, seq")
        .fetch_all(pool)
        .await?;
    let mut goals: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for c in &criteria {
        let text: String = c.get("text");
        let goal = text.split(['：', ':']).next().unwrap_or("").trim().to_string();
        goals.entry(c.get("type_id")).or_default().push(goal);
    }
    let focus_rows = by_theme(
        "SELECT theme_id, focus FROM inspections WHERE campaign_id = $1 AND theme_id IS NOT NULL ORDER BY inspected_on, id",
    )
    .await?;
    let highlight_rows = by_theme(
        "SELECT x.theme_id, u.name AS unit, e.summary FROM ledger_entry_themes x
         JOIN campaign_themes t ON t.id = x.theme_id JOIN ledger_entries e ON e.id = x.entry_id
         JOIN units u ON u.id = e.unit_id
         WHERE t.campaign_id = $1 AND e.status IN ('submitted', 'accepted')
         ORDER BY CASE WHEN e.status = 'accepted' THEN 0 ELSE 1 END, e.participants DESC, e.id",
    )
    .await?;
    let focuses = |theme: i64| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in focus_rows.iter().filter(|r| r.get::<i64, _>("theme_id") == theme) {
            let f = r.get::<String, _>("focus").trim().trim_end_matches(['。', '；', '，']).to_string();
            if !f.is_empty() && !out.contains(&f) && out.len() < 3 {
                out.push(f);
            }
        }
        out
    };
    let highlights = |theme: i64| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for r in highlight_rows.iter().filter(|r| r.get::<i64, _>("theme_id") == theme) {
            let unit: String = r.get("unit");
            let first = first_sentence(&r.get::<String, _>("summary"));
            if !first.is_empty() && !out.iter().any(|(u, _)| *u == unit) && out.len() < 2 {
                out.push((unit, first));
            }
        }
        out
    };
    let get = |m: &HashMap<i64, Vec<i64>>, id: i64, i: usize| m.get(&id).map(|v| v[i]).unwrap_or(0);
    Ok(campaign
        .themes
        .iter()
        .enumerate()
        .map(|(i, t)| ThemeFacts {
            seq: i as i64 + 1,
            name: t.name.clone(),
            activities: campaign
                .activities
                .iter()
                .filter(|a| a.themes.iter().any(|x| x.id == t.id))
                .map(|a| a.title.clone())
                .collect(),
            entries: get(entries, t.id, 0),
            placements: get(placements, t.id, 0),
            inspections: get(&inspections, t.id, 0),
            findings: get(&inspections, t.id, 1),
            rectified: get(&inspections, t.id, 2),
            integrity_units: units
                .iter()
                .filter(|r| r.get::<Option<i64>, _>("theme_id") == Some(t.id))
                .map(|r| IntegrityUnit {
                    unit: r.get("unit"),
                    type_name: r.get("type_name"),
                    status: r.get("status"),
                    goals: goals.get(&r.get::<i64, _>("type_id")).cloned().unwrap_or_default(),
                })
                .collect(),
            focuses: focuses(t.id),
            highlights: highlights(t.id),
        })
        .collect())
}

/// The first sentence of a unit's summary, without its stop and at most 60 characters (cut at a
/// comma when longer), for quoting in the report.
fn first_sentence(summary: &str) -> String {
    let s = summary.trim();
    let s = s.split(['。', '！', '；', '\n']).next().unwrap_or("").trim();
    if s.chars().count() <= 60 {
        return s.to_string();
    }
    let mut out = String::new();
    for part in s.split_inclusive('，') {
        if out.chars().count() + part.chars().count() > 60 {
            break;
        }
        out.push_str(part);
    }
    out.trim_end_matches('，').to_string()
}

/// What a figure counts, by the name after its prefix (`a7.trainees` → `trainees`).
fn basis(key: &str) -> &'static str {
    let name = key.split_once('.').map(|k| k.1).unwrap_or(key);
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    match name {
        "activities" => "本次活动设置的活动项目数",
        "units" => "承担本次活动任务的单位数（去重）",
        "prev_checkins" => "上一年度（最近一届）活动各场次的签到记录数之和",
        "prev_pledge_signatures" => "上一年度（最近一届）活动承诺书的签名数之和",
        "units_reporting" => "本次活动报送了工作台账（待审核或已通过）的单位数（去重）",
        "reporting_share" => "报送台账单位数占承担任务单位数的百分比（四舍五入）",
        "done_share" => "任务台账审核通过的单位数占承担任务单位数的百分比（四舍五入）",
        "checkins" if key.starts_with('c') => "各项活动场次的签到记录数之和",
        "read_signed" if key.starts_with('c') => "各项活动学习资料的阅后签名数之和（不含已撤回）",
        "pledge_signatures" if key.starts_with('c') => "各项活动承诺书的签名数之和（不含已撤回）",
        "works" if key.starts_with('c') => "各项征集收到的作品数之和（不含未采用的）",
        "inspections" if key.starts_with('c') => "本次活动登记的监督检查记录数",
        "inspections" => "标注该结合主题的监督检查记录数",
        "placement_sites" => "登记的宣传投放点位记录数",
        "placement_quantity" | "placement" => "宣传投放记录的数量之和",
        "sittings" => "本活动下至少有一人签到的场次数",
        "checkins" => "本活动各场次的签到记录数（每人每场一条）",
        "materials" => "本活动发布的学习资料数",
        "delivered" => "学习资料送达记录数（线上发布或纸质发放）",
        "read_signed" => "学习资料的阅后签名数（不含已撤回）",
        "pledges" => "本活动发布的承诺书数",
        "pledge_signatures" => "承诺书签名数（不含已撤回）",
        "test_takers" if key.starts_with('c') => "各项活动知识测试交卷的人数之和（每人每场计一次）",
        "tests" => "本活动发布的知识测试数",
        "test_takers" => "本活动知识测试交卷的人数（每人每场计一次，多次作答取最高分）",
        "test_average" => "交卷人员最高分的平均值（四舍五入到整数）",
        "test_pass_share" => "最高分达到及格分的人数占交卷人数的百分比（四舍五入）",
        "entries" if key.starts_with('t') => "标注该结合主题的工作台账数",
        "entries" => "本活动已报送（待审核或已通过）的工作台账数",
        "units_reported" => "报送了工作台账的单位数（去重）",
        "participants" => "工作台账填报的参加人数之和",
        "tasks" => "本活动部署任务的单位数",
        "tasks_done" => "任务台账已审核通过的单位数",
        "trainees" => "培训任一天签到的人数（去重）",
        "training_days" => "培训的天数（场次的最大天序号）",
        "completed" => "签到天数达到结业要求的人数",
        "works" => "征集收到的作品数（不含未采用的）",
        "winners" => "评审后获奖并在门户公布的作品数",
        "column_invited" => "“清廉建设大家谈”栏目邀请的单位数",
        "column_published" => "栏目已刊发的稿件数",
        "placements" => "标注该结合主题的宣传投放记录数",
        "findings" => "这些检查发现的问题数",
        "rectified" => "已提交整改佐证并销号的问题数",
        _ => "",
    }
}

impl Facts {
    /// A count summed over the activities.
    pub fn total(&self, count: fn(&ActivityFacts) -> i64) -> i64 {
        self.activities.iter().map(count).sum()
    }

    /// Every number of the campaign as a figure, keyed by a name that survives regeneration
    /// and cloning: `a7.trainees` (activity 7), `t1.inspections` (theme 1), `c.placements`.
    pub fn figures(&self) -> BTreeMap<String, Figure> {
        let cid = self.campaign.id;
        let mut out = BTreeMap::new();
        let mut put = |key: String, label: &str, value: i64, measure: &str, chinese: bool, source: String| {
            out.insert(
                key.clone(),
                Figure {
                    basis: basis(&key).into(),
                    key,
                    label: label.into(),
                    value,
                    measure: measure.into(),
                    chinese,
                    source,
                },
            );
        };
        put(
            "c.activities".into(),
            "活动项数",
            self.campaign.activities.len() as i64,
            "项",
            true,
            format!("/campaigns/{cid}"),
        );
        put(
            "c.units".into(),
            "参与单位数",
            self.units_tasked,
            "个",
            false,
            format!("/campaigns/{cid}/board"),
        );
        put(
            "c.inspections".into(),
            "监督检查次数",
            self.inspections,
            "次",
            false,
            format!("/campaigns/{cid}/inspections"),
        );
        put(
            "c.units_reporting".into(),
            "报送台账单位数",
            self.units_reporting,
            "个",
            false,
            format!("/campaigns/{cid}/board"),
        );
        if self.units_tasked > 0 {
            put(
                "c.reporting_share".into(),
                "台账报送率",
                (self.units_reporting * 100 + self.units_tasked / 2) / self.units_tasked,
                "%",
                false,
                format!("/campaigns/{cid}/board"),
            );
        }
        for (key, label, value, measure) in [
            ("c.checkins", "签到人次合计", self.total(|a| a.checkins), "人次"),
            ("c.read_signed", "阅后签名人次合计", self.total(|a| a.read_signed), "人次"),
            ("c.pledge_signatures", "承诺签名人数合计", self.total(|a| a.pledge_signatures), "人"),
            ("c.test_takers", "参加知识测试人数合计", self.total(|a| a.test_takers), "人"),
            ("c.works", "征集作品数合计", self.total(|a| a.works), "篇"),
        ] {
            put(key.into(), label, value, measure, false, format!("/campaigns/{cid}/statistics"));
        }
        if let Some(p) = &self.previous {
            let stats = format!("/campaigns/{}/statistics", p.id);
            put("c.prev_checkins".into(), "上届签到人次", p.checkins, "人次", false, stats.clone());
            put(
                "c.prev_pledge_signatures".into(),
                "上届承诺签名人数",
                p.pledge_signatures,
                "人",
                false,
                stats,
            );
        }
        let placements = format!("/campaigns/{cid}/placements");
        put(
            "c.placement_sites".into(),
            "宣传投放点位",
            self.placements.sites,
            "处",
            false,
            placements.clone(),
        );
        put(
            "c.placement_quantity".into(),
            "宣传品数量",
            self.placements.quantity,
            "件",
            false,
            placements.clone(),
        );
        for (i, (name, _, quantity)) in self.placements.by_material.iter().enumerate() {
            put(format!("c.placement_{}", i + 1), name, *quantity, "件", false, placements.clone());
        }
        for f in &self.activities {
            let a = &f.activity;
            let k = |name: &str| format!("a{}.{name}", a.seq);
            let page = format!("/activities/{}", a.id);
            put(k("sittings"), "举办场次", f.sittings, "场", false, page.clone());
            put(k("checkins"), "签到人次", f.checkins, "人次", false, page.clone());
            put(k("materials"), "学习资料种数", f.materials, "种", false, page.clone());
            put(k("delivered"), "资料送达人次", f.delivered, "人次", false, page.clone());
            put(k("read_signed"), "阅后签名人次", f.read_signed, "人次", false, page.clone());
            put(k("pledges"), "承诺书种数", f.pledges, "种", false, page.clone());
            put(k("pledge_signatures"), "承诺签名人数", f.pledge_signatures, "人", false, page.clone());
            if f.tests > 0 {
                put(k("tests"), "知识测试场数", f.tests, "场", false, page.clone());
                put(k("test_takers"), "参加测试人数", f.test_takers, "人", false, page.clone());
                put(k("test_average"), "测试平均分", f.test_average, "分", false, page.clone());
                put(k("test_pass_share"), "测试及格率", f.test_pass_share, "%", false, page.clone());
            }
            put(k("entries"), "工作台账份数", f.entries, "份", false, page.clone());
            put(k("units_reported"), "报送台账单位数", f.units_reported, "个", false, page.clone());
            put(k("participants"), "台账参加人次", f.participants, "人次", false, page.clone());
            put(k("tasks"), "承担任务单位数", f.tasks, "个", false, format!("/campaigns/{cid}/board"));
            if f.tasks > 0 {
                let share = (f.tasks_done * 100 + f.tasks / 2) / f.tasks;
                put(k("done_share"), "任务审核通过率", share, "%", false, format!("/campaigns/{cid}/board"));
            }
            put(
                k("tasks_done"),
                "任务通过审核单位数",
                f.tasks_done,
                "个",
                false,
                format!("/campaigns/{cid}/board"),
            );
            let (calls, column) = (format!("/campaigns/{cid}/calls"), format!("/campaigns/{cid}/column"));
            put(k("works"), "征集作品数", f.works, "篇", false, calls);
            put(k("winners"), "获奖公布作品数", f.winners, "篇", false, "/portal".into());
            put(k("column_invited"), "栏目邀请单位数", f.column_invited, "个", false, column.clone());
            put(k("column_published"), "栏目刊发篇数", f.column_published, "篇", false, column);
            for (j, t) in f.trainings.iter().enumerate() {
                let suffix = if j == 0 { String::new() } else { format!("_{}", j + 1) };
                put(k(&format!("trainees{suffix}")), "参训人数", t.trainees, "名", false, page.clone());
                put(k(&format!("training_days{suffix}")), "培训天数", t.days, "天", true, page.clone());
                put(k(&format!("completed{suffix}")), "完成培训人数", t.completed, "名", false, page.clone());
            }
        }
        for t in &self.themes {
            let k = |name: &str| format!("t{}.{name}", t.seq);
            put(
                k("inspections"),
                "监督检查次数",
                t.inspections,
                "次",
                false,
                format!("/campaigns/{cid}/inspections"),
            );
            put(
                k("findings"),
                "发现问题数",
                t.findings,
                "个",
                false,
                format!("/campaigns/{cid}/inspections"),
            );
            put(
                k("rectified"),
                "已整改问题数",
                t.rectified,
                "个",
                false,
                format!("/campaigns/{cid}/inspections"),
            );
            put(k("entries"), "主题台账份数", t.entries, "份", false, format!("/campaigns/{cid}/board"));
            put(k("placements"), "主题宣传点位", t.placements, "处", false, placements.clone());
        }
        out
    }
}
