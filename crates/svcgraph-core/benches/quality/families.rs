//! Generated service graphs in seven families, each drawn from a size, a random stream and
//! the family's knobs (calls per service, hub share, back-call share, layering), so that a
//! layout tuned on one shape of graph shows what it does to the others. The sweep
//! (`quality/sweep.rs`) draws the knobs at random within each family's [`Ranges`].

use std::collections::BTreeSet;

use crate::common::{Rng, tier_of};

/// A family's calls, and each node's namespace where the family has them.
pub type Calls = (Vec<(usize, usize)>, Option<Vec<String>>);

/// What a family's graph is made from; each family reads the knobs its [`Ranges`] give.
#[derive(Debug, Clone, Copy, Default)]
pub struct Knobs {
    /// Calls per service, on average (pipelines: per stage inside its pipeline).
    pub calls: f64,
    /// Share of the calls, or of the callers, going to shared services (hubs, stores, the
    /// platform namespace, gateways' reach).
    pub hubs: f64,
    /// Share of the calls going back: to an earlier tier, stage, service or gateway.
    pub back: f64,
    /// The family's layering: tiers, lanes, gateways, applications or the largest component.
    pub layers: usize,
}

/// The range each knob is drawn from; `None` where the family has no such knob.
#[derive(Debug, Clone, Copy)]
pub struct Ranges {
    pub calls: Option<(f64, f64)>,
    pub hubs: Option<(f64, f64)>,
    pub back: Option<(f64, f64)>,
    /// Inclusive, and what the layering is called in this family.
    pub layers: Option<(usize, usize, &'static str)>,
}

impl Ranges {
    /// Knobs drawn uniformly within the ranges.
    pub fn draw(&self, rng: &mut Rng) -> Knobs {
        let mut within =
            |r: Option<(f64, f64)>| r.map_or(0.0, |(lo, hi)| lo + (hi - lo) * rng.unit());
        let (calls, hubs, back) = (within(self.calls), within(self.hubs), within(self.back));
        let layers = self
            .layers
            .map_or(0, |(lo, hi, _)| lo + rng.below(hi - lo + 1));
        Knobs {
            calls,
            hubs,
            back,
            layers,
        }
    }

    /// The knobs this family has, as `calls 2.4, hubs 12%, back 3%, tiers 5`.
    pub fn describe(&self, k: &Knobs) -> String {
        let mut parts = Vec::new();
        if self.calls.is_some() {
            parts.push(format!("calls {:.1}", k.calls));
        }
        if self.hubs.is_some() {
            parts.push(format!("hubs {:.0}%", 100.0 * k.hubs));
        }
        if self.back.is_some() {
            parts.push(format!("back {:.0}%", 100.0 * k.back));
        }
        if let Some((_, _, name)) = self.layers {
            parts.push(format!("{name} {}", k.layers));
        }
        parts.join(", ")
    }
}

/// A family of generated graphs.
pub struct Family {
    pub name: &'static str,
    pub ranges: Ranges,
    /// The calls among `n` services.
    pub generate: fn(usize, &Knobs, &mut Rng) -> Calls,
}

/// The families. `tiered-back` is `tiered-hubs` without hubs, with about 3 calls per
/// service, more tiers and more calls back up: the shape that gave the most layers and
/// dummies at 100,000 services.
pub const FAMILIES: [Family; 7] = [
    Family {
        name: "tiered-hubs",
        ranges: Ranges {
            calls: Some((1.5, 3.5)),
            hubs: Some((0.05, 0.25)),
            back: Some((0.0, 0.06)),
            layers: Some((3, 9, "tiers")),
        },
        generate: tiered,
    },
    Family {
        name: "tiered-back",
        ranges: Ranges {
            calls: Some((2.5, 3.5)),
            hubs: None,
            back: Some((0.02, 0.08)),
            layers: Some((4, 10, "tiers")),
        },
        generate: tiered,
    },
    Family {
        name: "pipelines",
        ranges: Ranges {
            calls: Some((1.05, 1.6)),
            hubs: Some((0.1, 0.5)),
            back: Some((0.0, 0.08)),
            layers: Some((2, 5, "lanes")),
        },
        generate: pipelines,
    },
    Family {
        name: "fan-out",
        ranges: Ranges {
            calls: Some((0.5, 2.5)),
            hubs: Some((0.1, 0.4)),
            back: Some((0.0, 0.05)),
            layers: Some((1, 4, "gateways")),
        },
        generate: fan_out,
    },
    Family {
        name: "mesh",
        ranges: Ranges {
            calls: Some((2.0, 4.0)),
            hubs: None,
            back: Some((0.15, 0.45)),
            layers: None,
        },
        generate: mesh,
    },
    Family {
        name: "components",
        ranges: Ranges {
            calls: None,
            hubs: Some((0.2, 0.6)),
            back: Some((0.0, 0.15)),
            layers: Some((6, 16, "largest")),
        },
        generate: small_components,
    },
    Family {
        name: "namespaces",
        ranges: Ranges {
            calls: Some((1.5, 3.5)),
            hubs: Some((0.05, 0.2)),
            back: Some((0.0, 0.05)),
            layers: Some((3, 9, "apps")),
        },
        generate: namespaces,
    },
];

fn pick(rng: &mut Rng, from: &[usize]) -> Option<usize> {
    (!from.is_empty()).then(|| from[rng.below(from.len())])
}

/// `mean` rounded down or up at random, so that the counts average `mean`.
fn count(mean: f64, rng: &mut Rng) -> usize {
    let whole = mean.floor();
    whole as usize + usize::from(rng.unit() < mean - whole)
}

/// Tiers of services (`layers`, at most one per five services) making `calls` calls each,
/// mostly one tier down, a fifth deeper; a `hubs` share of the calls goes to a few shared
/// hubs (auth, config, cache) and a `back` share to a service in an earlier tier.
fn tiered(n: usize, k: &Knobs, rng: &mut Rng) -> Calls {
    let tiers = k.layers.clamp(3, (n / 5).max(3));
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
        for _ in 0..count(k.calls, rng) {
            let r = rng.unit();
            let callee = if r < k.hubs {
                pick(rng, &hubs)
            } else if r < k.hubs + k.back && t > 0 {
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

/// `layers` long pipelines (stage after stage: ingest, parse, enrich, …): each stage calls
/// the next, and beyond that `calls − 1` more on average, two thirds skipping a stage, a
/// third to another pipeline at about the same depth; a `hubs` share of the stages also
/// calls a shared store, and a `back` share calls an earlier stage.
fn pipelines(n: usize, k: &Knobs, rng: &mut Rng) -> Calls {
    let stores = (n / 15).max(2);
    let lanes = k.layers.max(2);
    let stages = n - stores;
    let extra = (k.calls - 1.0).max(0.0);
    let lane_of = |v: usize| v % lanes;
    let step_of = |v: usize| v / lanes;
    let mut edges = BTreeSet::new();
    for v in 0..stages {
        let next = v + lanes;
        if next < stages {
            edges.insert((v, next));
        }
        if next + lanes < stages && rng.unit() < extra * 2.0 / 3.0 {
            edges.insert((v, next + lanes));
        }
        if rng.unit() < extra / 3.0 {
            let other = (lane_of(v) + 1 + rng.below(lanes - 1)) % lanes;
            let w = (step_of(v) + rng.below(2)) * lanes + other;
            if w < stages && w != v {
                edges.insert((v, w));
            }
        }
        if rng.unit() < k.hubs {
            edges.insert((v, stages + rng.below(stores)));
        }
        if rng.unit() < k.back && step_of(v) > 2 {
            edges.insert((v, v - lanes * (1 + rng.below(2))));
        }
    }
    (edges.into_iter().collect(), None)
}

/// `layers` gateways and backends-for-frontends, each calling a share of the services
/// around `hubs`; the services calling `calls` others on average (three in five to the data
/// tier of about 15 %), a `back` share of those calls back to a gateway.
fn fan_out(n: usize, k: &Knobs, rng: &mut Rng) -> Calls {
    let gateways = k.layers.max(1);
    let data = (n * 3 / 20).max(2);
    let services: Vec<usize> = (gateways..n - data).collect();
    let stores: Vec<usize> = (n - data..n).collect();
    let mut edges = BTreeSet::new();
    for g in 0..gateways {
        if g > 0 {
            edges.insert((0, g));
        }
        let share = k.hubs * (0.6 + 0.8 * rng.unit());
        for &s in &services {
            if rng.unit() < share {
                edges.insert((g, s));
            }
        }
    }
    for &s in &services {
        for _ in 0..count(k.calls, rng) {
            let r = rng.unit();
            let callee = if r < k.back {
                Some(rng.below(gateways))
            } else if rng.unit() < 0.6 {
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

/// Services calling `calls` others each on average, a `back` share of the calls towards
/// earlier services: many cycles, no clear tiers.
fn mesh(n: usize, k: &Knobs, rng: &mut Rng) -> Calls {
    let mut edges = BTreeSet::new();
    for v in 1..n {
        edges.insert((rng.below(v), v));
    }
    let wanted = ((k.calls * n as f64).round() as usize).min(n * (n - 1) / 2);
    while edges.len() < wanted {
        let v = rng.below(n);
        let w = if rng.unit() < k.back {
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

/// Many small applications side by side: components of 3 to `layers` services, each a
/// little tree of calls; a `hubs` share of its services also calls its store, a `back`
/// share an earlier service.
fn small_components(n: usize, k: &Knobs, rng: &mut Rng) -> Calls {
    let largest = k.layers.max(3);
    let mut edges = BTreeSet::new();
    let mut first = 0;
    while first < n {
        let size = (3 + rng.below(largest - 2)).min(n - first);
        let store = first + size - 1;
        for v in first + 1..first + size {
            edges.insert((first + rng.below(v - first), v));
        }
        for v in first..store {
            if rng.unit() < k.hubs {
                edges.insert((v, store));
            }
            if rng.unit() < k.back && v > first {
                edges.insert((v, first + rng.below(v - first)));
            }
        }
        first += size;
    }
    (edges.into_iter().collect(), None)
}

/// Applications in namespaces (`layers` of them, at least four services each): inside
/// each, an entry, a tiered middle and stores, `calls` calls per service, mostly to one of
/// the next six; a `hubs` share goes to a shared `platform` namespace (auth, config,
/// messaging), 5 % to another application's entry, a `back` share to an earlier service of
/// the same application.
fn namespaces(n: usize, k: &Knobs, rng: &mut Rng) -> Calls {
    let platform = (n / 12).max(3);
    let apps = k.layers.clamp(2, ((n - platform) / 4).max(2)).min(9);
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
        for (i, &v) in m.iter().enumerate().take(m.len() - 1) {
            for _ in 0..count(k.calls, rng) {
                let r = rng.unit();
                let callee = if r < k.hubs {
                    pick(rng, &members[apps])
                } else if r < k.hubs + 0.05 {
                    let other = (a + 1 + rng.below(apps - 1)) % apps;
                    members[other].first().copied()
                } else if r < k.hubs + 0.05 + k.back && i > 0 {
                    Some(m[rng.below(i)])
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
