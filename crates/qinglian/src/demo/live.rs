//! The demo's current week: besides the seed's 2022 campaign, one dated around the day the demo
//! is loaded, so a newcomer can try every live flow at once: a sitting open now with its venue
//! screen, a call taking entries, a pledge to sign, a material to read and sign, a knowledge test
//! to take (and some of the city already through it), tasks due this week. Built through the services, as an organiser would build it.

use crate::db::now;
use crate::domain::format_datetime;
use crate::error::AppResult;
use crate::services::audience::Audience;
use crate::services::campaigns::{self, ActivityInput, AssignmentInput, CampaignInput, Targets};
use crate::services::quiz::{self, bank};
use crate::services::{materials, pledges, portal, sittings, users, works, Actor, App};

const DAY: i64 = 86_400;

/// Loads the current campaign; returns its id. `unit_id` finds a demo unit by name.
pub async fn load(app: &App, admin_user: &str, unit_id: &impl Fn(&str) -> i64) -> AppResult<i64> {
    let organiser = match users::id_by_name(app, admin_user).await {
        Ok(id) => {
            crate::services::auth::load_actor(app, id, "demo").await?.unwrap_or_else(users::system_actor)
        }
        Err(_) => users::system_actor(),
    };
    let t = now();
    let date = |days: i64| format_datetime(t + days * DAY)[..10].to_string();
    let at = |secs: i64| format_datetime(t + secs);
    let year: i64 = date(0)[..4].parse().unwrap_or(2026);
    let city = unit_id(super::CITY);
    let campaign = campaigns::create(
        app,
        &organiser,
        CampaignInput {
            title: format!("{year}年清廉清河宣传周"),
            year,
            theme: "弘扬清廉文化，共建清廉清河".into(),
            start_date: date(-2),
            end_date: date(4),
            guiding_text: super::GUIDING.into(),
            requirements: super::REQUIREMENTS.into(),
            issuer_unit_id: Some(unit_id("市纪委监委")),
            themes: Vec::new(),
        },
    )
    .await?;
    campaigns::set_status(app, &organiser, campaign, "published").await?;
    let activity = |kind: &str, title: &str, lead: &str, audience: &str, description: &str| ActivityInput {
        kind: kind.into(),
        title: title.into(),
        lead_unit_id: unit_id(lead),
        co_unit_ids: Vec::new(),
        description: description.into(),
        audience: audience.into(),
        start_date: date(-2),
        end_date: date(4),
        theme_ids: Vec::new(),
    };
    let warning = campaigns::add_activity(
        app,
        &organiser,
        campaign,
        activity(
            "warning_education",
            "开展一次集中警示教育",
            "市纪委监委",
            "全市科级以上干部",
            "集中观看警示教育片，各单位同步召开警示教育大会。",
        ),
    )
    .await?;
    let study = campaigns::add_activity(
        app,
        &organiser,
        campaign,
        activity(
            "lecture",
            "开展一次党纪学习",
            "市委组织部",
            "全市党员干部",
            "学习《中国共产党纪律处分条例》，阅读后在线签名确认。",
        ),
    )
    .await?;
    let call_activity = campaigns::add_activity(
        app,
        &organiser,
        campaign,
        activity(
            "call_for_works",
            "开展一次清廉诗歌征集",
            "市委宣传部",
            "全市干部群众",
            "面向社会征集清廉主题原创诗歌。",
        ),
    )
    .await?;
    let forum = campaigns::add_activity(
        app,
        &organiser,
        campaign,
        activity(
            "enterprise_forum",
            "开展一次亲清政商承诺签名",
            "市委统战部",
            "全市民营企业负责人",
            "民营企业负责人在线签署亲清政商关系承诺书。",
        ),
    )
    .await?;

    // Every township and village reports its own warning-education meeting by the week's end.
    campaigns::assign(
        app,
        &organiser,
        warning,
        AssignmentInput {
            title: "召开本单位警示教育大会并报送台账".into(),
            description: "组织全体党员干部观看警示教育片，报送时间、地点、参加人数、活动简况及现场照片。"
                .into(),
            due_date: date(3),
            targets: Targets::Types { type_codes: vec!["township".into(), "village".into()] },
        },
    )
    .await?;

    // A screening under way now, and one tomorrow that opens for registration.
    let sitting = |title: &str, venue: &str, from: i64, to: i64, ranks: &[&str]| sittings::SittingInput {
        title: title.into(),
        kind: "warning".into(),
        host_unit_id: unit_id("市纪委监委"),
        venue: venue.into(),
        starts_at: at(from),
        ends_at: at(to),
        capacity: 0,
        registration_required: false,
        public: false,
        one_device: false,
        geofence: None,
        audience: Audience { ranks: ranks.iter().map(|r| r.to_string()).collect(), ..Default::default() },
        task_id: None,
        opens_minutes_before: None,
        late_after_minutes: None,
    };
    let now_on = sittings::create(
        app,
        &organiser,
        warning,
        sitting(
            "集中观看警示教育片《持续发力 纵深推进》",
            "市委党校礼堂",
            -15 * 60,
            3 * 3600,
            &["县处级", "科级"],
        ),
    )
    .await?;
    // The first arrivals, signed in at the door by the clerk.
    let arrived: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE rank IN ('县处级', '科级') ORDER BY id LIMIT 24")
            .fetch_all(&app.db.pool)
            .await?;
    for person in arrived {
        sittings::clerk_check_in(app, &organiser, now_on, person).await?;
    }
    sittings::create(
        app,
        &organiser,
        warning,
        sitting("警示教育专题党课", "市行政中心三楼会议室", DAY + 2 * 3600, DAY + 4 * 3600, &["科级"]),
    )
    .await?;

    // A material to read and sign by the week's end.
    materials::create(
        app,
        &organiser,
        study,
        materials::MaterialInput {
            title: "《中国共产党纪律处分条例》学习要点".into(),
            kind: "document".into(),
            body: STUDY_TEXT.into(),
            link: String::new(),
            delivery: "online".into(),
            due_date: date(4),
            min_read_seconds: 0,
            host_unit_id: unit_id("市委组织部"),
            audience: Audience { unit_id: Some(city), ..Default::default() },
        },
        None,
    )
    .await?;

    knowledge_test(app, &organiser, campaign, study, unit_id("市纪委监委")).await?;

    // A pledge anyone may sign from a shared link.
    pledges::create(
        app,
        &organiser,
        pledges::PledgeInput {
            title: format!("{year}年亲清政商关系承诺书"),
            body: "一、坚持守法经营，诚信纳税，依法维护企业合法权益。\n二、不行贿、不送礼，不以任何形式向公职人员输送利益。\n三、主动接受监督，发现违纪违法问题及时反映。".into(),
            host_unit_id: unit_id("市委统战部"),
            activity_id: Some(forum),
            public: true,
            audience: Audience::default(),
        },
    )
    .await?;

    // A call taking entries this week.
    let criterion = |name: &str, weight| works::Criterion { id: 0, name: name.into(), weight, max_score: 10 };
    works::create_call(
        app,
        &organiser,
        works::CallInput {
            campaign_id: campaign,
            activity_id: Some(call_activity),
            title: format!("{year}年“清风颂”清廉诗歌征集"),
            rules: "<p>面向全市干部群众征集清廉主题原创诗歌，每人限投一篇，须为未公开发表的原创作品。</p>"
                .into(),
            genres: vec![works::Genre {
                code: "poem".into(),
                name: "诗歌".into(),
                min_chars: 8,
                max_chars: 800,
            }],
            groups: vec!["adult".into(), "youth".into()],
            opens_at: at(-2 * DAY),
            closes_at: at(5 * DAY),
            criteria: vec![criterion("思想内容", 50), criterion("艺术表现", 30), criterion("原创性", 20)],
            jurors: super::JURORS.iter().take(3).map(|j| j.0.to_string()).collect(),
        },
    )
    .await?;

    for (title, body) in [
        (format!("{year}年清廉清河宣传周启动"), "宣传周围绕“弘扬清廉文化，共建清廉清河”主题，集中开展警示教育、党纪学习、诗歌征集和亲清政商承诺签名等活动。"),
        ("全市科级以上干部集中观看警示教育片".to_string(), "今天，全市科级以上干部在市委党校礼堂集中观看警示教育片，现场扫码签到。"),
    ] {
        portal::add_news(app, &organiser, campaign, portal::NewsInput { title, body: body.into() }).await?;
    }
    Ok(campaign)
}

/// The demo bank: sixty questions on the rules the seed names, as an office's spreadsheet has them.
const QUESTIONS: &[u8] = include_bytes!("questions.tsv");

/// The bank imported as an office would import it, a test of ten questions in the study
/// activity, and a first few dozen cadres through it.
async fn knowledge_test(
    app: &App,
    organiser: &Actor,
    campaign: i64,
    activity: i64,
    host: i64,
) -> AppResult<()> {
    bank::import(app, organiser, campaign, ("题库.tsv", QUESTIONS), "").await?;
    let draw = bank::categories(app, campaign)
        .await?
        .into_iter()
        .map(|c| quiz::Draw {
            count: if c.name == "中央八项规定精神" { 4 } else { 3 }, category: c.name
        })
        .collect();
    let id = quiz::create(
        app,
        organiser,
        activity,
        quiz::QuizInput {
            title: "廉政知识线上测试".into(),
            intro: "围绕中央八项规定精神、《中华人民共和国监察法实施条例》和《中国共产党廉洁自律准则》，每人随机抽取10道题，限时15分钟，60分及格，可答两次，取最高分。".into(),
            draw,
            minutes: 15,
            attempts: 2,
            pass_score: 60,
            host_unit_id: host,
            public: false,
            audience: Audience::default(),
        },
    )
    .await?;
    let q = quiz::get(app, id).await?;
    let takers = sqlx::query("SELECT id, name FROM people WHERE left_at = 0 ORDER BY id LIMIT 36")
        .fetch_all(&app.db.pool)
        .await?;
    for (n, r) in takers.iter().enumerate() {
        use sqlx::Row;
        let taker = quiz::Taker::Person { id: r.get("id"), name: r.get("name") };
        let secret = quiz::open_paper(app, &q, &taker, None, "demo").await?;
        // The key of each question drawn, as the demo's takers happen to know it.
        let key: Vec<(i64, String)> = sqlx::query_as(
            "SELECT a.position, q.answer FROM quiz_answers a JOIN questions q ON q.id = a.question_id
             JOIN quiz_attempts t ON t.id = a.attempt_id WHERE t.token = $1 ORDER BY a.position",
        )
        .bind(crate::services::auth::token_hash(&secret))
        .fetch_all(&app.db.pool)
        .await?;
        // Most know most of it; every fourth slips on a few.
        let answers: Vec<quiz::Answer> = key
            .iter()
            .enumerate()
            .map(|(i, (position, right))| {
                let right: Vec<usize> =
                    right.chars().filter_map(|c| c.to_digit(10)).map(|d| d as usize).collect();
                let slip = (n % 4 == 3 && i % 3 == 0) || (i == n % 10 && n % 2 == 0);
                let answer = if slip { vec![(right[0] + 1) % 2] } else { right };
                quiz::Answer { position: *position, answer }
            })
            .collect();
        quiz::submit(app, &secret, &answers, "demo").await?;
    }
    Ok(())
}

const STUDY_TEXT: &str = "一、严明政治纪律和政治规矩，坚决维护党中央权威和集中统一领导。\n二、严守组织纪律，如实报告个人有关事项，不搞团团伙伙。\n三、严守廉洁纪律，不收受可能影响公正执行公务的礼品、礼金、消费卡。\n四、严守群众纪律，坚决纠治侵害群众利益的不正之风和腐败问题。\n五、严守工作纪律和生活纪律，做到秉公用权、廉洁从政。";
