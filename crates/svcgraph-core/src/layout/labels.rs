//! Edge labels set into a finished drawing: each beside its own line, where that line runs
//! flattest and closest to its middle, clear of every node, group label, other label and
//! line, and where it can be, not close to another line or label (a label between two
//! lines reads as either's). A drawing laid out without rooms for its labels keeps its
//! layers, its straight lines and its size; a label that finds no such place gets a room
//! of its own in the layout's next try, and after a few tries every label does (see
//! `layout_with`).

use super::{EdgeRoute, Layout, Point, Rect, RouteShape, Size};

/// Space between a line and the text beside it.
const GAP: f64 = 2.5;
/// Space kept between a label and any other line, node or label.
const CLEAR: f64 = 1.5;
/// How far apart the places tried along a line are.
const STEP: f64 = 5.0;
/// Length at each end of a line kept free of its label (ports and arrowheads).
pub(super) const END: f64 = 12.0;
/// Within this of another line or label a label reads as that one's, or as one with it:
/// such a place is taken only when a line has no other.
const NEAR: f64 = 8.0;
/// Farthest a label's near side may be from its line.
const FAR: f64 = 32.0;
/// Longest line piece put into the grid; longer ones are cut.
const SPLIT: f64 = 48.0;
/// Most pieces one straight stretch is cut into, and most cells along a side of a grid:
/// a drawing of absurd extent (sizes are the caller's) costs no more memory than others.
const MOST: f64 = 1024.0;
/// Most places tried along one line (they thin out on long lines).
const SPOTS: f64 = 40.0;
/// Points per cubic piece when a curve is flattened.
const PIECE_POINTS: usize = 8;

/// A line piece of some edge (`u32::MAX` for group borders).
#[derive(Clone, Copy)]
struct Piece {
    a: Point,
    b: Point,
    edge: u32,
}

/// Cells of a uniform grid over the drawing, each listing what reaches into it: the items
/// it was built with packed in one list (cell by cell), those added later in a list per cell.
struct Grid {
    /// Width and height of a cell.
    cell: (f64, f64),
    columns: usize,
    rows: usize,
    /// Where each cell's items start in `packed`, and where the last one's end.
    start: Vec<usize>,
    packed: Vec<u32>,
    /// Items added after building, per cell (empty until the first).
    added: Vec<Vec<u32>>,
}

impl Grid {
    /// A grid over `width` by `height` sized for `items` in all, holding items 0 to `built`
    /// (exclusive), item `i` reaching from its least x and y to its most (`reach(i)`).
    fn new(
        width: f64,
        height: f64,
        items: usize,
        built: usize,
        reach: impl Fn(usize) -> [f64; 4],
    ) -> Self {
        // About four items per cell, never cells under 16 units.
        let cell = (width * height / (items.max(1) as f64 / 4.0).max(1.0))
            .sqrt()
            .max(16.0);
        let cell = ((width / MOST).max(cell), (height / MOST).max(cell));
        let columns = ((width / cell.0).ceil() as usize).clamp(1, MOST as usize);
        let rows = ((height / cell.1).ceil() as usize).clamp(1, MOST as usize);
        let empty = Grid {
            cell,
            columns,
            rows,
            start: Vec::new(),
            packed: Vec::new(),
            added: Vec::new(),
        };
        // Counted, then filled: one list for all cells instead of one to grow per cell. The
        // cells of each item are found twice rather than kept (a drawing of 300,000 services
        // has a line piece or more for each of its 900,000 calls).
        let span = |i: usize| {
            let [x0, y0, x1, y1] = reach(i);
            empty.span(x0, y0, x1, y1)
        };
        let mut start = vec![0; columns * rows + 1];
        for i in 0..built {
            let (c0, r0, c1, r1) = span(i);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    start[r * columns + c + 1] += 1;
                }
            }
        }
        for k in 1..start.len() {
            start[k] += start[k - 1];
        }
        let mut next = start.clone();
        let mut packed = vec![0; start[columns * rows]];
        for i in 0..built {
            let (c0, r0, c1, r1) = span(i);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let at = &mut next[r * columns + c];
                    packed[*at] = i as u32;
                    *at += 1;
                }
            }
        }
        Grid {
            start,
            packed,
            ..empty
        }
    }

    /// Cells a box from (x0, y0) to (x1, y1) reaches, clamped to the grid.
    fn span(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> (usize, usize, usize, usize) {
        // The conversion truncates, which is the floor for every cell (a negative or NaN
        // coordinate saturates to cell 0), without a call to `floor`.
        let at = |v: f64, cell: f64, n: usize| ((v / cell) as usize).min(n - 1);
        (
            at(x0, self.cell.0, self.columns),
            at(y0, self.cell.1, self.rows),
            at(x1, self.cell.0, self.columns),
            at(y1, self.cell.1, self.rows),
        )
    }

    fn insert(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, item: u32) {
        if self.added.is_empty() {
            self.added = vec![Vec::new(); self.columns * self.rows];
        }
        let (c0, r0, c1, r1) = self.span(x0, y0, x1, y1);
        for r in r0..=r1 {
            for c in c0..=c1 {
                self.added[r * self.columns + c].push(item);
            }
        }
    }

    /// Whether `hit` holds for anything in the cells `r` reaches.
    fn any(&self, r: &Rect, mut hit: impl FnMut(u32) -> bool) -> bool {
        let (c0, r0, c1, r1) = self.span(r.left(), r.top(), r.right(), r.bottom());
        (r0..=r1).any(|row| {
            (c0..=c1).any(|c| {
                let cell = row * self.columns + c;
                let built = &self.packed[self.start[cell]..self.start[cell + 1]];
                built.iter().any(|&i| hit(i))
                    || self
                        .added
                        .get(cell)
                        .is_some_and(|a| a.iter().any(|&i| hit(i)))
            })
        })
    }
}

/// Distance from `a` to `b` (see [`super::length`] for why not `hypot`).
fn distance(a: Point, b: Point) -> f64 {
    super::length(b.x - a.x, b.y - a.y)
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.left() < b.right() && b.left() < a.right() && a.top() < b.bottom() && b.top() < a.bottom()
}

fn grown(r: &Rect, by: f64) -> Rect {
    Rect {
        width: r.width + 2.0 * by,
        height: r.height + 2.0 * by,
        ..*r
    }
}

/// Whether the segment from `a` to `b` passes through the inside of `r`.
pub(super) fn enters(a: Point, b: Point, r: &Rect) -> bool {
    // Clear of the box on one side: most pieces a grid cell offers are.
    if a.x.max(b.x) < r.left()
        || a.x.min(b.x) > r.right()
        || a.y.max(b.y) < r.top()
        || a.y.min(b.y) > r.bottom()
    {
        return false;
    }
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.x - r.left()),
        (dx, r.right() - a.x),
        (-dy, a.y - r.top()),
        (dy, r.bottom() - a.y),
    ] {
        if p.abs() < 1e-12 {
            if q <= 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 < t1
}

/// The corners of `r`, clockwise from the top left.
fn corners(r: &Rect) -> [Point; 4] {
    [
        Point {
            x: r.left(),
            y: r.top(),
        },
        Point {
            x: r.right(),
            y: r.top(),
        },
        Point {
            x: r.right(),
            y: r.bottom(),
        },
        Point {
            x: r.left(),
            y: r.bottom(),
        },
    ]
}

/// Distance from the box `r` to the segment from `a` to `b` (0 where they meet).
pub(super) fn box_segment(r: &Rect, a: Point, b: Point) -> f64 {
    if enters(a, b, r) {
        return 0.0;
    }
    let to_box = |p: Point| {
        let dx = (r.left() - p.x).max(p.x - r.right()).max(0.0);
        let dy = (r.top() - p.y).max(p.y - r.bottom()).max(0.0);
        super::length(dx, dy)
    };
    let to_segment = |p: Point| {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let squared = dx * dx + dy * dy;
        let t = if squared > 0.0 {
            (((p.x - a.x) * dx + (p.y - a.y) * dy) / squared).clamp(0.0, 1.0)
        } else {
            0.0
        };
        super::length(a.x + t * dx - p.x, a.y + t * dy - p.y)
    };
    corners(r)
        .into_iter()
        .map(to_segment)
        .fold(to_box(a).min(to_box(b)), f64::min)
}

/// The route as a polyline, curves flattened.
pub(super) fn polyline(route: &EdgeRoute) -> Vec<Point> {
    let cubic = |p: [Point; 4], t: f64| {
        let u = 1.0 - t;
        let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
        Point {
            x: (0..4).map(|i| w[i] * p[i].x).sum(),
            y: (0..4).map(|i| w[i] * p[i].y).sum(),
        }
    };
    match route.shape {
        RouteShape::Curved | RouteShape::Loop if !route.points.is_empty() => {
            let mut from = route.points[0];
            let mut line = vec![from];
            for piece in route.points[1..].chunks_exact(3) {
                if piece[0] == from && piece[1] == piece[2] {
                    line.push(piece[2]);
                } else {
                    let controls = [from, piece[0], piece[1], piece[2]];
                    line.extend(
                        (1..=PIECE_POINTS).map(|s| cubic(controls, s as f64 / PIECE_POINTS as f64)),
                    );
                }
                from = piece[2];
            }
            line
        }
        _ => route.points.clone(),
    }
}

/// What a label must stay clear of: every line piece and every box (nodes, group labels,
/// labels placed), each in a grid.
struct Taken {
    pieces: Vec<Piece>,
    /// Nodes, group labels, then edge labels from `first_label` on.
    boxes: Vec<Rect>,
    first_label: usize,
    /// The edge of each box from `first_label` on (`usize::MAX` for those placed before).
    owner: Vec<usize>,
    line_grid: Grid,
    box_grid: Grid,
}

impl Taken {
    /// What `out` holds, its edges' `lines`, with room for `more` labels.
    fn new(out: &Layout, lines: &[Vec<Point>], more: usize) -> Self {
        let windows: usize = lines.iter().map(|l| l.len().saturating_sub(1)).sum();
        let mut pieces: Vec<Piece> = Vec::with_capacity(windows + 4 * out.groups.len());
        for (e, line) in lines.iter().enumerate() {
            for w in line.windows(2) {
                // Long pieces cut short, so that each reaches few cells of the grid (most
                // are short: no call to `ceil` for them).
                let d = distance(w[0], w[1]);
                let parts = if d <= SPLIT {
                    1.0
                } else {
                    (d / SPLIT).ceil().clamp(1.0, MOST)
                };
                let at = |k: f64| Point {
                    x: w[0].x + (w[1].x - w[0].x) * k / parts,
                    y: w[0].y + (w[1].y - w[0].y) * k / parts,
                };
                let mut k = 0.0;
                while k < parts {
                    pieces.push(Piece {
                        a: at(k),
                        b: at(k + 1.0),
                        edge: e as u32,
                    });
                    k += 1.0;
                }
            }
        }
        for g in out.groups.iter().flatten().map(|g| g.rect) {
            let corners = corners(&g);
            for k in 0..4 {
                pieces.push(Piece {
                    a: corners[k],
                    b: corners[(k + 1) % 4],
                    edge: u32::MAX,
                });
            }
        }
        // Boxes: nodes, then group labels, then placed edge labels.
        let mut boxes: Vec<Rect> = out.nodes.clone();
        boxes.extend(out.groups.iter().flatten().map(|g| g.label));
        let first_label = boxes.len();
        boxes.extend(out.edges.iter().filter_map(|e| e.label));
        let owner = vec![usize::MAX; boxes.len() - first_label];
        let items = pieces.len() + boxes.len() + more;
        let line_grid = Grid::new(out.width, out.height, items, pieces.len(), |i| {
            let (a, b) = (pieces[i].a, pieces[i].b);
            [a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y)]
        });
        let box_grid = Grid::new(out.width, out.height, items, boxes.len(), |i| {
            let r = &boxes[i];
            [r.left(), r.top(), r.right(), r.bottom()]
        });
        Taken {
            pieces,
            boxes,
            first_label,
            owner,
            line_grid,
            box_grid,
        }
    }

    /// Whether no line keeps a label of edge `e` from `spot` (its own may pass close, not
    /// through), found once: lines do not move while labels are set.
    fn lines_clear(&self, spot: &mut Spot, e: usize) -> bool {
        let r = &spot.r;
        *spot.lines_clear.get_or_insert_with(|| {
            r.x.is_finite() && r.y.is_finite() && !self.line_in_the_way(r, &grown(r, CLEAR), e)
        })
    }

    /// Whether a label of edge `e` at `spot` lies nearer another edge's line than its own
    /// ([`Taken::misleads`]), found once.
    fn misleading(&self, spot: &mut Spot, e: usize) -> bool {
        let (r, off) = (&spot.r, spot.off);
        *spot
            .misleads
            .get_or_insert_with(|| self.misleads(r, e, off))
    }

    /// Whether no box (node, group label or label set) is in the way of a label at `r`.
    fn boxes_clear(&self, r: &Rect) -> bool {
        let clear = grown(r, CLEAR);
        !self
            .box_grid
            .any(&clear, |i| overlaps(&clear, &self.boxes[i as usize]))
    }

    /// Whether a line runs through `clear` (the label of edge `e` at `r` with room around
    /// it), or edge `e`'s own line through `r`.
    fn line_in_the_way(&self, r: &Rect, clear: &Rect, e: usize) -> bool {
        self.line_grid.any(clear, |i| {
            let p = &self.pieces[i as usize];
            let room = if p.edge as usize == e { r } else { clear };
            enters(p.a, p.b, room)
        })
    }

    /// Whether a label of edge `e` may be set at `spot`: clear of lines (lines first: they
    /// keep a label from most places) and boxes, and with `strict` not misleading.
    fn fits(&self, spot: &mut Spot, e: usize, strict: bool) -> bool {
        self.lines_clear(spot, e)
            && self.boxes_clear(&spot.r)
            && !(strict && self.misleading(spot, e))
    }

    /// Whether a label of edge `e` at `r` comes within [`NEAR`] of another edge's line or
    /// another label (group borders and nodes do not count: they are not read as text).
    fn crowded(&self, r: &Rect, e: usize) -> bool {
        let near = grown(r, NEAR);
        self.box_grid.any(&near, |i| {
            i as usize >= self.first_label && overlaps(&near, &self.boxes[i as usize])
        }) || self.line_grid.any(&near, |i| {
            let p = &self.pieces[i as usize];
            p.edge as usize != e && p.edge != u32::MAX && enters(p.a, p.b, &near)
        })
    }

    /// Whether a label of edge `e` at `r`, `own` from its line (at most: the line may come
    /// closer), lies nearer another edge's line: a reader would take it for that edge's.
    fn misleads(&self, r: &Rect, e: usize, own: f64) -> bool {
        let near = grown(r, own);
        let mut own = own;
        self.line_grid.any(&near, |i| {
            let p = &self.pieces[i as usize];
            if p.edge as usize == e {
                own = own.min(box_segment(r, p.a, p.b));
            }
            false
        });
        self.line_grid.any(&near, |i| {
            let p = &self.pieces[i as usize];
            p.edge as usize != e && p.edge != u32::MAX && box_segment(r, p.a, p.b) < own
        })
    }

    /// Takes `r` for the label of edge `e`; returns its index.
    fn add(&mut self, r: Rect, e: usize) -> usize {
        let i = self.boxes.len();
        self.box_grid
            .insert(r.left(), r.top(), r.right(), r.bottom(), i as u32);
        self.boxes.push(r);
        self.owner.push(e);
        i
    }

    /// The one label in the way of a label of edge `e` at `spot`, by index, when nothing
    /// else is (no node, no line, no other label).
    fn only_label_in_the_way(&self, spot: &mut Spot, e: usize) -> Option<usize> {
        if !self.lines_clear(spot, e) {
            return None;
        }
        let clear = grown(&spot.r, CLEAR);
        let mut one = None;
        let more = self.box_grid.any(&clear, |i| {
            let i = i as usize;
            if !overlaps(&clear, &self.boxes[i]) || one == Some(i) {
                return false;
            }
            if i < self.first_label || one.is_some() {
                return true;
            }
            one = Some(i);
            false
        });
        one.filter(|_| !more)
    }
}

/// Sets a label beside each labelled edge of `out` (`labels` by input edge; edges with
/// the same route share their label). Edges whose route already holds a label (loops)
/// keep it. With `strict`, a place nearer another edge's line than the label's own is no
/// place (where a label left without one is left out: one that misleads is worse than
/// none); with `sparse` (drawings of hundreds of labels), only places within [`FAR`] of
/// the line, half as many along it, are tried. Returns the edges whose label found
/// no place (none when all did); `out` is left with the labels placed, grown to hold them
/// with `margin` to spare.
pub(super) fn place(
    out: &mut Layout,
    labels: &[Option<Size>],
    lr: bool,
    margin: f64,
    strict: bool,
    sparse: bool,
) -> Vec<usize> {
    let lines: Vec<Vec<Point>> = out.edges.iter().map(polyline).collect();
    let mut taken = Taken::new(out, &lines, labels.len());

    // Shorter lines first: they have the fewest places to choose from.
    let mut todo: Vec<(f64, usize)> = Vec::new();
    let mut first_of: std::collections::HashMap<(u64, u64, u64, u64), usize> =
        std::collections::HashMap::new();
    let mut same_as: Vec<Option<usize>> = vec![None; labels.len()];
    let mut unplaced_early = Vec::new();
    for (e, label) in labels.iter().enumerate() {
        let route = &out.edges[e];
        if label.is_none() || route.label.is_some() || route.shape == RouteShape::Loop {
            continue;
        }
        let (Some(p), Some(q)) = (route.points.first(), route.points.last()) else {
            unplaced_early.push(e);
            continue;
        };
        let key = (p.x.to_bits(), p.y.to_bits(), q.x.to_bits(), q.y.to_bits());
        if let Some(&first) = first_of
            .get(&key)
            .filter(|&&f| out.edges[f].points == route.points)
        {
            same_as[e] = Some(first);
            continue;
        }
        first_of.insert(key, e);
        todo.push((line_length(&lines[e]), e));
    }
    todo.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));

    let mut unplaced = unplaced_early;
    // How far the labels reach: least x and y, most x and y.
    let mut reach = (f64::INFINITY, f64::INFINITY, 0.0f64, 0.0f64);
    let mut candidates: Vec<Spot> = Vec::new();
    // Every label close to its line first; then those that found no place, looser.
    let mut pending = todo;
    // Sparse: close to the line only. On a drawing of hundreds of labels, where many find
    // none, looking further off took two thirds of the time.
    let leeways: &[Leeway] = if sparse {
        &[STRICT_SPARSE]
    } else {
        &[STRICT, LOOSE]
    };
    // The places of each label that found none close to its line, at both leeways, with
    // what the lines allow of each as found: making room looks through them again.
    let mut places_of: Vec<Vec<Spot>> = vec![Vec::new(); labels.len()];
    for (pass, &leeway) in leeways.iter().enumerate() {
        let mut missed = Vec::new();
        for &(length, e) in &pending {
            let Some(size) = labels[e] else { continue };
            let tried = if pass == 0 {
                candidates.clear();
                spots(&lines[e], length, size, lr, leeway, &mut candidates);
                candidates.sort_by(|a, b| a.cost.total_cmp(&b.cost));
                &mut candidates
            } else {
                // The second leeway is the loose one: its places among every place, kept
                // for making room.
                places_of[e] = places(&lines[e], length, size, lr);
                &mut places_of[e]
            };
            // The cheapest free place that is not crowded, else the cheapest free one.
            let (mut first, mut best) = (None, None);
            for spot in tried.iter_mut().filter(|s| pass == 0 || s.loose) {
                if !taken.fits(spot, e, strict) {
                    continue;
                }
                first = first.or(Some(spot.r));
                if !taken.crowded(&spot.r, e) {
                    best = Some(spot.r);
                    break;
                }
            }
            if let Some(r) = best.or(first) {
                out.edges[e].label = Some(r);
                reach_to(&mut reach, &r);
                taken.add(r, e);
            } else {
                missed.push((length, e));
            }
        }
        pending = missed;
    }
    if !sparse {
        let mut room = Room {
            out,
            labels,
            places_of,
            lines: &lines,
            taken: &mut taken,
            lr,
            strict,
            reach: &mut reach,
        };
        pending.retain(|&(_, e)| !room.make(e));
    }
    unplaced.extend(pending.iter().map(|&(_, e)| e));
    grow(out, reach, margin);
    for (e, first) in same_as.iter().enumerate() {
        if let Some(f) = first {
            out.edges[e].label = out.edges[*f].label;
            if out.edges[e].label.is_none() {
                unplaced.push(e);
            }
        }
    }
    unplaced
}

/// Most places of a label without one that [`Room::make`] tries to clear.
const MOVES: usize = 12;
/// A box that is no longer taken (it overlaps nothing).
const GONE: Rect = Rect {
    x: f64::NAN,
    y: f64::NAN,
    width: 0.0,
    height: 0.0,
};

/// What [`place`] works on, for making room for a label by moving another.
struct Room<'a> {
    out: &'a mut Layout,
    labels: &'a [Option<Size>],
    /// Every place of each label (built when first needed), as [`places`] gives them.
    places_of: Vec<Vec<Spot>>,
    lines: &'a [Vec<Point>],
    taken: &'a mut Taken,
    lr: bool,
    strict: bool,
    reach: &'a mut (f64, f64, f64, f64),
}

impl Room<'_> {
    /// Every place beside edge `e`'s line, cheapest first, taken out of `places_of` (and
    /// to be put back): each with what the lines allow of it as found so far.
    fn take_places(&mut self, e: usize) -> Vec<Spot> {
        let mut all = std::mem::take(&mut self.places_of[e]);
        if all.is_empty()
            && let Some(size) = self.labels[e]
        {
            let line = &self.lines[e];
            all = places(line, line_length(line), size, self.lr);
        }
        all
    }

    fn put(&mut self, r: Rect, e: usize) {
        self.out.edges[e].label = Some(r);
        reach_to(self.reach, &r);
    }

    /// Sets edge `e`'s label (its line offered no free place) where only one other label
    /// is in the way, that one moved to another free place beside its own line. Whether
    /// it did.
    fn make(&mut self, e: usize) -> bool {
        let mut mine = self.take_places(e);
        let made = self.make_at(e, &mut mine);
        self.places_of[e] = mine;
        made
    }

    /// [`Room::make`] at one of `spots`, edge `e`'s places.
    fn make_at(&mut self, e: usize, spots: &mut [Spot]) -> bool {
        let mut tried = 0;
        for spot in spots {
            let Some(i) = self.taken.only_label_in_the_way(spot, e) else {
                continue;
            };
            let other = self.taken.owner[i - self.taken.first_label];
            if other == usize::MAX || (self.strict && self.taken.misleading(spot, e)) {
                continue;
            }
            if tried == MOVES {
                return false;
            }
            tried += 1;
            let r = spot.r;
            let was = std::mem::replace(&mut self.taken.boxes[i], GONE);
            let mine = self.taken.add(r, e);
            let mut theirs = self.take_places(other);
            let moved = theirs
                .iter_mut()
                .filter(|s| s.r != was)
                .find_map(|s| self.taken.fits(s, other, self.strict).then_some(s.r));
            self.places_of[other] = theirs;
            if let Some(r2) = moved {
                self.taken.add(r2, other);
                self.put(r, e);
                self.put(r2, other);
                return true;
            }
            self.taken.boxes[mine] = GONE;
            self.taken.boxes[i] = was;
        }
        false
    }
}

/// The length of `line`.
fn line_length(line: &[Point]) -> f64 {
    line.windows(2).map(|w| distance(w[0], w[1])).sum()
}

/// Grows `reach` (least x and y, most x and y) to take in `r`.
fn reach_to(reach: &mut (f64, f64, f64, f64), r: &Rect) {
    *reach = (
        reach.0.min(r.left()),
        reach.1.min(r.top()),
        reach.2.max(r.right()),
        reach.3.max(r.bottom()),
    );
}

/// Grows `out` to hold what reaches from (`reach.0`, `reach.1`) to (`reach.2`, `reach.3`)
/// with `margin` to spare, moving everything right and down as far as it reaches beyond
/// the left and top.
fn grow(out: &mut Layout, reach: (f64, f64, f64, f64), margin: f64) {
    let (dx, dy) = ((margin - reach.0).max(0.0), (margin - reach.1).max(0.0));
    if dx > 0.0 || dy > 0.0 {
        let shift = |r: &mut Rect| {
            r.x += dx;
            r.y += dy;
        };
        out.nodes.iter_mut().for_each(shift);
        for route in &mut out.edges {
            for p in &mut route.points {
                p.x += dx;
                p.y += dy;
            }
            route.label.iter_mut().for_each(shift);
        }
        for g in out.groups.iter_mut().flatten() {
            shift(&mut g.rect);
            shift(&mut g.label);
        }
    }
    out.width = (out.width + dx).max(reach.2 + dx + margin);
    out.height = (out.height + dy).max(reach.3 + dy + margin);
    out.stats.width = out.width;
    out.stats.height = out.height;
}

/// How close to its line and to its ends a label must be.
#[derive(Clone, Copy)]
struct Leeway {
    /// Farthest its near side may be from the line.
    far: f64,
    /// Length at each end of the line kept free.
    end: f64,
    /// Distances tried beyond the nearest, each `RING` further.
    rings: u32,
    /// Most places tried along one line (they thin out on long lines).
    spots: f64,
}

/// The first try for every label: close to its line, away from its ends.
const STRICT: Leeway = Leeway {
    far: FAR,
    end: END,
    rings: 0,
    spots: SPOTS,
};
/// The only try on a drawing of hundreds of labels: as close, half as many places. A
/// label that finds no place has tried every one, and on such drawings many find none:
/// trying them all took a third of the layout's time at 300 services, for 4 % more labels.
const STRICT_SPARSE: Leeway = Leeway {
    spots: SPOTS / 2.0,
    ..STRICT
};
/// The second for those that found no place: further off, closer to the ends.
const LOOSE: Leeway = Leeway {
    far: 2.0 * FAR,
    end: END / 3.0,
    rings: 3,
    spots: SPOTS,
};
/// Step between the distances of [`Leeway::rings`].
const RING: f64 = 6.0;

/// A place for a label beside its line.
#[derive(Clone, Copy)]
struct Spot {
    /// How far from the line's middle, how steep the line runs there and how far off.
    cost: f64,
    r: Rect,
    /// Distance from the point of the line it was set beside.
    off: f64,
    /// Whether it is one of the places at [`LOOSE`] leeway (see [`places`]).
    loose: bool,
    /// Whether no line is in its way, and whether it lies nearer another edge's line than
    /// its own, once found: lines do not move while labels are set.
    lines_clear: Option<bool>,
    misleads: Option<bool>,
}

/// Every place for a `size` label beside `line` (of `length`), at [`STRICT`] and at
/// [`LOOSE`] leeway, cheapest first (of equal cost, the strict ones first).
fn places(line: &[Point], length: f64, size: Size, lr: bool) -> Vec<Spot> {
    let mut all = Vec::new();
    spots(line, length, size, lr, STRICT, &mut all);
    let strict = all.len();
    spots(line, length, size, lr, LOOSE, &mut all);
    for spot in &mut all[strict..] {
        spot.loose = true;
    }
    all.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    all
}

/// Places for a `size` label beside `line` (of `length`) within `leeway`.
fn spots(line: &[Point], length: f64, size: Size, lr: bool, leeway: Leeway, into: &mut Vec<Spot>) {
    let end = leeway.end;
    // (A line too long to measure in floating point has no place to offer either.)
    if length < 2.0 * end || !length.is_finite() {
        return;
    }
    let mut walked = 0.0;
    let step = STEP.max((length - 2.0 * end) / leeway.spots);
    let mut next = end;
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let piece = distance(a, b);
        if piece < 1e-9 {
            continue;
        }
        // How steep the piece runs against the flow: 0 along it, 1 across it.
        let (along, across) = if lr {
            ((b.x - a.x).abs(), (b.y - a.y).abs())
        } else {
            ((b.y - a.y).abs(), (b.x - a.x).abs())
        };
        let steep = across / piece;
        while next <= walked + piece && next <= length - end {
            let t = (next - walked) / piece;
            let p = Point {
                x: a.x + (b.x - a.x) * t,
                y: a.y + (b.y - a.y) * t,
            };
            let cost = (next - length / 2.0).abs() + 60.0 * steep;
            let (w, h) = (size.width, size.height);
            // Beside the line across the flow (above or below it left to right) where it
            // runs flat, along the flow (before or after it) where it runs steep: the
            // label's far side as far off the line as the line drifts over its length.
            let (len_along, len_across) = if lr { (w, h) } else { (h, w) };
            let drift = |over: f64, by: f64, of: f64| {
                if over < 1e-9 {
                    4.0 * (w + h)
                } else {
                    (by / over * of / 2.0).min(4.0 * (w + h))
                }
            };
            for ring in 0..=leeway.rings {
                let more = f64::from(ring) * RING;
                let flat = GAP + drift(along, across, len_along) + more;
                let upright = GAP + drift(across, along, len_across) + more;
                let (across_off, along_off) = (len_across / 2.0 + flat, len_along / 2.0 + upright);
                // Above a line left to right, on its right top to bottom: where the text
                // starts beside it.
                let first = if lr { -across_off } else { across_off };
                let cost = cost + 4.0 * more;
                let sides = [
                    (0.0, first, cost, flat),
                    (0.0, -first, cost + 0.5, flat),
                    (-along_off, 0.0, cost + 20.0, upright),
                    (along_off, 0.0, cost + 20.5, upright),
                ];
                // A label further off its line than that would be read as another line's.
                for (a_off, c_off, cost, off) in sides.into_iter().filter(|s| s.3 <= leeway.far) {
                    let (dx, dy) = if lr { (a_off, c_off) } else { (c_off, a_off) };
                    into.push(Spot {
                        cost,
                        r: Rect {
                            x: p.x + dx,
                            y: p.y + dy,
                            width: w,
                            height: h,
                        },
                        off,
                        loose: false,
                        lines_clear: None,
                        misleads: None,
                    });
                }
            }
            next += step;
        }
        walked += piece;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_holds_the_places_of_each_leeway_in_the_order_each_gives_them() {
        // The first pass tries the strict places alone, cheapest first; the second tries the
        // loose ones among every place: each in the order its own leeway's sort gives.
        let line = [
            Point { x: 0.0, y: 0.0 },
            Point { x: 120.0, y: 10.0 },
            Point { x: 130.0, y: 200.0 },
        ];
        let size = Size {
            width: 30.0,
            height: 12.0,
        };
        for lr in [false, true] {
            let all = places(&line, line_length(&line), size, lr);
            for (leeway, loose) in [(STRICT, false), (LOOSE, true)] {
                let mut alone = Vec::new();
                spots(&line, line_length(&line), size, lr, leeway, &mut alone);
                alone.sort_by(|a, b| a.cost.total_cmp(&b.cost));
                let of_all: Vec<(f64, Rect)> = all
                    .iter()
                    .filter(|s| s.loose == loose)
                    .map(|s| (s.cost, s.r))
                    .collect();
                let alone: Vec<(f64, Rect)> = alone.iter().map(|s| (s.cost, s.r)).collect();
                assert!(!alone.is_empty());
                assert_eq!(of_all, alone);
            }
        }
    }

    #[test]
    fn a_grid_finds_every_item_a_box_meets_built_or_added_and_no_other() {
        // Random boxes over a 400 × 300 drawing, some reaching past its edges; half built
        // into the grid, half added after: a query reports exactly the items whose boxes
        // share a cell with it, which include every box it overlaps.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = |m: f64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f64 / 10_000.0 * m
        };
        let mut boxes: Vec<[f64; 4]> = Vec::new();
        for _ in 0..400 {
            let (x, y) = (next(440.0) - 20.0, next(340.0) - 20.0);
            boxes.push([x, y, x + next(60.0), y + next(30.0)]);
        }
        let (built, added) = boxes.split_at(200);
        let mut grid = Grid::new(400.0, 300.0, boxes.len(), built.len(), |i| built[i]);
        for (i, b) in added.iter().enumerate() {
            grid.insert(b[0], b[1], b[2], b[3], (built.len() + i) as u32);
        }
        for _ in 0..200 {
            let (x, y) = (next(400.0), next(300.0));
            let query = Rect {
                x,
                y,
                width: next(50.0),
                height: next(20.0),
            };
            let mut seen = Vec::new();
            grid.any(&query, |i| {
                seen.push(i);
                false
            });
            for (i, b) in boxes.iter().enumerate() {
                let meets = b[0] < query.right()
                    && query.left() < b[2]
                    && b[1] < query.bottom()
                    && query.top() < b[3];
                if meets {
                    assert!(seen.contains(&(i as u32)), "box {i} missed");
                }
            }
            // Each item once per cell it shares with the query, and only items there.
            let (c0, r0, c1, r1) =
                grid.span(query.left(), query.top(), query.right(), query.bottom());
            for &i in &seen {
                let b = boxes[i as usize];
                let (d0, s0, d1, s1) = grid.span(b[0], b[1], b[2], b[3]);
                assert!(
                    d0 <= c1 && c0 <= d1 && s0 <= r1 && r0 <= s1,
                    "item {i} shares no cell"
                );
            }
        }
        // A hit stops the search.
        let everything = Rect {
            x: 0.0,
            y: 0.0,
            width: 400.0,
            height: 300.0,
        };
        let mut asked = 0;
        assert!(grid.any(&everything, |_| {
            asked += 1;
            true
        }));
        assert_eq!(asked, 1);
    }
}
