-- A pledge's text is corrected by raising its version, as a material's is; each version's text
-- is kept in signed_texts, and the signatures on it are counted per version.
ALTER TABLE pledges ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX signatures_text ON signatures(text_id);

-- A person who leaves (调离, 退休) stays on the roster for what he did: he is still expected by
-- what addressed him before he left, and by nothing after.
ALTER TABLE people ADD COLUMN left_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN left_reason TEXT NOT NULL DEFAULT '';
