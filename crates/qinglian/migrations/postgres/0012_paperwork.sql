-- The furniture of the campaign's two official documents (版头, 主送, 署名, 版记), as JSON:
-- see services/report/paperwork.rs.
ALTER TABLE campaigns ADD COLUMN paperwork TEXT NOT NULL DEFAULT '{}';
