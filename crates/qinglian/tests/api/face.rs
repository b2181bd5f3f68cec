//! What the public face carries for those who never sign in: the demo's current week with its
//! live flows, the portal's share metadata and picture, the favicon.

use crate::harness::TestApp;

/// The current week's campaign is dated around today and has something live in every flow.
async fn the_demo_has_a_week_happening_now(t: TestApp) {
    let live = qinglian::demo::load_current_week(&t.app, "admin").await.unwrap();
    let now = qinglian::db::now();
    let today = qinglian::domain::today();
    let (start, end): (String, String) =
        sqlx::query_as("SELECT start_date, end_date FROM campaigns WHERE id = $1 AND status = 'published'")
            .bind(live)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert!(start < today && today < end, "{start}–{end} holds {today}");
    let of_live = format!("JOIN activities a ON a.id = x.activity_id WHERE a.campaign_id = {live}");
    let count = |sql: String| {
        let t = &t;
        async move { t.scalar(&sql).await }
    };
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM sittings x {} AND x.starts_at <= {now} AND x.ends_at > {now}",
            of_live
        ))
        .await,
        1,
        "a sitting under way"
    );
    assert_eq!(
        count(format!("SELECT COUNT(*) FROM calls WHERE campaign_id = {live} AND status = 'open' AND opens_at <= {now} AND closes_at > {now}")).await,
        1,
        "a call taking entries"
    );
    assert_eq!(
        count(format!("SELECT COUNT(*) FROM pledges x {} AND x.public = 1 AND x.status = 'open'", of_live))
            .await,
        1,
        "a pledge anyone can sign"
    );
    assert_eq!(
        count(format!("SELECT COUNT(*) FROM materials x {} AND x.due_date >= '{today}'", of_live)).await,
        1,
        "a material to read"
    );
    let due_soon = count(format!(
        "SELECT COUNT(*) FROM tasks k JOIN assignments x ON x.id = k.assignment_id {} AND k.status = 'pending' AND x.due_date >= '{today}'",
        of_live
    ))
    .await;
    assert!(due_soon >= 10, "tasks due this week for the townships and villages: {due_soon}");

    // The portal shows this week, with what has been gathered so far and share metadata.
    let public = t.client();
    let page = public.text("/portal").await;
    let title = format!("{}年清廉清河宣传周", &today[..4]);
    assert!(
        page.contains(&format!("<h1 id=\"portal-title\">{title}</h1>")),
        "the current week heads the portal"
    );
    assert!(page.contains(&format!("<meta property=\"og:title\" content=\"{title}\">")));
    assert!(
        page.contains("<meta property=\"og:image\" content=\"http://")
            && page.contains("/portal/share.png\">")
    );
    let reach = page.split("id=\"portal-reach\"").nth(1).unwrap().split("</ul>").next().unwrap();
    assert!(reach.contains("<strong>24</strong><span>签到人次</span>"), "{reach}");
    assert!(!page.contains("（21）"), "titles without demo numbering");
    // A pledge's link shows its own title and first line in a chat.
    let pledge = count(format!("SELECT x.id FROM pledges x {of_live} AND x.public = 1")).await;
    let page = public.text(&format!("/p/{pledge}")).await;
    assert!(page
        .contains(&format!("<meta property=\"og:title\" content=\"{}年亲清政商关系承诺书\">", &today[..4])));
    assert!(page.contains("<meta property=\"og:description\" content=\"一、坚持守法经营"), "{page}");
    // So does a published work's.
    let work = t.scalar("SELECT MIN(id) FROM works WHERE published_at > 0").await;
    let title: String = sqlx::query_scalar("SELECT title FROM works WHERE id = $1")
        .bind(work)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let page = public.text(&format!("/portal/works/{work}")).await;
    assert!(page.contains(&format!("<meta property=\"og:title\" content=\"{title}\">")), "{title}");
    assert!(page.contains(&format!("/portal/works/{work}\">")), "og:url is the work's own");
}

/// The share picture is a real 1200 × 630 PNG; the favicon answers at both addresses.
async fn the_share_picture_and_the_favicon(t: TestApp) {
    let public = t.client();
    let resp = public.get("/portal/share.png").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let png = resp.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1200, 630));
    // The second asks are answered from memory, byte for byte the same.
    assert_eq!(public.get("/portal/share.png").await.bytes().await.unwrap(), png);
    for path in ["/favicon.ico", "/favicon.svg"] {
        let resp = public.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    }
}

/// Text goes gzipped to a browser that asks; pictures and documents, compressed already, do not.
async fn text_is_compressed_and_pictures_are_not(t: TestApp) {
    let http = reqwest::Client::new();
    let fetch = |path: &str| http.get(format!("{}{path}", t.base)).header("accept-encoding", "gzip").send();
    for path in ["/portal", "/static/app.css", "/static/app.js", "/api/v1/portal"] {
        let resp = fetch(path).await.unwrap();
        assert_eq!(
            resp.headers().get("content-encoding").map(|v| v.to_str().unwrap()),
            Some("gzip"),
            "{path}"
        );
    }
    let resp = fetch("/portal/share.png").await.unwrap();
    assert!(resp.headers().get("content-encoding").is_none(), "a PNG is sent as it is");
    // Without the ask, the plain bytes.
    let plain = http.get(format!("{}/static/app.css", t.base)).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().starts_with("/* Qinglian's one stylesheet."));
}

crate::on_both_engines!(
    the_demo_has_a_week_happening_now,
    the_share_picture_and_the_favicon,
    text_is_compressed_and_pictures_are_not,
);
