//! The seed's 五 (诗歌散文征集) and 三 (“清廉清河建设大家谈”): a call for poems and essays with
//! entries written for the demo — one a near-copy of last year's winner, one held by the word
//! filter — scored by a jury of five and its winners published; column pieces from unit heads;
//! and news on the portal.

use serde_json::json;

use crate::db::Engine;
use crate::db::{now, Tx};
use crate::domain::{parse_datetime, Role};
use crate::error::AppResult;
use crate::services::works::{self, Call, Criterion, Genre, SubmissionInput};
use crate::services::{audit, portal, search, users};

/// The jury's accounts: user name, display name.
pub const JURORS: [(&str, &str); 5] = [
    ("pingwei1", "评委 周明"),
    ("pingwei2", "评委 林岚"),
    ("pingwei3", "评委 郑和平"),
    ("pingwei4", "评委 吴晓梅"),
    ("pingwei5", "评委 陈志远"),
];

/// Last year's winner, kept so that copying it is noticed.
const REFERENCE: (&str, &str) = (
    "清风颂",
    "一缕清风过山岗，吹开廉洁的花香。村头的老槐树下，支书把账目一笔笔晾在阳光里。乡亲们说，干净的账本，比金子还亮堂。一缕清风进机关，吹散案头的浮尘，也吹醒贪念的梦。守住第一道门槛，才守得住一生的清白。",
);

/// Forty lines written for the demo. Poem i takes lines i, i+7, i+17 and i+29 (mod 40): any two
/// poems share at most one line, so none reads as a copy of another.
const LINES: [&str; 40] = [
    "清风拂过麦田，吹开一地金黄",
    "村口的老槐树，记得每一笔账目",
    "母亲把旧布衫补了又补",
    "一盏台灯照亮深夜的案卷",
    "山泉从石缝里流出，干净透亮",
    "父亲说，手伸长了就会被捉",
    "晨钟敲醒小城的街巷",
    "荷叶上的露珠不染半点尘",
    "干部走进田埂，裤脚沾满泥土",
    "账本摊在阳光下，乡亲们看得清楚",
    "一张退回的购物卡，重过千斤",
    "孩子在作文里写下“清白”两个字",
    "松柏在崖畔站成挺拔的样子",
    "窗口的笑脸，是群众最好的口碑",
    "红线画在心上，比画在纸上更牢",
    "我们把初心种进春天的泥土",
    "小河弯弯，绕过整洁的院落",
    "夜校的灯光里，有人在学纪律",
    "一碗清汤面，待客也待己",
    "警钟长鸣，在每个平凡的清晨",
    "旧房檐下，燕子衔来新泥",
    "一封家书，嘱咐要守住本分",
    "公示栏里的每个数字都有来处",
    "风吹过，竹林发出清脆的声响",
    "老党员的党费，一分也不少交",
    "审批窗口前不再排起长队",
    "家训挂在堂屋，一代一代传下去",
    "月光洒在水面，照见清澈的心",
    "廉洁像一粒种子，在心里发芽",
    "他拒绝了那只鼓鼓的信封",
    "清廉清河，是我们共同的名字",
    "稻花香里，说的是好日子",
    "监督的目光，像春风一样无处不在",
    "一本笔记，记下群众的急难愁盼",
    "路灯下，网格员还在走访",
    "把权力关进制度的笼子",
    "清白做人，干净做事",
    "山路十八弯，弯弯有人守护",
    "我们唱着歌，走在阳光大道上",
    "愿这片土地永远风清气正",
];

/// A title of its own for each demo poem, as real entries have.
const POEM_TITLES: [&str; 24] = [
    "清风吟",
    "明月照初心",
    "青山颂",
    "春雨润无声",
    "松柏之歌",
    "荷塘清韵",
    "家训如灯",
    "廉泉水长",
    "一本明白账",
    "守住那道门",
    "清风竹韵",
    "老支书的灯",
    "丹心向党",
    "清白传家",
    "风正一帆悬",
    "梅香自苦寒",
    "村口的公示栏",
    "不负人民",
    "小巷清风",
    "红船初心",
    "莲的品格",
    "父亲的叮嘱",
    "清河水长流",
    "干净做事",
];

fn poem(i: usize) -> (String, String) {
    let lines: Vec<&str> = [0, 7, 17, 29].iter().map(|d| LINES[(i + d) % 40]).collect();
    (POEM_TITLES[i % POEM_TITLES.len()].to_string(), format!("{}。", lines.join("；\n")))
}

const ESSAYS: [(&str, &str); 2] = [
    (
        "父亲的账本",
        "我的父亲在村里当了二十年会计。他有一个蓝皮账本，封面早已磨得发白，里面一笔一笔记着村里的每一项收支：修路买了多少水泥，低保发给了哪几户，连买一盒图钉都写得清清楚楚。小时候我不明白，为什么他总要把账本拿到村委会门口，摊开在长桌上，让来来往往的乡亲随便翻看。父亲说，公家的钱，一分一厘都要见得了光。后来我考上了公务员，第一天上班前，父亲把那本旧账本交到我手里，什么也没说。我知道，他是想让我记住，手中的每一项权力都连着群众的信任。如今，我的办公桌上也放着一个本子，记下经手的每一件事。每当有人想走捷径、托关系，我就想起父亲在阳光下摊开账本的样子。清清白白做人，明明白白做事，这是父亲留给我最珍贵的家当。我也想把这个本子，连同这份嘱托，有一天交到我的孩子手里，让清白的家风一代一代传下去。",
    ),
    (
        "村口那盏灯",
        "村口有一盏路灯，亮了很多年。它是老支书带着大家自己集资装起来的，电费每个月从村集体收入里出，账目就贴在灯下的公示栏里。夏天的晚上，乡亲们爱在灯下乘凉，孩子们围着公示栏念上面的数字，谁家领了补贴，哪条路花了多少钱，大家心里都有一本明白账。有一年，有人想借修路的名义多报些材料费，老支书把人请到灯下，当着大伙的面一项项核对，最后那人红着脸把多报的钱退了回来。从那以后，村里再没出过这样的事。老支书退休那天，大家在灯下给他开了一个简单的欢送会。他说，灯亮着，人心就亮着；账清了，民心就顺了。现在，新来的年轻干部接过了这盏灯，也接过了这份清白。每次回村，我都会在灯下站一会儿，看看公示栏里新贴的账目，心里踏实而温暖。我想，清廉就是这样一盏灯，照亮了村口的小路，也照亮了每一个人回家的方向。",
    ),
];

fn essay(i: usize) -> (String, String) {
    (ESSAYS[i % 2].0.to_string(), ESSAYS[i % 2].1.to_string())
}

/// Loads the call, its entries, scores and winners, the column and the news.
pub async fn load(
    tx: &mut Tx,
    engine: Engine,
    hash: &str,
    admin: i64,
    campaign: i64,
    activities: &[i64],
    unit_id: &impl Fn(&str) -> i64,
) -> AppResult<i64> {
    let at = |s: &str| parse_datetime("demo", s).unwrap_or_default();
    let mut jurors = Vec::new();
    for (name, display) in JURORS {
        let id = users::insert(tx, name, display, hash, false).await?;
        users::grant_in(tx, id, Role::Member, 0).await?;
        jurors.push(id);
    }
    for w in ["赌博", "色情", "反动"] {
        sqlx::query("INSERT INTO banned_words (word, created_at) VALUES ($1, 0)")
            .bind(w)
            .execute(&mut **tx)
            .await?;
    }
    works::add_reference(tx, REFERENCE.0, "2021年征集获奖作品", REFERENCE.1).await?;

    let genres = vec![
        Genre { code: "poem".into(), name: "诗歌".into(), min_chars: 8, max_chars: 800 },
        Genre { code: "essay".into(), name: "散文".into(), min_chars: 300, max_chars: 3000 },
    ];
    let groups = vec!["adult".to_string(), "youth".to_string()];
    let (opens, closes) = (at("2022-05-16 09:00"), at("2022-06-05 18:00"));
    let call_id: i64 = sqlx::query_scalar(
        "INSERT INTO calls (campaign_id, activity_id, title, rules, genres, groups_json, opens_at, closes_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7) RETURNING id",
    )
    .bind(campaign)
    .bind(activities[4])
    .bind("“清廉清河”诗歌散文征集")
    .bind("<p>围绕全面从严治党、全面建设清廉清河，面向社会征集以廉洁为主题的诗歌、散文。</p><ul><li>诗歌不超过800字，散文300至3000字。</li><li>作品须为原创，未公开发表。</li><li>青少年组作品须由监护人同意。</li></ul>")
    .bind(serde_json::to_string(&genres).unwrap_or_default())
    .bind(serde_json::to_string(&groups).unwrap_or_default())
    .bind(opens)
    .bind(closes)
    .bind(admin)
    .fetch_one(&mut **tx)
    .await?;
    let mut criteria = Vec::new();
    for (i, (name, weight)) in
        [("思想内容", 40), ("艺术表现", 30), ("语言文字", 20), ("创新特色", 10)].iter().enumerate()
    {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO call_criteria (call_id, seq, name, weight, max_score) VALUES ($1, $2, $3, $4, 10) RETURNING id",
        )
        .bind(call_id)
        .bind(i as i64 + 1)
        .bind(*name)
        .bind(*weight)
        .fetch_one(&mut **tx)
        .await?;
        criteria.push(Criterion { id, name: name.to_string(), weight: *weight, max_score: 10 });
    }
    for j in &jurors {
        sqlx::query("INSERT INTO call_jurors (call_id, user_id) VALUES ($1, $2)")
            .bind(call_id)
            .bind(j)
            .execute(&mut **tx)
            .await?;
    }
    let call = Call {
        id: call_id,
        campaign_id: campaign,
        title: String::new(),
        rules: String::new(),
        genres,
        groups,
        opens_at: opens,
        closes_at: closes,
        status: "open".into(),
        criteria: criteria.clone(),
    };

    // 30 entries: 24 poems and 2 essays by adults and young people, a near-copy and a held one.
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    let given = ["晓燕", "建国", "思远", "雨桐", "明轩", "海峰", "子涵", "秀英", "文博", "欣怡"];
    let mut entries: Vec<(String, String, &str, &str)> = (0..24)
        .map(|i| {
            let (t, b) = poem(i);
            (t, b, "poem", if i % 4 == 3 { "youth" } else { "adult" })
        })
        .collect();
    for i in 0..2 {
        let (t, b) = essay(i);
        debug_assert!(crate::domain::screening::counted_chars(&b) >= 300);
        entries.push((t, b, "essay", "adult"));
    }
    entries.push((
        "清风吟（仿作）".into(),
        format!("{}我们要学习这样的好作风。", REFERENCE.1),
        "poem",
        "adult",
    ));
    entries.push((
        "远离赌博，守住清白".into(),
        "小小麻将桌，输掉好前程。远离赌博不沾边，清清白白做干部。家风正，党风清。".into(),
        "poem",
        "adult",
    ));
    let mut ids = Vec::new();
    for (i, (title, body, genre, group)) in entries.iter().enumerate() {
        let input = SubmissionInput {
            author: format!("{}{}", surnames[i % 10], given[(i * 3) % 10]),
            contact: format!("1380000{:04}", i + 1),
            guardian: if *group == "youth" { format!("{}父", surnames[i % 10]) } else { String::new() },
            group: group.to_string(),
            genre: genre.to_string(),
            title: title.clone(),
            body: body.clone(),
            declaration: true,
            consent: true,
            notice: None,
        };
        let r =
            works::submit_in(tx, &call, &input, "10.0.0.3", at("2022-05-20 10:00") + i as i64 * 3600).await?;
        ids.push((r.work_id, r.status));
    }

    // Five jurors score every entry let through, one declares a conflict.
    let scored: Vec<i64> = ids.iter().filter(|(_, s)| s == "submitted").map(|(id, _)| *id).collect();
    for (j, juror) in jurors.iter().enumerate() {
        for (k, work) in scored.iter().enumerate() {
            if j == 0 && k == 2 {
                sqlx::query("INSERT INTO conflicts (work_id, user_id, reason, created_at) VALUES ($1, $2, '作者为本人亲属', $3)")
                    .bind(work)
                    .bind(juror)
                    .bind(closes + 600)
                    .execute(&mut **tx)
                    .await?;
                continue;
            }
            for (c, criterion) in criteria.iter().enumerate() {
                // Each work has its quality; jurors differ a little around it.
                let quality = 3 + (work * 37 + 11) % 7;
                let noise = (work * 13 + j as i64 * 7 + c as i64 * 3) % 3 - 1;
                let score = (quality + noise).clamp(0, 10);
                sqlx::query("INSERT INTO scores (work_id, user_id, criterion_id, score, comment, created_at) VALUES ($1, $2, $3, $4, '', $5)")
                    .bind(work)
                    .bind(juror)
                    .bind(criterion.id)
                    .bind(score)
                    .bind(closes + 3600)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    let system = users::system_actor();
    audit::record(tx, &system, "demo.call", "call", call_id, json!({"entries": ids.len()})).await?;
    column(tx, engine, campaign, unit_id).await?;
    news(tx, engine, campaign, admin).await?;
    Ok(call_id)
}

/// The department's decision once the demo is stored: the best works of each group by the
/// jury's trimmed mean get the prizes, and the winners are published, through the same use
/// cases as the pages.
pub async fn award(app: &crate::services::App, call_id: i64) -> AppResult<()> {
    let system = users::system_actor();
    let standings = crate::services::jury::standings(app, &system, call_id).await?;
    let tiers = ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", "优秀奖", "优秀奖"];
    for group in ["adult", "youth"] {
        // A flagged near-copy gets no prize.
        let best = standings.ranking.iter().filter(|r| r.group == group && !r.flagged);
        let count = if group == "adult" { tiers.len() } else { 3 };
        for (r, prize) in best.zip(tiers.iter().skip(if group == "adult" { 0 } else { 1 })).take(count) {
            crate::services::jury::decide(app, &system, r.work_id, prize).await?;
        }
    }
    crate::services::jury::publish(app, &system, call_id).await?;
    Ok(())
}

async fn column(tx: &mut Tx, engine: Engine, campaign: i64, unit_id: &impl Fn(&str) -> i64) -> AppResult<()> {
    let pieces = [
        ("市纪委监委", "published", "2022-05-17", "article", "以清廉清河建设护航高质量发展", "清廉建设是一项系统工程。市纪委监委坚持把监督挺在前面，推动清廉单元建设向基层延伸，让清廉成为全市干部群众的自觉追求。"),
        ("市委组织部", "published", "2022-05-18", "article", "让年轻干部扣好廉洁从政第一粒扣子", "我们把廉洁教育纳入新进人员初任培训必修课，通过警示教育、廉洁谈话、承诺签名，引导年轻干部知敬畏、存戒惧、守底线。"),
        ("东庄乡", "published", "2022-05-19", "video", "清廉村居建设的东庄实践", "东庄乡围绕班子清廉、村务清爽、民风清朗、队伍清正的目标，推进村务公开和小微权力清单，群众满意度持续提升。"),
        ("五一路派出所", "published", "2022-05-20", "article", "清廉执法 温暖服务", "派出所把清廉元素融入执法办案和窗口服务全过程，推行执法全程记录，群众办事更方便、更放心。"),
        ("市行政审批服务管理局", "submitted", "", "article", "阳光审批 清廉窗口", "我们推行一窗受理、限时办结，把权力晒在阳光下，让企业和群众办事不求人。"),
        ("清河钢铁有限公司", "invited", "", "", "", ""),
    ];
    let t = now();
    for (unit, status, on, kind, title, body) in pieces {
        let uid = unit_id(unit);
        let head = portal::head_of(tx, uid, unit).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO column_pieces (campaign_id, unit_id, head_name, due_date, kind, title, video_link, body, status, publish_on, created_at, updated_at)
             VALUES ($1, $2, $3, '2022-05-25', $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(campaign)
        .bind(uid)
        .bind(&head)
        .bind(kind)
        .bind(title)
        .bind(if kind == "video" { "https://video.qinghe.example/interview/dongzhuang" } else { "" })
        .bind(body)
        .bind(status)
        .bind(on)
        .bind(t)
        .fetch_one(&mut **tx)
        .await?;
        if status == "published" {
            search::put(tx, engine, "column", id, title, &head, body).await?;
        }
    }
    Ok(())
}

async fn news(tx: &mut Tx, engine: Engine, campaign: i64, admin: i64) -> AppResult<()> {
    let items = [
        ("2022-05-16 09:00", "2022年清廉清河宣传周正式启动", "5月16日，2022年清廉清河宣传周启动，全市各部门、各层级、各领域同步开展“十个一”系列活动。"),
        ("2022-05-26 17:00", "56名新进事业人员完成初任培训", "为期三天的初任培训在市党群服务中心结业，新进事业人员签订廉洁自律承诺书。"),
        ("2022-06-10 10:00", "“清廉清河”诗歌散文征集获奖作品揭晓", "经评委匿名评审，征集活动评选出一等奖1篇、二等奖2篇、三等奖3篇、优秀奖2篇，获奖作品在清廉门户公开展出。"),
    ];
    for (when, title, body) in items {
        let at = parse_datetime("demo", when).unwrap_or_default();
        portal::insert_news(tx, engine, campaign, title, body, at, admin).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::domain::screening::{normalise, resemblance, shingles};

    #[test]
    fn no_two_demo_entries_read_as_copies_of_each_other() {
        let texts: Vec<String> =
            (0..24).map(|i| super::poem(i).1).chain((0..2).map(|i| super::essay(i).1)).collect();
        let sets: Vec<_> = texts.iter().map(|t| shingles(&normalise(t).chars)).collect();
        for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                assert!(resemblance(&sets[a], &sets[b]) < 0.3, "entries {a} and {b} resemble each other");
            }
        }
    }
}
