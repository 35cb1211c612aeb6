//! Which generated graphs a run draws: every family at every size class, several graphs
//! per class, each from a fresh seed and with the family's knobs drawn at random, so that
//! no fixed set of graphs can be tuned to. A run's seed is printed and can be given back
//! (`SVCGRAPH_QUALITY_SEED`) to draw the same graphs again.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{Rng, Shape};
use crate::families::FAMILIES;

/// Size classes, in services; every generated graph has exactly one of these sizes.
pub const CLASSES: [usize; 5] = [30, 45, 60, 100, 300];

/// Graphs per family and size class unless `SVCGRAPH_QUALITY_GRAPHS` says otherwise.
const GRAPHS_PER_CLASS: usize = 3;

/// A generated graph; `namespaces` gives each node's namespace where the family has them.
pub struct Generated {
    pub family: &'static str,
    /// Its size class (= its number of services).
    pub class: usize,
    pub shape: Shape,
    /// The knobs it was drawn with, as the family describes them.
    pub knobs: String,
    pub namespaces: Option<Vec<String>>,
}

/// The run's seed: `SVCGRAPH_QUALITY_SEED` when set (a number), else from the clock.
pub fn run_seed() -> Result<u64, String> {
    match std::env::var("SVCGRAPH_QUALITY_SEED") {
        Ok(text) => text.trim().parse().map_err(|_| {
            format!(
                "SVCGRAPH_QUALITY_SEED={text:?} is not a whole number; give the seed a run printed"
            )
        }),
        Err(_) => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)),
    }
}

/// Graphs per family and size class: `SVCGRAPH_QUALITY_GRAPHS`, else [`GRAPHS_PER_CLASS`].
pub fn graphs_per_class() -> Result<usize, String> {
    match std::env::var("SVCGRAPH_QUALITY_GRAPHS") {
        Ok(text) => text.trim().parse().ok().filter(|&n| n > 0).ok_or_else(|| {
            format!("SVCGRAPH_QUALITY_GRAPHS={text:?} is not a positive whole number")
        }),
        Err(_) => Ok(GRAPHS_PER_CLASS),
    }
}

/// The size classes: `SVCGRAPH_QUALITY_CLASSES` (numbers separated by commas), else
/// [`CLASSES`].
pub fn classes() -> Result<Vec<usize>, String> {
    match std::env::var("SVCGRAPH_QUALITY_CLASSES") {
        Ok(text) => text
            .split(',')
            .map(|c| c.trim().parse().ok().filter(|&n: &usize| n >= 20))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| {
                format!("SVCGRAPH_QUALITY_CLASSES={text:?}: give sizes of at least 20 services separated by commas, as 60,150")
            }),
        Err(_) => Ok(CLASSES.to_vec()),
    }
}

/// Every family at every class, `per_class` graphs each, all drawn from `seed`.
pub fn sweep(seed: u64, classes: &[usize], per_class: usize) -> Vec<Generated> {
    let mut out = Vec::new();
    // One stream hands out each graph's own seed, so a graph does not depend on how many
    // random numbers the graphs before it used.
    let mut seeds = Rng(seed);
    for &class in classes {
        for family in &FAMILIES {
            for i in 1..=per_class {
                let mut rng = Rng(seeds.next());
                let knobs = family.ranges.draw(&mut rng);
                let (edges, namespaces) = (family.generate)(class, &knobs, &mut rng);
                out.push(Generated {
                    family: family.name,
                    class,
                    shape: Shape {
                        name: format!("{} {class} #{i}", family.name),
                        nodes: class,
                        edges,
                    },
                    knobs: family.ranges.describe(&knobs),
                    namespaces,
                });
            }
        }
    }
    out
}
