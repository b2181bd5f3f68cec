-- 防代签: a sitting may take one sign-in per phone. The phone's key (its digest) is kept with the
-- sign-in it made, and no second sign-in at the sitting may carry it.
ALTER TABLE sittings ADD COLUMN one_device BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkins ADD COLUMN device TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX checkins_device ON checkins(sitting_id, device) WHERE device <> '';
