-- Attempts counted per key (an address, a sign-in pass, a name at a sitting) so that limits hold
-- under parallel requests and across servers.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
