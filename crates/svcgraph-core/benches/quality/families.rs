//! Generated service graphs in six families, each from a seed and a size, so that a layout
//! tuned on one shape of graph shows what it does to the others.

use std::collections::BTreeSet;

use crate::common::{Rng, Shape, tier_of};

/// A family's calls, and each node's namespace where the family has them.
type Calls = (Vec<(usize, usize)>, Option<Vec<String>>);
/// A family: the calls among `n` services.
pub type Generator = fn(usize, &mut Rng) -> Calls;

/// A generated graph; `namespaces` gives each node's namespace where the family has them.
pub struct Generated {
    pub family: &'static str,
    pub shape: Shape,
    pub namespaces: Option<Vec<String>>,
}

/// The families, by name, with their generators.
pub const FAMILIES: [(&str, Generator); 6] = [
    ("tiered-hubs", tiered_hubs),
    ("pipelines", pipelines),
    ("fan-out", fan_out),
    ("mesh", mesh),
    ("components", small_components),
    ("namespaces", namespaces),
];

/// Sizes drawn in every family, one seed each.
pub const SIZES: [usize; 4] = [40, 80, 150, 300];

/// Every generated graph: each family at each size, seeds 1, 2, 3, ….
pub fn all() -> Vec<Generated> {
    let mut out = Vec::new();
    for (f, &(family, generate)) in FAMILIES.iter().enumerate() {
        for (i, &n) in SIZES.iter().enumerate() {
            out.push(one(family, generate, n, (i + 1) as u64, f));
        }
    }
    out
}

/// One family's graph of `n` services from `seed`.
pub fn one(
    family: &'static str,
    generate: Generator,
    n: usize,
    seed: u64,
    salt: usize,
) -> Generated {
    // Seeds differ between families, so no two families share a random stream.
    let mut rng = Rng(seed.wrapping_mul(1_000_003) ^ (salt as u64).wrapping_mul(0x5851_F42D));
    let (edges, namespaces) = generate(n, &mut rng);
    Generated {
        family,
        shape: Shape {
            name: format!("{family} {n} s{seed}"),
            nodes: n,
            edges,
        },
        namespaces,
    }
}

fn pick(rng: &mut Rng, from: &[usize]) -> Option<usize> {
    (!from.is_empty()).then(|| from[rng.below(from.len())])
}

/// Tiers of services making 2–3 calls each, mostly one tier down, sometimes deeper; about
/// 15 % of calls go to a few shared hubs (auth, config, cache), about 3 % back up a tier.
fn tiered_hubs(n: usize, rng: &mut Rng) -> Calls {
    let tiers = (4 + n / 40).min(9);
    let tier_of = tier_of(n, tiers, 0.4, 1);
    let members: Vec<Vec<usize>> = (0..tiers)
        .map(|t| (0..n).filter(|&v| tier_of[v] == t).collect())
        .collect();
    let hubs: Vec<usize> = (0..(n / 20).max(2))
        .filter_map(|_| pick(rng, &members[tiers - 2]))
        .collect();
    let mut edges = BTreeSet::new();
    for (v, &t) in tier_of.iter().enumerate() {
        if t + 1 == tiers {
            continue;
        }
        for _ in 0..2 + rng.below(2) {
            let r = rng.unit();
            let callee = if r < 0.15 {
                pick(rng, &hubs)
            } else if r < 0.18 && t > 0 {
                let up = rng.below(t);
                pick(rng, &members[up])
            } else if rng.unit() < 0.8 {
                pick(rng, &members[t + 1])
            } else {
                let down = t + 1 + rng.below(tiers - t - 1);
                pick(rng, &members[down])
            };
            if let Some(c) = callee.filter(|&c| c != v) {
                edges.insert((v, c));
            }
        }
    }
    connect_orphans(&mut edges, &tier_of, &members, rng);
    (edges.into_iter().collect(), None)
}

/// Gives every node below the top tier at least one caller in the tier above.
fn connect_orphans(
    edges: &mut BTreeSet<(usize, usize)>,
    tier_of: &[usize],
    members: &[Vec<usize>],
    rng: &mut Rng,
) {
    let called: BTreeSet<usize> = edges.iter().map(|&(_, t)| t).collect();
    for (v, &t) in tier_of.iter().enumerate() {
        if t > 0
            && !called.contains(&v)
            && let Some(c) = pick(rng, &members[t - 1])
        {
            edges.insert((c, v));
        }
    }
}

/// Two to four long pipelines (stage after stage: ingest, parse, enrich, …), stages
/// sometimes skipping one, a few links between pipelines at about the same depth, shared
/// stores called from many stages, and a few calls back to an earlier stage.
fn pipelines(n: usize, rng: &mut Rng) -> Calls {
    let stores = (n / 15).max(2);
    let lanes = 2 + rng.below(3);
    let stages = n - stores;
    let lane_of = |v: usize| v % lanes;
    let step_of = |v: usize| v / lanes;
    let mut edges = BTreeSet::new();
    for v in 0..stages {
        let next = v + lanes;
        if next < stages {
            edges.insert((v, next));
        }
        if next + lanes < stages && rng.unit() < 0.2 {
            edges.insert((v, next + lanes));
        }
        if rng.unit() < 0.1 {
            let other = (lane_of(v) + 1 + rng.below(lanes - 1)) % lanes;
            let w = (step_of(v) + rng.below(2)) * lanes + other;
            if w < stages && w != v {
                edges.insert((v, w));
            }
        }
        if rng.unit() < 0.3 {
            edges.insert((v, stages + rng.below(stores)));
        }
        if rng.unit() < 0.03 && step_of(v) > 2 {
            edges.insert((v, v - lanes * (1 + rng.below(2))));
        }
    }
    (edges.into_iter().collect(), None)
}

/// A few gateways and backends-for-frontends calling many services each (a fifth to a half
/// of them), the services calling 0–2 others and a data tier of about 15 %.
fn fan_out(n: usize, rng: &mut Rng) -> Calls {
    let gateways = 1 + n / 60;
    let data = (n * 3 / 20).max(2);
    let services: Vec<usize> = (gateways..n - data).collect();
    let stores: Vec<usize> = (n - data..n).collect();
    let mut edges = BTreeSet::new();
    for g in 0..gateways {
        if g > 0 {
            edges.insert((0, g));
        }
        let share = 0.2 + 0.3 * rng.unit();
        for &s in &services {
            if rng.unit() < share {
                edges.insert((g, s));
            }
        }
    }
    for &s in &services {
        for _ in 0..rng.below(3) {
            let callee = if rng.unit() < 0.6 {
                pick(rng, &stores)
            } else {
                pick(rng, &services)
            };
            if let Some(c) = callee.filter(|&c| c != s) {
                edges.insert((s, c));
            }
        }
    }
    let called: BTreeSet<usize> = edges.iter().map(|&(_, t)| t).collect();
    for v in gateways..n {
        if !called.contains(&v) {
            edges.insert((rng.below(gateways), v));
        }
    }
    (edges.into_iter().collect(), None)
}

/// Services calling three others each, a third of the calls back towards earlier services:
/// many cycles, no clear tiers.
fn mesh(n: usize, rng: &mut Rng) -> Calls {
    let mut edges = BTreeSet::new();
    for v in 1..n {
        edges.insert((rng.below(v), v));
    }
    while edges.len() < 3 * n {
        let v = rng.below(n);
        let w = if rng.unit() < 0.33 {
            rng.below(v.max(1))
        } else {
            v + 1 + rng.below((n - v).max(2) - 1)
        };
        if w < n && w != v {
            edges.insert((v, w));
        }
    }
    (edges.into_iter().collect(), None)
}

/// Many small applications side by side: components of 3–12 services, each a little tree
/// of calls with a shared store, now and then a call back.
fn small_components(n: usize, rng: &mut Rng) -> Calls {
    let mut edges = BTreeSet::new();
    let mut first = 0;
    while first < n {
        let size = (3 + rng.below(10)).min(n - first);
        let store = first + size - 1;
        for v in first + 1..first + size {
            edges.insert((first + rng.below(v - first), v));
        }
        for v in first..store {
            if rng.unit() < 0.4 {
                edges.insert((v, store));
            }
            if rng.unit() < 0.08 && v > first {
                edges.insert((v, first + rng.below(v - first)));
            }
        }
        first += size;
    }
    (edges.into_iter().collect(), None)
}

/// Applications in namespaces (4–10): inside each, an entry, a tiered middle and stores,
/// 2–3 calls per service, about 85 % of them inside the namespace; the rest go to a shared
/// `platform` namespace (auth, config, messaging) or to another application's entry.
fn namespaces(n: usize, rng: &mut Rng) -> Calls {
    let apps = (n / 25).clamp(3, 9);
    let platform = (n / 12).max(3);
    let names = [
        "checkout", "catalog", "identity", "billing", "search", "media", "shipping", "ads",
        "support",
    ];
    let per_app = (n - platform) / apps;
    let mut ns_of: Vec<usize> = (0..n - platform)
        .map(|v| (v / per_app).min(apps - 1))
        .collect();
    ns_of.extend(std::iter::repeat_n(apps, platform));
    let members: Vec<Vec<usize>> = (0..=apps)
        .map(|a| (0..n).filter(|&v| ns_of[v] == a).collect())
        .collect();
    let mut edges = BTreeSet::new();
    for a in 0..apps {
        let m = &members[a];
        // Inside an application: each calls 2–3 of those after it, mostly nearby.
        for (i, &v) in m.iter().enumerate().take(m.len() - 1) {
            for _ in 0..2 + rng.below(2) {
                let r = rng.unit();
                let callee = if r < 0.10 {
                    pick(rng, &members[apps])
                } else if r < 0.15 {
                    let other = (a + 1 + rng.below(apps - 1)) % apps;
                    members[other].first().copied()
                } else {
                    let span = (m.len() - i - 1).min(6);
                    Some(m[i + 1 + rng.below(span)])
                };
                if let Some(c) = callee.filter(|&c| c != v) {
                    edges.insert((v, c));
                }
            }
        }
    }
    let p = &members[apps];
    for (i, &v) in p.iter().enumerate().skip(1) {
        edges.insert((p[rng.below(i)], v));
    }
    let labels = ns_of
        .iter()
        .map(|&a| if a < apps { names[a] } else { "platform" }.to_owned())
        .collect();
    (edges.into_iter().collect(), Some(labels))
}
