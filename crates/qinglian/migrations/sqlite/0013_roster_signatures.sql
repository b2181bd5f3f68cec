-- The roster's signatures of a pledge (cadres, with their units), apart from the public's:
-- a public pledge may hold a million names, and the ledger lists and counts only the roster's.
CREATE INDEX signatures_roster ON signatures(subject, subject_id, id) WHERE person_id IS NOT NULL;
