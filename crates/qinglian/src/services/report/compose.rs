//! Writes the summary report's first draft from the facts, in the structure of the city's
//! end-of-campaign reports: an opening, 一 the goal and the notice, 二 one paragraph per activity
//! with its lead department and real figures, 三 the theme-tagged work grouped by theme.
//! Numbers are never written here: each is a `{key}` marker of a figure, so the text stays true
//! to the snapshot it is shown with and every number can link to its records.

use super::facts::{ActivityFacts, Facts, ThemeFacts};
use super::{Block, BlockKind};
use crate::domain::{chinese_date, numerals};

/// Data text may not contain the marker braces; full-width ones read the same to people.
fn plain(s: &str) -> String {
    s.replace('{', "｛").replace('}', "｝")
}

/// "a{seq}.key" as a marker.
fn m(key: &str) -> String {
    format!("{{{key}}}")
}

fn para(text: String) -> Block {
    Block { kind: BlockKind::Para, text }
}

/// 2022年5月16日至6月15日: the end's year is left out when it is the start's.
pub fn period(start: &str, end: &str) -> String {
    if start == end {
        return chinese_date(start);
    }
    let end_text = chinese_date(end);
    let same_year = start.get(..4).is_some() && start.get(..4) == end.get(..4);
    let end_text = if same_year {
        end_text.split_once('年').map(|x| x.1.to_string()).unwrap_or(end_text)
    } else {
        end_text
    };
    format!("{}至{end_text}", chinese_date(start))
}

/// The report's title.
pub fn title(f: &Facts) -> String {
    plain(&format!("关于{}活动开展情况的报告", f.campaign.title))
}

/// Picks one of several phrasings by a paragraph's ordinal, so ten paragraphs built from the same
/// kinds of records do not read as one template repeated.
fn pick<'a>(ordinal: i64, choices: &[&'a str]) -> &'a str {
    choices[(ordinal.max(1) as usize - 1) % choices.len()]
}

/// Whether an activity left any record of having been carried out.
pub fn carried_out(a: &ActivityFacts, facts: &Facts) -> bool {
    a.sittings + a.delivered + a.pledge_signatures + a.test_takers + a.entries + a.works + a.column_published
        > 0
        || (a.activity.kind == "publicity" && facts.placements.sites > 0)
}

/// Whether a theme has anything of its own to tell.
fn theme_has_records(t: &ThemeFacts) -> bool {
    t.inspections + t.entries + t.placements > 0 || !t.integrity_units.is_empty()
}

/// What the draft cannot tell yet: the activities and themes without records, for the organiser
/// to fill in or word by hand before the report goes out. Never written into the document.
pub fn gaps(f: &Facts) -> Vec<String> {
    if f.activities.is_empty() {
        return vec!["尚未设置活动项目".into()];
    }
    let mut out: Vec<String> = f
        .activities
        .iter()
        .filter(|a| !carried_out(a, f))
        .map(|a| format!("{}. {}", a.activity.seq, a.activity.title))
        .collect();
    out.extend(f.themes.iter().filter(|t| !theme_has_records(t)).map(|t| format!("结合点：{}", t.name)));
    out
}

pub fn compose(f: &Facts) -> Vec<Block> {
    let c = &f.campaign;
    let issuer = plain(c.issuer_name.as_deref().unwrap_or("活动主办单位"));
    let title = plain(&c.title);
    let theme = plain(&c.theme);
    let period = period(&c.start_date, &c.end_date);
    let any_done = f.activities.iter().any(|a| carried_out(a, f));
    let mut out = vec![para(format!(
        "{period}，{issuer}牵头开展{title}活动。活动紧扣“{theme}”主题，坚持面上推进、点上打造、点面结合，动员{units}单位共同参与，以{n}重点活动为抓手推进清廉文化宣传教育{result}。现将有关情况报告如下。",
        units = m("c.units"),
        n = m("c.activities"),
        result = if any_done { "，取得了较好成效" } else { "" },
    ))];

    out.push(Block {
        kind: BlockKind::Heading1, text: "一、确定一个目标，统筹部署活动安排".into()
    });
    // The notice may be another organ's (the seed's was the 市委's).
    let notice_issuer = match c.paperwork.notice.issuer.as_str() {
        "" => issuer.clone(),
        other => plain(other),
    };
    let mut goal = format!(
        "活动启动前，{notice_issuer}印发《关于开展{title}活动的通知》，以“{theme}”为主题，明确了指导思想、时间安排、活动内容和牵头部门"
    );
    goal.push_str(if c.requirements.trim().is_empty() {
        "，为各项活动有序开展提供了遵循。"
    } else {
        "，并对各单位提出了具体工作要求，为各项活动有序开展提供了遵循。"
    });
    out.push(para(goal));

    let n = f.activities.len() as i64;
    out.push(Block {
        kind: BlockKind::Heading1,
        text: if n == 0 {
            "二、开展系列活动，推动各项任务落地见效".into()
        } else {
            format!("二、开展{}项活动，推动各项任务落地见效", numerals::chinese(n))
        },
    });
    if n > 0 {
        // What is new against last year's campaign, by activity title.
        let new: Vec<String> = match &f.previous {
            Some(p) => f
                .activities
                .iter()
                .filter(|a| !p.activity_titles.contains(&a.activity.title))
                .map(|a| format!("“{}”", plain(a.activity.title.trim_start_matches("开展"))))
                .collect(),
            None => Vec::new(),
        };
        let novelty = if new.is_empty() || new.len() == f.activities.len() {
            String::new()
        } else {
            format!("在延续上届活动的基础上，新增{}，", new.concat())
        };
        out.push(para(format!("结合我市实际，{novelty}各牵头单位按照分工抓好组织实施，扎实开展系列活动：")));
    }
    for (i, a) in f.activities.iter().enumerate() {
        out.push(para(activity_paragraph(i as i64 + 1, a, f)));
    }

    out.push(Block {
        kind: BlockKind::Heading1,
        text: format!("三、落实{}个结合，拓展宣传教育成效", numerals::chinese(f.themes.len() as i64)),
    });
    for t in &f.themes {
        out.push(para(theme_paragraph(t)));
    }
    if let Some(closing) = closing(f) {
        out.push(para(closing));
    }
    out
}

/// The lead unit, as the paragraph's subject: "市妇联会同市教科局", "由市委组织部牵头，".
fn lead_phrase(ordinal: i64, a: &crate::services::campaigns::Activity) -> String {
    let lead = plain(&a.lead_unit_name);
    if !a.co_units.is_empty() {
        let co: Vec<String> = a.co_units.iter().map(|u| plain(&u.name)).collect();
        let co = co.join("、");
        return pick(ordinal, &["{L}会同{C}", "由{L}牵头、{C}配合，"])
            .replace("{L}", &lead)
            .replace("{C}", &co);
    }
    pick(ordinal, &["{L}", "由{L}牵头，", "{L}具体承办，", "{L}", "{L}负责组织，"]).replace("{L}", &lead)
}

fn activity_paragraph(ordinal: i64, f: &ActivityFacts, facts: &Facts) -> String {
    let a = &f.activity;
    let k = |name: &str| m(&format!("a{}.{name}", a.seq));
    let mut s = format!("{}{}。", numerals::ordinal_lead(ordinal), plain(a.title.trim_end_matches('。')));
    let description = plain(a.description.trim().trim_end_matches('。'));
    let lead = lead_phrase(ordinal, a);
    if description.is_empty() {
        s.push_str(&format!("{}组织实施。", lead.trim_end_matches('，')));
    } else {
        s.push_str(&format!("{lead}{description}。"));
    }
    // A fact the description already tells is not told twice.
    let told = |words: &str| description.contains(words);

    let mut said = Vec::new();
    for (j, t) in f.trainings.iter().enumerate() {
        let suffix = if j == 0 { String::new() } else { format!("_{}", j + 1) };
        let (trainees, completed) = (k(&format!("trainees{suffix}")), k(&format!("completed{suffix}")));
        // A description that already says where and how long (在党群服务中心开展为期三天的初任
        // 培训) is followed by the numbers alone.
        let venue = t.venue.trim_start_matches('市');
        if told("为期") || (!venue.is_empty() && told(venue)) {
            said.push(format!("培训共有{trainees}学员参加，{completed}完成全部课程顺利结业"));
        } else {
            let at = if t.venue.is_empty() { String::new() } else { format!("在{}", plain(&t.venue)) };
            said.push(format!(
                "{at}举办“{}”，为期{}，{trainees}学员参加培训，{completed}完成全部课程顺利结业",
                plain(&t.title),
                k(&format!("training_days{suffix}")),
            ));
        }
    }
    if f.trainings.is_empty() && f.sittings > 0 {
        said.push(
            pick(ordinal, &["共举办{s}，签到参加{c}", "先后组织{s}，累计签到{c}"])
                .replace("{s}", &k("sittings"))
                .replace("{c}", &k("checkins")),
        );
    }
    if f.materials > 0 {
        let mut t = pick(ordinal, &["发放学习资料{m}", "印发学习资料{m}"]).replace("{m}", &k("materials"));
        if f.delivered > 0 {
            t.push_str(&format!("，送达{}", k("delivered")));
            if f.read_signed > 0 {
                t.push_str(
                    &pick(ordinal, &["，{r}完成阅后签名", "，阅后签名{r}"]).replace("{r}", &k("read_signed")),
                );
            }
        }
        said.push(t);
    }
    if f.pledges > 0 && f.pledge_signatures > 0 {
        said.push(
            pick(ordinal, &["组织签订承诺书{p}，签名{s}", "发出承诺书{p}，收到签名{s}"])
                .replace("{p}", &k("pledges"))
                .replace("{s}", &k("pledge_signatures")),
        );
    }
    if f.test_takers > 0 {
        said.push(
            pick(
                ordinal,
                &[
                    "组织{n}参加廉政知识线上测试，平均分{a}，及格率{p}",
                    "开展廉政知识线上测试，{n}参加答题，平均得分{a}，及格率{p}",
                ],
            )
            .replace("{n}", &k("test_takers"))
            .replace("{a}", &k("test_average"))
            .replace("{p}", &k("test_pass_share")),
        );
    }
    if a.kind == "publicity" && facts.placements.sites > 0 {
        let materials: Vec<String> = facts
            .placements
            .by_material
            .iter()
            .enumerate()
            .map(|(i, (name, _, _))| format!("{}{}", plain(name), m(&format!("c.placement_{}", i + 1))))
            .collect();
        let channels = &facts.placements.channels;
        let carriers = if channels.iter().any(|c| told(c)) || channels.is_empty() {
            "共".to_string()
        } else {
            format!("依托{}等载体", channels.iter().map(|c| plain(c)).collect::<Vec<_>>().join("、"))
        };
        said.push(format!("{carriers}设置宣传点位{}，投放{}", m("c.placement_sites"), materials.join("、")));
    }
    if f.works > 0 {
        let mut t = format!("收到应征作品{}", k("works"));
        if f.winners > 0 {
            t.push_str(&format!("，经评委匿名评审评出获奖作品{}", k("winners")));
            if !told("展出") {
                t.push_str("并在清廉门户公开展出");
            }
        }
        said.push(t);
    }
    if f.column_invited > 0 {
        let mut t = if told("一把手") {
            format!("栏目共邀请{}单位", k("column_invited"))
        } else {
            format!("邀请{}单位“一把手”参与访谈或撰稿", k("column_invited"))
        };
        if f.column_published > 0 {
            t.push_str(&format!("，已刊发{}", k("column_published")));
        }
        said.push(t);
    }
    if f.tasks > 0 && f.entries > 0 {
        let mut t = pick(
            ordinal,
            &[
                "{t}单位承担任务，{u}单位报送工作台账{e}",
                "任务下达{t}单位，已收到{u}单位的台账{e}",
                "共部署{t}单位，{u}单位已报送台账{e}",
            ],
        )
        .replace("{t}", &k("tasks"))
        .replace("{u}", &k("units_reported"))
        .replace("{e}", &k("entries"));
        if f.participants > 0 {
            t.push_str(&format!("，累计参加{}", k("participants")));
        }
        if f.tasks_done > 0 {
            t.push_str(
                &pick(
                    ordinal,
                    &["，其中{d}单位通过审核", "，审核通过{d}单位、通过率{r}", "，{d}单位已通过审核"],
                )
                .replace("{d}", &k("tasks_done"))
                .replace("{r}", &k("done_share")),
            );
        }
        said.push(t);
    } else if f.entries > 0 {
        said.push(format!("{}单位报送工作台账{}", k("units_reported"), k("entries")));
    }
    if !f.leaders.is_empty() {
        let names: Vec<String> = f.leaders.iter().map(|n| plain(n)).collect();
        said.push(format!("{}等单位组织参与人数较多", names.join("、")));
    }
    if !said.is_empty() {
        let opening = pick(ordinal, &["", "活动中，", "", "从开展情况看，"]);
        s.push_str(&format!("{opening}{}。", said.join("；")));
    }
    s
}

fn theme_paragraph(t: &ThemeFacts) -> String {
    let k = |name: &str| m(&format!("t{}.{name}", t.seq));
    let name = plain(&t.name);
    let mut s = format!("{}将清廉宣传与{name}相结合。", numerals::ordinal_lead(t.seq));
    let mut said = Vec::new();
    if t.inspections > 0 {
        let focus = if t.focuses.is_empty() {
            String::new()
        } else {
            format!("聚焦{}，", t.focuses.iter().map(|f| plain(f)).collect::<Vec<_>>().join("、"))
        };
        let mut x = format!("{focus}开展监督检查{}", k("inspections"));
        if t.findings > 0 {
            x.push_str(&format!("，发现问题{}，已整改{}", k("findings"), k("rectified")));
        }
        said.push(x);
    }
    for u in &t.integrity_units {
        let goals = if u.goals.is_empty() {
            String::new()
        } else {
            format!("对照“{}”的目标，", u.goals.iter().map(|g| plain(g)).collect::<Vec<_>>().join("、"))
        };
        let state = match u.status.as_str() {
            "recognised" => format!("已被命名为“{}”", plain(&u.type_name)),
            "evaluated" => "已完成评估".to_string(),
            _ => "已提交创建申报，正在评估".to_string(),
        };
        said.push(format!("{}{goals}推进“{}”创建，{state}", plain(&u.unit), plain(&u.type_name)));
    }
    for (unit, summary) in &t.highlights {
        // A summary that names its unit already reads as it is.
        let summary = plain(summary);
        let unit = plain(unit);
        said.push(if summary.starts_with(&unit) { summary } else { format!("{unit}{summary}") });
    }
    let mut tail = Vec::new();
    if t.entries > 0 {
        tail.push(format!("相关工作台账{}", k("entries")));
    }
    if t.placements > 0 {
        tail.push(format!("宣传点位{}", k("placements")));
    }
    if !tail.is_empty() {
        said.push(format!("各单位报送{}", tail.join("、设置")));
    }
    if !said.is_empty() {
        s.push_str(&format!("{}。", said.join("；")));
    }
    s
}

/// 成效: the reach of the whole campaign, from the totals that have something to say.
fn closing(f: &Facts) -> Option<String> {
    let figures = f.figures();
    let has = |key: &str| figures.get(key).is_some_and(|x| x.value > 0);
    let mut reach = Vec::new();
    if has("c.units_reporting") {
        let mut t = format!("{}单位报送工作台账", m("c.units_reporting"));
        if has("c.reporting_share") {
            t.push_str(&format!("，报送率{}", m("c.reporting_share")));
        }
        reach.push(t);
    }
    for (key, words, last_year) in [
        ("c.checkins", "各类活动签到", Some("c.prev_checkins")),
        ("c.read_signed", "学习资料阅后签名", None),
        ("c.pledge_signatures", "承诺签名", Some("c.prev_pledge_signatures")),
        ("c.test_takers", "参加廉政知识测试", None),
        ("c.works", "收到社会各界作品", None),
    ] {
        if has(key) {
            // Beside last year's figure when there was a campaign a year ago.
            let compared =
                last_year.filter(|k| has(k)).map(|k| format!("（上届{}）", m(k))).unwrap_or_default();
            reach.push(format!("{words}{}{compared}", m(key)));
        }
    }
    if reach.is_empty() {
        return None;
    }
    Some(format!(
        "通过系列活动，全市{}，清廉文化宣传覆盖机关、基层和社会面，党员干部廉洁自律意识进一步增强，崇廉尚廉、以廉为荣的社会氛围更加浓厚。",
        reach.join("，")
    ))
}
