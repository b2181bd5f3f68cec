//! The demo city 清河市 (made up) and the seed's 2022 Integrity Publicity Week: 50-odd units,
//! about 2,000 people, the ten activities with their lead departments, one assignment to every
//! unit with some ledger entries filed, and a few accounts to try each role.

mod live;
mod works;

pub use works::JURORS;

use serde_json::json;

use sqlx::Row;

use crate::db::{now, values_placeholders, Tx};
use crate::domain::Role;
use crate::error::AppResult;
use crate::services::privacy::Form;
use crate::services::{audit, auth, campaigns, units, users, App};

pub const CITY: &str = "清河市";
/// The seed's "56名新进事业人员".
pub const NEW_STAFF: usize = 56;

/// A demo account: user name, display name, role, unit of the role.
pub const ACCOUNTS: [(&str, &str, Role, Option<&str>); 5] = [
    ("jiwei", "市纪委监委 宣传室", Role::Organiser, None),
    ("dongzhuang", "东庄乡 管理员", Role::UnitAdmin, Some("东庄乡")),
    ("wuyilu", "五一路派出所 管理员", Role::UnitAdmin, Some("五一路派出所")),
    ("shenji", "审计管理员", Role::Auditor, None),
    ("anquan", "安全管理员", Role::SecurityAdmin, None),
];

const DEPARTMENTS: [&str; 16] = [
    "市纪委监委",
    "市委办公室",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市政府办公室",
    "市妇联",
    "市教科局",
    "市公安局",
    "市行政审批服务管理局",
    "市财政局",
    "市卫生健康委员会",
    "市住房和城乡建设局",
    "市农业农村局",
    "市市场监督管理局",
    "市交通运输局",
];

const TOWNSHIPS: [(&str, [&str; 3]); 5] = [
    ("城关街道", ["东关社区", "西关社区", "南街社区"]),
    ("东庄乡", ["东庄村", "西庄村", "前营村"]),
    ("柳河镇", ["柳河村", "北河村", "杨树村"]),
    ("白杨乡", ["白杨村", "石桥村", "南坡村"]),
    ("青山镇", ["青山村", "大坪村", "小营村"]),
];

const SCHOOLS: [&str; 4] = ["清河市第一中学", "清河市第二中学", "清河市实验小学", "城关第一小学"];
const STATIONS: [&str; 3] = ["五一路派出所", "城关派出所", "柳河派出所"];
const ENTERPRISES: [&str; 5] = [
    "清河钢铁有限公司",
    "清河农业科技有限公司",
    "清河建工集团有限公司",
    "清河绿源食品有限公司",
    "清河宏达物流有限公司",
];

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强春梅海燕文博晓东丽娟红梅晓明建华玉兰德明凤英学军立新永刚金凤";

/// Whether the database already holds the demo (or any) city.
pub async fn loaded(app: &App) -> AppResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(&app.db.pool).await?;
    Ok(n > 0)
}

/// Loads the demo city and campaign; the accounts get `password`. Returns the number of people.
pub async fn load(app: &App, admin_user: &str, password: &str) -> AppResult<usize> {
    let hash = auth::hash_password(password).await?;
    let mut tx = app.db.begin().await?;
    let t = now();

    let city = units::insert(&mut tx, CITY, "city", None).await?;
    let city_path = format!("/{city}/");
    let mut all: Vec<(i64, String, String)> = Vec::new(); // id, name, path
    let mut add = |id: i64, name: &str, path: String| {
        all.push((id, name.to_string(), path.clone()));
        path
    };
    let mut dept_ids = std::collections::HashMap::new();
    for d in DEPARTMENTS {
        let id = units::insert(&mut tx, d, "department", Some((city, &city_path))).await?;
        let path = add(id, d, format!("{city_path}{id}/"));
        dept_ids.insert(d, (id, path));
    }
    let (police, police_path) = dept_ids["市公安局"].clone();
    for s in STATIONS {
        let id = units::insert(&mut tx, s, "police_station", Some((police, &police_path))).await?;
        add(id, s, format!("{police_path}{id}/"));
    }
    let (edu, edu_path) = dept_ids["市教科局"].clone();
    for s in SCHOOLS {
        let id = units::insert(&mut tx, s, "school", Some((edu, &edu_path))).await?;
        add(id, s, format!("{edu_path}{id}/"));
    }
    for (town, villages) in TOWNSHIPS {
        let tid = units::insert(&mut tx, town, "township", Some((city, &city_path))).await?;
        let tpath = add(tid, town, format!("{city_path}{tid}/"));
        let committee = format!("{}纪委", town.trim_end_matches("街道"));
        let committee = if town.ends_with("街道") { format!("{town}纪工委") } else { committee };
        let cid = units::insert(&mut tx, &committee, "discipline_committee", Some((tid, &tpath))).await?;
        add(cid, &committee, format!("{tpath}{cid}/"));
        for v in villages {
            let vid = units::insert(&mut tx, v, "village", Some((tid, &tpath))).await?;
            add(vid, v, format!("{tpath}{vid}/"));
        }
    }
    for e in ENTERPRISES {
        let id = units::insert(&mut tx, e, "enterprise", Some((city, &city_path))).await?;
        add(id, e, format!("{city_path}{id}/"));
    }

    // People: ranks by unit kind, 56 new staff for the induction training, phones unique.
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut people = Vec::new();
    let mut n = 0usize;
    let mut new_staff = 0;
    for (idx, (unit_id, name, _)) in all.iter().enumerate() {
        let size = if DEPARTMENTS.contains(&name.as_str()) {
            60
        } else if name.ends_with("村") || name.ends_with("社区") {
            20
        } else {
            35
        };
        for k in 0..size {
            n += 1;
            let is_dept = DEPARTMENTS.contains(&name.as_str());
            let rank = if is_dept && k < 3 {
                "县处级"
            } else if k <= 5 {
                "科级"
            } else if new_staff < NEW_STAFF && n.is_multiple_of(25) {
                new_staff += 1;
                "新进事业人员"
            } else {
                "一般干部"
            };
            let position = match (k, rank) {
                (0, _) => "主要负责人",
                (1 | 2, _) => "班子成员",
                (_, "科级") => "科长",
                (_, "新进事业人员") => "科员（试用期）",
                _ => "科员",
            };
            let person_name: String = format!(
                "{}{}{}",
                surnames[(n * 7 + idx) % surnames.len()],
                given[(n * 13) % given.len()],
                if n.is_multiple_of(3) {
                    given[(n * 29 + 5) % given.len()].to_string()
                } else {
                    String::new()
                }
            );
            people.push((
                *unit_id,
                person_name,
                position.to_string(),
                rank.to_string(),
                n % 10 < 7,
                format!("139{:08}", 10_000_000 + n),
                format!("QH{n:06}"),
            ));
        }
    }
    for chunk in people.chunks(300) {
        let sql = format!(
            "INSERT INTO people (unit_id, name, position, rank, party_member, phone, staff_no, created_at, updated_at, phone_idx)
             VALUES {}",
            values_placeholders(chunk.len(), 10)
        );
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(p.0)
                .bind(&p.1)
                .bind(&p.2)
                .bind(&p.3)
                .bind(p.4 as i64)
                .bind(tx.vault.seal(&p.5))
                .bind(&p.6)
                .bind(t)
                .bind(t)
                .bind(tx.vault.index(crate::vault::Blind::Phone, &p.5));
        }
        q.execute(&mut *tx).await?;
    }

    // Accounts.
    let admin = users::insert(&mut tx, admin_user, "系统管理员", &hash, false).await?;
    // 三员分立: the system administrator is not also the auditor or the security officer.
    for role in [Role::Admin, Role::Organiser] {
        users::grant_in(&mut tx, admin, role, 0).await?;
    }
    let unit_id = |name: &str| all.iter().find(|u| u.1 == name).map(|u| u.0).unwrap_or(city);
    for (username, display, role, unit) in ACCOUNTS {
        let id = users::insert(&mut tx, username, display, &hash, false).await?;
        users::grant_in(&mut tx, id, role, unit.map(unit_id).unwrap_or(0)).await?;
    }

    // The seed's campaign: a past year's, its public's data kept the longest a campaign may keep
    // it (or the year's 365 days would have anonymised the demo's signers long ago).
    let jiwei = unit_id("市纪委监委");
    let campaign: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (title, year, theme, start_date, end_date, guiding_text, requirements, issuer_unit_id, status, paperwork,
                                created_at, updated_at, retention_days)
         VALUES ($1, 2022, $2, '2022-05-16', '2022-06-15', $3, $4, $5, 'published', $6, $7, $7, 3650) RETURNING id",
    )
    .bind("2022年清廉清河宣传周")
    .bind("清廉清河建设为引领，助力全方位高质量发展")
    .bind(GUIDING)
    .bind(REQUIREMENTS)
    .bind(jiwei)
    .bind(paperwork())
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    let mut theme_ids = Vec::new();
    for (i, name) in campaigns::DEFAULT_THEMES.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaign_themes (campaign_id, name, sort) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(campaign)
        .bind(*name)
        .bind(i as i64)
        .fetch_one(&mut *tx)
        .await?;
        theme_ids.push(id);
    }
    let mut activity_ids = Vec::new();
    for (kind, title, lead, co, themes, audience, description) in ACTIVITIES {
        let input = campaigns::ActivityInput {
            kind: kind.to_string(),
            title: title.to_string(),
            lead_unit_id: unit_id(lead),
            co_unit_ids: co.iter().map(|c| unit_id(c)).collect(),
            description: description.to_string(),
            audience: audience.to_string(),
            start_date: "2022-05-16".into(),
            end_date: "2022-05-22".into(),
            theme_ids: themes.iter().map(|i| theme_ids[*i]).collect(),
        };
        activity_ids.push(campaigns::insert_activity(&mut tx, campaign, &input).await?);
    }

    // "同时要求各单位开展一次集中警示教育大会": asked of every unit, some already reported.
    let assignment: i64 = sqlx::query_scalar(
        "INSERT INTO assignments (activity_id, title, description, due_date, created_by, created_at)
         VALUES ($1, '开展一次集中警示教育大会', '观看电视专题片《零容忍》，以案明纪、以案说法，用身边事教育身边人。', '2022-06-05', $2, $3) RETURNING id",
    )
    .bind(activity_ids[1])
    .bind(admin)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    for (i, (uid, uname, _)) in all.iter().enumerate() {
        let status = match i % 4 {
            0 => "accepted",
            1 => "submitted",
            _ => "pending",
        };
        let task: i64 = sqlx::query_scalar("INSERT INTO tasks (assignment_id, unit_id, status, updated_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(assignment)
            .bind(uid)
            .bind(status)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?;
        if status != "pending" {
            sqlx::query(
                "INSERT INTO ledger_entries (activity_id, task_id, unit_id, entry_date, place, participants, summary, status, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(activity_ids[1])
            .bind(task)
            .bind(uid)
            .bind(format!("2022-05-{:02}", 17 + i % 10))
            .bind(format!("{uname}会议室"))
            .bind(20 + (i as i64 * 7) % 60)
            .bind(format!("{uname}组织全体干部职工观看电视专题片《零容忍》，主要负责人结合典型案例讲廉政党课。"))
            .bind(status)
            .bind(admin)
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
    }
    sessions(&mut tx, &app.signer, admin, &activity_ids, &unit_id).await?;
    reading_and_pledges(&mut tx, admin, &activity_ids, &unit_id).await?;
    publicity(&mut tx, campaign, admin, &unit_id).await?;
    inspections(&mut tx, campaign, admin, theme_ids[0], &all).await?;
    integrity_units(&mut tx, admin, campaign, &theme_ids, &unit_id).await?;
    let call = works::load(&mut tx, app.db.engine, &hash, admin, campaign, &activity_ids, &unit_id).await?;
    let system = users::system_actor();
    audit::record(
        &mut tx,
        &system,
        "demo.load",
        "campaign",
        campaign,
        json!({"units": all.len() + 1, "people": people.len()}),
    )
    .await?;
    tx.commit().await?;
    works::award(app, call).await?;
    Ok(people.len())
}

/// Adds the demo's current week (dates computed from today) to a loaded demo, so every live
/// flow can be tried at once. Returns the new campaign's id.
pub async fn load_current_week(app: &App, admin_user: &str) -> AppResult<i64> {
    let units = crate::services::units::list(app).await?;
    let unit_id = |name: &str| units.iter().find(|u| u.name == name).map(|u| u.id).unwrap_or(0);
    live::load(app, admin_user, &unit_id).await
}

/// The seed's sessions, as they happened in May 2022: who was expected, who came.
async fn sessions(
    tx: &mut Tx,
    signer: &crate::signing::Signer,
    admin: i64,
    activities: &[i64],
    unit_id: &impl Fn(&str) -> i64,
) -> AppResult<()> {
    let at = |s: &str| crate::domain::parse_datetime("demo", s).unwrap_or_default();
    // 一 集中教育宣讲: leading cadres, nearly all present.
    let lecture = sitting(
        tx,
        admin,
        activities[0],
        None,
        "《监察法实施条例》集中宣讲解读",
        "lecture",
        unit_id("市纪委监委"),
        "市委党校报告厅",
        at("2022-05-17 09:00"),
        at("2022-05-17 11:00"),
        "县处级、科级",
        -1,
    )
    .await?;
    attend(tx, lecture, at("2022-05-17 08:40"), "p.rank IN ('县处级', '科级')", 23).await?;
    // 二 集中警示教育: the warning film in three sittings across the city.
    let screenings = [
        ("集中观看警示教育片（第一场）", "市委党校礼堂", "2022-05-18 09:00", "县处级"),
        ("集中观看警示教育片（第二场）", "市政府二楼会议室", "2022-05-18 14:30", "科级"),
        ("集中观看警示教育片（第三场）", "城关街道会议中心", "2022-05-19 09:00", "科级"),
    ];
    for (i, (title, venue, start, rank)) in screenings.iter().enumerate() {
        let starts = at(start);
        let id = sitting(
            tx,
            admin,
            activities[1],
            None,
            title,
            "warning",
            unit_id("市纪委监委"),
            venue,
            starts,
            starts + 7200,
            rank,
            -1,
        )
        .await?;
        // The two 科级 sittings split the cadres: departments first, townships after.
        let split = match i {
            1 => "AND u.type_code <> 'township' AND u.type_code <> 'village' AND u.type_code <> 'discipline_committee'",
            2 => "AND u.type_code IN ('township', 'village', 'discipline_committee')",
            _ => "",
        };
        sqlx::query(&format!(
            "INSERT INTO sitting_invitees (sitting_id, person_id)
             SELECT {id}, p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE p.rank = '{rank}' {split}"
        ))
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE sittings SET audience_ranks = '', audience_party = -1 WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        attend(
            tx,
            id,
            starts - 1200,
            &format!("p.id IN (SELECT person_id FROM sitting_invitees WHERE sitting_id = {id})"),
            13,
        )
        .await?;
    }
    // Each unit's own warning-education meeting, filling its task's ledger entry.
    let meetings = sqlx::query(
        "SELECT t.id AS task, t.unit_id, u.name, e.id AS entry FROM tasks t JOIN units u ON u.id = t.unit_id
         JOIN ledger_entries e ON e.task_id = t.id ORDER BY t.id LIMIT 12",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (i, m) in meetings.iter().enumerate() {
        let (task, unit, name, entry): (i64, i64, String, i64) =
            (m.get("task"), m.get("unit_id"), m.get("name"), m.get("entry"));
        let starts = at(&format!("2022-05-{:02} 15:00", 20 + i % 8));
        let id = sitting(
            tx,
            admin,
            activities[1],
            None,
            &format!("{name}警示教育大会"),
            "warning",
            unit,
            &format!("{name}会议室"),
            starts,
            starts + 5400,
            "",
            -1,
        )
        .await?;
        sqlx::query(
            "UPDATE sittings SET audience_unit_id = $1, task_id = $2, ledger_entry_id = $3 WHERE id = $4",
        )
        .bind(unit)
        .bind(task)
        .bind(entry)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let present = attend(
            tx,
            id,
            starts - 900,
            &format!("u.path LIKE (SELECT path FROM units WHERE id = {unit}) || '%'"),
            9,
        )
        .await?;
        sqlx::query("UPDATE ledger_entries SET participants = $1 WHERE id = $2")
            .bind(present)
            .bind(entry)
            .execute(&mut **tx)
            .await?;
    }
    // 六 主题党日: every branch of six departments; members sign the pledge there.
    for (i, dept) in
        ["市纪委监委", "市委组织部", "市委宣传部", "市财政局", "市教科局", "市公安局"].iter().enumerate()
    {
        let unit = unit_id(dept);
        let starts = at(&format!("2022-05-{:02} 09:00", 20 + i));
        let id = sitting(
            tx,
            admin,
            activities[5],
            None,
            &format!("{dept}党支部主题党日"),
            "party_day",
            unit,
            &format!("{dept}党员活动室"),
            starts,
            starts + 7200,
            "",
            1,
        )
        .await?;
        sqlx::query("UPDATE sittings SET audience_unit_id = $1 WHERE id = $2")
            .bind(unit)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        attend(tx, id, starts - 600, &format!("u.id = {unit} AND p.party_member = 1"), 11).await?;
    }
    // 九 清廉民企论谈会: open to the enterprises, by registration.
    let forum = sitting(
        tx,
        admin,
        activities[8],
        None,
        "“共商清廉建设，共谋清河发展”清廉民企论谈会",
        "forum",
        unit_id("市委统战部"),
        "市工商联会议室",
        at("2022-05-21 14:30"),
        at("2022-05-21 17:00"),
        "",
        -1,
    )
    .await?;
    sqlx::query("UPDATE sittings SET public = 1, registration_required = 1, capacity = 40 WHERE id = $1")
        .bind(forum)
        .execute(&mut **tx)
        .await?;
    for (i, (name, company)) in ENTREPRENEURS.iter().enumerate() {
        let phone = format!("1376000{:04}", i + 1);
        let rid: i64 = sqlx::query_scalar(
            "INSERT INTO registrations (sitting_id, name, phone, status, created_at, updated_at, phone_idx)
             VALUES ($1, $2, $3, 'registered', $4, $4, $5) RETURNING id",
        )
        .bind(forum)
        .bind(format!("{name}（{company}）"))
        .bind(tx.vault.seal(&phone))
        .bind(at("2022-05-19 10:00"))
        .bind(tx.vault.index(crate::vault::Blind::Phone, &phone))
        .fetch_one(&mut **tx)
        .await?;
        if i != 3 {
            sqlx::query("INSERT INTO checkins (sitting_id, attendee_key, registration_id, name, method, checked_at) VALUES ($1, $2, $3, $4, 'qr', $5)")
                .bind(forum).bind(format!("r:{rid}")).bind(rid).bind(format!("{name}（{company}）")).bind(at("2022-05-21 14:20"))
                .execute(&mut **tx).await?;
        }
    }
    // 七 初任培训: 56 new staff, three days; a few miss one day.
    let series: i64 = sqlx::query_scalar(
        "INSERT INTO sitting_series (activity_id, title, min_days, created_at) VALUES ($1, '2022年新进事业人员初任培训', 0, $2) RETURNING id",
    )
    .bind(activities[6]).bind(at("2022-05-10 09:00")).fetch_one(&mut **tx).await?;
    let trainees: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE rank = '新进事业人员' ORDER BY id")
            .fetch_all(&mut **tx)
            .await?;
    // A few miss one day each: the 5th and 17th the first day, the 29th the second, the 41st and 53rd the third.
    let missing = |day: i64| -> Vec<String> {
        let picks: &[usize] = match day {
            1 => &[4, 16],
            2 => &[28],
            _ => &[40, 52],
        };
        picks
            .iter()
            .filter_map(|i| trainees.get(*i))
            .map(|id| id.to_string())
            .chain(["0".to_string()])
            .collect()
    };
    for day in 1..=3 {
        let starts = at(&format!("2022-05-{:02} 08:30", 22 + day));
        let id = sitting(
            tx,
            admin,
            activities[6],
            Some((series, day)),
            &format!("“扣好第一粒风纪扣”初任培训（第{day}天）"),
            "training",
            unit_id("市委组织部"),
            "市党群服务中心",
            starts,
            starts + 8 * 3600,
            "新进事业人员",
            -1,
        )
        .await?;
        let absent = missing(day).join(", ");
        attend(tx, id, starts - 900, &format!("p.rank = '新进事业人员' AND p.id NOT IN ({absent})"), 0)
            .await?;
    }
    let completed = sqlx::query(&format!(
        "SELECT c.person_id FROM checkins c JOIN sittings s ON s.id = c.sitting_id WHERE s.series_id = {series}
         GROUP BY c.person_id HAVING COUNT(*) = 3"
    ))
    .fetch_all(&mut **tx)
    .await?;
    for r in completed {
        let person: i64 = r.get("person_id");
        sqlx::query(
            "INSERT INTO certificates (series_id, person_id, code, issued_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(series)
        .bind(person)
        .bind(signer.certificate_code(series, person))
        .bind(at("2022-05-26 10:00"))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The seed's study materials and pledges: the 监察法实施条例 given to county-rank cadres and
/// subscribed by section-rank cadres, the confession booklet and 《曝光台》 read and signed for,
/// pledges at the theme party days, of the enterprise alliance and of the approval bureau.
async fn reading_and_pledges(
    tx: &mut Tx,
    admin: i64,
    activities: &[i64],
    unit_id: &impl Fn(&str) -> i64,
) -> AppResult<()> {
    use crate::services::batch::Job;
    use crate::services::signatures::NewSignature;
    let at = |s: &str| crate::domain::parse_datetime("demo", s).unwrap_or_default();
    let jiwei = unit_id("市纪委监委");
    let materials = [
        (
            activities[0],
            "《中华人民共和国监察法实施条例》（赠阅本）",
            "booklet",
            "paper",
            "县处级",
            90,
            "2022-05-17 10:00",
        ),
        (
            activities[0],
            "《中华人民共和国监察法实施条例》（订阅）",
            "document",
            "subscription",
            "科级",
            80,
            "2022-05-18 10:00",
        ),
        (
            activities[1],
            "严重违纪违法党员干部忏悔录",
            "booklet",
            "online",
            "县处级、科级",
            86,
            "2022-05-19 20:00",
        ),
        (activities[1], "《曝光台》第三期", "booklet", "online", "县处级、科级", 74, "2022-05-20 20:00"),
    ];
    for (activity, title, kind, delivery, ranks, percent, when) in materials {
        let body = format!("{title}\n\n（正文略）请认真阅读，阅后签名。");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO materials (activity_id, host_unit_id, title, kind, body, delivery, due_date, min_read_seconds, audience_ranks,
                created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, '2022-05-31', 60, $7, $8, $9) RETURNING id",
        )
        .bind(activity).bind(jiwei).bind(title).bind(kind).bind(&body).bind(delivery).bind(ranks).bind(admin).bind(at("2022-05-16 09:00"))
        .fetch_one(&mut **tx)
        .await?;
        let rank_list: Vec<String> = ranks.split('、').map(|r| format!("'{r}'")).collect();
        let readers = sqlx::query(&format!(
            "SELECT id, name FROM people WHERE rank IN ({}) ORDER BY id",
            rank_list.join(", ")
        ))
        .fetch_all(&mut **tx)
        .await?;
        for (i, r) in readers.iter().enumerate() {
            let (person, name): (i64, String) = (r.get("id"), r.get("name"));
            let opened = (i * 100 / readers.len().max(1)) as i64 % 100 < percent + 8;
            let signs = (person * 37 % 100) < percent && opened;
            let t = at(when) + (person * 53) % 86_400;
            sqlx::query("INSERT INTO material_receipts (material_id, person_id, delivered_at, opened_at) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(person).bind(at("2022-05-16 09:00")).bind(if opened || signs { t - 600 } else { 0 })
                .execute(&mut **tx).await?;
            if signs {
                let sig = NewSignature {
                    subject: "material",
                    subject_id: id,
                    version: 1,
                    signer_key: format!("p:{person}"),
                    person_id: Some(person),
                    name,
                    org: String::new(),
                    phone: String::new(),
                    method: "drawn",
                    svg: demo_strokes(person).svg(),
                    text: body.clone(),
                    ip: "10.0.0.1".into(),
                    by_user: None,
                    signed_at: Some(t),
                    consent: String::new(),
                };
                sig.record(tx).await?;
            }
        }
    }
    let pledges = [
        (Some(activities[5]), "廉洁自律承诺书", "本人郑重承诺：严守政治纪律和政治规矩，严格执行中央八项规定精神，不以权谋私，不收受礼金礼品，自觉接受监督，做到清正廉洁。", unit_id("市委组织部"), false, "party"),
        (Some(activities[8]), "亲清政商关系承诺书", "一、坚持守法诚信经营，依法纳税。\n二、不行贿、不送礼，不向公职人员输送利益。\n三、自觉维护公平竞争的市场秩序，共建亲清政商关系。", unit_id("市委统战部"), true, "public"),
        (Some(activities[9]), "阳光政务、清廉审批、我践行", "我承诺：依法审批、阳光审批、高效审批，不吃拿卡要，不推诿扯皮，让群众和企业办事更方便。", unit_id("市行政审批服务管理局"), false, "bureau"),
    ];
    for (activity, title, body, host, public, who) in pledges {
        let (audience_unit, party) = match who {
            "bureau" => (Some(host), -1),
            "party" => (None, 1),
            _ => (None, -1),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pledges (activity_id, host_unit_id, title, body, public, audience_unit_id, audience_party, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(activity).bind(host).bind(title).bind(body).bind(public as i64).bind(audience_unit).bind(party).bind(admin).bind(at("2022-05-16 09:00"))
        .fetch_one(&mut **tx)
        .await?;
        let signers: Vec<(Option<i64>, String, String, String)> = match who {
            "public" => {
                let known = ENTREPRENEURS.iter().map(|(n, c)| (n.to_string(), c.to_string()));
                let more = (0..36).map(|i| {
                    let name = format!(
                        "{}{}",
                        ["刘", "陈", "杨", "黄", "赵", "孙"][i % 6],
                        ["建华", "秀英", "志强", "丽娟", "海燕", "国栋"][(i / 6) % 6]
                    );
                    (name, ["清河商贸有限公司", "清河机械厂", "清河米业合作社"][i % 3].to_string())
                });
                known
                    .chain(more)
                    .enumerate()
                    .map(|(i, (n, c))| (None, n, c, format!("1376100{i:04}")))
                    .collect()
            }
            _ => {
                let cond = if who == "party" {
                    "p.party_member = 1 AND u.name IN ('市纪委监委', '市委组织部', '市委宣传部', '市财政局', '市教科局', '市公安局')".to_string()
                } else {
                    format!("p.unit_id = {host}")
                };
                sqlx::query(&format!("SELECT p.id, p.name, u.name AS unit, p.phone FROM people p JOIN units u ON u.id = p.unit_id WHERE {cond} ORDER BY p.id"))
                    .fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .filter(|r| r.get::<i64, _>("id") % 11 != 0)
                    .map(|r| Ok((Some(r.get("id")), r.get("name"), r.get("unit"), tx.vault.column(r, "phone")?)))
                    .collect::<AppResult<_>>()?
            }
        };
        for (i, (person, name, org, phone)) in signers.into_iter().enumerate() {
            let key = match person {
                Some(p) => format!("p:{p}"),
                None => format!("x:{}", tx.vault.index(crate::vault::Blind::Phone, &phone)),
            };
            let sig = NewSignature {
                subject: "pledge",
                subject_id: id,
                version: 1,
                signer_key: key,
                person_id: person,
                name,
                org,
                phone,
                method: "drawn",
                svg: demo_strokes(i as i64 + id * 1000).svg(),
                text: format!("{title}\n{body}"),
                ip: "10.0.0.2".into(),
                by_user: None,
                signed_at: Some(at("2022-05-21 15:00") + i as i64 * 47),
                consent: if person.is_none() { Form::Pledge.notice() } else { String::new() },
            };
            sig.record(tx).await?;
        }
    }
    Ok(())
}

/// 四 社会层面宣传: posters in 300 bus shelters, banners on 40 streets, 60 electronic screens,
/// boards at the station, slogans on buses, online pieces.
async fn publicity(tx: &mut Tx, campaign: i64, admin: i64, unit_id: &impl Fn(&str) -> i64) -> AppResult<()> {
    let dept = unit_id("市委宣传部");
    let districts = ["城关街道", "东庄乡", "柳河镇", "白杨乡", "青山镇"];
    let mut rows: Vec<(&str, &str, String, &str, i64)> = Vec::new();
    for i in 0..300 {
        rows.push(("poster", "public_place", format!("第{}号公交站台", i + 1), districts[i % 5], 4));
    }
    for i in 0..40 {
        rows.push((
            "banner",
            "public_place",
            format!("{}主干道", ["人民路", "建设路", "解放路", "五一路", "清河大道"][i % 5]),
            districts[i % 5],
            2,
        ));
    }
    for i in 0..60 {
        rows.push(("slogan", "screen", format!("商圈电子屏{}号", i + 1), districts[i % 5], 1));
    }
    rows.push(("board", "public_place", "清河火车站广场".into(), "城关街道", 12));
    rows.push(("slogan", "transport", "1路至12路公交车车身".into(), "城关街道", 48));
    rows.push(("goods", "public_place", "市民服务中心".into(), "城关街道", 500));
    for (i, account) in ["清河发布", "清风清河", "清河日报"].iter().enumerate() {
        rows.push(("slogan", "online", format!("{account}公众号"), "", 5 + i as i64));
    }
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                format!(
                    "({campaign}, {dept}, ${}, ${}, ${}, ${}, ${}, '2022-05-16', '2022-05-22', {admin}, 0)",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO placements (campaign_id, unit_id, material, channel, place, district, quantity, start_date, end_date, created_by, created_at)
             VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (material, channel, place, district, quantity) in chunk {
            q = q.bind(*material).bind(*channel).bind(place.clone()).bind(*district).bind(*quantity);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// "疫情防控期间开展监督检查345次": inspections of the epidemic-control discipline across the
/// city from March to June 2022, with findings; most rectified, a few still open.
async fn inspections(
    tx: &mut Tx,
    campaign: i64,
    admin: i64,
    epidemic: i64,
    units: &[(i64, String, String)],
) -> AppResult<()> {
    const FOCUS: [&str; 3] = ["疫情防控纪律", "防疫物资管理", "值班值守"];
    const PROBLEMS: [(&str, &str, &str); 4] = [
        ("值班值守", "low", "值班记录不完整"),
        ("物资管理", "medium", "防疫物资出入库台账不规范"),
        ("工作作风", "medium", "卡口人员未按要求核验"),
        ("纪律执行", "high", "擅自离岗"),
    ];
    for i in 0..345usize {
        let (unit, _, _) = &units[(i * 7) % units.len()];
        let day = format!("2022-{:02}-{:02}", 3 + i % 4, 1 + (i * 3) % 28);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspections (campaign_id, inspected_on, unit_id, focus, team, summary, theme_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, '市纪委监委第一监督检查室', '', $5, $6, 0) RETURNING id",
        )
        .bind(campaign)
        .bind(&day)
        .bind(unit)
        .bind(FOCUS[i % 3])
        .bind(epidemic)
        .bind(admin)
        .fetch_one(&mut **tx)
        .await?;
        if i % 5 == 0 {
            let (category, severity, description) = PROBLEMS[i % 4];
            let closed = i % 35 != 0;
            sqlx::query(
                "INSERT INTO findings (inspection_id, category, severity, description, owner_unit_id, deadline, status, evidence, closed_at, closed_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(category)
            .bind(severity)
            .bind(description)
            .bind(unit)
            .bind(format!("2022-{:02}-28", 3 + i % 4))
            .bind(if closed { "closed" } else { "open" })
            .bind(if closed { "已完成整改并建立长效机制" } else { "" })
            .bind(if closed { 1 } else { 0 })
            .bind(closed.then_some(admin))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// 清廉单元: the checklists, 东庄村 named a 清廉村居 on its four goals, 五一路派出所 a 清廉派出所,
/// and the approval bureau's 清廉窗口 awaiting evaluation.
async fn integrity_units(
    tx: &mut Tx,
    admin: i64,
    campaign: i64,
    themes: &[i64],
    unit_id: &impl Fn(&str) -> i64,
) -> AppResult<()> {
    let checklists: [(&str, &str, &[&str]); 6] = [
        (
            "village",
            "清廉村居",
            &[
                "班子清廉：村两委班子成员廉洁履职",
                "村务清爽：村务、财务、党务公开透明",
                "民风清朗：村规民约倡廉、移风易俗",
                "队伍清正：村干部队伍作风过硬",
            ],
        ),
        (
            "police_station",
            "清廉派出所",
            &["清廉教育：常态化开展廉政教育", "清廉执法：执法规范、公开、公正", "清廉服务：群众满意度高"],
        ),
        ("window", "清廉窗口", &["阳光政务：办事流程公开", "清廉审批：无吃拿卡要", "高效服务：限时办结"]),
        (
            "office",
            "清廉机关",
            &["制度建设：权力运行制度健全", "作风建设：无违反八项规定精神问题", "文化建设：清廉文化进机关"],
        ),
        (
            "school",
            "清廉学校",
            &["清廉管理：招生、采购规范", "清廉课堂：廉洁教育进课堂", "清廉家风：家校共育"],
        ),
        (
            "enterprise",
            "清廉民企",
            &["合规经营：依法诚信经营", "亲清关系：不行贿不送礼", "廉洁文化：企业廉洁文化建设"],
        ),
    ];
    let mut type_ids = std::collections::HashMap::new();
    for (code, name, criteria) in checklists {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO integrity_types (code, name, version, pass_score, created_at) VALUES ($1, $2, 1, $3, 0) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(criteria.len() as i64 * 20)
        .fetch_one(&mut **tx)
        .await?;
        for (i, text) in criteria.iter().enumerate() {
            sqlx::query(
                "INSERT INTO integrity_criteria (type_id, seq, text, max_score) VALUES ($1, $2, $3, 25)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(*text)
            .execute(&mut **tx)
            .await?;
        }
        type_ids.insert(code, id);
    }
    // 四个结合: 东庄村 serves 乡村振兴, the police station and the window 基层服务.
    let creations = [
        ("village", "东庄村", "recognised", 23, themes[2]),
        ("police_station", "五一路派出所", "recognised", 22, themes[3]),
        ("window", "市行政审批服务管理局", "submitted", 0, themes[3]),
    ];
    for (code, unit, status, score, theme) in creations {
        let type_id = type_ids[code];
        let application: i64 = sqlx::query_scalar(
            "INSERT INTO integrity_applications (type_id, unit_id, campaign_id, theme_id, status, total_score, evaluator_id, submitted_at, decided_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, 0, 0) RETURNING id",
        )
        .bind(type_id)
        .bind(unit_id(unit))
        .bind(campaign)
        .bind(theme)
        .bind(status)
        .bind((status != "submitted").then_some(admin))
        .fetch_one(&mut **tx)
        .await?;
        let criteria = sqlx::query("SELECT id, text FROM integrity_criteria WHERE type_id = $1 ORDER BY seq")
            .bind(type_id)
            .fetch_all(&mut **tx)
            .await?;
        for c in &criteria {
            let text: String = c.get("text");
            sqlx::query("INSERT INTO integrity_items (application_id, criterion_id, statement, score) VALUES ($1, $2, $3, $4)")
                .bind(application)
                .bind(c.get::<i64, _>("id"))
                .bind(format!("{unit}围绕“{}”开展创建，建立台账、落实责任。", text.split('：').next().unwrap_or(&text)))
                .bind((status != "submitted").then_some(score))
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("UPDATE integrity_applications SET total_score = $1 WHERE id = $2")
            .bind(if status == "submitted" { 0 } else { score * criteria.len() as i64 })
            .bind(application)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A plausible hand-drawn signature, different for each seed.
fn demo_strokes(seed: i64) -> crate::services::signatures::Strokes {
    let wave = |base: f64, k: i64| -> Vec<(f64, f64)> {
        (0..12)
            .map(|j| (base + j as f64 * 28.0, 200.0 + (((seed * 7 + k * 13 + j * 29) % 120) as f64 - 60.0)))
            .collect()
    };
    crate::services::signatures::Strokes(vec![wave(120.0, 1), wave(480.0, 2)])
}

const ENTREPRENEURS: [(&str, &str); 6] = [
    ("周建平", "清河钢铁有限公司"),
    ("吴丽华", "清河农业科技有限公司"),
    ("郑国强", "清河建工集团有限公司"),
    ("王海燕", "清河绿源食品有限公司"),
    ("冯志刚", "清河宏达物流有限公司"),
    ("陈晓东", "清河宏达物流有限公司"),
];

#[allow(clippy::too_many_arguments)]
async fn sitting(
    tx: &mut Tx,
    admin: i64,
    activity: i64,
    series: Option<(i64, i64)>,
    title: &str,
    kind: &str,
    host: i64,
    venue: &str,
    starts: i64,
    ends: i64,
    ranks: &str,
    party: i64,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO sittings (activity_id, series_id, day_no, title, kind, host_unit_id, venue, starts_at, ends_at, audience_ranks,
            audience_party, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $8) RETURNING id",
    )
    .bind(activity)
    .bind(series.map(|s| s.0))
    .bind(series.map(|s| s.1).unwrap_or(1))
    .bind(title)
    .bind(kind)
    .bind(host)
    .bind(venue)
    .bind(starts)
    .bind(ends)
    .bind(ranks)
    .bind(party)
    .bind(admin)
    .fetch_one(&mut **tx)
    .await?)
}

/// Signs in those matching `who` (a condition over people p and units u), all but every
/// `absent_every`-th, spread over the half hour from `from`. Returns how many came.
async fn attend(tx: &mut Tx, sitting: i64, from: i64, who: &str, absent_every: i64) -> AppResult<i64> {
    let absent = if absent_every > 0 { format!("AND (p.id % {absent_every}) <> 0") } else { String::new() };
    let n = sqlx::query(&format!(
        "INSERT INTO checkins (sitting_id, attendee_key, person_id, name, method, checked_at)
         SELECT {sitting}, 'p:' || p.id, p.id, p.name, CASE WHEN p.id % 10 = 0 THEN 'clerk' ELSE 'qr' END, {from} + (p.id * 37) % 1800
         FROM people p JOIN units u ON u.id = p.unit_id WHERE {who} {absent}"
    ))
    .execute(&mut **tx)
    .await?;
    Ok(n.rows_affected() as i64)
}

const GUIDING: &str = "深入贯彻落实中央、省、市关于全面推进清廉建设的部署要求，全方位、多层次、有重点地开展“清廉清河宣传周”活动，坚持面上推进、点上打造、点面结合，在全市各部门、各层级、各领域广泛开展宣传活动，不断浓厚清廉清河宣传氛围。";
const REQUIREMENTS: &str = "一、提高思想认识，各单位主要负责人亲自部署、亲自推动。\n二、结合本地本单位实际，认真组织开展“十个一”系列活动，做到有计划、有记录、有成效。\n三、各单位于活动结束后及时报送工作台账（时间、地点、参加人数、活动简况及图片资料）。";

type ActivitySeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [usize],
    &'static str,
    &'static str,
);

const ACTIVITIES: [ActivitySeed; 10] = [
    ("lecture", "开展一次集中教育宣讲", "市纪委监委", &[], &[1], "党员干部、公职人员，特别是党员领导干部",
     "结合《监察法》公布施行四周年，聚焦深入学习贯彻《监察法实施条例》，开展集中教育和宣讲解读；向县级干部赠阅、督促科级干部订阅《监察法实施条例》。"),
    ("warning_education", "开展一次集中警示教育", "市纪委监委", &[], &[1], "全市科级以上领导干部",
     "组织集中观看警示教育片，发放忏悔录、《曝光台》，实行阅后签名制度；各单位开展一次集中警示教育大会。"),
    ("interview", "开展一次访谈约稿活动", "市纪委监委", &[], &[1], "各单位“一把手”",
     "在主流媒体开辟“清廉清河建设大家谈”栏目，以视频访谈或书面约稿形式邀请各单位“一把手”谈认识、讲举措、话进展。"),
    ("publicity", "开展一轮社会层面宣传", "市委宣传部", &[], &[3], "全社会",
     "运用网络媒体、公共场所、交通工具、电子屏等载体，制作标语、横幅、海报、展板、围挡、宣传品，开展社会宣传。"),
    ("call_for_works", "开展一次“清廉清河”诗歌散文征集活动", "市委宣传部", &[], &[], "社会公众",
     "面向社会公开征集以廉洁为主题的优秀诗歌散文作品，在主流媒体和平台公开展出。"),
    ("party_day", "开展一次主题党日活动", "市委组织部", &[], &[1], "全市基层党组织",
     "围绕“正风肃纪零容忍，警钟长鸣守廉洁”主题，通报典型案例、观看警示教育片、签订廉洁自律承诺书、学习相关文件。"),
    ("training", "开展一次廉洁教育主题活动", "市委组织部", &[], &[1], "全市新进事业人员",
     "以“建设清廉清河，年轻干部扣好第一粒风纪扣”为主题，在党群服务中心开展为期三天的初任培训。"),
    ("family", "开展一次清廉家风创建系列活动", "市妇联", &["市教科局"], &[2], "党员干部家庭、中小学生",
     "以“树清廉家风，建最美家庭”“小手拉大手，廉洁树家风”等为主题，把清廉从政和廉洁齐家、清廉学校与廉洁家风结合起来。"),
    ("enterprise_forum", "开展一次清廉民企论谈会", "市委统战部", &[], &[2], "民营企业",
     "成立清廉民企联盟，开展亲清政商关系承诺签名活动，组织“共商清廉建设，共谋清河发展”主题论谈会。"),
    ("business_environment", "开展一次优化营商环境活动", "市行政审批服务管理局", &[], &[3], "政务服务窗口工作人员",
     "组织“阳光政务、清廉审批、我践行”签名活动，建立“清廉窗口”，推进“清廉机关”建设。"),
];

/// The seed's documents as a city issues them: the notice is the 市委's (a 下行文 to the
/// townships and departments), the report the 纪委监委's to the 市委 (a 上行文, with its 签发人).
fn paperwork() -> String {
    use crate::services::report::paperwork::{Furniture, Paperwork};
    let p = Paperwork {
        notice: Furniture {
            organ: "中共清河市委员会文件".into(),
            number: "清发〔2022〕8号".into(),
            issuer: "中共清河市委".into(),
            copy_to: "市人大常委会办公室，市政府办公室，市政协办公室，市法院，市检察院。".into(),
            printer: "中共清河市委办公室".into(),
            printed_on: "2022-05-16".into(),
            ..Default::default()
        },
        report: Furniture {
            organ: "中共清河市纪律检查委员会".into(),
            number: "清纪报〔2022〕9号".into(),
            signer: "王清和".into(),
            addressee: "中共清河市委：".into(),
            copy_to: "省纪委监委宣传部。".into(),
            printer: "清河市纪委监委办公室".into(),
            ..Default::default()
        },
    };
    serde_json::to_string(&p).expect("paperwork is plain data")
}
