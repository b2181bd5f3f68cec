-- 防代签 by place: a sitting may name the venue's position (in millionths of a degree) and a
-- radius in metres. A phone's sign-in there keeps only how far from the venue the phone said it
-- was, never where it was.
ALTER TABLE sittings ADD COLUMN venue_lat BIGINT;
ALTER TABLE sittings ADD COLUMN venue_lon BIGINT;
ALTER TABLE sittings ADD COLUMN radius_m BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkins ADD COLUMN distance_m BIGINT;
-- The organiser's word on a sign-in flagged as unusual: '' (not yet looked at) or 'confirmed'.
-- A struck sign-in is removed; the audit log keeps what it was.
ALTER TABLE checkins ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
