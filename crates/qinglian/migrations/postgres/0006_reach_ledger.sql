-- The ledger entry a material's or pledge's reach was filed as (once).
ALTER TABLE materials ADD COLUMN ledger_entry_id BIGINT REFERENCES ledger_entries(id);
ALTER TABLE pledges ADD COLUMN ledger_entry_id BIGINT REFERENCES ledger_entries(id);
