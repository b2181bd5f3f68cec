-- A sitting is corrected or called off before it is held: each correction raises its revision
-- (the venue screen redraws), and a cancelled one keeps why.
ALTER TABLE sittings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sittings ADD COLUMN cancelled_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sittings ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
