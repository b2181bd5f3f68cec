-- A pledge's text is corrected by raising its version, as a material's is; each version's text
-- is kept in signed_texts, and the signatures on it are counted per version.
ALTER TABLE pledges ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX signatures_text ON signatures(text_id);
