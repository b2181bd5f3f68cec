-- Attempts counted per key (an address, a sign-in pass, a name at a sitting) so that limits hold
-- under parallel requests and across servers.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL
);

-- A registration is cancelled with the receipt given to its registrant, not with a phone
-- anyone may know.
ALTER TABLE registrations ADD COLUMN receipt_hash TEXT NOT NULL DEFAULT '';
