//! Records read in a rush, kept by each server for a moment: a thousand phones at a door or on
//! a pledge's page ask for the same sitting or pledge within a second. Only reads that may be a
//! moment old go through here; what must be exact is checked again where it is written.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppResult;

/// Records by key (an id, unless said otherwise).
pub struct Recent<T, K = i64> {
    entries: Mutex<HashMap<K, (Instant, Arc<T>)>>,
    keep_for: Duration,
}

impl<T, K: std::hash::Hash + Eq> Recent<T, K> {
    pub fn new(keep_for: Duration) -> Recent<T, K> {
        Recent { entries: Mutex::default(), keep_for }
    }

    /// The record `id`, as read within the last moment or loaded now.
    pub async fn get<F>(&self, id: K, load: F) -> AppResult<Arc<T>>
    where
        F: Future<Output = AppResult<T>>,
    {
        if let Some((at, kept)) = self.lock().get(&id) {
            if at.elapsed() < self.keep_for {
                return Ok(kept.clone());
            }
        }
        let loaded = Arc::new(load.await?);
        let mut entries = self.lock();
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(id, (Instant::now(), loaded.clone()));
        Ok(loaded)
    }

    /// Forgets `id` after a change on this server, so its own next read sees it.
    pub fn forget(&self, id: K) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, Arc<T>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
