//! Hand-written SVG charts (no plotting dependency): grouped bars, horizontal ratio bars
//! with targets, and line charts.

use std::fmt::Write;

pub const LIBZMQ: &str = "#8a8f98";
pub const FERROMQ: &str = "#d9622b";
pub const LIBZMQ_LIGHT: &str = "#c5c8cd";
pub const FERROMQ_LIGHT: &str = "#f0b08f";
const GOOD: &str = "#2e9d4f";
const BAD: &str = "#d64541";
const NEUTRAL: &str = "#5b7fa6";
const TEXT: &str = "#222";
const GRID: &str = "#e3e3e3";
const FONT: &str = "font-family=\"Helvetica, Arial, sans-serif\"";

pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub values: Vec<Option<f64>>,
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// 3 significant digits with k/M/G suffixes: 6.62M, 48.1k, 950, 3.21.
pub fn si(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$}{suffix}")
}

/// Like [`si`] without trailing zeros, for axis ticks: 1M, 2.5k, 0.1.
fn tick(v: f64) -> String {
    let t = si(v);
    let (num, suffix) = t.split_at(t.find(|c: char| c.is_alphabetic()).unwrap_or(t.len()));
    let num = if num.contains('.') {
        num.trim_end_matches('0').trim_end_matches('.')
    } else {
        num
    };
    format!("{num}{suffix}")
}

fn nice_step(range: f64) -> f64 {
    let raw = range / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let step = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 2.5 {
        2.5
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    step * mag
}

/// A value axis: maps values to pixel offsets in [0, len], with tick values.
struct Axis {
    log: bool,
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Axis {
    fn new(values: impl Iterator<Item = f64>, log: bool, headroom: bool) -> Axis {
        let vals: Vec<f64> = values.filter(|v| v.is_finite() && *v > 0.0).collect();
        let room = if headroom { 1.12 } else { 1.0 };
        let max = vals.iter().cloned().fold(f64::MIN, f64::max).max(1e-9);
        let min = vals.iter().cloned().fold(f64::MAX, f64::min).min(max);
        if log {
            let lo = 10f64.powf(min.log10().floor());
            let hi = 10f64.powf((max * room * 1.03).log10().ceil());
            let mut ticks = vec![];
            let mut t = lo;
            while t <= hi * 1.001 {
                ticks.push(t);
                t *= 10.0;
            }
            Axis { log, lo, hi, ticks }
        } else {
            let step = nice_step((max * room).max(1e-9));
            let lo = 0.0;
            let hi = ((max * room) / step).ceil() * step;
            let mut ticks = vec![];
            let mut t = lo;
            while t <= hi + step * 0.001 {
                ticks.push(t);
                t += step;
            }
            Axis { log, lo, hi, ticks }
        }
    }

    fn frac(&self, v: f64) -> f64 {
        let f = if self.log {
            (v.max(self.lo).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        f.clamp(0.0, 1.0)
    }
}

/// Title and a subtitle wrapped on at most two lines (y 42 and 56).
fn header(out: &mut String, w: f64, h: f64, title: &str, subtitle: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" {FONT}>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"16\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"{TEXT}\">{}</text>\n",
        esc(title)
    );
    let max_chars = ((w - 32.0) / 5.6) as usize;
    let mut lines = vec![String::new()];
    for word in subtitle.split(' ') {
        let cur = lines.last_mut().expect("a line");
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max_chars {
            lines.push(word.to_string());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
    }
    for (i, line) in lines.iter().take(2).enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"16\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text>",
            42 + 14 * i,
            esc(line)
        );
    }
}

fn legend(out: &mut String, x_right: f64, y: f64, items: &[(&str, &str)]) {
    let mut x = x_right;
    for (name, color) in items.iter().rev() {
        let w = 22.0 + name.chars().count() as f64 * 6.3;
        x -= w;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"11\" height=\"11\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{TEXT}\">{}</text>",
            y - 9.0,
            x + 15.0,
            y,
            esc(name)
        );
    }
}

/// Vertical grouped bars: one group per category, one bar per series. `notes` (one per
/// category, may be empty) are printed under the category label, e.g. a ratio.
pub fn grouped_bars(
    title: &str,
    subtitle: &str,
    y_label: &str,
    categories: &[String],
    notes: &[String],
    series: &[Series],
    log: bool,
) -> String {
    let bar_w = 34.0;
    let group_w = series.len() as f64 * bar_w + 30.0;
    let (left, right, top, bottom) = (78.0, 20.0, 92.0, 64.0);
    let plot_w = (categories.len() as f64 * group_w).max(560.0);
    let (w, h) = (left + plot_w + right, 400.0);
    let plot_h = h - top - bottom;
    let axis = Axis::new(
        series
            .iter()
            .flat_map(|s| s.values.iter().flatten().cloned()),
        log,
        true,
    );
    let mut out = String::new();
    header(&mut out, w, h, title, subtitle);
    let items: Vec<(&str, &str)> = series.iter().map(|s| (s.name.as_str(), s.color)).collect();
    legend(&mut out, w - right, 80.0, &items);
    for t in &axis.ticks {
        let y = top + plot_h * (1.0 - axis.frac(*t));
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 3.5,
            tick(*t)
        );
    }
    let _ = writeln!(
        out,
        "<text transform=\"translate(16,{:.1}) rotate(-90)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
        top + plot_h / 2.0,
        esc(y_label)
    );
    let slot = plot_w / categories.len().max(1) as f64;
    for (ci, cat) in categories.iter().enumerate() {
        let gx = left + slot * ci as f64 + (slot - series.len() as f64 * bar_w) / 2.0;
        for (si_, s) in series.iter().enumerate() {
            let x = gx + si_ as f64 * bar_w;
            match s.values.get(ci).copied().flatten() {
                Some(v) => {
                    let bh = plot_h * axis.frac(v);
                    let y = top + plot_h - bh;
                    let _ = writeln!(
                        out,
                        "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{}: {}</title></rect>\
                         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9.5\" text-anchor=\"middle\" fill=\"{TEXT}\">{}</text>",
                        x + 2.0,
                        bar_w - 4.0,
                        s.color,
                        esc(&s.name),
                        si(v),
                        x + bar_w / 2.0,
                        y - 4.0,
                        si(v)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9.5\" text-anchor=\"middle\" fill=\"#999\">n/a</text>",
                        x + bar_w / 2.0,
                        top + plot_h - 4.0
                    );
                }
            }
        }
        let cx = left + slot * (ci as f64 + 0.5);
        let _ = writeln!(
            out,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"11.5\" text-anchor=\"middle\" fill=\"{TEXT}\">{}</text>",
            top + plot_h + 17.0,
            esc(cat)
        );
        if let Some(note) = notes.get(ci).filter(|n| !n.is_empty()) {
            let _ = writeln!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{FERROMQ}\">{}</text>",
                top + plot_h + 34.0,
                esc(note)
            );
        }
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>",
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    out.push_str("</svg>\n");
    out
}

pub struct RatioRow {
    pub label: String,
    pub ratio: Option<f64>,
    /// The goal (higher is better); bars are green when they reach it, red when not.
    pub target: Option<f64>,
}

/// Horizontal bars of FerroMQ's speed relative to libzmq (1× = parity), with target marks.
pub fn ratio_bars(title: &str, subtitle: &str, rows: &[RatioRow]) -> String {
    let (left, right, top, bottom) = (230.0, 70.0, 76.0, 44.0);
    let row_h = 24.0;
    let plot_w = 520.0;
    let (w, h) = (
        left + plot_w + right,
        top + bottom + row_h * rows.len() as f64,
    );
    let max = rows
        .iter()
        .flat_map(|r| [r.ratio, r.target])
        .flatten()
        .fold(2.0f64, f64::max)
        * 1.08;
    let step = if max > 6.0 { 1.0 } else { 0.5 };
    let hi = (max / step).ceil() * step;
    let x_of = |v: f64| left + plot_w * (v.clamp(0.0, hi) / hi);
    let mut out = String::new();
    header(&mut out, w, h, title, subtitle);
    let plot_bottom = top + row_h * rows.len() as f64;
    legend(
        &mut out,
        w - right,
        plot_bottom + 37.0,
        &[
            ("meets target", GOOD),
            ("misses target", BAD),
            ("no target", NEUTRAL),
        ],
    );
    let mut t = 0.0;
    while t <= hi + 1e-9 {
        let x = x_of(t);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{plot_bottom:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">{t}×</text>",
            plot_bottom + 14.0
        );
        t += step;
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11.5\" text-anchor=\"end\" fill=\"{TEXT}\">{}</text>",
            left - 8.0,
            y + row_h / 2.0 + 4.0,
            esc(&r.label)
        );
        match r.ratio {
            Some(v) => {
                let color = match r.target {
                    Some(t) if v >= t => GOOD,
                    Some(_) => BAD,
                    None => NEUTRAL,
                };
                let _ = writeln!(
                    out,
                    "<rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" opacity=\"0.85\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" fill=\"{TEXT}\">{v:.2}×</text>",
                    y + 4.0,
                    x_of(v) - left,
                    row_h - 8.0,
                    x_of(v) + 4.0,
                    y + row_h / 2.0 + 4.0
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" fill=\"#999\">not measured</text>",
                    left + 4.0,
                    y + row_h / 2.0 + 4.0
                );
            }
        }
        if let Some(t) = r.target {
            let x = x_of(t);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{TEXT}\" stroke-width=\"2.5\"><title>target {t}×</title></line>",
                y + 1.0,
                y + row_h - 1.0
            );
        }
    }
    let x1 = x_of(1.0);
    let _ = writeln!(
        out,
        "<line x1=\"{x1:.1}\" x2=\"{x1:.1}\" y1=\"{:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"{TEXT}\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{x1:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{TEXT}\">libzmq = 1×</text>",
        top - 4.0,
        top - 8.0
    );
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{left}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{TEXT}\" stroke-width=\"2.5\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{TEXT}\">target</text>",
        plot_bottom + 26.0,
        plot_bottom + 38.0,
        left + 6.0,
        plot_bottom + 36.0
    );
    out.push_str("</svg>\n");
    out
}

pub struct Line {
    pub name: String,
    pub color: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// Line chart; `hline` draws a dashed reference line with a label.
pub fn lines(
    title: &str,
    subtitle: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
    hline: Option<(f64, &str)>,
) -> String {
    let (left, right, top, bottom) = (70.0, 24.0, 92.0, 50.0);
    let (w, h) = (760.0, 400.0);
    let (plot_w, plot_h) = (w - left - right, h - top - bottom);
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let ys = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(hline.map(|h| h.0));
    let xa = Axis::new(xs, false, false);
    let ya = Axis::new(ys, false, true);
    let mut out = String::new();
    header(&mut out, w, h, title, subtitle);
    let items: Vec<(&str, &str)> = lines.iter().map(|l| (l.name.as_str(), l.color)).collect();
    legend(&mut out, w - right, 80.0, &items);
    let px = |x: f64| left + plot_w * xa.frac(x);
    let py = |y: f64| top + plot_h * (1.0 - ya.frac(y));
    for t in &ya.ticks {
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            left + plot_w,
            py(*t),
            py(*t),
            left - 6.0,
            py(*t) + 3.5,
            tick(*t)
        );
    }
    for t in &xa.ticks {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            px(*t),
            top + plot_h + 15.0,
            tick(*t)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>\
         <text transform=\"translate(16,{:.1}) rotate(-90)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>\
         <line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>",
        left + plot_w / 2.0,
        h - 12.0,
        esc(x_label),
        top + plot_h / 2.0,
        esc(y_label),
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    if let Some((v, label)) = hline {
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{BAD}\" stroke-dasharray=\"6 4\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" text-anchor=\"end\" fill=\"{BAD}\">{}</text>",
            left + plot_w,
            py(v),
            py(v),
            left + plot_w - 4.0,
            py(v) - 5.0,
            esc(label)
        );
    }
    for l in lines {
        let pts: Vec<String> = l
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.2\"/>",
            pts.join(" "),
            l.color
        );
    }
    out.push_str("</svg>\n");
    out
}
