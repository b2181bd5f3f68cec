//! A WHERE clause built from optional filters, with its bound values, so list queries can count
//! and page over the same conditions without repeating themselves.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyPool};

#[derive(Default)]
pub struct Where {
    conds: Vec<String>,
    binds: Vec<String>,
}

impl Where {
    /// Starts with conditions that need no bound values (e.g. the actor's unit scope).
    pub fn new(fixed: impl IntoIterator<Item = String>) -> Where {
        Where { conds: fixed.into_iter().collect(), binds: Vec::new() }
    }

    /// Adds `cond`, in which every `?` stands for `value`'s placeholder.
    pub fn bind(&mut self, cond: &str, value: impl Into<String>) -> &mut Self {
        self.binds.push(value.into());
        self.conds.push(cond.replace('?', &format!("${}", self.binds.len())));
        self
    }

    /// Binds `value` and returns its placeholder, for conditions composed by the caller.
    pub fn arg(&mut self, value: impl Into<String>) -> String {
        self.binds.push(value.into());
        format!("${}", self.binds.len())
    }

    /// Adds a condition that needs no bound value.
    pub fn fixed(&mut self, cond: impl Into<String>) -> &mut Self {
        self.conds.push(cond.into());
        self
    }

    pub fn sql(&self) -> String {
        if self.conds.is_empty() {
            "1=1".to_string()
        } else {
            self.conds.join(" AND ")
        }
    }

    /// `SELECT COUNT(*) {from} WHERE …`.
    pub async fn count(&self, pool: &AnyPool, from: &str) -> Result<i64, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) {from} WHERE {}", self.sql());
        let mut q: QueryScalar<'_, Any, i64, AnyArguments<'_>> = sqlx::query_scalar(&sql);
        for b in &self.binds {
            q = q.bind(b);
        }
        q.fetch_one(pool).await
    }

    /// Executes a write `sql`, which must embed `self.sql()`, with the bound values.
    pub async fn execute(&self, tx: &mut crate::db::Tx, sql: &str) -> Result<u64, sqlx::Error> {
        let mut q: Query<'_, Any, AnyArguments<'_>> = sqlx::query(sql);
        for b in &self.binds {
            q = q.bind(b);
        }
        Ok(q.execute(&mut **tx).await?.rows_affected())
    }

    /// Runs `sql`, which must embed `self.sql()`, with the bound values.
    pub async fn fetch_all(&self, pool: &AnyPool, sql: &str) -> Result<Vec<AnyRow>, sqlx::Error> {
        let mut q: Query<'_, Any, AnyArguments<'_>> = sqlx::query(sql);
        for b in &self.binds {
            q = q.bind(b);
        }
        q.fetch_all(pool).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut w = Where::new(["1=1".to_string()]);
        w.bind("a = ?", "x").fixed("b > 2").bind("c LIKE ?", "y%");
        assert_eq!(w.sql(), "1=1 AND a = $1 AND b > 2 AND c LIKE $2");
    }
}
