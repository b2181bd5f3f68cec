-- Delivery that really happens: each message is claimed with a lease, retried with back-off and,
-- after the configured attempts, kept as undeliverable for the organiser to see and send again.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
UPDATE outbox SET status = 'sent' WHERE sent_at > 0;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox(channel, status, next_at, id);

-- How a person wants his notices: by text message (the default), by e-mail, or not at all.
ALTER TABLE people ADD COLUMN email TEXT;
ALTER TABLE people ADD COLUMN notify_by TEXT NOT NULL DEFAULT 'sms';
