//! Reading an SVG drawing of a service graph, ours or Graphviz's, into edge polylines, the
//! same way for both.
//!
//! An edge is a `<g>` whose class list holds `edge`. Its end nodes come from `data-source`
//! and `data-target` (ours) or from its `<title>` `a->b`, split where both sides are node
//! titles (dot's). Its line is the `<path class="line">` elements when there are any (ours:
//! arrowheads and halos have other classes), else every `<path>` without a class (dot's:
//! arrowheads are polygons). Every path is flattened into polylines within [`TOLERANCE`],
//! and the `transform` of every enclosing group (dot puts one on its top group) is applied
//! to the points.
//!
//! For the label checks, the boxes of our nodes (a `<g class="node">`'s `rect`, or its
//! `path` for a database, as the path's bounding box) and of our edge labels (an edge
//! group's `<text>`): the box the layout reserves for a label, [`LABEL_HEIGHT`] high and
//! [`LABEL_LINE`] more for each further line (a `<tspan>`), as wide as the renderer's own
//! estimate of its widest line (`text_width`, which errs on the wide side), centred on the
//! text's `x` and on the middle of its lines' baselines less 0.35 em, where our renderer
//! puts a label's middle. Legends and groups are not read.

use roxmltree::{Document, Node};
use svcgraph_core::render::text::text_width;

use crate::metrics::{EdgeLine, Point};

/// Largest distance between a curve and the polyline that stands for it.
pub const TOLERANCE: f64 = 0.1;

/// Our edge labels' font size (`.edge text` in our stylesheet).
pub const LABEL_FONT: f64 = 10.0;
/// The height the layout reserves for a label.
const LABEL_HEIGHT: f64 = LABEL_FONT + 3.0;
/// From one line of a label to the next (a `<tspan>`'s `dy`).
const LABEL_LINE: f64 = LABEL_FONT + 1.0;

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// The smallest box around `points`; `None` when there are none.
    pub fn around(points: impl IntoIterator<Item = Point>) -> Option<Rect> {
        points.into_iter().fold(None, |r, p| {
            Some(match r {
                None => Rect {
                    x0: p.x,
                    y0: p.y,
                    x1: p.x,
                    y1: p.y,
                },
                Some(r) => Rect {
                    x0: r.x0.min(p.x),
                    y0: r.y0.min(p.y),
                    x1: r.x1.max(p.x),
                    y1: r.y1.max(p.y),
                },
            })
        })
    }
}

/// An edge label's box, and the index of its edge in [`Drawing::edges`].
#[derive(Debug, Clone, Copy)]
pub struct Label {
    pub edge: usize,
    pub rect: Rect,
}

/// What was read from one SVG document.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// The `width` attribute, unit dropped.
    pub width: f64,
    /// The `height` attribute, unit dropped.
    pub height: f64,
    pub edges: Vec<EdgeLine>,
    /// Edges whose class list holds `reversed` (ours marks the edges it turned around).
    pub marked_reversed: u64,
    /// Boxes of the nodes drawn as a `rect` or `path` (ours; dot's ellipses are left out).
    pub nodes: Vec<Rect>,
    /// Boxes of the edge labels.
    pub labels: Vec<Label>,
}

/// Reads the drawing; an error says what was wrong with the document.
pub fn read_svg(text: &str) -> Result<Drawing, String> {
    let doc = Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    let size = |name: &str| -> f64 {
        root.attribute(name)
            .map(|v| v.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%'))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let has_class = |n: &Node, class: &str| {
        n.attribute("class")
            .is_some_and(|c| c.split_whitespace().any(|t| t == class))
    };
    let node_titles: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(n, "node"))
        .filter_map(title_of)
        .collect();
    let mut edges = Vec::new();
    let mut labels = Vec::new();
    let mut marked_reversed = 0;
    for g in doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(n, "edge"))
    {
        let ends = match (g.attribute("data-source"), g.attribute("data-target")) {
            (Some(s), Some(t)) => Some((s.to_owned(), t.to_owned())),
            _ => title_of(g).and_then(|t| split_title(t, &node_titles)),
        };
        let Some((source, target)) = ends else {
            return Err(format!(
                "an edge without ends (id {:?})",
                g.attribute("id").unwrap_or("")
            ));
        };
        if has_class(&g, "reversed") {
            marked_reversed += 1;
        }
        let paths: Vec<Node> = g.descendants().filter(|n| n.has_tag_name("path")).collect();
        let lines: Vec<&Node> = if paths.iter().any(|p| has_class(p, "line")) {
            paths.iter().filter(|p| has_class(p, "line")).collect()
        } else {
            paths
                .iter()
                .filter(|p| p.attribute("class").is_none())
                .collect()
        };
        let mut polylines = Vec::new();
        for path in lines {
            let m = transform_of(*path)?;
            let d = path.attribute("d").unwrap_or("");
            for line in flatten_path(d, TOLERANCE)? {
                polylines.push(line.into_iter().map(|p| m.apply(p)).collect());
            }
        }
        for text in g.children().filter(|c| c.has_tag_name("text")) {
            labels.push(Label {
                edge: edges.len(),
                rect: label_box(text)?,
            });
        }
        edges.push(EdgeLine {
            source,
            target,
            polylines,
        });
    }
    let mut nodes = Vec::new();
    // The legend's samples are not nodes of the graph.
    for g in doc.descendants().filter(|n| {
        n.has_tag_name("g")
            && has_class(n, "node")
            && !n.ancestors().any(|a| has_class(&a, "legend"))
    }) {
        if let Some(shape) = g
            .children()
            .find(|c| c.has_tag_name("rect") || c.has_tag_name("path"))
        {
            nodes.extend(shape_box(shape)?);
        }
    }
    Ok(Drawing {
        width: size("width"),
        height: size("height"),
        edges,
        marked_reversed,
        nodes,
        labels,
    })
}

fn number(n: Node, name: &str) -> Result<f64, String> {
    n.attribute(name)
        .unwrap_or("0")
        .parse()
        .map_err(|_| format!("bad {name} on a <{}>", n.tag_name().name()))
}

/// The box a label's `<text>` stands for (see the module documentation).
fn label_box(text: Node) -> Result<Rect, String> {
    let m = transform_of(text)?;
    // One line per text node: the `<text>`'s own, then each `<tspan>`'s, a line lower.
    let widths: Vec<f64> = text
        .descendants()
        .filter_map(|t| t.is_text().then(|| t.text()).flatten())
        .map(|line| text_width(line, LABEL_FONT))
        .collect();
    let lines = widths.len().max(1) as f64;
    let half_w = widths.iter().copied().fold(0.0, f64::max) / 2.0;
    let half_h = LABEL_HEIGHT / 2.0 + (lines - 1.0) * LABEL_LINE / 2.0;
    let first = number(text, "y")? - 0.35 * LABEL_FONT;
    let middle = Point::new(number(text, "x")?, first + (lines - 1.0) * LABEL_LINE / 2.0);
    let corners = [(-half_w, -half_h), (half_w, half_h)]
        .map(|(dx, dy)| m.apply(Point::new(middle.x + dx, middle.y + dy)));
    Ok(Rect::around(corners).unwrap_or(Rect {
        x0: middle.x,
        y0: middle.y,
        x1: middle.x,
        y1: middle.y,
    }))
}

/// The bounding box of a node's `rect` or `path`.
fn shape_box(shape: Node) -> Result<Option<Rect>, String> {
    let m = transform_of(shape)?;
    let points: Vec<Point> = if shape.has_tag_name("rect") {
        let (x, y) = (number(shape, "x")?, number(shape, "y")?);
        let (w, h) = (number(shape, "width")?, number(shape, "height")?);
        vec![Point::new(x, y), Point::new(x + w, y + h)]
    } else {
        flatten_path(shape.attribute("d").unwrap_or(""), TOLERANCE)?
            .into_iter()
            .flatten()
            .collect()
    };
    Ok(Rect::around(points.into_iter().map(|p| m.apply(p))))
}

fn title_of<'a>(g: Node<'a, '_>) -> Option<&'a str> {
    g.children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
}

/// `a->b` into `a` and `b`, at the arrow where both sides are node names.
fn split_title(title: &str, nodes: &std::collections::BTreeSet<&str>) -> Option<(String, String)> {
    let mut from = 0;
    while let Some(at) = title[from..].find("->") {
        let at = from + at;
        let (s, t) = (&title[..at], &title[at + 2..]);
        if nodes.contains(s) && nodes.contains(t) {
            return Some((s.to_owned(), t.to_owned()));
        }
        from = at + 1;
    }
    None
}

/// An affine map `x' = a x + c y + e`, `y' = b x + d y + f`.
#[derive(Debug, Clone, Copy)]
pub struct Affine([f64; 6]);

impl Affine {
    const IDENTITY: Affine = Affine([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self` after `inner`: a point is mapped by `inner` first.
    fn then_inner(self, inner: Affine) -> Affine {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = inner.0;
        Affine([
            a * a2 + c * b2,
            b * a2 + d * b2,
            a * c2 + c * d2,
            b * c2 + d * d2,
            a * e2 + c * f2 + e,
            b * e2 + d * f2 + f,
        ])
    }

    pub fn apply(self, p: Point) -> Point {
        let [a, b, c, d, e, f] = self.0;
        Point::new(a * p.x + c * p.y + e, b * p.x + d * p.y + f)
    }
}

/// The combined `transform` of an element and all its ancestors.
fn transform_of(node: Node) -> Result<Affine, String> {
    let mut m = Affine::IDENTITY;
    for n in node.ancestors() {
        if let Some(t) = n.attribute("transform") {
            m = parse_transform(t)?.then_inner(m);
        }
    }
    Ok(m)
}

/// An SVG transform list: `matrix`, `translate`, `scale`, `rotate`, `skewX`, `skewY`.
pub fn parse_transform(text: &str) -> Result<Affine, String> {
    let mut m = Affine::IDENTITY;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let open = rest
            .find('(')
            .ok_or_else(|| format!("bad transform {text:?}"))?;
        let close = rest
            .find(')')
            .ok_or_else(|| format!("bad transform {text:?}"))?;
        let name = rest[..open].trim().trim_start_matches(',').trim();
        let args: Vec<f64> = rest[open + 1..close]
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| format!("bad numbers in transform {text:?}"))?;
        let arg = |i: usize, default: f64| args.get(i).copied().unwrap_or(default);
        let step = match name {
            "matrix" if args.len() == 6 => {
                Affine([args[0], args[1], args[2], args[3], args[4], args[5]])
            }
            "translate" => Affine([1.0, 0.0, 0.0, 1.0, arg(0, 0.0), arg(1, 0.0)]),
            "scale" => {
                let sx = arg(0, 1.0);
                Affine([sx, 0.0, 0.0, arg(1, sx), 0.0, 0.0])
            }
            "rotate" => {
                let (s, c) = arg(0, 0.0).to_radians().sin_cos();
                let (cx, cy) = (arg(1, 0.0), arg(2, 0.0));
                Affine([1.0, 0.0, 0.0, 1.0, cx, cy])
                    .then_inner(Affine([c, s, -s, c, 0.0, 0.0]))
                    .then_inner(Affine([1.0, 0.0, 0.0, 1.0, -cx, -cy]))
            }
            "skewX" => Affine([1.0, 0.0, arg(0, 0.0).to_radians().tan(), 1.0, 0.0, 0.0]),
            "skewY" => Affine([1.0, arg(0, 0.0).to_radians().tan(), 0.0, 1.0, 0.0, 0.0]),
            _ => return Err(format!("unknown transform {name:?} in {text:?}")),
        };
        m = m.then_inner(step);
        rest = rest[close + 1..].trim();
    }
    Ok(m)
}

/// Numbers, flags and command letters of path data.
struct Tokens<'a> {
    s: &'a [u8],
    i: usize,
}

impl Tokens<'_> {
    fn skip(&mut self) {
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_whitespace() || self.s[self.i] == b',')
        {
            self.i += 1;
        }
    }
    fn command(&mut self) -> Option<u8> {
        self.skip();
        let c = *self.s.get(self.i)?;
        (c.is_ascii_alphabetic() && c != b'e' && c != b'E').then(|| {
            self.i += 1;
            c
        })
    }
    fn at_number(&mut self) -> bool {
        self.skip();
        self.s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.'))
    }
    fn number(&mut self) -> Result<f64, String> {
        self.skip();
        let start = self.i;
        let digits = |t: &mut Self| {
            while t.i < t.s.len() && t.s[t.i].is_ascii_digit() {
                t.i += 1;
            }
        };
        if matches!(self.s.get(self.i), Some(b'-' | b'+')) {
            self.i += 1;
        }
        digits(self);
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self);
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E'))
            && self
                .s
                .get(self.i + 1)
                .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+'))
        {
            self.i += 2;
            digits(self);
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("bad number in path data at byte {start}"))
    }
    fn flag(&mut self) -> Result<bool, String> {
        self.skip();
        let c = self.s.get(self.i).copied();
        self.i += 1;
        match c {
            Some(b'0') => Ok(false),
            Some(b'1') => Ok(true),
            _ => Err(format!("bad arc flag in path data at byte {}", self.i - 1)),
        }
    }
    fn point(&mut self) -> Result<Point, String> {
        Ok(Point::new(self.number()?, self.number()?))
    }
}

/// Path data flattened into polylines (one per subpath), curves within `tolerance`.
pub fn flatten_path(d: &str, tolerance: f64) -> Result<Vec<Vec<Point>>, String> {
    let mut t = Tokens {
        s: d.as_bytes(),
        i: 0,
    };
    let mut lines: Vec<Vec<Point>> = Vec::new();
    let mut line: Vec<Point> = Vec::new();
    let (mut pos, mut start) = (Point::new(0.0, 0.0), Point::new(0.0, 0.0));
    // The last curve's second control point, for `S` and `T`, and which command made it.
    let mut last_ctrl = pos;
    let mut last_cmd = b' ';
    let mut cmd = b' ';
    loop {
        match t.command() {
            Some(c) => cmd = c,
            None if t.at_number() && cmd != b' ' => {
                // Repeated arguments repeat the command; after a move they are lines.
                cmd = match cmd {
                    b'M' => b'L',
                    b'm' => b'l',
                    c => c,
                };
            }
            None if t.i >= t.s.len() => break,
            None => return Err(format!("bad path data at byte {}", t.i)),
        }
        let rel = cmd.is_ascii_lowercase();
        let base = if rel { pos } else { Point::new(0.0, 0.0) };
        let abs = |p: Point| Point::new(p.x + base.x, p.y + base.y);
        let upper = cmd.to_ascii_uppercase();
        let mut ctrl = None;
        match upper {
            b'M' => {
                pos = abs(t.point()?);
                if line.len() > 1 {
                    lines.push(std::mem::take(&mut line));
                }
                line = vec![pos];
                start = pos;
            }
            b'L' => pos = abs(t.point()?),
            b'H' => pos.x = t.number()? + base.x,
            b'V' => pos.y = t.number()? + base.y,
            b'C' | b'S' | b'Q' | b'T' => {
                let smooth = matches!(upper, b'S' | b'T');
                let quad = matches!(upper, b'Q' | b'T');
                let same_kind = if quad {
                    matches!(last_cmd, b'Q' | b'T')
                } else {
                    matches!(last_cmd, b'C' | b'S')
                };
                let reflected = if same_kind {
                    Point::new(2.0 * pos.x - last_ctrl.x, 2.0 * pos.y - last_ctrl.y)
                } else {
                    pos
                };
                let c1 = if smooth { reflected } else { abs(t.point()?) };
                let (c1, c2, end) = if quad {
                    let end = abs(t.point()?);
                    ctrl = Some(c1);
                    // The quadratic as a cubic: control points two thirds of the way.
                    (lerp(pos, c1, 2.0 / 3.0), lerp(end, c1, 2.0 / 3.0), end)
                } else {
                    let c2 = abs(t.point()?);
                    let end = abs(t.point()?);
                    ctrl = Some(c2);
                    (c1, c2, end)
                };
                cubic(pos, c1, c2, end, tolerance, 0, &mut line);
                pos = end;
            }
            b'A' => {
                let (rx, ry, rotation) = (t.number()?, t.number()?, t.number()?);
                let (large, sweep) = (t.flag()?, t.flag()?);
                let end = abs(t.point()?);
                arc(
                    pos,
                    end,
                    (rx, ry, rotation),
                    (large, sweep),
                    tolerance,
                    &mut line,
                );
                pos = end;
            }
            b'Z' => pos = start,
            _ => return Err(format!("unknown path command {:?}", cmd as char)),
        }
        if matches!(upper, b'L' | b'H' | b'V' | b'Z') {
            line.push(pos);
        }
        last_ctrl = ctrl.unwrap_or(pos);
        last_cmd = upper;
    }
    if line.len() > 1 {
        lines.push(line);
    }
    Ok(lines)
}

fn lerp(a: Point, b: Point, t: f64) -> Point {
    Point::new(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
}

fn distance_to_line(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = dx.hypot(dy);
    if len < 1e-12 {
        (p.x - a.x).hypot(p.y - a.y)
    } else {
        ((p.x - a.x) * dy - (p.y - a.y) * dx).abs() / len
    }
}

/// Appends the points of a cubic Bézier after `p0`, halving it until its control points lie
/// within `tolerance` of the chord (which bounds the curve's distance from it too).
fn cubic(
    p0: Point,
    p1: Point,
    p2: Point,
    p3: Point,
    tolerance: f64,
    depth: u32,
    out: &mut Vec<Point>,
) {
    let flat = distance_to_line(p1, p0, p3).max(distance_to_line(p2, p0, p3));
    if flat <= tolerance || depth >= 16 {
        out.push(p3);
        return;
    }
    let (a, b, c) = (lerp(p0, p1, 0.5), lerp(p1, p2, 0.5), lerp(p2, p3, 0.5));
    let (d, e) = (lerp(a, b, 0.5), lerp(b, c, 0.5));
    let mid = lerp(d, e, 0.5);
    cubic(p0, a, d, mid, tolerance, depth + 1, out);
    cubic(mid, e, c, p3, tolerance, depth + 1, out);
}

/// Appends the points of an elliptical arc after `from` (the SVG endpoint parameterisation
/// turned into centre and angles).
fn arc(
    from: Point,
    to: Point,
    (rx, ry, rotation): (f64, f64, f64),
    (large, sweep): (bool, bool),
    tolerance: f64,
    out: &mut Vec<Point>,
) {
    let (mut rx, mut ry) = (rx.abs(), ry.abs());
    if rx < 1e-12 || ry < 1e-12 || (from.x - to.x).hypot(from.y - to.y) < 1e-12 {
        out.push(to);
        return;
    }
    let (sin, cos) = rotation.to_radians().sin_cos();
    let (hx, hy) = ((from.x - to.x) / 2.0, (from.y - to.y) / 2.0);
    let (x1, y1) = (cos * hx + sin * hy, -sin * hx + cos * hy);
    let grow = (x1 * x1) / (rx * rx) + (y1 * y1) / (ry * ry);
    if grow > 1.0 {
        rx *= grow.sqrt();
        ry *= grow.sqrt();
    }
    let num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1;
    let den = rx * rx * y1 * y1 + ry * ry * x1 * x1;
    let sign = if large == sweep { -1.0 } else { 1.0 };
    let k = sign * (num / den).max(0.0).sqrt();
    let (cx1, cy1) = (k * rx * y1 / ry, -k * ry * x1 / rx);
    let centre = Point::new(
        cos * cx1 - sin * cy1 + f64::midpoint(from.x, to.x),
        sin * cx1 + cos * cy1 + f64::midpoint(from.y, to.y),
    );
    let angle = |ux: f64, uy: f64, vx: f64, vy: f64| (ux * vy - uy * vx).atan2(ux * vx + uy * vy);
    let (ux, uy) = ((x1 - cx1) / rx, (y1 - cy1) / ry);
    let (vx, vy) = ((-x1 - cx1) / rx, (-y1 - cy1) / ry);
    let start = angle(1.0, 0.0, ux, uy);
    let mut delta = angle(ux, uy, vx, vy);
    if !sweep && delta > 0.0 {
        delta -= std::f64::consts::TAU;
    } else if sweep && delta < 0.0 {
        delta += std::f64::consts::TAU;
    }
    let r = rx.max(ry);
    let step = 2.0 * (1.0 - (tolerance / r).min(1.0)).acos();
    let n = (delta.abs() / step.max(1e-3)).ceil().clamp(1.0, 1000.0) as usize;
    for i in 1..n {
        let a = start + delta * i as f64 / n as f64;
        let (s, c) = a.sin_cos();
        out.push(Point::new(
            centre.x + rx * c * cos - ry * s * sin,
            centre.y + rx * c * sin + ry * s * cos,
        ));
    }
    out.push(to);
}
