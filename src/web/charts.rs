//! Charts drawn on the server as SVG: nothing to download, nothing to run
//! in the browser, and they print. Labels are escaped here because the
//! templates insert the markup as it is.

use std::fmt::Write as _;

/// Text made safe for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars on a 0–100 scale, one per (label, value); a missing
/// value is drawn as "无数据".
pub fn bars(title: &str, items: &[(String, Option<f64>)]) -> String {
    let row = 34.0;
    let left = 150.0;
    let width = 560.0;
    let height = row * f64::from(u32::try_from(items.len()).unwrap_or(u32::MAX)) + 30.0;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(title),
        esc(title),
        width = left + width + 60.0,
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = row * f64::from(u32::try_from(i).unwrap_or(0)) + 8.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text>"#,
            left - 10.0,
            y + 17.0,
            esc(label)
        );
        let _ = write!(
            svg,
            r##"<rect x="{left}" y="{y}" width="{width}" height="22" fill="#eeeeee"/>"##
        );
        match value {
            Some(v) => {
                let v = v.clamp(0.0, 100.0);
                let _ = write!(
                    svg,
                    r##"<rect x="{left}" y="{y}" width="{:.1}" height="22" fill="#0b57d0"/><text x="{:.1}" y="{}" class="value">{v:.1}</text>"##,
                    width * v / 100.0,
                    left + width * v / 100.0 + 6.0,
                    y + 17.0
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r#"<text x="{}" y="{}" class="value">无数据</text>"#,
                    left + 6.0,
                    y + 17.0
                );
            }
        }
    }
    let axis = height - 14.0;
    for tick in [0.0, 50.0, 100.0] {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{axis}" text-anchor="middle" class="tick">{tick}</text>"#,
            left + width * tick / 100.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Lines over quarters: each series is (name, colour, values by quarter).
pub fn lines(title: &str, quarters: &[String], series: &[(&str, &str, Vec<f64>)]) -> String {
    let (left, top, width, height) = (50.0, 20.0, 620.0, 220.0);
    let n = quarters.len().max(1);
    let step = if n > 1 {
        width / f64::from(u32::try_from(n - 1).unwrap_or(1))
    } else {
        0.0
    };
    let x = |i: usize| left + step * f64::from(u32::try_from(i).unwrap_or(0));
    let y = |v: f64| top + height * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(title),
        left + width + 40.0,
        top + height + 60.0,
        esc(title)
    );
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end" class="tick">{tick}</text>"##,
            left + width,
            y(tick),
            y(tick),
            left - 6.0,
            y(tick) + 4.0
        );
    }
    for (i, q) in quarters.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="middle" class="tick">{}</text>"#,
            x(i),
            top + height + 18.0,
            esc(q)
        );
    }
    for (k, (name, colour, values)) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{}"/>"#,
            points.join(" ")
        );
        for (i, v) in values.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{} {}: {v:.2}</title></circle>"#,
                x(i),
                y(*v),
                esc(quarters.get(i).map_or("", String::as_str)),
                esc(name)
            );
        }
        let lx = left + 160.0 * f64::from(u32::try_from(k).unwrap_or(0));
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="{}" width="14" height="4" fill="{colour}"/><text x="{}" y="{}" class="label">{}</text>"#,
            top + height + 38.0,
            lx + 20.0,
            top + height + 44.0,
            esc(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_escaped_labels_and_clamped_values() {
        let svg = bars("指标", &[("a<b".into(), Some(150.0)), ("缺".into(), None)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
        assert!(svg.contains(r#"width="560.0""#), "150 is drawn as 100");
        assert!(svg.contains("无数据"));
        let svg = lines(
            "趋势",
            &["2025Q3".into(), "2025Q4".into()],
            &[("总分", "#000", vec![80.0, 90.0])],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
