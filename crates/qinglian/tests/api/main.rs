//! The behavioural suite: every scenario drives the real HTTP surface of a real server, once on
//! SQLite and once on PostgreSQL.

mod harness;

mod accounts;
mod audit_log;
mod backup;
mod campaign;
mod corrections;
mod crash;
mod dashboard;
mod delivery;
mod deploy;
mod face;
mod flood;
mod fuzz;
mod hostile;
mod inspections;
mod integrity;
mod ledger;
mod multiserver;
mod privacy;
mod publicity;
mod quizzes;
mod report;
mod roster;
mod samples;
mod security;
mod signin_checks;
mod signing;
mod sittings;
mod startup;
mod storage;
mod surface;
mod works;
