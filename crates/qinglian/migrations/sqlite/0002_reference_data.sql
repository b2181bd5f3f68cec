-- Reference data every installation starts with; editable afterwards (types and kinds are data).
INSERT INTO unit_types (code, name, sort) VALUES
 ('city', '市', 1), ('department', '部门', 2), ('township', '乡镇（街道）', 3),
 ('discipline_committee', '纪（工）委', 4), ('village', '村（社区）', 5), ('police_station', '派出所', 6),
 ('school', '学校', 7), ('enterprise', '企业', 8), ('other', '其他', 9);

INSERT INTO activity_kinds (code, name, sort) VALUES
 ('lecture', '集中教育宣讲', 1), ('warning_education', '集中警示教育', 2), ('interview', '访谈约稿', 3),
 ('publicity', '社会层面宣传', 4), ('call_for_works', '作品征集', 5), ('party_day', '主题党日', 6),
 ('training', '廉洁教育培训', 7), ('family', '清廉家风', 8), ('enterprise_forum', '清廉民企论谈', 9),
 ('business_environment', '优化营商环境', 10), ('custom', '其他活动', 99);
