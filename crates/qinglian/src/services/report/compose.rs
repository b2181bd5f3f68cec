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

pub fn compose(f: &Facts) -> Vec<Block> {
    let c = &f.campaign;
    let issuer = plain(c.issuer_name.as_deref().unwrap_or("活动主办单位"));
    let title = plain(&c.title);
    let theme = plain(&c.theme);
    let period = period(&c.start_date, &c.end_date);
    let mut out = vec![para(format!(
        "{period}，{issuer}牵头组织开展{title}活动。活动紧扣“{theme}”主题，动员{units}单位共同参与，以{n}重点活动为抓手，点面结合推进清廉文化宣传教育。现将活动开展情况报告如下。",
        units = m("c.units"),
        n = m("c.activities"),
    ))];

    out.push(Block {
        kind: BlockKind::Heading1, text: "一、确定一个目标，统筹部署活动安排".into()
    });
    let mut goal = format!(
        "活动启动前，{issuer}印发《关于开展{title}活动的通知》，确定“{theme}”的活动主题，明确指导思想和时间安排，列出{n}重点活动并逐项落实牵头单位"
        , n = m("c.activities")
    );
    goal.push_str(if c.requirements.trim().is_empty() {
        "。"
    } else {
        "，对各单位提出了具体工作要求。"
    });
    out.push(para(goal));

    let n = f.activities.len() as i64;
    if n == 0 {
        out.push(Block {
            kind: BlockKind::Heading1, text: "二、开展系列活动，推动各项任务落地见效".into()
        });
        out.push(para("（本次活动尚未设置具体活动项目，各项活动的开展情况有待补录。）".into()));
    } else {
        out.push(Block {
            kind: BlockKind::Heading1,
            text: format!("二、开展{}项活动，推动各项任务落地见效", numerals::chinese(n)),
        });
        out.push(para(format!(
            "各牵头单位按照分工抓好组织实施，{}单位结合实际共同参与，各项活动开展情况如下。",
            m("c.units")
        )));
    }
    for (i, a) in f.activities.iter().enumerate() {
        out.push(para(activity_paragraph(i as i64 + 1, a, f)));
    }

    out.push(Block {
        kind: BlockKind::Heading1,
        text: format!("三、落实{}个结合，拓展宣传教育成效", numerals::chinese(f.themes.len() as i64)),
    });
    if f.themes.is_empty() {
        out.push(para("本次活动未设置主题标签（如疫情防控、机关建设等），暂无可归类的结合情况。".into()));
    }
    for t in &f.themes {
        out.push(para(theme_paragraph(t)));
    }
    out
}

fn activity_paragraph(ordinal: i64, f: &ActivityFacts, facts: &Facts) -> String {
    let a = &f.activity;
    let k = |name: &str| m(&format!("a{}.{name}", a.seq));
    let mut s = format!("{}{}。", numerals::ordinal_lead(ordinal), plain(a.title.trim_end_matches('。')));
    s.push_str(&plain(&a.lead_unit_name));
    if !a.co_units.is_empty() {
        let co: Vec<String> = a.co_units.iter().map(|u| plain(&u.name)).collect();
        s.push_str(&format!("会同{}", co.join("、")));
    }
    s.push_str("牵头组织");
    let description = plain(a.description.trim().trim_end_matches('。'));
    if description.is_empty() {
        s.push('。');
    } else {
        s.push_str(&format!("，{description}。"));
    }

    let mut facts_said = Vec::new();
    for (j, t) in f.trainings.iter().enumerate() {
        let suffix = if j == 0 { String::new() } else { format!("_{}", j + 1) };
        let venue = if t.venue.is_empty() { String::new() } else { format!("在{}", plain(&t.venue)) };
        facts_said.push(format!(
            "{venue}举办“{}”，为期{}，{}学员参加培训，{}完成全部课程",
            plain(&t.title),
            k(&format!("training_days{suffix}")),
            k(&format!("trainees{suffix}")),
            k(&format!("completed{suffix}")),
        ));
    }
    if f.trainings.is_empty() && f.sittings > 0 {
        facts_said.push(format!("共举办{}，签到参加{}", k("sittings"), k("checkins")));
    }
    if f.materials > 0 {
        let mut t = format!("发放学习资料{}", k("materials"));
        if f.delivered > 0 {
            t.push_str(&format!("，送达{}", k("delivered")));
            if f.read_signed > 0 {
                t.push_str(&format!("，实行阅后签名，已签名{}", k("read_signed")));
            }
        } else {
            t.push_str("，送达和阅读情况尚无记录");
        }
        facts_said.push(t);
    }
    if f.pledges > 0 {
        if f.pledge_signatures > 0 {
            facts_said.push(format!("组织签订承诺书{}，签名{}", k("pledges"), k("pledge_signatures")));
        } else {
            facts_said.push(format!("发布承诺书{}，签名情况尚无记录", k("pledges")));
        }
    }
    if a.kind == "publicity" && facts.placements.sites > 0 {
        let channels = facts.placements.channels.iter().map(|c| plain(c)).collect::<Vec<_>>().join("、");
        let materials: Vec<String> = facts
            .placements
            .by_material
            .iter()
            .enumerate()
            .map(|(i, (name, _, _))| format!("{}{}", plain(name), m(&format!("c.placement_{}", i + 1))))
            .collect();
        facts_said.push(format!(
            "依托{channels}等载体设置宣传点位{}，投放{}",
            m("c.placement_sites"),
            materials.join("、")
        ));
    }
    if f.works > 0 {
        let mut t = format!("面向社会征集作品{}", k("works"));
        if f.winners > 0 {
            t.push_str(&format!("，经评委匿名评审评选出获奖作品{}并在清廉门户公开展出", k("winners")));
        }
        facts_said.push(t);
    }
    if f.column_invited > 0 {
        let mut t = format!("邀请{}单位“一把手”参与访谈或撰稿", k("column_invited"));
        if f.column_published > 0 {
            t.push_str(&format!("，已刊发{}", k("column_published")));
        }
        facts_said.push(t);
    }
    if f.tasks > 0 && f.entries > 0 {
        facts_said.push(format!(
            "该项活动部署到{}单位，已有{}单位报送工作台账{}",
            k("tasks"),
            k("units_reported"),
            k("entries"),
        ));
        if f.tasks_done > 0 {
            let last = facts_said.len() - 1;
            facts_said[last].push_str(&format!("，其中{}单位通过审核", k("tasks_done")));
        }
    } else if f.tasks > 0 {
        facts_said.push(format!("该项活动部署到{}单位，各单位尚未报送工作台账", k("tasks")));
    } else if f.entries > 0 {
        facts_said.push(format!("{}单位报送工作台账{}", k("units_reported"), k("entries")));
    }
    // Planned but not yet carried out: say so, and that the figures are still to come.
    let carried_out =
        f.sittings + f.delivered + f.pledge_signatures + f.entries + f.works + f.column_published > 0
            || (a.kind == "publicity" && facts.placements.sites > 0);
    if facts_said.is_empty() {
        s.push_str("（本项活动在系统中尚无场次、签到、学习资料、承诺书、宣传投放或工作台账记录，相关数字有待补录。）");
    } else if !carried_out {
        s.push_str(&format!(
            "据系统记录，{}。（本项活动尚无开展记录，相关数字有待补录。）",
            facts_said.join("；")
        ));
    } else {
        s.push_str(&format!("据系统记录，{}。", facts_said.join("；")));
    }
    s
}

fn theme_paragraph(t: &ThemeFacts) -> String {
    let k = |name: &str| m(&format!("t{}.{name}", t.seq));
    let name = plain(&t.name);
    let mut s = format!("{}将清廉宣传与{name}相结合。", numerals::ordinal_lead(t.seq));
    let mut said = Vec::new();
    if t.inspections > 0 {
        let mut x = format!("围绕{name}开展监督检查{}", k("inspections"));
        if t.findings > 0 {
            x.push_str(&format!("，发现问题{}，已整改{}", k("findings"), k("rectified")));
        }
        said.push(x);
    }
    for u in &t.integrity_units {
        let goals = if u.goals.is_empty() {
            String::new()
        } else {
            format!("对照“{}”的建设目标，", u.goals.iter().map(|g| plain(g)).collect::<Vec<_>>().join("、"))
        };
        let state = match u.status.as_str() {
            "recognised" => format!("已被命名为“{}”", plain(&u.type_name)),
            "evaluated" => "已完成评估".to_string(),
            _ => "已提交创建申报，正在评估".to_string(),
        };
        said.push(format!("{}{goals}推进“{}”创建，{state}", plain(&u.unit), plain(&u.type_name)));
    }
    if !t.activities.is_empty() {
        let names: Vec<String> = t.activities.iter().map(|a| format!("“{}”", plain(a))).collect();
        said.push(format!("{}等活动融入{name}工作同步推进", names.concat()));
    }
    if t.entries > 0 {
        said.push(format!("相关工作台账{}", k("entries")));
    }
    if t.placements > 0 {
        said.push(format!("相关宣传点位{}", k("placements")));
    }
    if said.is_empty() {
        s.push_str("（该结合点在系统中尚无标注的活动、台账、检查或创建记录，相关内容有待补录。）");
    } else {
        s.push_str(&format!("{}。", said.join("；")));
    }
    s
}
