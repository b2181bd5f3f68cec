-- 廉政知识测试: a campaign's question bank, the tests of its activities drawn from it, and each
-- attempt's paper: the questions drawn for that taker, in order, with the options as shown and
-- the answer as saved (its correctness judged on the server when it is saved).

CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    category TEXT NOT NULL,
    -- single, multiple, judge
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    -- the options' texts as a JSON array (judge: 正确, 错误)
    options TEXT NOT NULL,
    -- the right options' indices, ascending: "0", "13"
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    retired_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX questions_campaign ON questions(campaign_id, category);

CREATE TABLE quizzes (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    host_unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    -- how many questions each taker draws from each category, as JSON [[category, n], …]
    draw TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    pass_score INTEGER NOT NULL,
    -- 1: anyone with a name and a phone; 0: the audience below
    public INTEGER NOT NULL DEFAULT 0,
    audience_unit_id INTEGER REFERENCES units(id),
    audience_ranks TEXT NOT NULL DEFAULT '',
    audience_party INTEGER NOT NULL DEFAULT -1,
    ledger_entry_id INTEGER,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX quizzes_activity ON quizzes(activity_id);

CREATE TABLE quiz_invitees (
    quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (quiz_id, person_id)
);

CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY,
    quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
    -- who takes it: "p:<person>" for the roster, "t:<phone's blind index>" for the public
    taker TEXT NOT NULL,
    -- the taker's 1st, 2nd, … attempt: the unique key holds the limit under parallel starts
    number INTEGER NOT NULL,
    person_id INTEGER REFERENCES people(id),
    name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    phone_idx TEXT NOT NULL DEFAULT '',
    consent TEXT NOT NULL DEFAULT '',
    -- the digest of the secret in the attempt's address
    token TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL,
    correct INTEGER NOT NULL DEFAULT 0,
    score INTEGER NOT NULL DEFAULT 0,
    anonymised_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (quiz_id, taker, number)
);
CREATE UNIQUE INDEX quiz_attempts_token ON quiz_attempts(token);
CREATE INDEX quiz_attempts_phone ON quiz_attempts(phone_idx) WHERE phone_idx <> '';

CREATE TABLE quiz_answers (
    attempt_id INTEGER NOT NULL REFERENCES quiz_attempts(id),
    position INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    -- the options' order as shown: "2031"
    shown TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    correct INTEGER NOT NULL DEFAULT 0,
    answered_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (attempt_id, position)
);
CREATE INDEX quiz_answers_question ON quiz_answers(question_id);
