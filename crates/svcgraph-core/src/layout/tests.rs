use super::*;

fn size(w: f64, h: f64) -> Size {
    Size {
        width: w,
        height: h,
    }
}

fn labelled(source: usize, target: usize) -> LayoutEdge {
    LayoutEdge {
        source,
        target,
        label: Some(size(70.0, 12.0)),
    }
}

/// A tiered graph with some back edges and varying label widths.
fn service_like(n: usize, with_labels: bool) -> LayoutGraph {
    let nodes = (0..n)
        .map(|i| size(40.0 + (i % 7) as f64 * 15.0, 24.0))
        .collect();
    let mut edges = Vec::new();
    for i in 1..n {
        let parent = (i * 7 + 3) % i;
        edges.push((parent, i));
        if i % 3 == 0 {
            edges.push(((i * 13 + 5) % i, i));
        }
        if i % 17 == 0 {
            edges.push((i, (i * 5) % i)); // upward: makes a cycle
        }
    }
    let edges = edges
        .into_iter()
        .map(|(s, t)| {
            if with_labels {
                labelled(s, t)
            } else {
                LayoutEdge::new(s, t)
            }
        })
        .collect();
    LayoutGraph {
        nodes,
        edges,
        ..LayoutGraph::default()
    }
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.left() < b.right() - 1e-6
        && b.left() < a.right() - 1e-6
        && a.top() < b.bottom() - 1e-6
        && b.top() < a.bottom() - 1e-6
}

fn assert_sound(g: &LayoutGraph, out: &Layout) {
    assert_eq!(out.nodes.len(), g.nodes.len());
    assert_eq!(out.edges.len(), g.edges.len());
    // No two boxes overlap: nodes and labels alike (sorted sweep keeps this linearithmic).
    let mut boxes: Vec<Rect> = out.nodes.clone();
    boxes.extend(out.edges.iter().filter_map(|e| e.label));
    boxes.sort_by(|a, b| a.left().total_cmp(&b.left()));
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            if boxes[j].left() >= boxes[i].right() {
                break;
            }
            assert!(
                !overlaps(&boxes[i], &boxes[j]),
                "{:?} overlaps {:?}",
                boxes[i],
                boxes[j]
            );
        }
    }
    // Every edge starts on its source's border and ends on its target's border.
    let on_border = |p: &Point, r: &Rect| {
        let inside = p.x >= r.left() - 1e-6
            && p.x <= r.right() + 1e-6
            && p.y >= r.top() - 1e-6
            && p.y <= r.bottom() + 1e-6;
        let edge = (p.x - r.left()).abs() < 1e-6
            || (p.x - r.right()).abs() < 1e-6
            || (p.y - r.top()).abs() < 1e-6
            || (p.y - r.bottom()).abs() < 1e-6;
        inside && edge
    };
    for (e, route) in g.edges.iter().zip(&out.edges) {
        assert!(route.points.len() >= 2);
        let (first, last) = (route.points[0], route.points[route.points.len() - 1]);
        assert!(
            on_border(&first, &out.nodes[e.source]),
            "{e:?} starts at {first:?}"
        );
        assert!(
            on_border(&last, &out.nodes[e.target]),
            "{e:?} ends at {last:?}"
        );
        for p in &route.points {
            assert!(p.x.is_finite() && p.y.is_finite());
            assert!(p.x >= 0.0 && p.y >= 0.0 && p.x <= out.width && p.y <= out.height);
        }
    }
    assert_no_edge_on_another(g, out);
    assert_curves_clear_of_boxes(g, out);
    assert_labels_clear_of_lines(out);
}

/// No edge's line runs through another edge's label (straight lines over the dummy budget
/// aside: they run across everything); a label's own line may touch it but not cross it.
fn assert_labels_clear_of_lines(out: &Layout) {
    let lines: Vec<Vec<Point>> = out.edges.iter().map(labels::polyline).collect();
    for (i, route) in out.edges.iter().enumerate() {
        let Some(label) = route.label else { continue };
        let inner = Rect {
            width: label.width - 1.0,
            height: label.height - 1.0,
            ..label
        };
        for (j, line) in lines.iter().enumerate() {
            let own = out.edges[j].label == Some(label)
                && (i == j || out.edges[j].points == route.points);
            if own || out.edges[j].shape == RouteShape::Straight {
                continue;
            }
            assert!(
                !line.windows(2).any(|w| labels::enters(w[0], w[1], &inner)),
                "edge {j} runs through edge {i}'s label {label:?}"
            );
        }
    }
}

/// A point of a curved route's cubic piece.
fn bezier(p: [Point; 4], t: f64) -> Point {
    let u = 1.0 - t;
    let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
    Point {
        x: (0..4).map(|i| w[i] * p[i].x).sum(),
        y: (0..4).map(|i| w[i] * p[i].y).sum(),
    }
}

/// No curved route passes through a node other than its ends, or through another edge's
/// label.
fn assert_curves_clear_of_boxes(g: &LayoutGraph, out: &Layout) {
    // Touching within half a unit does not count.
    let inside = |p: Point, r: &Rect| {
        p.x > r.left() + 0.5
            && p.x < r.right() - 0.5
            && p.y > r.top() + 0.5
            && p.y < r.bottom() - 0.5
    };
    for (i, (e, route)) in g.edges.iter().zip(&out.edges).enumerate() {
        if route.shape != RouteShape::Curved {
            continue;
        }
        let mut from = route.points[0];
        for piece in route.points[1..].chunks_exact(3) {
            let controls = [from, piece[0], piece[1], piece[2]];
            for step in 0..=32 {
                let p = bezier(controls, f64::from(step) / 32.0);
                for (v, r) in out.nodes.iter().enumerate() {
                    assert!(
                        v == e.source || v == e.target || !inside(p, r),
                        "edge {i} {e:?} passes through node {v} at {p:?}"
                    );
                }
                for (j, other) in out.edges.iter().enumerate() {
                    if let (true, Some(label)) = (j != i, other.label) {
                        assert!(
                            !inside(p, &label),
                            "edge {i} passes through edge {j}'s label at {p:?}"
                        );
                    }
                }
            }
            from = piece[2];
        }
    }
}

/// [`assert_sound`] but for edges running on top of each other: with an earlier drawing
/// kept, the tracks' preferences can still leave one edge's end beside another's start.
fn assert_sound_but_tracks(g: &LayoutGraph, out: &Layout) {
    let unroutable = LayoutGraph {
        edges: Vec::new(),
        ..g.clone()
    };
    let boxes_only = Layout {
        edges: Vec::new(),
        ..out.clone()
    };
    assert_sound(&unroutable, &boxes_only);
}

/// No run of one edge lies within 1.5 px of a parallel run of an edge that shares no node
/// with it, for more than 1.5 px.
fn assert_no_edge_on_another(g: &LayoutGraph, out: &Layout) {
    // (coordinate across the run, from, to, edge) for horizontal and for vertical runs.
    let mut runs: [Vec<(f64, f64, f64, usize)>; 2] = [Vec::new(), Vec::new()];
    for (i, route) in out.edges.iter().enumerate() {
        // Axis-parallel pieces: every piece of an orthogonal route, the straight pieces of
        // a curved one.
        let pieces: Vec<(Point, Point)> = match route.shape {
            RouteShape::Orthogonal => route.points.windows(2).map(|w| (w[0], w[1])).collect(),
            RouteShape::Curved => {
                let mut from = route.points[0];
                let mut straight = Vec::new();
                for piece in route.points[1..].chunks_exact(3) {
                    if piece[0] == from && piece[1] == piece[2] {
                        straight.push((from, piece[2]));
                    }
                    from = piece[2];
                }
                straight
            }
            _ => continue,
        };
        for (p, q) in pieces {
            if (p.y - q.y).abs() < 1e-9 && (p.x - q.x).abs() > 1e-9 {
                runs[0].push((p.y, p.x.min(q.x), p.x.max(q.x), i));
            } else if (p.x - q.x).abs() < 1e-9 && (p.y - q.y).abs() > 1e-9 {
                runs[1].push((p.x, p.y.min(q.y), p.y.max(q.y), i));
            }
        }
    }
    for list in &mut runs {
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (k, a) in list.iter().enumerate() {
            for b in &list[k + 1..] {
                if b.0 - a.0 >= 1.5 {
                    break;
                }
                let (ea, eb) = (&g.edges[a.3], &g.edges[b.3]);
                let shared = [ea.source, ea.target]
                    .iter()
                    .any(|v| *v == eb.source || *v == eb.target);
                let overlap = a.2.min(b.2) - a.1.max(b.1);
                assert!(
                    shared || overlap <= 1.5,
                    "edges {ea:?} and {eb:?} run on top of each other: {a:?} {b:?}"
                );
            }
        }
    }
}

#[test]
fn service_like_graphs_are_sound_in_both_directions() {
    for with_labels in [false, true] {
        for direction in [Direction::TopToBottom, Direction::LeftToRight] {
            for edges in [EdgeStyle::Curved, EdgeStyle::Orthogonal] {
                let g = service_like(300, with_labels);
                let options = LayoutOptions {
                    direction,
                    edges,
                    ..LayoutOptions::default()
                };
                let out = layout(&g, &options).unwrap();
                assert_sound(&g, &out);
                assert!(out.stats.reversed_edges > 0);
                assert_eq!(out.stats.direct_edges, 0);
                assert!(out.edges.iter().all(|e| e.shape
                    == match edges {
                        EdgeStyle::Curved => RouteShape::Curved,
                        EdgeStyle::Orthogonal => RouteShape::Orthogonal,
                    }));
            }
        }
    }
}

#[test]
fn dense_labelled_meshes_keep_every_label_clear_of_other_edges() {
    // Many calls back and forth between random services, with labels of varied widths:
    // lines crowd the label layers and bend around each other's labels.
    for seed in 1..=6 {
        let mut next = test_sequence(seed);
        let n = 60 + next(60) as usize;
        let nodes = (0..n)
            .map(|i| size(40.0 + (i % 5) as f64 * 20.0, 24.0))
            .collect();
        let mut edges = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..3 * n {
            let (s, t) = (next(n as u64) as usize, next(n as u64) as usize);
            let width = 60.0 + next(80) as f64;
            if s != t && seen.insert((s, t)) {
                edges.push(LayoutEdge {
                    label: Some(Size {
                        width,
                        height: 12.0,
                    }),
                    ..LayoutEdge::new(s, t)
                });
            }
        }
        let g = LayoutGraph {
            nodes,
            edges,
            ..LayoutGraph::default()
        };
        for direction in [Direction::LeftToRight, Direction::TopToBottom] {
            let options = LayoutOptions {
                direction,
                ..LayoutOptions::default()
            };
            assert_sound(&g, &layout(&g, &options).unwrap());
        }
    }
}

/// Total heading change along a route, in right angles (curves sampled).
fn turning(route: &EdgeRoute) -> f64 {
    let line: Vec<Point> = match route.shape {
        RouteShape::Curved => {
            let mut from = route.points[0];
            let mut line = vec![from];
            for piece in route.points[1..].chunks_exact(3) {
                let controls = [from, piece[0], piece[1], piece[2]];
                line.extend((1..=32).map(|s| bezier(controls, f64::from(s) / 32.0)));
                from = piece[2];
            }
            line
        }
        _ => route.points.clone(),
    };
    let mut total = 0.0;
    let mut heading: Option<f64> = None;
    for w in line.windows(2) {
        let (dx, dy) = (w[1].x - w[0].x, w[1].y - w[0].y);
        if dx.hypot(dy) < 1e-9 {
            continue;
        }
        let h = dy.atan2(dx);
        if let Some(prev) = heading {
            let turn: f64 = h - prev;
            total += turn.sin().atan2(turn.cos()).abs();
        }
        heading = Some(h);
    }
    total / std::f64::consts::FRAC_PI_2
}

#[test]
fn curved_edges_turn_less_than_orthogonal_ones() {
    for with_labels in [false, true] {
        let g = service_like(120, with_labels);
        let turns = |edges| {
            let options = LayoutOptions {
                edges,
                ..LayoutOptions::default()
            };
            let out = layout(&g, &options).unwrap();
            out.edges.iter().map(turning).sum::<f64>() / out.edges.len() as f64
        };
        let (curved, orthogonal) = (turns(EdgeStyle::Curved), turns(EdgeStyle::Orthogonal));
        assert!(
            curved < 0.8 * orthogonal,
            "labels {with_labels}: {curved:.2} turns per curved edge, {orthogonal:.2} orthogonal"
        );
    }
}

#[test]
fn an_edge_between_neighbouring_layers_with_nothing_in_its_way_is_one_straight_line() {
    let g = LayoutGraph {
        nodes: vec![size(60.0, 24.0), size(60.0, 24.0), size(60.0, 24.0)],
        edges: vec![LayoutEdge::new(0, 1), LayoutEdge::new(0, 2)],
        ..LayoutGraph::default()
    };
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    for route in &out.edges {
        assert_eq!(route.shape, RouteShape::Curved);
        assert_eq!(route.points.len(), 4, "{route:?}");
        assert!(turning(route) < 1e-9, "{route:?}");
    }
    // Fanning out, not both along one line.
    assert!((out.edges[0].points[3].y - out.edges[1].points[3].y).abs() > 10.0);
}

#[test]
fn a_chain_of_labelled_calls_runs_straight_past_its_labels() {
    // Labels sit beside their line; the line does not jog around them.
    let label = Size {
        width: 90.0,
        height: 12.0,
    };
    let g = LayoutGraph {
        nodes: vec![size(60.0, 24.0); 4],
        edges: (0..3)
            .map(|i| LayoutEdge {
                label: Some(label),
                ..LayoutEdge::new(i, i + 1)
            })
            .collect(),
        ..LayoutGraph::default()
    };
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        let options = LayoutOptions {
            direction,
            ..LayoutOptions::default()
        };
        let out = layout(&g, &options).unwrap();
        assert_sound(&g, &out);
        for route in &out.edges {
            assert!(turning(route) < 1e-9, "{direction:?}: {route:?}");
            let text = route.label.expect("a labelled edge keeps its label");
            let (p, q) = (route.points[0], route.points[route.points.len() - 1]);
            // Beside the line, a few units off it.
            let off = if direction == Direction::LeftToRight {
                p.y - text.bottom()
            } else {
                text.left() - p.x
            };
            assert!(
                (p.x - q.x).abs() < 1e-9 || (p.y - q.y).abs() < 1e-9,
                "{route:?}"
            );
            assert!(
                (0.0..=8.0).contains(&off),
                "{direction:?}: {off} off the line"
            );
        }
    }
}

#[test]
fn flow_goes_down_or_right() {
    let g = LayoutGraph {
        nodes: vec![size(50.0, 20.0); 3],
        edges: vec![LayoutEdge::new(0, 1), LayoutEdge::new(1, 2)],
        ..LayoutGraph::default()
    };
    let tb = layout(
        &g,
        &LayoutOptions {
            direction: Direction::TopToBottom,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(tb.nodes[0].y < tb.nodes[1].y && tb.nodes[1].y < tb.nodes[2].y);
    let lr = layout(&g, &LayoutOptions::default()).unwrap();
    assert!(lr.nodes[0].x < lr.nodes[1].x && lr.nodes[1].x < lr.nodes[2].x);
}

#[test]
fn reversed_edges_still_run_from_client_to_server() {
    let g = LayoutGraph {
        nodes: vec![size(50.0, 20.0); 3],
        edges: vec![labelled(0, 1), labelled(1, 2), labelled(2, 0)],
        ..LayoutGraph::default()
    };
    let out = layout(
        &g,
        &LayoutOptions {
            direction: Direction::TopToBottom,
            ..Default::default()
        },
    )
    .unwrap();
    assert_sound(&g, &out);
    let back = out.edges.iter().find(|e| e.reversed).unwrap();
    // The back edge 2 -> 0 starts at node 2 (below) and ends at node 0 (above).
    assert!(back.points[0].y > back.points[back.points.len() - 1].y);
}

#[test]
fn two_cycles_self_loops_and_parallel_edges_are_drawn_apart() {
    let g = LayoutGraph {
        nodes: vec![size(60.0, 20.0); 2],
        edges: vec![
            LayoutEdge::new(0, 1),
            LayoutEdge::new(1, 0),
            LayoutEdge::new(0, 1),
            LayoutEdge {
                source: 1,
                target: 1,
                label: Some(size(40.0, 12.0)),
            },
        ],
        ..LayoutGraph::default()
    };
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert_sound(&g, &out);
    assert_eq!(out.stats.edges, 3);
    // The 2-cycle's edges leave and enter at ports of their own.
    assert_ne!(out.edges[0].points, {
        let mut p = out.edges[1].points.clone();
        p.reverse();
        p
    });
    assert_eq!(out.edges[0], out.edges[2], "parallel edges share a route");
    assert_eq!(out.edges[3].shape, RouteShape::Loop);
    let loop_label = out.edges[3].label.unwrap();
    assert!(!overlaps(&loop_label, &out.nodes[0]) && !overlaps(&loop_label, &out.nodes[1]));
}

#[test]
fn a_100k_node_path_lays_out_without_recursion() {
    let n = 100_000;
    let g = LayoutGraph {
        nodes: vec![size(30.0, 16.0); n],
        edges: (0..n - 1).map(|i| LayoutEdge::new(i, i + 1)).collect(),
        ..LayoutGraph::default()
    };
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert_eq!(out.stats.layers, n);
    assert_eq!(out.stats.crossings, 0);
}

#[test]
fn output_is_deterministic() {
    let g = service_like(400, true);
    let a = layout(&g, &LayoutOptions::default()).unwrap();
    let b = layout(&g, &LayoutOptions::default()).unwrap();
    assert_eq!(a.nodes, b.nodes);
    assert_eq!(a.edges, b.edges);
}

#[test]
fn the_dummy_budget_is_kept() {
    let g = service_like(200, true);
    let options = LayoutOptions {
        dummy_budget: Some(50),
        ..LayoutOptions::default()
    };
    let out = layout(&g, &options).unwrap();
    assert!(out.stats.dummies <= 50);
    assert!(out.stats.direct_edges > 0);
    assert!(out.edges.iter().any(|e| e.shape == RouteShape::Straight));
    assert_sound(&g, &out);
}

#[test]
fn bad_edges_and_empty_graphs() {
    let g = LayoutGraph {
        nodes: vec![size(1.0, 1.0)],
        edges: vec![LayoutEdge::new(0, 5)],
        ..LayoutGraph::default()
    };
    assert!(layout(&g, &LayoutOptions::default()).is_err());
    let empty = layout(&LayoutGraph::default(), &LayoutOptions::default()).unwrap();
    assert!(empty.nodes.is_empty() && empty.width > 0.0);
}

#[test]
fn absurd_label_and_node_sizes_neither_hang_nor_panic() {
    // Sizes come from text widths in the renderer, but the library takes any number.
    let absurd = [f64::NAN, f64::INFINITY, -5.0, 1e300, 0.0];
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        for (k, &bad) in absurd.iter().enumerate() {
            let mut g = service_like(24, true);
            for (i, e) in g.edges.iter_mut().enumerate() {
                if i % 3 == k % 3 {
                    e.label = Some(if i % 2 == 0 {
                        size(bad, 12.0)
                    } else {
                        size(60.0, bad)
                    });
                }
            }
            g.nodes[k] = size(bad, 24.0);
            g.edges.push(LayoutEdge {
                source: 2,
                target: 2,
                label: Some(size(bad, bad)),
            });
            let options = LayoutOptions {
                direction,
                ..LayoutOptions::default()
            };
            let out = layout(&g, &options).unwrap();
            assert_eq!(out.nodes.len(), g.nodes.len());
            for r in out
                .nodes
                .iter()
                .chain(out.edges.iter().filter_map(|e| e.label.as_ref()))
            {
                assert!(
                    [r.x, r.y, r.width, r.height].iter().all(|v| v.is_finite()),
                    "size {bad} ({direction:?}) gave a box {r:?}"
                );
            }
            assert!(out.width.is_finite() && out.height.is_finite());
        }
    }
}

/// `g` with its nodes in `k` groups by a scrambled index, every seventh node ungrouped.
fn grouped(mut g: LayoutGraph, k: u32) -> LayoutGraph {
    g.groups = (0..k)
        .map(|i| size(30.0 + f64::from(i) * 9.0, 14.0))
        .collect();
    g.node_groups = (0..g.nodes.len())
        .map(|i| (i % 7 != 3).then_some(((i * 31 + 7) % k as usize) as u32))
        .collect();
    g
}

#[test]
fn group_boxes_hold_their_nodes_and_nothing_else() {
    // 200 services are ordered in full before the boxes, 900 (over GLANCE_BEFORE_BOXES
    // vertices, dummies included) from a glance.
    for (services, with_labels) in [(200, false), (200, true), (900, false)] {
        for direction in [Direction::TopToBottom, Direction::LeftToRight] {
            let g = grouped(service_like(services, with_labels), 6);
            let options = LayoutOptions {
                direction,
                ..LayoutOptions::default()
            };
            let out = layout(&g, &options).unwrap();
            assert_sound(&g, &out);
            let vertices = out.stats.nodes + out.stats.dummies;
            assert_eq!(
                vertices >= GLANCE_BEFORE_BOXES,
                services == 900,
                "{vertices}"
            );
            assert_eq!(out.groups.len(), 6);
            let boxes: Vec<GroupBox> = out.groups.iter().map(|b| b.unwrap()).collect();
            let within = |inner: &Rect, outer: &Rect| {
                inner.left() >= outer.left() - 1e-6
                    && inner.right() <= outer.right() + 1e-6
                    && inner.top() >= outer.top() - 1e-6
                    && inner.bottom() <= outer.bottom() + 1e-6
            };
            for (i, b) in boxes.iter().enumerate() {
                assert!(within(&b.label, &b.rect), "label outside its box");
                assert!(b.rect.right() <= out.width && b.rect.bottom() <= out.height);
                assert!(b.rect.left() >= 0.0 && b.rect.top() >= 0.0);
                for other in &boxes[i + 1..] {
                    assert!(!overlaps(&b.rect, &other.rect), "{b:?} overlaps {other:?}");
                }
            }
            for (v, node) in out.nodes.iter().enumerate() {
                for (i, b) in boxes.iter().enumerate() {
                    if g.node_groups[v] == Some(i as u32) {
                        assert!(within(node, &b.rect), "node {v} outside its box {i}");
                        assert!(!overlaps(node, &b.label), "node {v} under its label");
                    } else {
                        assert!(!overlaps(node, &b.rect), "node {v} inside box {i}");
                    }
                }
            }
            // Same input, same drawing (timings aside).
            let mut again = layout(&g, &options).unwrap();
            again.stats.phases = out.stats.phases.clone();
            assert_eq!(again, out);
            // Grouping costs room, but not an order of magnitude of it: boxes take bands of
            // their own along the layers, so edges between groups run further across the
            // flow and need more tracks.
            let plain = layout(&service_like(services, with_labels), &options).unwrap();
            let area = |l: &Layout| l.width * l.height;
            assert!(
                area(&out) < 8.0 * area(&plain),
                "{} x {} grouped, {} x {} plain",
                out.width,
                out.height,
                plain.width,
                plain.height
            );
        }
    }
}

#[test]
fn groups_that_do_not_fit_the_nodes_are_refused() {
    let mut g = grouped(service_like(10, false), 2);
    g.node_groups[4] = Some(2);
    let err = layout(&g, &LayoutOptions::default()).unwrap_err();
    assert!(err.to_string().contains("group 2"), "{err}");
    g.node_groups.pop();
    let err = layout(&g, &LayoutOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("9 node groups given for 10 nodes"),
        "{err}"
    );
}

#[test]
fn groups_without_nodes_draw_as_no_groups() {
    // Without a node in any group (namespaces asked for, none known) every node would be a
    // block of its own, kept apart with its calls' dummies: the drawing is the plain one.
    for with_labels in [false, true] {
        let plain_graph = service_like(120, with_labels);
        let mut g = plain_graph.clone();
        g.groups = vec![size(40.0, 14.0); 3];
        g.node_groups = vec![None; g.nodes.len()];
        let options = LayoutOptions::default();
        let mut out = layout(&g, &options).unwrap();
        let plain = layout(&plain_graph, &options).unwrap();
        assert_eq!(out.groups, vec![None; 3]);
        out.groups = plain.groups.clone();
        out.stats.phases = plain.stats.phases.clone();
        assert_eq!(out.stats.crossings, plain.stats.crossings);
        assert!(
            out == plain,
            "labels {with_labels}: not drawn as without groups"
        );
    }
}

#[test]
fn a_group_without_nodes_has_no_box() {
    let mut g = grouped(service_like(20, false), 3);
    for group in &mut g.node_groups {
        if *group == Some(1) {
            *group = Some(0);
        }
    }
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert!(out.groups[0].is_some() && out.groups[2].is_some());
    assert!(out.groups[1].is_none());
}

#[test]
fn labels_never_change_which_edges_point_back() {
    for n in [60, 300] {
        let plain = layout(&service_like(n, false), &LayoutOptions::default()).unwrap();
        let labelled = layout(&service_like(n, true), &LayoutOptions::default()).unwrap();
        let reversed = |l: &Layout| l.edges.iter().map(|e| e.reversed).collect::<Vec<_>>();
        assert_eq!(reversed(&plain), reversed(&labelled));
        assert!(plain.stats.reversed_edges > 0);
    }
}

#[test]
fn separate_parts_never_cross_each_other() {
    // Sixty small parts of different shapes (a few nodes, random calls, some back up),
    // numbered so that a layer-by-layer order would interleave them.
    let parts = 60;
    let mut sequence = test_sequence(3);
    let mut next = |m: usize| sequence(m as u64) as usize;
    let mut edges = Vec::new();
    for k in 0..parts {
        let size = 3 + next(5);
        let v = |i: usize| i * parts + k;
        for i in 1..size {
            edges.push((v(next(i)), v(i)));
        }
        for _ in 0..size / 2 {
            let (a, b) = (next(size), next(size));
            if a != b {
                edges.push((v(a), v(b)));
            }
        }
    }
    let n = 8 * parts;
    let g = LayoutGraph {
        nodes: vec![size(60.0, 20.0); n],
        edges: edges.iter().map(|&(s, t)| LayoutEdge::new(s, t)).collect(),
        ..LayoutGraph::default()
    };
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert_sound(&g, &out);
    let part = |v: usize| v % parts;
    let cross = |p: Point, q: Point, r: Point, s: Point| {
        let o =
            |a: Point, b: Point, c: Point| (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
        o(p, q, r) * o(p, q, s) < 0.0 && o(r, s, p) * o(r, s, q) < 0.0
    };
    for (i, a) in g.edges.iter().enumerate() {
        for (j, b) in g.edges.iter().enumerate().skip(i + 1) {
            if part(a.source) == part(b.source) {
                continue;
            }
            for w in out.edges[i].points.windows(2) {
                for x in out.edges[j].points.windows(2) {
                    assert!(
                        !cross(w[0], w[1], x[0], x[1]),
                        "parts {} and {} cross",
                        part(a.source),
                        part(b.source)
                    );
                }
            }
        }
    }
}

/// `g` laid out with `earlier` as the earlier drawing; `earlier` drew the first nodes and
/// edges of `g`.
fn layout_after(g: &LayoutGraph, earlier: &Layout, options: &LayoutOptions) -> Layout {
    let previous = (0..g.nodes.len())
        .map(|v| earlier.nodes.get(v).map(|r| Point { x: r.x, y: r.y }))
        .collect();
    let previous_edges = (0..g.edges.len())
        .map(|i| earlier.edges.get(i).map(|r| r.points.clone()))
        .collect();
    layout(
        g,
        &LayoutOptions {
            previous,
            previous_edges,
            ..options.clone()
        },
    )
    .unwrap()
}

/// `g` with `extra` new nodes, each called by an existing node and calling another one.
fn grown(g: &LayoutGraph, extra: usize, seed: u64) -> LayoutGraph {
    let mut next = test_sequence(seed);
    let mut out = g.clone();
    let n = g.nodes.len();
    for k in 0..extra {
        out.nodes.push(size(60.0, 24.0));
        let (caller, callee) = (next(n as u64) as usize, next(n as u64) as usize);
        out.edges.push(LayoutEdge::new(caller, n + k));
        out.edges.push(LayoutEdge::new(n + k, callee));
    }
    out
}

#[test]
fn a_drawing_given_itself_as_hint_stays_as_it_is() {
    for (direction, labels) in [
        (Direction::LeftToRight, true),
        (Direction::TopToBottom, false),
    ] {
        let g = service_like(60, labels);
        let options = LayoutOptions {
            direction,
            ..LayoutOptions::default()
        };
        let first = layout(&g, &options).unwrap();
        let again = layout_after(&g, &first, &options);
        assert_sound(&g, &again);
        // Long edges' dummies are not in the hint and may settle elsewhere, nudging a node
        // beside them by a few pixels.
        for (a, b) in first.nodes.iter().zip(&again.nodes) {
            assert!((a.x - b.x).hypot(a.y - b.y) < 12.0, "{a:?} -> {b:?}");
        }
    }
}

#[test]
fn with_a_hint_persisting_nodes_move_less_than_a_node_height() {
    for seed in 1..=6 {
        let g = service_like(40 + 10 * seed as usize, true);
        let options = LayoutOptions::default();
        let first = layout(&g, &options).unwrap();
        let bigger = grown(&g, 3, seed);
        let hinted = layout_after(&bigger, &first, &options);
        assert_sound_but_tracks(&bigger, &hinted);
        // How far each persisting node moved, in node heights (24 px).
        let moves = |out: &Layout| -> Vec<f64> {
            first
                .nodes
                .iter()
                .zip(&out.nodes)
                .map(|(a, b)| (a.x - b.x).hypot(a.y - b.y) / 24.0)
                .collect()
        };
        let share =
            |m: &[f64], over: f64| m.iter().filter(|&&d| d > over).count() as f64 / m.len() as f64;
        let kept = moves(&hinted);
        // Every earlier node stays within a node height of its place.
        assert!(kept.iter().all(|&d| d < 1.0), "seed {seed}: {kept:?}");
        // Without the hint the same change moves most of them: the test can tell.
        let fresh = moves(&layout(&bigger, &options).unwrap());
        assert!(
            share(&fresh, 1.0) > 0.3,
            "seed {seed}: fresh layout {fresh:?}"
        );
    }
}

#[test]
fn hints_of_the_wrong_length_are_refused() {
    let g = service_like(5, false);
    let options = LayoutOptions {
        previous: vec![None; 4],
        ..LayoutOptions::default()
    };
    assert!(layout(&g, &options).is_err());
}

#[test]
fn a_namespace_box_keeps_its_services_in_place_as_others_join() {
    let node = size(90.0, 24.0);
    let before = LayoutGraph {
        nodes: vec![node; 5],
        edges: [(0, 1), (1, 2), (0, 3), (3, 4)]
            .map(|(s, t)| LayoutEdge::new(s, t))
            .to_vec(),
        groups: vec![size(40.0, 12.0)],
        node_groups: vec![Some(0); 5],
    };
    let mut after = before.clone();
    after.nodes.extend([node; 3]);
    after.node_groups.extend([Some(0); 3]);
    after
        .edges
        .extend([(1, 5), (3, 6), (6, 7)].map(|(s, t)| LayoutEdge::new(s, t)));
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        let options = LayoutOptions {
            direction,
            ..LayoutOptions::default()
        };
        let first = layout(&before, &options).unwrap();
        let hinted = layout_after(&after, &first, &options);
        assert_sound(&after, &hinted);
        for (v, (a, b)) in first.nodes.iter().zip(&hinted.nodes).enumerate() {
            let moved = (a.x - b.x).hypot(a.y - b.y);
            assert!(
                moved < 24.0,
                "{direction:?}: node {v} moved {moved}: {a:?} -> {b:?}"
            );
        }
        let boxed = hinted.groups[0].unwrap().rect;
        for r in &hinted.nodes {
            assert!(
                boxed.left() < r.left() && r.right() < boxed.right(),
                "{r:?} outside {boxed:?}"
            );
            assert!(
                boxed.top() < r.top() && r.bottom() < boxed.bottom(),
                "{r:?} outside {boxed:?}"
            );
        }
    }
}

/// `base`, and in odd cycles `extra_nodes` more services (each called by a base one) and
/// up to `extra_edges` more calls between base services, drawn from `seed` and the cycle:
/// a live view of intermittent traffic.
fn churning(
    base: &LayoutGraph,
    cycle: usize,
    (extra_nodes, extra_edges): (usize, usize),
    seed: u64,
) -> LayoutGraph {
    let mut out = base.clone();
    if cycle.is_multiple_of(2) {
        return out;
    }
    let mut next = test_sequence(seed * 8 + cycle as u64 % 4);
    let n = base.nodes.len();
    out.nodes
        .extend(std::iter::repeat_n(size(60.0, 24.0), extra_nodes));
    for k in 0..extra_nodes {
        out.edges
            .push(LayoutEdge::new(next(n as u64) as usize, n + k));
    }
    for _ in 0..extra_edges {
        let (s, t) = (next(n as u64) as usize, next(n as u64) as usize);
        if s != t {
            out.edges.push(LayoutEdge::new(s, t));
        }
    }
    let label = base.edges.first().and_then(|e| e.label);
    for e in &mut out.edges {
        e.label = label;
    }
    out
}

/// What `cycles` redraws of a churning graph, each from the one before, did: the largest
/// area over a fresh drawing's, and the median over redraws of how far the median
/// persisting node moved, in node heights (24).
fn churn(
    base: &LayoutGraph,
    options: &LayoutOptions,
    cycles: usize,
    extra: (usize, usize),
    seed: u64,
    keep: Option<Keep>,
) -> (f64, f64) {
    let mut drawn = layout(base, options).unwrap();
    let (mut worst, mut moves) = (0.0f64, Vec::new());
    for cycle in 1..=cycles {
        let g = churning(base, cycle, extra, seed);
        let next = match keep {
            None => layout_after(&g, &drawn, options),
            // One way of keeping only, for comparison.
            Some(keep) => {
                let previous = (0..g.nodes.len())
                    .map(|v| drawn.nodes.get(v).map(|r| Point { x: r.x, y: r.y }))
                    .collect();
                let options = LayoutOptions {
                    previous,
                    ..options.clone()
                };
                layout_with(&g, &options, keep).unwrap()
            }
        };
        assert_sound_but_tracks(&g, &next);
        let mut m: Vec<f64> = (0..base.nodes.len())
            .map(|v| {
                let (a, b) = (drawn.nodes[v], next.nodes[v]);
                (a.x - b.x).hypot(a.y - b.y) / 24.0
            })
            .collect();
        m.sort_by(f64::total_cmp);
        moves.push(m[m.len() / 2]);
        let fresh = layout(&g, options).unwrap();
        worst = worst.max((next.width * next.height) / (fresh.width * fresh.height));
        drawn = next;
    }
    moves.sort_by(f64::total_cmp);
    (worst, moves[moves.len() / 2])
}

#[test]
fn a_live_view_of_churning_calls_neither_grows_nor_jumps() {
    // 14 services whose 4 calls come and go, as a live view sees them; then 40 services
    // with 3 services and 6 calls coming and going. 50 redraws each.
    let mut sticky_worst = 0.0f64;
    for (n, labels, extra, seeds) in [(14, true, (0, 4), 1..=3), (40, false, (3, 6), 1..=1)] {
        for seed in seeds {
            for direction in [Direction::LeftToRight, Direction::TopToBottom] {
                let options = LayoutOptions {
                    direction,
                    ..LayoutOptions::default()
                };
                let base = service_like(n, labels);
                let (area, moved) = churn(&base, &options, 50, extra, seed, None);
                let case = format!("{n} services, seed {seed}, {direction:?}");
                println!("{case}: area ≤ {area:.2}× a fresh drawing's, median move {moved:.2}");
                assert!(area <= DRIFT_AREA + 1e-9, "{case}: area {area:.2}× fresh");
                assert!(moved <= 1.0, "{case}: median move {moved:.2} node heights");
                let (sticky, _) = churn(&base, &options, 50, extra, seed, Some(Keep::Places));
                sticky_worst = sticky_worst.max(sticky);
            }
        }
    }
    // Keeping every place, as the layout did before it measured its drift, grows past the
    // bound on these graphs: the test can tell.
    assert!(sticky_worst > DRIFT_AREA, "{sticky_worst}");
}

#[test]
fn a_hint_that_keeps_little_is_replaced_by_a_fresh_order() {
    // The earlier drawing had the nodes in the reverse of a good order; keeping it would
    // cross every edge.
    let g = LayoutGraph {
        nodes: vec![size(60.0, 24.0); 8],
        edges: (0..4).map(|i| LayoutEdge::new(i, i + 4)).collect(),
        ..LayoutGraph::default()
    };
    let options = LayoutOptions::default();
    let good = layout(&g, &options).unwrap();
    assert_eq!(good.stats.crossings, 0);
    let mut previous: Vec<Option<Point>> = good
        .nodes
        .iter()
        .map(|r| Some(Point { x: r.x, y: r.y }))
        .collect();
    // Callers in reverse order, callees as they were: 6 crossings where a fresh drawing has none.
    let ys: Vec<f64> = (0..4).map(|v| good.nodes[v].y).collect();
    for v in 0..4 {
        previous[v] = Some(Point {
            x: good.nodes[v].x,
            y: ys[3 - v],
        });
    }
    let kept = layout(
        &g,
        &LayoutOptions {
            previous,
            ..options.clone()
        },
    )
    .unwrap();
    assert!(kept.stats.crossings <= 1, "{:?}", kept.stats);
    assert_ne!(kept.stats.kept, Keep::Places);
}

#[test]
fn the_default_dummy_budget_grows_with_the_graph_up_to_a_cap() {
    assert_eq!(default_dummy_budget(300, 900), 4 * 1200 + 10_000);
    assert_eq!(default_dummy_budget(10_000, 30_000), 170_000);
    assert_eq!(default_dummy_budget(100_000, 300_000), MAX_DUMMIES);
    assert_eq!(default_dummy_budget(usize::MAX / 16, 0), MAX_DUMMIES);
}

#[test]
fn labels_that_fit_beside_their_lines_add_no_layers() {
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        let options = LayoutOptions {
            direction,
            ..LayoutOptions::default()
        };
        // Two ways from a caller to a callee, and on.
        let calls = [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)];
        let bare = LayoutGraph {
            nodes: vec![size(60.0, 24.0); 6],
            edges: calls.iter().map(|&(s, t)| LayoutEdge::new(s, t)).collect(),
            ..LayoutGraph::default()
        };
        let g = LayoutGraph {
            edges: calls.iter().map(|&(s, t)| labelled(s, t)).collect(),
            ..bare.clone()
        };
        let labelled = layout(&g, &options).unwrap();
        let bare = layout(&bare, &options).unwrap();
        assert_sound(&g, &labelled);
        assert_eq!(labelled.stats.layers, bare.stats.layers, "{direction:?}");
        assert!(labelled.edges.iter().all(|e| e.label.is_some()));
    }
}

/// Every label lies at least as near its own line as any other edge's: a reader takes
/// a label for the line nearest to it.
fn assert_labels_nearest_their_own_lines(out: &Layout) {
    let lines: Vec<Vec<Point>> = out.edges.iter().map(labels::polyline).collect();
    let distance = |r: &Rect, line: &[Point]| {
        line.windows(2)
            .map(|w| labels::box_segment(r, w[0], w[1]))
            .fold(f64::INFINITY, f64::min)
    };
    for (i, route) in out.edges.iter().enumerate() {
        let Some(label) = route.label else { continue };
        let own = distance(&label, &lines[i]);
        for (j, line) in lines.iter().enumerate() {
            if out.edges[j].points == route.points || out.edges[j].shape == RouteShape::Straight {
                continue;
            }
            let other = distance(&label, line);
            assert!(
                other >= own - 1e-9,
                "edge {i}'s label {label:?} is {other} from edge {j}'s line, {own} from its own"
            );
        }
    }
}

#[test]
fn on_graphs_of_many_labels_those_without_room_are_left_out_unless_every_label_is_asked_for() {
    // 240 services, about 320 labelled calls: over the number for which every label gets
    // a place by default.
    let g = service_like(240, true);
    let labelled = g.edges.iter().filter(|e| e.source != e.target).count();
    assert!(labelled > FREE_LABELS, "{labelled} labelled calls");
    let bare = layout(&service_like(240, false), &LayoutOptions::default()).unwrap();
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        let fit = LayoutOptions {
            direction,
            ..LayoutOptions::default()
        };
        let out = layout(&g, &fit).unwrap();
        assert_sound(&g, &out);
        let missing = out.edges.iter().filter(|e| e.label.is_none()).count();
        assert_eq!(out.stats.labels_left_out, missing, "{direction:?}");
        assert!(
            missing > 0 && missing < labelled,
            "{missing} of {labelled} left out"
        );
        assert_labels_nearest_their_own_lines(&out);
        // No label layers: the layers are those of the graph without labels.
        if direction == Direction::LeftToRight {
            assert_eq!(out.stats.layers, bare.stats.layers);
        }
        let every = LayoutOptions {
            every_label: true,
            ..fit
        };
        let all = layout(&g, &every).unwrap();
        assert_sound(&g, &all);
        assert!(all.edges.iter().all(|e| e.label.is_some()));
        assert_eq!(all.stats.labels_left_out, 0);
        assert!(all.stats.layers > out.stats.layers, "{direction:?}");
    }
}

#[test]
fn a_label_with_no_room_beside_its_line_gets_a_room_of_its_own_when_every_label_is_asked_for() {
    // Labels far taller than the gaps between the called services: few fit beside their
    // lines. Rooms for the others would grow the drawing past a screen and by more than
    // 30 %, so by default those are left out; with every label asked for, they get layers
    // of their own, and still overlap nothing.
    let tall = Size {
        width: 30.0,
        height: 160.0,
    };
    let g = LayoutGraph {
        nodes: vec![size(60.0, 24.0); 13],
        edges: (1..13)
            .map(|t| LayoutEdge {
                label: Some(tall),
                ..LayoutEdge::new(0, t)
            })
            .collect(),
        ..LayoutGraph::default()
    };
    let bare = layout(&g, &LayoutOptions::default()).unwrap();
    assert_sound(&g, &bare);
    assert_eq!(bare.stats.layers, 2);
    let left_out = bare.edges.iter().filter(|e| e.label.is_none()).count();
    assert!(left_out > 0);
    assert_eq!(bare.stats.labels_left_out, left_out);
    let every = LayoutOptions {
        every_label: true,
        ..LayoutOptions::default()
    };
    let out = layout(&g, &every).unwrap();
    assert_sound(&g, &out);
    assert!(out.edges.iter().all(|e| e.label.is_some()));
    assert_eq!(out.stats.labels_left_out, 0);
    assert!(out.stats.layers > 2, "{} layers", out.stats.layers);
    assert!(
        out.width * out.height > 1.3 * bare.width * bare.height,
        "rooms that cost this little would have been taken"
    );
    // The tries after the first order from it, but the drawing is still a fresh one.
    assert_eq!(out.stats.kept, Keep::Nothing);
}

/// A drawing of two calls, 0 → 1 and 2 → 3, on straight flat lines from `x.0` to `x.1` at
/// heights `ys`, between services of 60 × 10 at their ends, `more` services besides, the
/// drawing `size_of` (width, height), no label set.
fn two_flat_calls(more: usize, x: (f64, f64), ys: (f64, f64), size_of: (f64, f64)) -> Layout {
    let g = LayoutGraph {
        nodes: vec![size(60.0, 10.0); 4 + more],
        edges: vec![LayoutEdge::new(0, 1), LayoutEdge::new(2, 3)],
        ..LayoutGraph::default()
    };
    let mut out = layout(&g, &LayoutOptions::default()).unwrap();
    for (e, y) in [ys.0, ys.1].into_iter().enumerate() {
        for (end, cx) in [(2 * e, x.0 - 30.0), (2 * e + 1, x.1 + 30.0)] {
            out.nodes[end].x = cx;
            out.nodes[end].y = y;
        }
        out.edges[e].points = vec![Point { x: x.0, y }, Point { x: x.1, y }];
        out.edges[e].shape = RouteShape::Straight;
        out.edges[e].label = None;
    }
    (out.width, out.height) = size_of;
    out
}

#[test]
fn a_label_set_first_moves_aside_for_one_that_has_no_other_place() {
    // Two calls 30 units apart, the upper one under a wide service: its label (nearly as
    // long as the line) fits only below its line, where the lower call's label, set first
    // (the lines are as long, the lower is the first edge), sits above its own. Moving that
    // one below its own line makes room for both.
    let mut out = two_flat_calls(1, (100.0, 260.0), (100.0, 70.0), (400.0, 200.0));
    out.nodes[4] = Rect {
        x: 180.0,
        y: 55.0,
        width: 200.0,
        height: 20.0,
    };
    let label = Some(size(140.0, 12.0));
    let mut first_come = out.clone();
    assert_eq!(
        labels::place(&mut first_come, &[label, label], true, 16.0, true, true),
        vec![1],
        "without moving labels the upper call has no place"
    );
    assert!(labels::place(&mut out, &[label, label], true, 16.0, true, false).is_empty());
    let (lower, upper) = (out.edges[0].label.unwrap(), out.edges[1].label.unwrap());
    assert!(
        upper.top() >= 70.0 && upper.bottom() <= lower.top(),
        "{upper:?} {lower:?}"
    );
    assert!(lower.top() >= 100.0, "{lower:?}: moved below its line");
}

#[test]
fn a_label_keeps_away_from_other_lines_where_it_can() {
    // Two calls running side by side 18 units apart: above the lower line a label would
    // sit between the two, as much the upper call's as its own; below it, it is alone.
    let mut out = two_flat_calls(0, (100.0, 400.0), (100.0, 118.0), (500.0, 220.0));
    let label = Some(size(70.0, 12.0));
    assert!(labels::place(&mut out, &[label, label], true, 16.0, false, false).is_empty());
    let (upper, lower) = (out.edges[0].label.unwrap(), out.edges[1].label.unwrap());
    assert!(upper.bottom() <= 100.0, "{upper:?}");
    assert!(lower.top() >= 118.0, "{lower:?}: between the lines");
}

#[test]
fn placing_labels_reports_the_ones_without_a_place() {
    // A line shorter than the ends kept free of labels has no place for one.
    let g = LayoutGraph {
        nodes: vec![size(60.0, 24.0); 2],
        edges: vec![LayoutEdge::new(0, 1)],
        ..LayoutGraph::default()
    };
    let options = LayoutOptions {
        layer_gap: 6.0,
        ..LayoutOptions::default()
    };
    let mut out = layout(&g, &options).unwrap();
    assert!(out.nodes[1].left() - out.nodes[0].right() < 8.0);
    let label = Some(size(40.0, 12.0));
    assert_eq!(
        labels::place(&mut out, &[label], true, 16.0, false, false),
        vec![0]
    );
    assert!(out.edges[0].label.is_none());
    // With room, it sits beside the line and the drawing holds it.
    let mut wide = layout(&g, &LayoutOptions::default()).unwrap();
    wide.nodes[1].x += 100.0;
    wide.edges[0].points = vec![
        Point {
            x: wide.nodes[0].right(),
            y: wide.nodes[0].y,
        },
        Point {
            x: wide.nodes[1].left(),
            y: wide.nodes[1].y,
        },
    ];
    wide.edges[0].shape = RouteShape::Straight;
    assert!(labels::place(&mut wide, &[label], true, 16.0, false, false).is_empty());
    let text = wide.edges[0].label.unwrap();
    assert!(text.bottom() <= wide.nodes[0].y && text.bottom() >= wide.nodes[0].y - 8.0);
    assert!(text.right() <= wide.width);
}

#[test]
fn thousands_of_groups_without_nodes_have_no_boxes() {
    // Groups are the caller's: 20,000 of them for ten services, all but two empty. Each
    // empty group is a block the ordering could walk every other block past (it once did,
    // for seconds: its work budget now counts the blocks too).
    let mut g = grouped(service_like(10, false), 2);
    g.groups = (0..20_000).map(|_| size(30.0, 14.0)).collect();
    let out = layout(&g, &LayoutOptions::default()).unwrap();
    assert_eq!(out.groups.len(), 20_000);
    assert!(out.groups[0].is_some() && out.groups[1].is_some());
    assert!(out.groups[2..].iter().all(Option::is_none));
}

/// `n` services with up to `calls` calls each to any other (no pair both ways), drawn from
/// `state` (a linear congruential generator).
fn random_mesh(state: &mut u64, n: u32, calls: u32) -> Vec<(u32, u32)> {
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for s in 0..n {
        for _ in 0..calls {
            *state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let t = ((*state >> 33) % u64::from(n)) as u32;
            if t != s && !edges.contains(&(s, t)) && !edges.contains(&(t, s)) {
                edges.push((s, t));
            }
        }
    }
    edges
}

#[test]
fn cycles_are_broken_the_way_that_crosses_least_among_as_few_reversals() {
    // Random meshes of 45 services, 3 calls each in any direction: the choice among the
    // candidate reversals (each reversing no more calls than Eades–Lin–Smyth), by a full
    // trial or by a glance, never crosses more in that ordering than the cheapest one, and
    // crosses less on some; the layering handed on with it is the chosen one's.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut better = [0; 2];
    for _ in 0..12 {
        let edges = random_mesh(&mut state, 45, 3);
        let candidates = acyclic::candidates(45, &edges);
        let cheapest = acyclic::reversed_edges(45, &edges);
        assert_eq!(candidates.first(), Some(&cheapest));
        for glance in [false, true] {
            let chosen = fewest_crossings(45, &edges, candidates.clone(), glance, usize::MAX);
            assert!(candidates.contains(&chosen.reversed));
            let (now, layer, _) = trial_crossings(45, &edges, &chosen.reversed, glance);
            let (before, _, _) = trial_crossings(45, &edges, &cheapest, glance);
            assert!(now <= before, "{now} > {before} (glance: {glance})");
            better[usize::from(glance)] += usize::from(now < before);
            // Acyclic as chosen, and laid out as handed on.
            let dag = acyclic::oriented(&edges, &chosen.reversed);
            assert!(
                dag.iter()
                    .all(|&(s, t)| layer[s as usize] < layer[t as usize])
            );
            if candidates.len() > 1 {
                assert_eq!(chosen.layer.as_ref(), Some(&layer));
            }
        }
    }
    assert!(
        better.iter().all(|&b| b > 0),
        "no mesh crossed less than with the cheapest reversals: {better:?}"
    );
}

#[test]
fn a_search_s_reversals_are_taken_where_they_cross_less_by_more_than_they_reverse() {
    // Random meshes of 45 services, 2-3 calls each in any direction. With the reversals of
    // the depth-first searches as candidates too, each reversal beyond the most that the
    // other candidates need counts as EXTRA_REVERSAL crossings: the choice scores least by
    // its full trial so counted, no choice crosses more than the cheapest reversals plus
    // that, and on some meshes a search's reversals win.
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut searched = 0;
    for round in 0..16 {
        let edges = random_mesh(&mut state, 45, 2 + round % 2);
        let mut candidates = acyclic::candidates(45, &edges);
        let free = candidates
            .iter()
            .map(|c| acyclic::reversals(c))
            .max()
            .unwrap();
        let searches = acyclic::search_reversals(45, &edges);
        assert_eq!(searches.len(), 2);
        for reversed in &searches {
            let dag = acyclic::oriented(&edges, reversed);
            assert!(
                rank::topological_order(
                    45,
                    &Csr::new(45, dag.iter().copied()),
                    &Csr::new(45, dag.iter().map(|&(s, t)| (t, s)))
                )
                .len()
                    == 45
            );
            if !candidates.contains(reversed) {
                candidates.push(reversed.clone());
            }
        }
        let score = |reversed: &[bool]| {
            let extra = acyclic::reversals(reversed).saturating_sub(free) as u64;
            trial_crossings(45, &edges, reversed, false).0 + EXTRA_REVERSAL * extra
        };
        let chosen = fewest_crossings(45, &edges, candidates.clone(), false, free);
        let best = score(&chosen.reversed);
        assert!(candidates.iter().all(|c| best <= score(c)));
        assert!(best <= score(&candidates[0]));
        searched += usize::from(searches.contains(&chosen.reversed));
    }
    assert!(searched > 0, "no mesh took a search's reversals");
}

#[test]
fn an_order_carried_over_is_replaced_by_a_fresh_one_only_when_that_crosses_less() {
    // Two parts, each two layers of two, ordered so that each part crosses once; and then
    // an order that crosses once where no order crosses less.
    let segments = [(0, 3), (1, 2), (4, 7), (5, 6)];
    let mut l = Layered::new(vec![0, 0, 1, 1, 0, 0, 1, 1], 8, &segments);
    assert_eq!(order::total_crossings(&l), 2);
    assert_eq!(ordered_afresh(&mut l, &segments, 2), 0);
    assert_eq!(order::total_crossings(&l), 0);
    assert!(l.block.is_empty());
    // K2,2 plus a crossing pair that no order avoids (0-2 and 1-3 with 0-3 and 1-2).
    let segments = [(0, 2), (1, 3), (0, 3), (1, 2)];
    let mut l = Layered::new(vec![0, 0, 1, 1], 4, &segments);
    let before = l.layers.clone();
    let found = order::total_crossings(&l);
    assert_eq!(found, 1);
    assert_eq!(ordered_afresh(&mut l, &segments, found), found);
    assert_eq!(l.layers, before);
}

#[test]
fn a_first_try_goes_on_from_the_trial_s_order_to_the_order_it_would_find_alone() {
    // Random meshes of 45 services: the chosen reversal's trial order, handed to the first
    // try, ends where ordering that layering from scratch ends, to the vertex; an order
    // that does not fit the layering (two vertices of different layers swapped) is not
    // taken, and the order is found from scratch.
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    for _ in 0..8 {
        let edges = random_mesh(&mut state, 45, 3);
        let candidates = acyclic::candidates(45, &edges);
        let chosen = fewest_crossings(45, &edges, candidates, false, usize::MAX);
        let (Some(layer), Some(tried)) = (chosen.layer, chosen.tried) else {
            panic!("a full trial hands on its layering and its order");
        };
        let dag = acyclic::oriented(&edges, &chosen.reversed);
        let mut alone = chained(45, &dag, &layer);
        let crossings = order::reduce_crossings(&mut alone);
        let mut handed = chained(45, &dag, &layer);
        assert_eq!(order_from(&mut handed, Some(tried.clone())), crossings);
        assert_eq!(handed.layers, alone.layers);
        let mut misfit = tried;
        let (a, b) = (misfit.layers[0][0], misfit.layers[1][0]);
        misfit.layers[0][0] = b;
        misfit.layers[1][0] = a;
        let mut refused = chained(45, &dag, &layer);
        assert_eq!(order_from(&mut refused, Some(misfit)), crossings);
        assert_eq!(refused.layers, alone.layers);
    }
}

#[test]
fn a_layering_that_stretches_far_is_not_given_a_trial_ordering() {
    // A chain of 300 services with every fifth calling back to the start: as layered, the
    // calls back span most of the chain, far more dummies than a trial lays out.
    let n = 300;
    let mut edges: Vec<(u32, u32)> = (0..n - 1).map(|v| (v, v + 1)).collect();
    edges.extend((5..n).step_by(5).map(|v| (v, 0)));
    let candidates = acyclic::candidates(n as usize, &edges);
    assert!(!candidates.is_empty());
    for glance in [false, true] {
        for reversed in &candidates {
            let (crossings, _, _) = trial_crossings(n as usize, &edges, reversed, glance);
            assert_eq!(crossings, u64::MAX);
        }
        // Judged by cost alone: the cheapest.
        let chosen = fewest_crossings(n as usize, &edges, candidates.clone(), glance, usize::MAX);
        assert_eq!(chosen.reversed, candidates[0]);
    }
}
