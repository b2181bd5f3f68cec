//! Charts drawn as SVG by the server: horizontal bars (counts by unit, rank, activity) and a
//! daily line (trends over the week). No JavaScript; each chart carries a title and a text
//! description for screen readers, and the page shows the same numbers in a table.

use std::fmt::Write as _;

use crate::domain::text::escape_markup as esc;

/// Horizontal bars, one a row: (label, value).
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    // Narrow enough that a phone shows the labels at a readable size.
    const WIDTH: f64 = 420.0;
    const LABEL: f64 = 150.0;
    const ROW: f64 = 26.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let height = ROW * rows.len().max(1) as f64 + 10.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = esc(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 5.0 + i as f64 * ROW;
        let w = (WIDTH - LABEL - 60.0) * (*value as f64) / max;
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#1f2933">{l}</text><rect x="{LABEL}" y="{y}" width="{w:.1}" height="18" fill="#b3261e" rx="2"/><text x="{vx:.1}" y="{ty}" font-size="13" fill="#1f2933">{value}</text>"##,
            lx = LABEL - 8.0,
            ty = y + 14.0,
            l = esc(label),
            vx = LABEL + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A daily line: (day label, value), in order.
pub fn line(title: &str, points: &[(String, i64)]) -> String {
    const WIDTH: f64 = 420.0;
    const HEIGHT: f64 = 200.0;
    const PAD: f64 = 30.0;
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let step = if points.len() > 1 { (WIDTH - 2.0 * PAD) / (points.len() - 1) as f64 } else { 0.0 };
    let xy = |i: usize, v: i64| (PAD + step * i as f64, HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * v as f64 / max);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}" class="chart"><title>{t}</title><line x1="{PAD}" y1="{b}" x2="{r}" y2="{b}" stroke="#7b8794"/>"##,
        t = esc(title),
        b = HEIGHT - PAD,
        r = WIDTH - PAD,
    );
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
        r##"<polyline points="{}" fill="none" stroke="#b3261e" stroke-width="2"/>"##,
        path.join(" ")
    );
    let every = points.len().div_ceil(6).max(1);
    for (i, (label, value)) in points.iter().enumerate() {
        let (x, y) = xy(i, *value);
        let _ = write!(svg, r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#b3261e"/>"##);
        if i % every == 0 {
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{ly}" text-anchor="middle" font-size="11" fill="#1f2933">{l}</text><text x="{x:.1}" y="{vy:.1}" text-anchor="middle" font-size="11" fill="#1f2933">{value}</text>"##,
                ly = HEIGHT - PAD + 16.0,
                l = esc(label),
                vy = y - 8.0,
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = super::bars("签到", &[("A<B".into(), 10), ("C".into(), 5)]);
        assert!(svg.contains("A&lt;B"));
        assert!(svg.contains(r#"width="210.0""#) && svg.contains(r#"width="105.0""#));
        let empty = super::line("趋势", &[]);
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
    }
}
