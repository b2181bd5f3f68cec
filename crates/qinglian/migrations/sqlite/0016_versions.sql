-- A pledge's text is corrected by raising its version, as a material's is; each version's text
-- is kept in signed_texts, and the signatures on it are counted per version.
ALTER TABLE pledges ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX signatures_text ON signatures(text_id);

-- A person who leaves (调离, 退休) stays on the roster for what he did: he is still expected by
-- what addressed him before he left, and by nothing after.
ALTER TABLE people ADD COLUMN left_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN left_reason TEXT NOT NULL DEFAULT '';

-- The unit a person signed in for, as he was then: moving him later does not move his past
-- attendance to his new unit.
ALTER TABLE checkins ADD COLUMN unit_id INTEGER REFERENCES units(id);
UPDATE checkins SET unit_id = (SELECT p.unit_id FROM people p WHERE p.id = checkins.person_id) WHERE person_id IS NOT NULL;

-- Duplicates on the roster are merged: the duplicate stays (its signatures are in the chain and
-- name it) but is marked merged, and what it did counts for the person kept. A signature's
-- `person_id` is covered by the chain; `counted_for` is whom it counts for, and moves. One
-- signature counts for a person per material or pledge, whichever record signed it.
ALTER TABLE people ADD COLUMN merged_into INTEGER REFERENCES people(id);
ALTER TABLE signatures ADD COLUMN counted_for INTEGER REFERENCES people(id);
UPDATE signatures SET counted_for = person_id WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX signatures_counted ON signatures(counted_for, subject, subject_id);
