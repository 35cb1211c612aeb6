//! The quality benchmark's measures (`benches/quality/`) on drawings whose answers are known.
//! The benchmark runs without a test harness, so its modules are tested from here.

#[allow(dead_code)]
#[path = "../benches/quality/drawing.rs"]
mod drawing;
#[allow(dead_code)]
#[path = "../benches/quality/metrics.rs"]
mod metrics;

use drawing::{flatten_path, parse_transform, read_svg};
use metrics::{EdgeLine, Point, bends_of, crossings, edge_length, overlap, reversed_geometric};

fn edge(source: &str, target: &str, points: &[(f64, f64)]) -> EdgeLine {
    EdgeLine {
        source: source.into(),
        target: target.into(),
        polylines: vec![points.iter().map(|&(x, y)| Point::new(x, y)).collect()],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn two_known_segments_cross_once() {
    let edges = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 100.0)]),
        edge("c", "d", &[(0.0, 100.0), (100.0, 0.0)]),
    ];
    assert_eq!(crossings(&edges), 1);
    let x = metrics::crossing_point(
        Point::new(0.0, 0.0),
        Point::new(100.0, 100.0),
        Point::new(0.0, 100.0),
        Point::new(100.0, 0.0),
    )
    .unwrap();
    assert!(close(x.x, 50.0) && close(x.y, 50.0), "{x:?}");
}

#[test]
fn a_crossing_on_a_grid_line_counts_once() {
    // Three edges through (32, 32), a corner of the 16 px grid; the long one spans many cells.
    let edges = [
        edge("a", "b", &[(-500.0, -500.0), (564.0, 564.0)]),
        edge("c", "d", &[(0.0, 64.0), (64.0, 0.0)]),
        edge("e", "f", &[(-300.0, 32.0), (300.0, 32.0)]),
    ];
    assert_eq!(crossings(&edges), 3);
}

#[test]
fn edges_sharing_a_node_do_not_cross_and_parallel_ones_do_not_either() {
    let shared = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 100.0)]),
        edge("c", "a", &[(0.0, 100.0), (100.0, 0.0)]),
    ];
    assert_eq!(crossings(&shared), 0);
    let parallel = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 0.0)]),
        edge("c", "d", &[(0.0, 1.0), (100.0, 1.0)]),
    ];
    assert_eq!(crossings(&parallel), 0);
}

#[test]
fn parallel_lines_one_px_apart_overlap_entirely() {
    let edges = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 0.0)]),
        edge("c", "d", &[(0.0, 1.0), (100.0, 1.0)]),
    ];
    let (near, total) = overlap(&edges);
    assert!(close(total, 200.0), "{total}");
    assert!(close(near, total), "{near} of {total}");
}

#[test]
fn lines_far_apart_or_sharing_a_node_do_not_overlap() {
    let far = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 0.0)]),
        edge("c", "d", &[(0.0, 50.0), (100.0, 50.0)]),
    ];
    assert!(close(overlap(&far).0, 0.0));
    let shared = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 0.0)]),
        edge("a", "d", &[(0.0, 1.0), (100.0, 1.0)]),
    ];
    assert!(close(overlap(&shared).0, 0.0));
}

#[test]
fn half_overlapping_lines_give_half() {
    let edges = [
        edge("a", "b", &[(0.0, 0.0), (100.0, 0.0)]),
        edge("c", "d", &[(50.0, 1.0), (150.0, 1.0)]),
    ];
    let (near, total) = overlap(&edges);
    // 50 px of each line lie next to the other, within a sample step (and 1.5 px reach).
    assert!((near / total - 0.5).abs() < 0.02, "{near} of {total}");
}

#[test]
fn bezier_flattening_keeps_its_ends_and_stays_close() {
    let lines = flatten_path("M10,20C50,20 50,80 90,80", 0.1).unwrap();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line.first(), Some(&Point::new(10.0, 20.0)));
    assert_eq!(line.last(), Some(&Point::new(90.0, 80.0)));
    assert!(
        line.len() > 8,
        "a curve becomes many segments: {}",
        line.len()
    );
    // The curve's midpoint (t = 1/2) is (50, 50); the polyline passes within tolerance.
    assert!(line.iter().any(|p| (p.x - 50.0).hypot(p.y - 50.0) < 0.2));
}

#[test]
fn relative_commands_arcs_and_implicit_lines() {
    let lines = flatten_path("m0 0 10 0 v10 h-10 z M100 0 a10 10 0 0 1 20 0", 0.05).unwrap();
    assert_eq!(lines.len(), 2);
    let square: Vec<(f64, f64)> = lines[0].iter().map(|p| (p.x, p.y)).collect();
    assert_eq!(
        square,
        [
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0)
        ]
    );
    let arc = &lines[1];
    assert_eq!(arc.last(), Some(&Point::new(120.0, 0.0)));
    // A half circle of radius 10 around (110, 0): every point 10 from the centre.
    assert!(
        arc.iter()
            .all(|p| ((p.x - 110.0).hypot(p.y) - 10.0).abs() < 1e-6)
    );
    let length = edge_length(&[EdgeLine {
        source: "a".into(),
        target: "b".into(),
        polylines: vec![arc.clone()],
    }]);
    assert!(
        (length - 10.0 * std::f64::consts::PI).abs() < 0.1,
        "{length}"
    );
}

#[test]
fn bends_count_turns_above_thirty_degrees() {
    let right_angle = [
        Point::new(0.0, 0.0),
        Point::new(10.0, 0.0),
        Point::new(10.0, 10.0),
    ];
    assert_eq!(bends_of(&right_angle), 1);
    let straight = [
        Point::new(0.0, 0.0),
        Point::new(10.0, 0.0),
        Point::new(20.0, 0.0),
    ];
    assert_eq!(bends_of(&straight), 0);
    // A gentle S (steepest heading about 11°) has none; a steep one has two.
    let gentle = &flatten_path("M0,0C50,0 50,20 100,20", 0.1).unwrap()[0];
    assert_eq!(bends_of(gentle), 0);
    let steep = &flatten_path("M0,0C50,0 50,200 100,200", 0.1).unwrap()[0];
    assert_eq!(bends_of(steep), 2);
}

#[test]
fn transforms_compose_like_dots_top_group() {
    let m = parse_transform("scale(1 1) rotate(0) translate(4 400)").unwrap();
    assert_eq!(m.apply(Point::new(10.0, -20.0)), Point::new(14.0, 380.0));
    let r = parse_transform("rotate(90)").unwrap();
    let p = r.apply(Point::new(1.0, 0.0));
    assert!(close(p.x, 0.0) && close(p.y, 1.0), "{p:?}");
}

#[test]
fn both_kinds_of_svg_read_the_same() {
    let dot = r#"<svg width="100pt" height="50pt" xmlns="http://www.w3.org/2000/svg">
<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 46)">
<g class="node"><title>a&#45;b</title></g><g class="node"><title>c</title></g>
<g class="edge"><title>a&#45;b&#45;&gt;c</title><path d="M0,-10C10,-10 20,-10 30,-10"/><polygon points="30,-13 36,-10 30,-7"/></g>
<g class="edge"><title>c&#45;&gt;a&#45;b</title><path d="M30,-20L0,-20"/></g>
</g></svg>"#;
    let d = read_svg(dot).unwrap();
    assert!(close(d.width, 100.0) && close(d.height, 50.0));
    assert_eq!(d.edges.len(), 2);
    assert_eq!(
        (d.edges[0].source.as_str(), d.edges[0].target.as_str()),
        ("a-b", "c")
    );
    assert_eq!(d.edges[0].polylines[0][0], Point::new(4.0, 36.0));
    assert_eq!(reversed_geometric(&d.edges), 1);
    let ours = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">
<g class="edges"><g class="edge err-0 reversed" data-source="c" data-target="a-b"><title>x</title><path class="halo" d="M0 0 L5 5"/><path class="line" d="M30 20 L0 20"/><path class="head" d="M0 0 L1 1 Z"/><text>9 rps</text></g></g>
<g class="legend" transform="translate(16 40)"><g class="err-0"><path class="line" d="M0 0 h18"/></g></g></svg>"#;
    let o = read_svg(ours).unwrap();
    assert_eq!(o.edges.len(), 1);
    assert_eq!(o.marked_reversed, 1);
    assert_eq!(
        o.edges[0].polylines,
        vec![vec![Point::new(30.0, 20.0), Point::new(0.0, 20.0)]]
    );
}
