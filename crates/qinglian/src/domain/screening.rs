//! Screening submitted works, with no I/O: sensitive words (Aho-Corasick over normalised text,
//! so "腐 败" and "腐—败" are caught as "腐败"), and near-copies (character 3-gram shingles,
//! MinHash signatures banded for lookup, the exact resemblance of candidates, and the longest
//! passage two texts share).

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};

/// Text reduced to what carries meaning: letters, digits and CJK characters, full-width folded
/// to half-width and lower-cased; with each kept character's index in the original.
pub struct Normalised {
    pub chars: Vec<char>,
    pub origin: Vec<usize>,
}

pub fn normalise(text: &str) -> Normalised {
    let mut chars = Vec::with_capacity(text.len() / 3);
    let mut origin = Vec::with_capacity(text.len() / 3);
    for (i, c) in text.chars().enumerate() {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        };
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                chars.push(l);
                origin.push(i);
            }
        }
    }
    Normalised { chars, origin }
}

/// A sensitive word found, as character positions in the original text (end exclusive).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WordMatch {
    pub word: String,
    pub start: usize,
    pub end: usize,
}

/// A dictionary of sensitive words, built once and used for many texts.
pub struct Dictionary {
    words: Vec<String>,
    automaton: Option<AhoCorasick>,
}

impl Dictionary {
    pub fn new(words: &[String]) -> Dictionary {
        let words: Vec<String> = words
            .iter()
            .map(|w| normalise(w).chars.into_iter().collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        let automaton = if words.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&words).ok()
        };
        Dictionary { words, automaton }
    }

    pub fn find(&self, text: &str) -> Vec<WordMatch> {
        let Some(ac) = &self.automaton else { return Vec::new() };
        let n = normalise(text);
        let flat: String = n.chars.iter().collect();
        // Byte offsets in `flat` → character indices in `n.chars`.
        let mut char_at = vec![0usize; flat.len() + 1];
        for (ci, (bi, _)) in flat.char_indices().enumerate() {
            char_at[bi] = ci;
        }
        char_at[flat.len()] = n.chars.len();
        ac.find_iter(&flat)
            .map(|m| {
                let (s, e) = (char_at[m.start()], char_at[m.end()]);
                WordMatch {
                    word: self.words[m.pattern().as_usize()].clone(),
                    start: n.origin[s],
                    end: n.origin[e - 1] + 1,
                }
            })
            .collect()
    }
}

/// Hash functions of the MinHash signature, and how they are banded for lookup.
pub const HASHES: usize = 64;
pub const BANDS: usize = 32;
const ROWS: usize = HASHES / BANDS;
const SHINGLE: usize = 3;

fn fnv(chars: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for b in (*c as u32).to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// splitmix64: the i-th hash function is the shingle's hash mixed with seed i.
fn mix(x: u64, seed: u64) -> u64 {
    let mut z = x ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The set of 3-character shingles of normalised text, hashed.
pub fn shingles(n: &[char]) -> HashSet<u64> {
    if n.len() < SHINGLE {
        return if n.is_empty() { HashSet::new() } else { HashSet::from([fnv(n)]) };
    }
    n.windows(SHINGLE).map(fnv).collect()
}

pub fn minhash(shingles: &HashSet<u64>) -> [u64; HASHES] {
    let mut sig = [u64::MAX; HASHES];
    for s in shingles {
        for (i, m) in sig.iter_mut().enumerate() {
            let h = mix(*s, i as u64 + 1);
            if h < *m {
                *m = h;
            }
        }
    }
    sig
}

/// One key per band: texts sharing a key are candidates for a near-copy. Keys fit in i64 so
/// both databases store them as BIGINT.
pub fn band_keys(sig: &[u64; HASHES]) -> Vec<i64> {
    (0..BANDS)
        .map(|b| {
            let mut h = mix(b as u64, 0xba4d);
            for v in &sig[b * ROWS..(b + 1) * ROWS] {
                h = mix(h ^ v, 7);
            }
            h as i64
        })
        .collect()
}

/// Jaccard resemblance of two shingle sets, 0‥1.
pub fn resemblance(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    common as f64 / (a.len() + b.len() - common) as f64
}

/// How much of `a` stands in `b`: the share of `a`'s shingles found in `b`, 0‥1. A short
/// work copied from a long one is wholly contained in it though the two hardly resemble.
pub fn containment(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    a.intersection(b).count() as f64 / a.len() as f64
}

/// The longest passage of `a` that also stands in `b`, as character positions in `a`'s
/// original text (end exclusive); `None` when they share less than a shingle.
pub fn shared_passage(a_text: &str, b_text: &str) -> Option<(usize, usize)> {
    let a = normalise(a_text);
    let b = normalise(b_text);
    if a.chars.len() < SHINGLE || b.chars.len() < SHINGLE {
        return None;
    }
    let mut at: HashMap<&[char], Vec<usize>> = HashMap::new();
    for (j, w) in b.chars.windows(SHINGLE).enumerate() {
        at.entry(w).or_default().push(j);
    }
    let mut best = (0usize, 0usize); // (start in a, length in chars)
    let mut i = 0;
    while i + SHINGLE <= a.chars.len() {
        let mut longest = 0;
        if let Some(starts) = at.get(&a.chars[i..i + SHINGLE]) {
            for &j in starts.iter().take(64) {
                let mut k = 0;
                while i + k < a.chars.len() && j + k < b.chars.len() && a.chars[i + k] == b.chars[j + k] {
                    k += 1;
                }
                longest = longest.max(k);
            }
        }
        if longest > best.1 {
            best = (i, longest);
        }
        // Skip inside a run already measured: it cannot start a longer one.
        i += if longest > SHINGLE { longest - SHINGLE + 1 } else { 1 };
    }
    (best.1 >= SHINGLE).then(|| (a.origin[best.0], a.origin[best.0 + best.1 - 1] + 1))
}

/// Length in characters as call rules count it: Chinese characters, letters and digits; not
/// punctuation or spaces.
pub fn counted_chars(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_words_are_found_through_spacing_and_full_width() {
        let d = Dictionary::new(&["腐败".into(), "ABC".into()]);
        let text = "清风正气，拒绝腐 败！ａｂｃ";
        let m = d.find(text);
        assert_eq!(m.len(), 2);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[m[0].start..m[0].end].iter().collect::<String>(), "腐 败");
        assert_eq!(chars[m[1].start..m[1].end].iter().collect::<String>(), "ａｂｃ");
        assert!(Dictionary::new(&[]).find(text).is_empty());
    }

    #[test]
    fn near_copies_resemble_and_share_a_passage() {
        let original = "清风拂过山岗，廉洁之花开满村庄。党员干部守初心，一心为民不谋私。";
        let copy = "清风拂过山岗，廉洁之花开满村庄！党员干部守初心，一心为民不谋私。我们要学习。";
        let other = "春天来了，小河的冰融化了，燕子从南方飞回来，田野里一片生机勃勃的景象。";
        let s = |t: &str| shingles(&normalise(t).chars);
        assert!(resemblance(&s(original), &s(copy)) > 0.7);
        assert!(resemblance(&s(original), &s(other)) < 0.1);
        let half: String = original.chars().take(16).collect();
        assert!(containment(&s(&half), &s(original)) > 0.99 && resemblance(&s(&half), &s(original)) < 0.6);
        // MinHash bands of near-copies collide; of unrelated texts they (almost surely) do not.
        let keys = |t: &str| band_keys(&minhash(&s(t)));
        assert!(keys(original).iter().any(|k| keys(copy).contains(k)));
        assert!(!keys(original).iter().any(|k| keys(other).contains(k)));
        let (a, b) = shared_passage(copy, original).unwrap();
        let passage: String = copy.chars().skip(a).take(b - a).collect();
        assert!(passage.starts_with("清风拂过山岗") && passage.ends_with("一心为民不谋私"), "{passage}");
        assert!(shared_passage(other, original).is_none());
    }

    #[test]
    fn counting_leaves_out_punctuation() {
        assert_eq!(counted_chars("清风，正气！ 2022"), 8);
    }
}
