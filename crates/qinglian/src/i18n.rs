//! The message catalogue: every user-facing string, Simplified Chinese first, English second.
//!
//! Strings live in `locales.toml` (`key = { zh = "…", en = "…" }`) so both languages of one
//! message sit side by side. The language of a request is held in a task-local set by the HTTP
//! layer, so errors can render themselves in the user's language wherever they arise.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
    /// Picks the first supported language of an `Accept-Language` header; Chinese otherwise.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct Entry {
    zh: String,
    en: String,
}

static CATALOGUE: LazyLock<HashMap<String, Entry>> =
    LazyLock::new(|| toml::from_str(include_str!("locales.toml")).expect("locales.toml is valid"));

tokio::task_local! {
    static REQUEST_LANG: Lang;
}

/// Runs `fut` with `lang` as the current request's language.
pub async fn with_lang<F: std::future::Future>(lang: Lang, fut: F) -> F::Output {
    REQUEST_LANG.scope(lang, fut).await
}

/// The language of the request being served (Chinese outside a request).
pub fn current() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or_default()
}

/// The text of `key` in `lang`; the key itself if the catalogue lacks it (a bug the tests catch).
pub fn tr(lang: Lang, key: &str) -> &'static str {
    match CATALOGUE.get(key) {
        Some(e) => match lang {
            Lang::Zh => e.zh.as_str(),
            Lang::En => e.en.as_str(),
        },
        None => {
            tracing::warn!(key, "missing message");
            Box::leak(key.to_string().into_boxed_str())
        }
    }
}

pub fn has_key(key: &str) -> bool {
    CATALOGUE.contains_key(key)
}

/// A message with named arguments, rendered late in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg { key, args: Vec::new() }
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Msg {
        self.args.push((name, value.to_string()));
        self
    }
    pub fn render(&self, lang: Lang) -> String {
        let mut text = tr(lang, self.key).to_string();
        for (name, value) in &self.args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// The translator handed to templates: `{{ t.get("nav.home") }}`.
#[derive(Clone, Copy, Debug)]
pub struct T(pub Lang);

impl T {
    pub fn get(&self, key: &str) -> &'static str {
        tr(self.0, key)
    }
    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }
    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_every_entry_has_both_languages() {
        assert!(CATALOGUE.len() > 50);
        for (key, e) in CATALOGUE.iter() {
            assert!(!e.zh.trim().is_empty(), "{key} lacks Chinese");
            assert!(!e.en.trim().is_empty(), "{key} lacks English");
        }
    }

    #[test]
    fn accept_language_prefers_first_supported() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr, zh-CN;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }

    #[test]
    fn message_arguments_are_filled() {
        let m = Msg::new("err.locked").arg("minutes", 15);
        assert!(m.render(Lang::Zh).contains("15"));
        assert!(m.render(Lang::En).contains("15"));
    }
}
