-- 个人信息保护 (PIPL): what the public consented to, and how long the organiser keeps it.
-- A campaign keeps the personal data of the public who took part for retention_days after its
-- end, then anonymises it; the counts and the signature chain stay.
ALTER TABLE campaigns ADD COLUMN retention_days BIGINT NOT NULL DEFAULT 365;

-- The notice (form/version) a member of the public agreed to; '' where no notice applied.
ALTER TABLE signatures ADD COLUMN consent TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN consent TEXT NOT NULL DEFAULT '';
ALTER TABLE works ADD COLUMN consent TEXT NOT NULL DEFAULT '';

-- Scheme 4 chains a salted digest of who signed (name, organisation, phone, address, drawing)
-- instead of the fields themselves, so that erasing them and the salt keeps the chain whole.
ALTER TABLE signatures ADD COLUMN salt TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN personal_digest TEXT NOT NULL DEFAULT '';

ALTER TABLE signatures ADD COLUMN anonymised_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN anonymised_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE works ADD COLUMN anonymised_at BIGINT NOT NULL DEFAULT 0;
