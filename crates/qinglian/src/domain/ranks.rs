//! The ranks (职级) a city sorts its people into, as configured: each a name that audiences and
//! statistics use, with the spellings rosters write for it (正处级, 一级调研员 … all mean 县处级
//! here). A roster's rank is read against this list, never stored as a new rank of its own.

use serde::Deserialize;

use super::text::normalize;

/// One rank and the other words rosters use for it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rank {
    pub name: String,
    #[serde(default)]
    pub also: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranks(Vec<Rank>);

/// What a roster's rank cell names.
#[derive(Debug, PartialEq, Eq)]
pub enum RankMatch {
    /// The configured rank it means.
    Known(String),
    /// Not on the list; the nearest spelling that is, if one is near.
    Unknown { nearest: Option<String> },
}

impl Default for Ranks {
    /// The ranks of the civil-service law's leadership posts and grades (公务员职务与职级并行规定),
    /// gathered in the bands integrity work addresses, and the new staff of public
    /// institutions whom induction training concerns.
    fn default() -> Ranks {
        let rank = |name: &str, also: &[&str]| Rank {
            name: name.to_string(),
            also: also.iter().map(|s| s.to_string()).collect(),
        };
        Ranks(vec![
            rank(
                "厅局级",
                &[
                    "正厅级",
                    "副厅级",
                    "厅级",
                    "正局级",
                    "副局级",
                    "一级巡视员",
                    "二级巡视员",
                    "厅局级正职",
                    "厅局级副职",
                ],
            ),
            rank(
                "县处级",
                &[
                    "正处级",
                    "副处级",
                    "处级",
                    "正县级",
                    "副县级",
                    "县级",
                    "一级调研员",
                    "二级调研员",
                    "三级调研员",
                    "四级调研员",
                    "县处级正职",
                    "县处级副职",
                ],
            ),
            rank(
                "科级",
                &[
                    "乡科级",
                    "正科级",
                    "副科级",
                    "正科",
                    "副科",
                    "一级主任科员",
                    "二级主任科员",
                    "三级主任科员",
                    "四级主任科员",
                    "乡科级正职",
                    "乡科级副职",
                ],
            ),
            rank("股级", &["正股级", "副股级"]),
            rank("一般干部", &["科员", "一级科员", "二级科员", "办事员", "一般工作人员", "干部"]),
            rank("新进事业人员", &["新进人员", "新录用人员", "试用期人员"]),
        ])
    }
}

impl Ranks {
    /// A configured list; names and spellings must be unique across it.
    pub fn new(list: Vec<Rank>) -> Result<Ranks, String> {
        let mut seen = std::collections::HashSet::new();
        for word in list.iter().flat_map(|r| std::iter::once(&r.name).chain(&r.also)) {
            let word = compact(word);
            if word.is_empty() || !seen.insert(word.clone()) {
                return Err(format!("ranks 中“{word}”为空或出现了两次"));
            }
        }
        if list.is_empty() {
            return Err("ranks 至少要有一个职级".into());
        }
        Ok(Ranks(list))
    }

    /// The configured names, in the configured order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|r| r.name.as_str())
    }

    pub fn find(&self, cell: &str) -> RankMatch {
        let cell = compact(cell);
        let words =
            || self.0.iter().flat_map(|r| std::iter::once(&r.name).chain(&r.also).map(move |w| (w, r)));
        if let Some((_, rank)) = words().find(|(w, _)| compact(w) == cell) {
            return RankMatch::Known(rank.name.clone());
        }
        // A word the cell holds or is part of (正处 → 正处级), else a slip of one character in a
        // short word, two in a longer one; suggested only where the nearest words agree on a rank.
        let allowed = if cell.chars().count() <= 4 { 1 } else { 2 };
        let near: Vec<(usize, &String, &Rank)> = words()
            .map(|(w, r)| {
                let word = compact(w);
                let within = word.chars().count() >= 2 && (word.contains(&cell) || cell.contains(&word));
                (if within { 0 } else { distance(&word, &cell) }, w, r)
            })
            .filter(|(d, _, _)| *d <= allowed)
            .collect();
        let best = near.iter().map(|(d, _, _)| *d).min();
        let best: Vec<_> = near.iter().filter(|(d, _, _)| Some(*d) == best).collect();
        let nearest = match best.first() {
            Some((_, word, rank)) if best.iter().all(|(_, _, r)| r.name == rank.name) => {
                Some((*word).clone())
            }
            _ => None,
        };
        RankMatch::Unknown { nearest }
    }
}

/// Without spaces, in the normal form the roster's other cells take.
fn compact(s: &str) -> String {
    normalize(s).chars().filter(|c| !c.is_whitespace()).collect()
}

/// Edit distance in characters: insertions, deletions and substitutions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb { diagonal } else { 1 + diagonal.min(above).min(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_map_to_their_rank_and_near_misses_are_suggested() {
        let ranks = Ranks::default();
        assert_eq!(ranks.find(" 正处级 "), RankMatch::Known("县处级".into()));
        assert_eq!(ranks.find("二级主任科员"), RankMatch::Known("科级".into()));
        assert_eq!(ranks.find("科级"), RankMatch::Known("科级".into()));
        assert_eq!(ranks.find("正处"), RankMatch::Unknown { nearest: Some("正处级".into()) });
        assert_eq!(ranks.find("付科级"), RankMatch::Unknown { nearest: Some("科级".into()) });
        assert_eq!(ranks.find("某某级"), RankMatch::Unknown { nearest: None });
        assert_eq!(distance("正处", "正处级"), 1);
    }

    #[test]
    fn a_list_with_a_word_twice_is_refused() {
        let twice = vec![
            Rank { name: "处级".into(), also: vec![] },
            Rank { name: "县处级".into(), also: vec!["处级".into()] },
        ];
        assert!(Ranks::new(twice).is_err());
    }
}
