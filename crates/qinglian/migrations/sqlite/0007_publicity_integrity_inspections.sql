-- Social publicity placements, integrity units (清廉单元) and supervision inspections (监督检查).

CREATE TABLE placement_materials (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sort INTEGER NOT NULL DEFAULT 0
);
INSERT INTO placement_materials (code, name, sort) VALUES
 ('slogan', '标语', 1), ('banner', '横幅', 2), ('poster', '海报', 3), ('board', '展板', 4),
 ('hoarding', '围挡', 5), ('goods', '宣传品', 6);

CREATE TABLE placement_channels (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sort INTEGER NOT NULL DEFAULT 0
);
INSERT INTO placement_channels (code, name, sort) VALUES
 ('online', '网络媒体', 1), ('public_place', '公共场所', 2), ('transport', '交通工具', 3), ('screen', '电子屏', 4);

CREATE TABLE placements (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    material TEXT NOT NULL REFERENCES placement_materials(code),
    channel TEXT NOT NULL REFERENCES placement_channels(code),
    place TEXT NOT NULL,
    district TEXT NOT NULL DEFAULT '',
    -- microdegrees (WGS-84); NULL when not given
    lat_e6 INTEGER,
    lng_e6 INTEGER,
    quantity INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX placements_campaign ON placements(campaign_id, channel, material, district, quantity);

CREATE TABLE placement_photos (
    id INTEGER PRIMARY KEY,
    placement_id INTEGER NOT NULL REFERENCES placements(id),
    storage_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX placement_photos_placement ON placement_photos(placement_id);

CREATE TABLE placement_themes (
    placement_id INTEGER NOT NULL REFERENCES placements(id),
    theme_id INTEGER NOT NULL REFERENCES campaign_themes(id),
    PRIMARY KEY (placement_id, theme_id)
);

CREATE TABLE inspections (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    inspected_on TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    focus TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    theme_id INTEGER REFERENCES campaign_themes(id),
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX inspections_campaign ON inspections(campaign_id, inspected_on);
CREATE INDEX inspections_unit ON inspections(unit_id);

CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    category TEXT NOT NULL,
    -- low, medium, high
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    -- rectification: open until closed with evidence
    owner_unit_id INTEGER NOT NULL REFERENCES units(id),
    deadline TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    evidence TEXT NOT NULL DEFAULT '',
    closed_at INTEGER NOT NULL DEFAULT 0,
    closed_by INTEGER
);
CREATE INDEX findings_inspection ON findings(inspection_id);
CREATE INDEX findings_open ON findings(status, deadline);

-- Integrity units: a type (清廉村居 …) has versioned criteria; a unit applies with a
-- self-assessment per criterion; an evaluator scores; the unit is named or returned.
CREATE TABLE integrity_types (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    pass_score INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE integrity_criteria (
    id INTEGER PRIMARY KEY,
    type_id INTEGER NOT NULL REFERENCES integrity_types(id),
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    max_score INTEGER NOT NULL
);

CREATE TABLE integrity_applications (
    id INTEGER PRIMARY KEY,
    type_id INTEGER NOT NULL REFERENCES integrity_types(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    campaign_id INTEGER REFERENCES campaigns(id),
    -- the campaign's theme tag (四个结合) it serves, for the report
    theme_id INTEGER REFERENCES campaign_themes(id),
    -- submitted (申报), evaluated (评估), recognised (命名), returned (退回)
    status TEXT NOT NULL,
    total_score INTEGER NOT NULL DEFAULT 0,
    evaluator_id INTEGER,
    decision_comment TEXT NOT NULL DEFAULT '',
    submitted_at INTEGER NOT NULL,
    decided_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX integrity_applications_unit ON integrity_applications(unit_id);

CREATE TABLE integrity_items (
    application_id INTEGER NOT NULL REFERENCES integrity_applications(id),
    criterion_id INTEGER NOT NULL REFERENCES integrity_criteria(id),
    statement TEXT NOT NULL,
    evidence_key TEXT NOT NULL DEFAULT '',
    score INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (application_id, criterion_id)
);
