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

crate::on_both_engines!(the_demo_has_a_week_happening_now, the_share_picture_and_the_favicon);
