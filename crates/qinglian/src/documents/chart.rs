//! Charts drawn as SVG by the server: horizontal bars (counts by unit, rank, activity) and a
//! daily line (trends over the week), with axes, gridlines and the peak labelled. No JavaScript;
//! each chart carries a title and a text description for screen readers, and the page shows
//! the same numbers in a table. Drawn 360 units wide so that on a phone one unit is about one
//! pixel and the 13-unit type reads at 13 px.

use std::fmt::Write as _;

use crate::domain::text::escape_markup as esc;

const WIDTH: f64 = 360.0;
const TEXT: &str = "#1f2329";
const MUTED: &str = "#575e6a";
const GRID: &str = "#e1e3e8";
const INK: &str = "#b3191d";

/// A round step for an axis from 0 to `max`, giving at most five gridlines: 1, 2 or 5 × 10ⁿ.
fn tick_step(max: i64) -> i64 {
    let mut magnitude = 1;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if max <= step * 5 {
                return step;
            }
        }
        magnitude *= 10;
    }
}

/// The axis' top: the first multiple of the step at or above `max` (at least one step).
fn axis_top(max: i64) -> (i64, i64) {
    let step = tick_step(max.max(1));
    (step, (max.max(1) + step - 1) / step * step)
}

/// A label cut to `chars` characters, with an ellipsis when cut.
fn short(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(chars - 1).collect::<String>())
    }
}

/// Horizontal bars, one a row: (label, value), with a scale along the top.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    const LABEL: f64 = 128.0;
    const ROW: f64 = 28.0;
    const TOP: f64 = 22.0;
    let (step, top) = axis_top(rows.iter().map(|r| r.1).max().unwrap_or(0));
    let plot = WIDTH - LABEL - 44.0;
    let height = TOP + ROW * rows.len().max(1) as f64 + 4.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = esc(title)
    );
    let mut tick = 0;
    while tick <= top {
        let x = LABEL + plot * tick as f64 / top as f64;
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}" stroke="{GRID}"/><text x="{x:.1}" y="14" text-anchor="middle" font-size="12" fill="{MUTED}">{tick}</text>"#,
            b = height - 4.0,
        );
        tick += step;
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = TOP + 5.0 + i as f64 * ROW;
        let w = plot * (*value as f64) / top as f64;
        let _ = write!(
            svg,
            r#"<g><title>{full}：{value}</title><text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="{TEXT}">{l}</text><rect x="{LABEL}" y="{y}" width="{w:.1}" height="18" fill="{INK}" rx="2"/><text x="{vx:.1}" y="{ty}" font-size="13" font-weight="600" fill="{TEXT}">{value}</text></g>"#,
            full = esc(label),
            lx = LABEL - 6.0,
            ty = y + 14.0,
            l = esc(&short(label, 9)),
            vx = LABEL + w + 5.0,
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LABEL}" y1="{TOP}" x2="{LABEL}" y2="{b:.1}" stroke="{MUTED}"/>"#,
        b = height - 4.0
    );
    svg.push_str("</svg>");
    svg
}

/// A daily line: (day label, value), in order, with a value axis, gridlines, day labels spaced
/// so they never touch, and the highest day labelled with its value.
pub fn line(title: &str, points: &[(String, i64)]) -> String {
    const HEIGHT: f64 = 210.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 14.0;
    const TOP: f64 = 22.0;
    const BOTTOM: f64 = 30.0;
    let (step, top) = axis_top(points.iter().map(|p| p.1).max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let dx = if points.len() > 1 { plot_w / (points.len() - 1) as f64 } else { 0.0 };
    let xy = |i: usize, v: i64| (LEFT + dx * i as f64, TOP + plot_h - plot_h * v as f64 / top as f64);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = esc(title),
    );
    let mut tick = 0;
    while tick <= top {
        let y = TOP + plot_h - plot_h * tick as f64 / top as f64;
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}" stroke="{g}"/><text x="{tx}" y="{ty:.1}" text-anchor="end" font-size="12" fill="{MUTED}">{tick}</text>"#,
            r = WIDTH - RIGHT,
            g = if tick == 0 { MUTED } else { GRID },
            tx = LEFT - 5.0,
            ty = y + 4.0,
        );
        tick += step;
    }
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = xy(i, p.1);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{INK}" stroke-width="2.5"/>"#,
        path.join(" ")
    );
    // Day labels about 56 units apart (a "05-16" is about 36 wide at this size), always the last.
    let every = ((56.0 / dx.max(1.0)).ceil() as usize).max(1);
    let peak = points.iter().enumerate().max_by_key(|(i, p)| (p.1, std::cmp::Reverse(*i))).map(|(i, _)| i);
    for (i, (label, value)) in points.iter().enumerate() {
        let (x, y) = xy(i, *value);
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{INK}"><title>{l}：{value}</title></circle>"#,
            l = esc(label)
        );
        let last = i + 1 == points.len();
        if last || (i % every == 0 && points.len() - 1 - i >= every) {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{ly}" text-anchor="{anchor}" font-size="12" fill="{MUTED}">{l}</text>"#,
                ly = HEIGHT - BOTTOM + 18.0,
                anchor = if i == 0 {
                    "start"
                } else if last {
                    "end"
                } else {
                    "middle"
                },
                l = esc(label),
            );
        }
        if Some(i) == peak && *value > 0 {
            let anchor = if x > WIDTH - 60.0 {
                "end"
            } else if x < LEFT + 30.0 {
                "start"
            } else {
                "middle"
            };
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{vy:.1}" text-anchor="{anchor}" font-size="13" font-weight="700" fill="{INK}">{value}</text>"#,
                vy = (y - 8.0).max(12.0),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_scale_to_a_round_axis_and_escape_labels() {
        let svg = super::bars("签到", &[("A<B".into(), 10), ("C".into(), 5)]);
        assert!(svg.contains("A&lt;B"));
        // 10 → axis 0–10 in steps of 2; the plot is 188 wide.
        assert!(svg.contains(r#"width="188.0""#) && svg.contains(r#"width="94.0""#), "{svg}");
        assert!(svg.contains(">8</text>") && svg.contains(">10</text>"));
        let empty = super::line("趋势", &[]);
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(super::axis_top(0), (1, 1));
        assert_eq!(super::axis_top(7), (2, 8));
        assert_eq!(super::axis_top(345), (100, 400));
        assert_eq!(super::axis_top(1200), (500, 1500));
    }

    #[test]
    fn the_line_labels_its_peak_and_spaces_its_days() {
        let points: Vec<(String, i64)> =
            (0..31).map(|d| (format!("05-{:02}", d + 1), if d == 20 { 87 } else { d % 3 })).collect();
        let svg = super::line("每日签到", &points);
        assert!(
            svg.contains(r##"font-weight="700" fill="#b3191d">87</text>"##),
            "the peak carries its value"
        );
        let day_labels = svg.matches(r##"font-size="12" fill="#575e6a">05-"##).count();
        assert!((5..=7).contains(&day_labels), "{day_labels} day labels on a 360-wide chart");
        assert!(svg.contains(">05-31</text>"), "the last day is labelled");
    }
}
