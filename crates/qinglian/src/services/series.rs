//! Multi-day trainings: who attended which days, who completed (all days, or the days the
//! organiser requires), and completion certificates that a public page can verify.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::filter::Where;
use super::sittings::{self, Sitting};
use super::{audit, Actor, App};
use crate::db::now;
use crate::documents::pdf::{self, Align, Line};
use crate::domain::{chinese_date, format_datetime};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trainee {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    /// Day numbers attended, ascending.
    pub days: Vec<i64>,
    pub completed: bool,
    pub certificate: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = TrainingProgress)]
pub struct Progress {
    pub series_id: i64,
    pub title: String,
    pub activity_id: i64,
    pub day_count: i64,
    /// Days that complete the training.
    pub required: i64,
    pub sitting_ids: Vec<i64>,
    pub first_day: String,
    pub last_day: String,
    pub trainees: Vec<Trainee>,
    pub completed: i64,
}

async fn days(app: &App, series_id: i64) -> AppResult<Vec<Sitting>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM sittings WHERE series_id = $1 ORDER BY day_no")
        .bind(series_id)
        .fetch_all(&app.db.pool)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(sittings::load(app, id).await?);
    }
    Ok(out)
}

/// Everyone expected on the first day, with the days each attended and whether that completes it.
pub async fn progress(app: &App, actor: &Actor, series_id: i64) -> AppResult<Progress> {
    let row = sqlx::query("SELECT activity_id, title, min_days FROM sitting_series WHERE id = $1")
        .bind(series_id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let days = days(app, series_id).await?;
    let first = days.first().ok_or(AppError::NotFound)?;
    sittings::get(app, actor, first.id).await?;
    let min_days: i64 = row.get("min_days");
    let required = if min_days == 0 { days.len() as i64 } else { min_days };
    let mut w = Where::default();
    let cond = first.audience_sql(&mut w);
    w.fixed(cond);
    let ids: Vec<String> = days.iter().map(|d| d.id.to_string()).collect();
    let sql = format!(
        "SELECT p.id, p.name, u.name AS unit_name, s.day_no, cert.code
         FROM people p JOIN units u ON u.id = p.unit_id
         LEFT JOIN checkins c ON c.person_id = p.id AND c.sitting_id IN ({ids})
         LEFT JOIN sittings s ON s.id = c.sitting_id
         LEFT JOIN certificates cert ON cert.person_id = p.id AND cert.series_id = {series_id}
         WHERE {} ORDER BY u.path, p.id, s.day_no",
        w.sql(),
        ids = ids.join(", ")
    );
    let mut trainees: Vec<Trainee> = Vec::new();
    for r in w.fetch_all(&app.db.pool, &sql).await? {
        let id: i64 = r.get("id");
        if trainees.last().is_none_or(|t| t.person_id != id) {
            trainees.push(Trainee {
                person_id: id,
                name: r.get("name"),
                unit_name: r.get("unit_name"),
                days: Vec::new(),
                completed: false,
                certificate: r.get("code"),
            });
        }
        if let (Some(t), Some(day)) = (trainees.last_mut(), r.get::<Option<i64>, _>("day_no")) {
            t.days.push(day);
        }
    }
    for t in &mut trainees {
        t.completed = t.days.len() as i64 >= required;
    }
    Ok(Progress {
        series_id,
        title: row.get("title"),
        activity_id: row.get("activity_id"),
        day_count: days.len() as i64,
        required,
        sitting_ids: days.iter().map(|d| d.id).collect(),
        first_day: format_datetime(first.starts_at)[..10].to_string(),
        last_day: days.last().map(|d| format_datetime(d.starts_at)[..10].to_string()).unwrap_or_default(),
        completed: trainees.iter().filter(|t| t.completed).count() as i64,
        trainees,
    })
}

/// Issues a certificate to everyone who completed and has none yet; returns how many.
pub async fn issue_certificates(app: &App, actor: &Actor, series_id: i64) -> AppResult<i64> {
    let p = progress(app, actor, series_id).await?;
    let mut tx = app.db.begin().await?;
    let mut issued = 0;
    for t in p.trainees.iter().filter(|t| t.completed && t.certificate.is_none()) {
        let code = app.signer.certificate_code(series_id, t.person_id);
        let n = sqlx::query(
            "INSERT INTO certificates (series_id, person_id, code, issued_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(series_id)
        .bind(t.person_id)
        .bind(&code)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        issued += n.rows_affected() as i64;
    }
    audit::record(
        &mut tx,
        actor,
        "series.certificates",
        "sitting_series",
        series_id,
        json!({"issued": issued}),
    )
    .await?;
    tx.commit().await?;
    Ok(issued)
}

/// What the public verification page shows of a certificate.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Certificate {
    pub code: String,
    /// Masked (张*明) on the public page; in full on the certificate itself.
    pub name: String,
    pub unit_name: String,
    pub training: String,
    pub first_day: String,
    pub last_day: String,
    pub days: i64,
    pub issuer: String,
    pub issued_at: i64,
}

impl Certificate {
    pub fn issued(&self) -> String {
        chinese_date(&format_datetime(self.issued_at)[..10])
    }
}

async fn certificate(app: &App, code: &str) -> AppResult<Certificate> {
    let code = code.trim().to_uppercase();
    let r = sqlx::query(
        "SELECT c.code, c.issued_at, c.series_id, p.name, u.name AS unit_name, s.title,
                (SELECT MIN(starts_at) FROM sittings WHERE series_id = s.id) AS first_at,
                (SELECT MAX(starts_at) FROM sittings WHERE series_id = s.id) AS last_at,
                (SELECT COUNT(*) FROM sittings WHERE series_id = s.id) AS days,
                (SELECT h.name FROM sittings x JOIN units h ON h.id = x.host_unit_id WHERE x.series_id = s.id AND x.day_no = 1) AS issuer
         FROM certificates c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = p.unit_id
         JOIN sitting_series s ON s.id = c.series_id WHERE c.code = $1",
    )
    .bind(&code)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let day = |t: i64| format_datetime(t)[..10].to_string();
    Ok(Certificate {
        code: r.get("code"),
        name: r.get("name"),
        unit_name: r.get("unit_name"),
        training: r.get("title"),
        first_day: day(r.get("first_at")),
        last_day: day(r.get("last_at")),
        days: r.get("days"),
        issuer: r.get::<Option<String>, _>("issuer").unwrap_or_default(),
        issued_at: r.get("issued_at"),
    })
}

/// The public check of a code: the certificate with the holder's name masked.
pub async fn verify(app: &App, code: &str) -> AppResult<Certificate> {
    let mut c = certificate(app, code).await?;
    c.name = mask_name(&c.name);
    Ok(c)
}

/// 张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// The certificate as a one-page PDF (landscape A4). Whoever holds the code may download it;
/// the code is unguessable, like a link.
pub async fn certificate_pdf(app: &App, code: &str, verify_url: &str) -> AppResult<Vec<u8>> {
    let c = certificate(app, code).await?;
    let span = if c.first_day == c.last_day {
        chinese_date(&c.first_day)
    } else {
        format!("{}至{}", chinese_date(&c.first_day), chinese_date(&c.last_day))
    };
    let days = match c.days {
        1 => "一".to_string(),
        2 => "两".to_string(),
        3 => "三".to_string(),
        n => n.to_string(),
    };
    let body =
        format!("{}同志于{}参加{}，为期{}天，完成全部学习任务，准予结业。", c.name, span, c.training, days);
    let mut lines = vec![Line { text: "结业证书".into(), size: 40.0, align: Align::Centre, top: 140.0 }];
    let mut top = 230.0;
    for l in pdf::wrap(&body, 20.0, pdf::A4_HEIGHT - 220.0) {
        lines.push(Line { text: l, size: 20.0, align: Align::Left(110.0), top });
        top += 34.0;
    }
    lines.push(Line {
        text: c.issuer.clone(),
        size: 18.0,
        align: Align::Left(pdf::A4_HEIGHT - 110.0 - pdf::text_width(&c.issuer, 18.0)),
        top: 430.0,
    });
    let issued = c.issued();
    lines.push(Line {
        text: issued.clone(),
        size: 18.0,
        align: Align::Left(pdf::A4_HEIGHT - 110.0 - pdf::text_width(&issued, 18.0)),
        top: 460.0,
    });
    lines.push(Line {
        text: format!("验证码：{}　验证网址：{verify_url}", c.code),
        size: 11.0,
        align: Align::Left(70.0),
        top: 530.0,
    });
    Ok(pdf::page(&lines, true, true))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_masked_like_the_pledge_wall() {
        assert_eq!(super::mask_name("张三"), "张*");
        assert_eq!(super::mask_name("张小明"), "张*明");
        assert_eq!(super::mask_name("欧阳小明"), "欧**明");
    }
}
