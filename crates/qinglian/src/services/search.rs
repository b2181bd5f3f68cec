//! The portal's Chinese search. Text is segmented by jieba in the app (search mode, so 廉洁文化
//! is indexed as 廉洁, 文化 and 廉洁文化) and handed to the database's own index: FTS5 on SQLite,
//! a tsvector with a GIN index on PostgreSQL, built from the tokens directly so no database
//! locale decides what a Chinese word is. Queries are segmented the same way; a short token (a
//! two- or three-character name) matches as a prefix. This is the one place where the two
//! engines need different SQL.

use std::collections::BTreeSet;

use serde::Serialize;
use sqlx::Row;

use super::App;
use crate::db::Engine;
use crate::domain::text::segmenter;
use crate::error::AppResult;

/// Tokens worth indexing or searching: words with a letter or digit in them, lower-cased.
fn keep(token: &str) -> Option<String> {
    token
        .chars()
        .any(|c| c.is_alphanumeric())
        .then(|| token.chars().filter(|c| c.is_alphanumeric()).flat_map(|c| c.to_lowercase()).collect())
}

/// The text as indexed: search-mode tokens, space-separated.
pub fn index_terms(text: &str) -> String {
    segmenter()
        .cut_for_search(text, true)
        .into_iter()
        .filter_map(|t| keep(t.word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The distinct tokens of a query, in order.
pub fn query_terms(q: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    segmenter()
        .cut(q, true)
        .into_iter()
        .filter_map(|t| keep(t.word))
        .filter(|t| seen.insert(t.clone()))
        .take(8)
        .collect()
}

/// The FTS5 row of a document: its kind in the high digits, its id below, so replacing or
/// removing it is a rowid lookup (FTS5 has no index on its unindexed columns).
fn row_id(kind: &str, ref_id: i64) -> i64 {
    let k = match kind {
        "work" => 1,
        "column" => 2,
        "news" => 3,
        _ => 9,
    };
    k * 1_000_000_000_000 + ref_id
}

/// Adds or replaces a document of the index. The byline (an author, a unit head) is searched and
/// shown with the text, so a name finds the work.
pub async fn put(
    conn: &mut sqlx::AnyConnection,
    engine: Engine,
    kind: &str,
    ref_id: i64,
    title: &str,
    byline: &str,
    body: &str,
) -> AppResult<()> {
    remove(conn, engine, kind, ref_id).await?;
    let body = if byline.is_empty() { body.to_string() } else { format!("{byline}\n{body}") };
    insert(conn, engine, kind, ref_id, title, &body).await
}

/// Indexes a document as it is kept in the index (title, and body with its byline): what
/// [`put`] does after removing the old one, and what a restore does with each kept document,
/// the index itself being engine-specific and rebuilt rather than copied.
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    engine: Engine,
    kind: &str,
    ref_id: i64,
    title: &str,
    body: &str,
) -> AppResult<()> {
    let (title_terms, body_terms) = (index_terms(title), index_terms(body));
    let q = match engine {
        Engine::Sqlite => sqlx::query(
            "INSERT INTO search_index (kind, ref_id, title, body, title_terms, body_terms, rowid) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ),
        Engine::Postgres => sqlx::query(
            "INSERT INTO search_index (kind, ref_id, title, body, tsv) VALUES ($1, $2, $3, $4,
               COALESCE(setweight(array_to_tsvector(string_to_array(NULLIF($5, ''), ' ')), 'A'), ''::tsvector)
               || COALESCE(array_to_tsvector(string_to_array(NULLIF($6, ''), ' ')), ''::tsvector))",
        ),
    };
    let q = q.bind(kind).bind(ref_id).bind(title).bind(body).bind(title_terms).bind(body_terms);
    let q = if engine == Engine::Sqlite { q.bind(row_id(kind, ref_id)) } else { q };
    q.execute(&mut *conn).await?;
    Ok(())
}

pub async fn remove(
    conn: &mut sqlx::AnyConnection,
    engine: Engine,
    kind: &str,
    ref_id: i64,
) -> AppResult<()> {
    let q = match engine {
        Engine::Sqlite => sqlx::query("DELETE FROM search_index WHERE rowid = $1").bind(row_id(kind, ref_id)),
        Engine::Postgres => {
            sqlx::query("DELETE FROM search_index WHERE kind = $1 AND ref_id = $2").bind(kind).bind(ref_id)
        }
    };
    q.execute(&mut *conn).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// work, column or news
    pub kind: String,
    pub ref_id: i64,
    pub title: String,
    /// The title and an excerpt of the text as HTML, escaped, with the terms in `<mark>`.
    pub title_html: String,
    pub excerpt_html: String,
}

/// Escapes `text` and marks every occurrence of `terms` (alphanumeric, so escaping cannot
/// split one).
pub fn highlight(text: &str, terms: &[String]) -> String {
    let mut out = crate::domain::text::escape_markup(text);
    for t in terms {
        if !t.is_empty() {
            out = out.replace(t.as_str(), &format!("\u{1}{t}\u{2}"));
        }
    }
    out.replace('\u{1}', "<mark>").replace('\u{2}', "</mark>")
}

/// Some 80 characters around the first term found (the start when none is).
fn excerpt(body: &str, terms: &[String]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let lower: String = body.to_lowercase();
    let at = terms
        .iter()
        .filter_map(|t| lower.find(t.as_str()).map(|b| lower[..b].chars().count()))
        .min()
        .unwrap_or(0);
    let start = at.saturating_sub(30);
    let end = (start + 80).min(chars.len());
    let mut s: String = chars[start..end].iter().collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < chars.len() {
        s.push('…');
    }
    s
}

/// The best `limit` documents containing every term of `q`, most relevant first.
pub async fn search(app: &App, q: &str, limit: i64) -> AppResult<Vec<Hit>> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    // Short tokens (names of two or three characters) also match as prefixes.
    let prefix = |t: &String| t.chars().count() <= 3;
    let rows = match app.db.engine {
        Engine::Sqlite => {
            let expr = terms
                .iter()
                .map(|t| if prefix(t) { format!("\"{t}\"*") } else { format!("\"{t}\"") })
                .collect::<Vec<_>>()
                .join(" AND ");
            // Rank the matches by row id alone, then read the texts of the best few only.
            sqlx::query(
                "SELECT s.kind, s.ref_id, s.title, s.body FROM (
                   SELECT rowid AS r, bm25(search_index, 0, 0, 0, 0, 5.0, 1.0) AS score FROM search_index
                   WHERE search_index MATCH $1 ORDER BY score, rowid LIMIT $2) top
                 JOIN search_index s ON s.rowid = top.r ORDER BY top.score, s.ref_id",
            )
            .bind(expr)
            .bind(limit)
            .fetch_all(&app.db.pool)
            .await?
        }
        Engine::Postgres => {
            let expr = terms
                .iter()
                .map(|t| if prefix(t) { format!("'{t}':*") } else { format!("'{t}'") })
                .collect::<Vec<_>>()
                .join(" & ");
            sqlx::query(
                "SELECT s.kind, s.ref_id, s.title, s.body FROM (
                   SELECT kind, ref_id, ts_rank(tsv, CAST($1 AS tsquery)) AS score FROM search_index
                   WHERE tsv @@ CAST($1 AS tsquery) ORDER BY score DESC, kind, ref_id LIMIT $2) top
                 JOIN search_index s ON s.kind = top.kind AND s.ref_id = top.ref_id ORDER BY top.score DESC, s.kind, s.ref_id",
            )
            .bind(expr)
            .bind(limit)
            .fetch_all(&app.db.pool)
            .await?
        }
    };
    Ok(rows
        .iter()
        .map(|r| {
            let (title, body): (String, String) = (r.get("title"), r.get("body"));
            Hit {
                kind: r.get("kind"),
                ref_id: r.get("ref_id"),
                title_html: highlight(&title, &terms),
                excerpt_html: highlight(&excerpt(&body, &terms), &terms),
                title,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segmentation_finds_words_inside_compounds() {
        let terms = index_terms("弘扬廉洁文化，建设清廉家风");
        let tokens: Vec<&str> = terms.split(' ').collect();
        assert!(tokens.contains(&"廉洁") && tokens.contains(&"文化"), "{terms}");
        assert_eq!(query_terms("廉洁，"), ["廉洁"]);
    }

    #[test]
    fn highlight_escapes_and_marks() {
        assert_eq!(
            highlight("<b>廉洁</b>文化", &["廉洁".into()]),
            "&lt;b&gt;<mark>廉洁</mark>&lt;/b&gt;文化"
        );
    }
}
