//! Crossing reduction: the order of vertices within each layer.
//!
//! Start from a depth-first order (connected parts stay together), then descend as dot does:
//! each step one sweep, down and up in turn, sorting each layer by the weighted median of its
//! neighbours in the layer just fixed, followed by swaps of adjacent vertices while that
//! removes crossings (in half the steps also while it leaves them equal), keeping the best
//! order seen; graphs of over a thousand vertices take rounds of a down and an up sweep
//! instead, alternating barycenter and median keys. Then sift each vertex to its best place
//! once. Restarts begin from breadth-first orders from the sources and from the
//! sinks, then from shuffled ones; one that ends its sweeps clearly behind is not sifted.
//! Last, each part that hangs off the rest by one vertex is tried at the top and at the
//! bottom of its layers, a whole chain or tree at once, which no step of one vertex does.
//! Crossings between two layers are counted in O(E log V) with the accumulator tree of
//! Barth, Jünger and Mutzel. Budgets count work, never time, so the result is deterministic.

use super::{Csr, Layered};

/// Orders every layer of `l` in place; returns the number of crossings of the result.
///
/// Effort scales down with size: graphs of under [`STEP_SIZE`] vertices (where every
/// crossing shows) descend in up to [`MAX_STEPS`] steps, each a sweep followed by
/// transposition, larger ones in rounds of sweeps ([`descend_in_rounds`]), the largest with
/// one transposition pass at the end; graphs within [`RESTART_SIZE`] also get restarts.
pub(super) fn reduce_crossings(l: &mut Layered) -> u64 {
    if !l.block.is_empty() {
        return by_part(l);
    }
    let (best, spent) = trial(l);
    reduce_from(l, best, spent)
}

/// [`reduce_crossings`] of `l` (without blocks) after its [`trial`], which left `l` in the
/// order found, with `best` crossings, for `spent` work: the restarts and the moves of
/// hanging parts. A caller that has the trial already saves its time.
pub(super) fn reduce_from(l: &mut Layered, mut best: u64, mut spent: usize) -> u64 {
    // Restarts from shuffled orders while the work stays small: layer sweeps settle in local
    // optima that depend on where they start, and on small graphs every crossing shows.
    let segments = l.down.total();
    if best == 0 || segments + l.layer.len() > RESTART_SIZE {
        return best;
    }
    let mut best_layers = l.layers.clone();
    let mut rng = SplitMix(0x5EED ^ segments as u64);
    for restart in 0..MAX_RESTARTS {
        if spent >= RESTART_WORK {
            break;
        }
        // Breadth-first from the sources and from the sinks first, as dot starts; then
        // shuffled orders.
        if restart < 2 {
            breadth_first_order(l, restart == 0);
        } else {
            for layer in &mut l.layers {
                for i in (1..layer.len()).rev() {
                    let j = (rng.next() % (i as u64 + 1)) as usize;
                    layer.swap(i, j);
                }
            }
            l.update_positions();
        }
        let (now, work) = improve_within(l, best);
        spent += work;
        if now < best {
            best = now;
            best_layers.clone_from(&l.layers);
            if best == 0 {
                break;
            }
        }
    }
    l.layers = best_layers;
    l.update_positions();
    if best > 0 {
        best = move_pendants(l, best);
    }
    best
}

/// Parts of the graph that hang off the rest by one vertex (everything beyond a cut vertex),
/// each tried at the top and at the bottom of every layer it spans; a move that crosses
/// less is kept, and the sweeps run again from the result. A chain feeding one service can
/// sit between two trees that call across it, and no sweep or swap of one vertex moves a
/// whole chain.
fn move_pendants(l: &mut Layered, mut best: u64) -> u64 {
    let n = l.layer.len();
    // The k-th neighbour of v, below then above.
    let neighbour = |v: usize, k: usize| {
        let (down, up) = (l.down.neighbours(v), l.up.neighbours(v));
        down.get(k)
            .or_else(|| k.checked_sub(down.len()).and_then(|k| up.get(k)))
            .map(|&u| u as usize)
    };
    // Depth-first numbering with low points, without recursion.
    let mut order = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut size = vec![1u32; n];
    let mut preorder: Vec<u32> = Vec::with_capacity(n);
    let mut parts: Vec<(u32, u32)> = Vec::new();
    for root in 0..n {
        if order[root] != u32::MAX {
            continue;
        }
        let mut stack: Vec<(usize, usize, usize)> = vec![(root, usize::MAX, 0)];
        order[root] = preorder.len() as u32;
        low[root] = order[root];
        preorder.push(root as u32);
        while let Some(&mut (v, parent, ref mut next)) = stack.last_mut() {
            if let Some(u) = neighbour(v, *next) {
                *next += 1;
                if order[u] == u32::MAX {
                    order[u] = preorder.len() as u32;
                    low[u] = order[u];
                    preorder.push(u as u32);
                    stack.push((u, v, 0));
                } else if u != parent {
                    low[v] = low[v].min(order[u]);
                }
            } else {
                stack.pop();
                if let Some(&(p, _, _)) = stack.last() {
                    low[p] = low[p].min(low[v]);
                    size[p] += size[v];
                    if low[v] >= order[p] {
                        parts.push((order[v], size[v]));
                    }
                }
            }
        }
    }
    let mut work = 0usize;
    let segments = l.down.total();
    let mut moved = false;
    let mut inside = vec![false; n];
    for (start, count) in parts {
        if count as usize * 2 > n || work > RESTART_WORK {
            continue;
        }
        let members = &preorder[start as usize..(start + count) as usize];
        for &v in members {
            inside[v as usize] = true;
        }
        for top in [true, false] {
            let before = l.layers.clone();
            for layer in &mut l.layers {
                let (mut a, mut b): (Vec<u32>, Vec<u32>) =
                    layer.iter().partition(|&&v| inside[v as usize] == top);
                a.append(&mut b);
                *layer = a;
            }
            l.update_positions();
            work += n + segments;
            let now = total_crossings(l);
            if now < best {
                best = now;
                moved = true;
            } else {
                l.layers = before;
                l.update_positions();
            }
        }
        for &v in members {
            inside[v as usize] = false;
        }
    }
    if moved {
        let kept = l.layers.clone();
        let (now, _) = improve(l);
        if now < best {
            best = now;
        } else {
            l.layers = kept;
            l.update_positions();
        }
    }
    best
}

/// [`reduce_crossings`] for each separate part (`l.block`, numbered from 0) on its own: parts
/// never cross each other, so each part's best order is kept whatever the others' restarts
/// find, and each small part gets the restarts a small graph gets. The parts then follow one
/// another in every layer in the order of their numbers.
fn by_part(l: &mut Layered) -> u64 {
    let parts = l.block.iter().map(|&b| b as usize + 1).max().unwrap_or(0);
    // Each part's vertices in global order, so its nodes come first.
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); parts];
    for (v, &b) in l.block.iter().enumerate() {
        members[b as usize].push(v as u32);
    }
    let mut local = vec![0u32; l.layer.len()];
    let mut total = 0;
    let mut ordered: Vec<(usize, Vec<Vec<u32>>)> = Vec::with_capacity(parts);
    for vertices in &members {
        if vertices.is_empty() {
            continue;
        }
        let (global, mut part, top) = l.part(vertices, |_| true, &mut local);
        total += reduce_crossings(&mut part);
        let layers = part
            .layers
            .iter()
            .map(|layer| layer.iter().map(|&u| global[u as usize]).collect())
            .collect();
        ordered.push((top as usize, layers));
    }
    for (i, layer) in l.layers.iter_mut().enumerate() {
        layer.clear();
        for (top, part) in &ordered {
            if let Some(mine) = i.checked_sub(*top).and_then(|k| part.get(k)) {
                layer.extend_from_slice(mine);
            }
        }
    }
    l.update_positions();
    total
}

/// Work (vertices and segments visited, summed over sweeps, transpositions and crossing
/// counts) after which no restart begins (see [`SIFT_PASSES`] for what more would buy).
const RESTART_WORK: usize = 1_000_000;
/// Graphs larger than this (vertices plus segments) get no restarts.
const RESTART_SIZE: usize = 6_000;
/// Restarts at most.
const MAX_RESTARTS: usize = 12;

/// `SplitMix64`: deterministic shuffles.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Orders for grouping boxes after [`reduce_crossings`]: `block` names each vertex's block
/// (`count` of them). Blocks are ranked by the mean relative position of their vertices in
/// the current order, each layer is sorted by block rank (stably, so the order found so far
/// survives within blocks), the sweeps run again keeping every block contiguous, and blocks
/// move to the ranks where they cross least ([`sift_blocks`]; if any did, the sweeps run
/// once more). Sets `l.block` to the ranks; returns the crossings. Without `sweeps` (an
/// earlier drawing's order is kept) only the blocks are made contiguous.
pub(super) fn group(l: &mut Layered, block: &[u32], count: usize, sweeps: bool) -> u64 {
    let mut sum = vec![0.0f64; count];
    let mut members = vec![0u32; count];
    for layer in &l.layers {
        let len = layer.len() as f64;
        for (p, &v) in layer.iter().enumerate() {
            let b = block[v as usize] as usize;
            sum[b] += (p as f64 + 0.5) / len;
            members[b] += 1;
        }
    }
    let mean = |b: usize| {
        if members[b] == 0 {
            f64::INFINITY
        } else {
            sum[b] / f64::from(members[b])
        }
    };
    let mut by_place: Vec<usize> = (0..count).collect();
    by_place.sort_by(|&a, &b| mean(a).total_cmp(&mean(b)).then(a.cmp(&b)));
    let mut rank = vec![0u32; count];
    for (r, &b) in by_place.iter().enumerate() {
        rank[b] = r as u32;
    }
    let ranks: Vec<u32> = block.iter().map(|&b| rank[b as usize]).collect();
    for layer in &mut l.layers {
        layer.sort_by_key(|&v| ranks[v as usize]);
    }
    l.block = ranks;
    l.update_positions();
    if !sweeps {
        return total_crossings(l);
    }
    let crossings = improve(l).0;
    if sift_blocks(l, count) {
        improve(l).0
    } else {
        crossings
    }
}

/// Work (vertices and segments visited, summed over the swaps of neighbouring blocks)
/// [`sift_blocks`] may spend.
const BLOCK_SIFT_WORK: usize = 4_000_000;

/// Moves each block in turn to the rank where the whole drawing crosses least (the order
/// within blocks kept), if that lowers the crossings, within [`BLOCK_SIFT_WORK`]. Blocks
/// are first ranked by where their vertices sat before grouping, which can leave a box
/// between two that call each other across it; the sweeps never change the ranks. A block
/// walks to the first rank and then to the last, one neighbour at a time, each step
/// recounting only the layers it changed. One pass: a second one found next to nothing
/// more (BENCHMARKS.md). Returns whether any block moved.
fn sift_blocks(l: &mut Layered, count: usize) -> bool {
    let mut scratch = (Vec::new(), Vec::new());
    let mut per_pair = crossings_per_pair(l);
    let mut total: u64 = per_pair.iter().sum();
    // Each block's rank, by the rank it had on entry.
    let mut rank: Vec<u32> = (0..count as u32).collect();
    let mut budget = BLOCK_SIFT_WORK;
    // A block's walk is at most three swaps per rank, each visiting every vertex and every
    // rank (blocks may be empty: groups without nodes) and, at worst, recounting every
    // segment.
    let segments = l.down.total();
    let per_block = 3 * count * (l.layer.len() + segments + count);
    let mut moved = false;
    for b in 0..count {
        if total == 0 || budget < per_block {
            break;
        }
        budget -= per_block;
        let from = rank[b];
        let mut best = (total, from);
        let mut step = |l: &mut Layered, r: u32, total: &mut u64| {
            *total = swap_ranks(l, r, &mut per_pair, &mut scratch, *total);
            for k in &mut rank {
                if *k == r {
                    *k = r + 1;
                } else if *k == r + 1 {
                    *k = r;
                }
            }
        };
        let mut at = from;
        while at > 0 {
            step(l, at - 1, &mut total);
            at -= 1;
            if total < best.0 {
                best = (total, at);
            }
        }
        while (at as usize) + 1 < count {
            step(l, at, &mut total);
            at += 1;
            if total < best.0 {
                best = (total, at);
            }
        }
        while at > best.1 {
            step(l, at - 1, &mut total);
            at -= 1;
        }
        moved |= best.1 != from;
    }
    moved
}

/// Swaps the blocks of ranks `r` and `r + 1` (`l.block` holds ranks) in every layer, the
/// order within each kept, and recounts the crossings of the layer pairs that changed
/// (`per_pair`, between each layer and the next); returns `total` updated. Swapping again
/// restores every layer.
fn swap_ranks(
    l: &mut Layered,
    r: u32,
    per_pair: &mut [u64],
    scratch: &mut (Vec<u32>, Vec<u32>),
    total: u64,
) -> u64 {
    let Layered {
        layers,
        block,
        pos,
        down,
        ..
    } = l;
    let mut changed: Vec<usize> = Vec::new();
    for (i, layer) in layers.iter_mut().enumerate() {
        let start = layer.partition_point(|&v| block[v as usize] < r);
        let mid = layer.partition_point(|&v| block[v as usize] <= r);
        let end = layer.partition_point(|&v| block[v as usize] <= r + 1);
        if start < mid && mid < end {
            layer[start..end].rotate_left(mid - start);
            for (k, &v) in layer[start..end].iter().enumerate() {
                pos[v as usize] = (start + k) as u32;
            }
            changed.push(i);
        }
    }
    for b in block.iter_mut() {
        if *b == r {
            *b = r + 1;
        } else if *b == r + 1 {
            *b = r;
        }
    }
    let mut recount: Vec<usize> = changed
        .iter()
        .flat_map(|&i| [i.checked_sub(1), Some(i)])
        .flatten()
        .filter(|&p| p < per_pair.len())
        .collect();
    recount.dedup();
    let mut total = total;
    for p in recount {
        let now = layer_crossings(
            &layers[p],
            layers[p + 1].len(),
            pos,
            down,
            &mut scratch.0,
            &mut scratch.1,
        );
        total = total - per_pair[p] + now;
        per_pair[p] = now;
    }
    total
}

/// Orders every layer of `l` from a depth-first start by sweeps, transposition and sifting,
/// without restarts; returns the crossings and the work done: a cheap judge of a layering,
/// and the first step of [`reduce_crossings`].
pub(super) fn trial(l: &mut Layered) -> (u64, usize) {
    initial_order(l);
    improve(l)
}

/// [`trial`] cut to one round, for a layering too large to order in full for a judgement,
/// or a large one whose order only starts the ordering with grouping boxes: the better of a
/// depth-first and a breadth-first start, then a barycentre sweep down and up; returns the
/// fewer crossings of the start and the round. Its count is a rough one (a third above a
/// full trial's, give or take a tenth), so a caller ranks by it only where counts differ by
/// more than that (measured in BENCHMARKS.md).
pub(super) fn glance(l: &mut Layered) -> u64 {
    initial_order(l);
    let depth_first = total_crossings(l);
    if depth_first == 0 {
        return 0;
    }
    let kept = l.layers.clone();
    breadth_first_order(l, true);
    let mut best = total_crossings(l);
    if best >= depth_first {
        best = depth_first;
        l.layers = kept;
        l.update_positions();
    }
    sweep(l, true, false, None);
    sweep(l, false, false, None);
    best.min(total_crossings(l))
}

/// Sweeps and transposes from the current order, keeping the best, then sifts; returns the
/// crossings and the work done.
pub(super) fn improve(l: &mut Layered) -> (u64, usize) {
    improve_within(l, u64::MAX)
}

/// [`improve`] for a restart, which is not sifted when its sweeps end clearly behind `bound`,
/// the best order found so far ([`SIFT_WITHIN`] of it or more): sifting rarely makes up that
/// much, and the work goes to further restarts. (Giving up during the sweeps at 115 % cost
/// the 30-service graphs' worst decile: 1.09 → 1.91× dot's crossings.)
fn improve_within(l: &mut Layered, bound: u64) -> (u64, usize) {
    let above = |crossings: u64, (num, den): (u64, u64)| {
        u128::from(crossings) * u128::from(den) >= u128::from(bound) * u128::from(num)
    };
    let vertices = l.layer.len();
    let segments = l.down.total();
    let (mut best, mut work) = if vertices < STEP_SIZE {
        descend_in_steps(l)
    } else {
        descend_in_rounds(l)
    };
    if best > 0 {
        work += transpose(l, false) + segments;
        best = total_crossings(l);
    }
    if best > 0 && vertices + segments <= SIFT_SIZE && !above(best, SIFT_WITHIN) {
        for _ in 0..SIFT_PASSES {
            work += sift(l) + segments;
            let now = total_crossings(l);
            let improved = now < best;
            best = best.min(now);
            if !improved {
                break;
            }
        }
    }
    (best, work)
}

/// Graphs smaller than this (vertices, dummies included) descend in dot's steps
/// ([`descend_in_steps`]); larger ones in rounds ([`descend_in_rounds`]). A step transposes
/// after every sweep, twice as often as a round, and transposition is most of the time: on
/// `service 300` of the layout benchmark (1,047 vertices) steps take the ordering from 4.6
/// to 7.5 ms and the whole drawing past 20 ms for 0.4 % fewer crossings.
const STEP_SIZE: usize = 1_000;
/// Steps at most, and steps without a gain of more than half a percent after which the
/// descent ends (dot's `MaxIter`, `MinQuit` and `Convergence`).
const MAX_STEPS: usize = 24;
const STEP_PATIENCE: usize = 8;

/// The descent of dot (Gansner et al. 1993): each step one sweep, down and up in turn,
/// sorting each layer by the weighted median of its neighbours in the layer just fixed
/// ([`median_sweep`]), with ties turned round in the first two steps of every four; then
/// transposition, which in the other two also swaps pairs that cross as often either way.
/// The best order seen is kept, an equal one replacing it so that the descent drifts
/// across plateaus. Leaves `l` in the best order; returns its crossings and the work done.
///
/// Taking one direction per step, with the transposition after each, finds far fewer
/// crossings on graphs whose sweeps undo each other (one gateway over a hundred callers:
/// 2,603 → 2,365, dot 1,741 on the same layers) than a round of a down and an up sweep
/// judged only at its end (BENCHMARKS.md).
fn descend_in_steps(l: &mut Layered) -> (u64, usize) {
    let vertices = l.layer.len();
    let segments = l.down.total();
    let mut best = total_crossings(l);
    let mut best_layers = l.layers.clone();
    let mut work = segments;
    let mut stale = 0;
    for step in 0..MAX_STEPS {
        if best == 0 || stale >= STEP_PATIENCE {
            break;
        }
        stale += 1;
        let turn_ties = step % 4 < 2;
        median_sweep(l, step % 2 == 0, turn_ties);
        work += 2 * (vertices + segments) + transpose(l, !turn_ties);
        let now = total_crossings(l);
        if now <= best {
            // A gain of more than half a percent.
            if u128::from(now) * 200 < u128::from(best) * 199 {
                stale = 0;
            }
            best = now;
            best_layers.clone_from(&l.layers);
        }
    }
    l.layers = best_layers;
    l.update_positions();
    (best, work)
}

/// Rounds of a down and an up sweep, alternating barycenter and median keys, each followed
/// by transposition below 20,000 vertices, keeping the best order seen: half the
/// transposition of [`descend_in_steps`] per sweep, for graphs of over [`STEP_SIZE`]
/// vertices. Leaves `l` in the best order; returns its crossings and the work done.
fn descend_in_rounds(l: &mut Layered) -> (u64, usize) {
    let vertices = l.layer.len();
    let (max_rounds, patience, transpose_each_round) = if vertices < 3_000 {
        (48, 4, true)
    } else if vertices < 20_000 {
        (16, 4, true)
    } else if vertices < 100_000 {
        (8, 3, false)
    } else {
        (4, 2, false)
    };
    let mut best = total_crossings(l);
    let mut best_layers = l.layers.clone();
    let mut stale = 0;
    let segments = l.down.total();
    let mut work = segments;
    for round in 0..max_rounds {
        if best == 0 {
            break;
        }
        work += 3 * (vertices + segments);
        let median = round % 2 == 1;
        sweep(l, true, median, None);
        sweep(l, false, median, None);
        if transpose_each_round {
            // Every other round also swaps pairs that cross as often either way, which
            // moves the order off plateaus where no single swap gains.
            work += transpose(l, round % 2 == 1);
        }
        let now = total_crossings(l);
        if now < best {
            best = now;
            best_layers.clone_from(&l.layers);
            stale = 0;
        } else {
            stale += 1;
            if stale >= patience {
                break;
            }
        }
    }
    l.layers = best_layers;
    l.update_positions();
    (best, work)
}

/// Graphs larger than this (vertices plus segments) are not sifted.
const SIFT_SIZE: usize = 6_000;
/// Sifting passes at most. One pass per start, a round patience of four, restarts not
/// sifted when behind and an eighth of the restart work cost 0.4 % more crossings on the
/// quality benchmark than four passes, eight rounds and 8,000,000 (BENCHMARKS.md), for a
/// third to a fifth of the ordering time (service 300: 40 → 12–16 ms; 100: 43 → 7).
const SIFT_PASSES: usize = 1;
/// A restart is not sifted from this share of the best crossings found so far.
const SIFT_WITHIN: (u64, u64) = (120, 100);

/// Sifting: each vertex in turn, most connected first, moves to the place in its layer (within
/// its block) where its segments cross the fewest others, counted towards both neighbouring
/// layers; a move never adds crossings. Returns the work done.
fn sift(l: &mut Layered) -> usize {
    let mut work = 0;
    let mut ends = Ends::new(l.layer.len());
    let degree = |l: &Layered, v: usize| l.up.neighbours(v).len() + l.down.neighbours(v).len();
    let (mut up_count, mut down_count) = (Vec::new(), Vec::new());
    for i in 0..l.layers.len() {
        ends.fill(l, i);
        let up_len = i.checked_sub(1).map_or(0, |k| l.layers[k].len());
        let down_len = l.layers.get(i + 1).map_or(0, Vec::len);
        let mut by_degree: Vec<u32> = l.layers[i].clone();
        by_degree.sort_by_key(|&v| (std::cmp::Reverse(degree(l, v as usize)), v));
        for &v in &by_degree {
            let v = v as usize;
            // Dummies are sifted too: on dense graphs their places decide most crossings
            // (a fifth fewer on the quality benchmark), at the price of long edges that jog
            // between layers more often.
            if degree(l, v) == 0 {
                continue;
            }
            let layer = &l.layers[i];
            let p = l.pos[v] as usize;
            // The stretch of the layer v may move in: its block, or all of it.
            let (mut lo, mut hi) = (p, p);
            if l.block.is_empty() {
                lo = 0;
                hi = layer.len() - 1;
            } else {
                while lo > 0 && l.block[layer[lo - 1] as usize] == l.block[v] {
                    lo -= 1;
                }
                while hi + 1 < layer.len() && l.block[layer[hi + 1] as usize] == l.block[v] {
                    hi += 1;
                }
            }
            // Cost with k others of the stretch left of v, relative to none: passing u
            // trades the crossings of (v before u) for those of (u before v), counted
            // against v's ends tallied once.
            ends.tally(v, &mut up_count, up_len, &mut down_count, down_len);
            let mut cost = 0i64;
            let (mut best, mut best_k) = (0i64, 0usize);
            let mut here = 0i64;
            let mut k = 0usize;
            for &u in &layer[lo..=hi] {
                let u = u as usize;
                if u == v {
                    here = cost;
                    continue;
                }
                work += degree(l, u) + degree(l, v);
                let (v_first, u_first) = ends.against(u, &up_count, &down_count);
                cost += i64::try_from(u_first).unwrap_or(i64::MAX)
                    - i64::try_from(v_first).unwrap_or(i64::MAX);
                k += 1;
                if cost < best {
                    best = cost;
                    best_k = k;
                }
            }
            if best < here {
                let layer = &mut l.layers[i];
                layer.remove(p);
                layer.insert(lo + best_k, v as u32);
                for (k, &w) in layer.iter().enumerate().skip(lo).take(hi - lo + 1) {
                    l.pos[w as usize] = k as u32;
                }
            }
        }
    }
    work
}

/// Depth-first from each real vertex in input order, children in input order.
fn initial_order(l: &mut Layered) {
    let n = l.layer.len();
    let mut seen = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    for layer in &mut l.layers {
        layer.clear();
    }
    for start in 0..n as u32 {
        if seen[start as usize] {
            continue;
        }
        stack.push(start);
        while let Some(v) = stack.pop() {
            if seen[v as usize] {
                continue;
            }
            seen[v as usize] = true;
            l.layers[l.layer[v as usize] as usize].push(v);
            for &w in l.down.neighbours(v as usize).iter().rev() {
                if !seen[w as usize] {
                    stack.push(w);
                }
            }
        }
    }
    l.update_positions();
}

/// Breadth-first from the sources (vertices with nothing above), or from the sinks, in input
/// order; each layer in the order its vertices were reached.
fn breadth_first_order(l: &mut Layered, from_sources: bool) {
    let n = l.layer.len();
    let mut seen = vec![false; n];
    let mut queue = std::collections::VecDeque::new();
    for layer in &mut l.layers {
        layer.clear();
    }
    let (back, forth) = if from_sources {
        (&l.up, &l.down)
    } else {
        (&l.down, &l.up)
    };
    let starts: Vec<u32> = (0..n as u32)
        .filter(|&v| back.neighbours(v as usize).is_empty())
        .collect();
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for start in starts.into_iter().chain(0..n as u32) {
        if seen[start as usize] {
            continue;
        }
        seen[start as usize] = true;
        queue.push_back(start);
        while let Some(v) = queue.pop_front() {
            order.push(v);
            for &w in forth
                .neighbours(v as usize)
                .iter()
                .chain(back.neighbours(v as usize))
            {
                if !seen[w as usize] {
                    seen[w as usize] = true;
                    queue.push_back(w);
                }
            }
        }
    }
    for v in order {
        l.layers[l.layer[v as usize] as usize].push(v);
    }
    l.update_positions();
}

/// One sweep: down (each layer by its upper neighbours) or up (by its lower neighbours), by
/// barycenter or median of the neighbours' positions.
fn sweep(l: &mut Layered, downward: bool, median: bool, fixed: Option<(&[bool], &Room)>) {
    let h = l.layers.len();
    let mut keyed: Vec<(f64, u32)> = Vec::new();
    let mut merged: Vec<(f64, u32)> = Vec::new();
    let mut scratch: Vec<u32> = Vec::new();
    let indices: Vec<usize> = if downward {
        (1..h).collect()
    } else {
        (0..h.saturating_sub(1)).rev().collect()
    };
    for i in indices {
        let (fixed_len, neighbours) = if downward {
            (l.layers[i - 1].len(), &l.up)
        } else {
            (l.layers[i + 1].len(), &l.down)
        };
        let len = l.layers[i].len() as f64;
        keyed.clear();
        for &v in &l.layers[i] {
            let ns = neighbours.neighbours(v as usize);
            let key = if ns.is_empty() {
                // No neighbour to follow: keep the relative place.
                (f64::from(l.pos[v as usize]) + 0.5) / len
            } else if median {
                scratch.clear();
                scratch.extend(ns.iter().map(|&u| l.pos[u as usize]));
                scratch.sort_unstable();
                let k = scratch.len();
                let m = if k % 2 == 1 {
                    f64::from(scratch[k / 2])
                } else {
                    f64::midpoint(f64::from(scratch[k / 2 - 1]), f64::from(scratch[k / 2]))
                };
                (m + 0.5) / fixed_len as f64
            } else {
                let sum: f64 = ns.iter().map(|&u| f64::from(l.pos[u as usize])).sum();
                (sum / ns.len() as f64 + 0.5) / fixed_len as f64
            };
            keyed.push((key, v));
        }
        // Stable: equal keys keep their current order. Blocks stay together, in rank order.
        if let Some((fixed, room)) = fixed {
            merge_around_fixed(&mut keyed, fixed, room, &mut merged);
        } else if l.block.is_empty() {
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        } else {
            let block = &l.block;
            keyed.sort_by(|a, b| {
                block[a.1 as usize]
                    .cmp(&block[b.1 as usize])
                    .then(a.0.total_cmp(&b.0))
            });
        }
        for (slot, &(_, v)) in l.layers[i].iter_mut().zip(&keyed) {
            *slot = v;
        }
        for (p, &v) in l.layers[i].iter().enumerate() {
            l.pos[v as usize] = p as u32;
        }
    }
}

/// One sweep of [`descend_in_steps`]: each layer below the first (`downward`) or above the
/// last, in turn, sorted by the weighted median of each vertex's neighbours in the layer
/// just fixed ([`weighted_median`]). Vertices with no neighbour there keep their places and
/// the others are sorted around them; equal keys keep their order, or turn it round with
/// `turn_ties`. Blocks stay together, in rank order.
fn median_sweep(l: &mut Layered, downward: bool, turn_ties: bool) {
    let h = l.layers.len();
    let indices: Vec<usize> = if downward {
        (1..h).collect()
    } else {
        (0..h.saturating_sub(1)).rev().collect()
    };
    let mut ends: Vec<u32> = Vec::new();
    // (block, key, place among equals, vertex)
    let mut movable: Vec<(u32, f64, i64, u32)> = Vec::new();
    for i in indices {
        let neighbours = if downward { &l.up } else { &l.down };
        movable.clear();
        for &v in &l.layers[i] {
            let ns = neighbours.neighbours(v as usize);
            if ns.is_empty() {
                continue;
            }
            ends.clear();
            ends.extend(ns.iter().map(|&u| l.pos[u as usize]));
            ends.sort_unstable();
            let place = i64::from(l.pos[v as usize]);
            let block = l.block.get(v as usize).copied().unwrap_or(0);
            let tie = if turn_ties { -place } else { place };
            movable.push((block, weighted_median(&ends), tie, v));
        }
        movable.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut sorted = movable.iter().map(|m| m.3);
        for slot in &mut l.layers[i] {
            // A slot keeps its vertex when that has no neighbour in the fixed layer; the
            // others take the sorted vertices in turn (one block's slots hold its own).
            if !neighbours.neighbours(*slot as usize).is_empty()
                && let Some(v) = sorted.next()
            {
                *slot = v;
            }
        }
        for (p, &v) in l.layers[i].iter().enumerate() {
            l.pos[v as usize] = p as u32;
        }
    }
}

/// The weighted median of sorted places (not empty): the middle one; of two, their mean;
/// of an even number more, the two middle ones weighted towards the side whose places lie
/// closer together (Gansner et al. 1993).
fn weighted_median(ends: &[u32]) -> f64 {
    let at = |k: usize| f64::from(ends[k]);
    let k = ends.len();
    if k % 2 == 1 {
        return at(k / 2);
    }
    let (left, right) = (at(k / 2 - 1), at(k / 2));
    let (left_span, right_span) = (left - at(0), at(k - 1) - right);
    if k == 2 || left_span + right_span == 0.0 {
        f64::midpoint(left, right)
    } else {
        (left * right_span + right * left_span) / (left_span + right_span)
    }
}

/// What an earlier drawing left room for: each vertex's place in it (`key`), its extent
/// along the layer and the gap between neighbours; `top` is where its layers began.
pub(super) struct Room<'a> {
    pub key: &'a [f64],
    pub width: &'a [f64],
    pub gap: f64,
    pub top: f64,
}

/// Sorts `keyed` (in layer order) so that the vertices marked `fixed` keep their order
/// among themselves and the others, sorted by key, are merged in by key: each into its
/// place when the earlier drawing left room there (`room`), else into the next place with
/// room, or after all the others, so that fixed vertices need not move for it.
fn merge_around_fixed(
    keyed: &mut Vec<(f64, u32)>,
    fixed: &[bool],
    room: &Room,
    merged: &mut Vec<(f64, u32)>,
) {
    let mut free: Vec<(f64, u32)> = keyed
        .iter()
        .copied()
        .filter(|k| !fixed[k.1 as usize])
        .collect();
    free.sort_by(|a, b| a.0.total_cmp(&b.0));
    merged.clear();
    let mut f = free.into_iter().peekable();
    let mut waiting: Vec<(f64, u32)> = Vec::new();
    let mut before: Option<usize> = None;
    let half = |v: usize| room.width[v] / 2.0;
    for &k in keyed.iter().filter(|k| fixed[k.1 as usize]) {
        let kv = k.1 as usize;
        let free_room = match before {
            Some(b) => room.key[kv] - room.key[b] - half(kv) - half(b) - room.gap,
            None => room.key[kv] - half(kv) - room.gap - room.top,
        };
        let mut used = 0.0;
        let mut wanting = std::mem::take(&mut waiting);
        while let Some(&u) = f.peek().filter(|u| u.0 < k.0) {
            wanting.push(u);
            f.next();
        }
        for u in wanting {
            let need = room.width[u.1 as usize] + room.gap;
            if used + need <= free_room {
                used += need;
                merged.push(u);
            } else {
                waiting.push(u);
            }
        }
        merged.push(k);
        before = Some(kv);
    }
    merged.extend(waiting);
    merged.extend(f);
    std::mem::swap(keyed, merged);
}

/// Orders every layer by `key` (an earlier drawing's places), then lets the vertices not
/// `fixed` find better places by a few sweeps while the fixed ones keep their order among
/// themselves: what was drawn before stays as it was, what is new fits in. Returns the
/// crossings.
pub(super) fn keep(l: &mut Layered, fixed: &[bool], room: &Room) -> u64 {
    let key = room.key;
    let (mut keyed, mut merged) = (Vec::new(), Vec::new());
    for layer in &mut l.layers {
        layer.sort_by(|&a, &b| key[a as usize].total_cmp(&key[b as usize]).then(a.cmp(&b)));
        keyed.clear();
        keyed.extend(layer.iter().map(|&v| (key[v as usize], v)));
        merge_around_fixed(&mut keyed, fixed, room, &mut merged);
        for (slot, &(_, v)) in layer.iter_mut().zip(&keyed) {
            *slot = v;
        }
    }
    l.update_positions();
    let mut best = total_crossings(l);
    let mut best_layers = l.layers.clone();
    for round in 0..KEEP_ROUNDS {
        if best == 0 {
            break;
        }
        sweep(l, true, round % 2 == 1, Some((fixed, room)));
        sweep(l, false, round % 2 == 1, Some((fixed, room)));
        let now = total_crossings(l);
        if now < best {
            best = now;
            best_layers.clone_from(&l.layers);
        }
    }
    l.layers = best_layers;
    l.update_positions();
    best
}

/// Sweep rounds of [`keep`].
const KEEP_ROUNDS: usize = 4;

/// Crossings of the whole layering.
pub(super) fn total_crossings(l: &Layered) -> u64 {
    crossings_per_pair(l).iter().sum()
}

/// Crossings between each layer and the next. On the largest graphs the pairs after the one
/// holding the middle segment are counted on a second thread (whole numbers: the same counts).
fn crossings_per_pair(l: &Layered) -> Vec<u64> {
    let pairs = l.layers.len().saturating_sub(1);
    let count = |range: std::ops::Range<usize>| -> Vec<u64> {
        let mut tree = Vec::new();
        let mut targets = Vec::new();
        range
            .map(|i| {
                layer_crossings(
                    &l.layers[i],
                    l.layers[i + 1].len(),
                    &l.pos,
                    &l.down,
                    &mut tree,
                    &mut targets,
                )
            })
            .collect()
    };
    let segments = l.down.total();
    if segments < crate::parallel::WORTH_A_THREAD {
        return count(0..pairs);
    }
    // The first pair whose upper layer starts past half the segments.
    let mut seen = 0;
    let middle = (0..pairs)
        .find(|&i| {
            seen += l.layers[i]
                .iter()
                .map(|&v| l.down.neighbours(v as usize).len())
                .sum::<usize>();
            seen > segments / 2
        })
        .map_or(pairs, |i| i + 1);
    let (later, mut earlier) =
        crate::parallel::join(true, || count(middle..pairs), || count(0..middle));
    earlier.extend(later);
    earlier
}

/// Crossings between one layer and the next: the number of inversions in the sequence of
/// lower endpoints when edges are sorted by upper endpoint, counted with a Fenwick tree.
fn layer_crossings(
    upper: &[u32],
    lower_len: usize,
    pos: &[u32],
    down: &Csr,
    tree: &mut Vec<u32>,
    targets: &mut Vec<u32>,
) -> u64 {
    tree.clear();
    tree.resize(lower_len + 1, 0);
    let mut inserted = 0u64;
    let mut crossings = 0u64;
    // (Counts of segments between two layers fit in 32 bits: the tree is half the size.)
    let mut add = |p: u32| {
        // Edges inserted so far that end right of p cross this one.
        let mut at_most = 0u64;
        let mut i = p as usize + 1;
        while i > 0 {
            at_most += u64::from(tree[i]);
            i &= i - 1;
        }
        crossings += inserted - at_most;
        let mut i = p as usize + 1;
        while i <= lower_len {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
        inserted += 1;
    };
    for &u in upper {
        match down.neighbours(u as usize) {
            // Most vertices are dummies, with one segment down: nothing to sort.
            [w] => add(pos[*w as usize]),
            many => {
                targets.clear();
                targets.extend(many.iter().map(|&w| pos[w as usize]));
                targets.sort_unstable();
                for &p in targets.iter() {
                    add(p);
                }
            }
        }
    }
    crossings
}

/// Passes of transposition at most.
const TRANSPOSE_PASSES: usize = 6;

/// Swaps adjacent vertices while a swap removes crossings (with `equal`, also where it
/// leaves them as they are), within a budget of work proportional to the number of
/// segments; returns the work done.
fn transpose(l: &mut Layered, equal: bool) -> usize {
    let segments = l.down.total();
    let full = 40 * segments + 10_000;
    let mut budget = full;
    let mut ends = Ends::new(l.layer.len());
    // Layers that may swap: those with a swap in themselves or a neighbouring layer since
    // they were last passed over. Passing over another finds what it found last time,
    // nothing, so it is not done; its work is still counted, as the budget and the work
    // returned (which bounds restarts) were before layers were left out.
    let mut stirred = vec![true; l.layers.len()];
    // The work of each layer's last pass, which a pass over it unstirred would do again.
    let mut last_work = vec![0usize; l.layers.len()];
    for _ in 0..TRANSPOSE_PASSES {
        let mut improved = false;
        for i in 0..l.layers.len() {
            // Within the budget all the way, as a pass over it would have been.
            if !stirred[i] && last_work[i] <= budget {
                budget -= last_work[i];
                continue;
            }
            stirred[i] = false;
            ends.fill(l, i);
            let mut swapped = false;
            last_work[i] = 0;
            for j in 0..l.layers[i].len().saturating_sub(1) {
                let (u, v) = (l.layers[i][j] as usize, l.layers[i][j + 1] as usize);
                if !l.block.is_empty() && l.block[u] != l.block[v] {
                    continue;
                }
                let (a, b) = (ends.slot[u] as usize, ends.slot[v] as usize);
                // Their segments, as many as their ends.
                let work = ends.count(a) + ends.count(b);
                if budget < work {
                    return full - budget;
                }
                budget -= work + 1;
                last_work[i] += work + 1;
                let (keep, swap) = ends.crossings_of_slots(a, b);
                if swap < keep || (equal && swap == keep && keep > 0) {
                    l.layers[i].swap(j, j + 1);
                    l.pos[u] = (j + 1) as u32;
                    l.pos[v] = j as u32;
                    swapped = true;
                    // Only a gain calls for another pass: equal swaps would undo each other.
                    improved |= swap < keep;
                }
            }
            if swapped {
                let near = i.saturating_sub(1)..(i + 2).min(l.layers.len());
                stirred[near].fill(true);
            }
        }
        if !improved {
            break;
        }
    }
    full - budget
}

/// For the vertices of one layer, the places of their neighbours above and below, sorted:
/// what the crossings between two of them depend on while the neighbouring layers keep
/// their order.
struct Ends {
    /// Per vertex, its index among the layer's vertices (only read for the layer filled).
    slot: Vec<u32>,
    up: Vec<u32>,
    up_start: Vec<usize>,
    down: Vec<u32>,
    down_start: Vec<usize>,
}

impl Ends {
    fn new(vertices: usize) -> Self {
        Ends {
            slot: vec![0; vertices],
            up: Vec::new(),
            up_start: Vec::new(),
            down: Vec::new(),
            down_start: Vec::new(),
        }
    }

    /// The ends of layer `i`'s vertices.
    fn fill(&mut self, l: &Layered, i: usize) {
        self.up.clear();
        self.down.clear();
        self.up_start.clear();
        self.down_start.clear();
        for (k, &v) in l.layers[i].iter().enumerate() {
            let v = v as usize;
            self.slot[v] = k as u32;
            for (side, ends, start) in [
                (&l.up, &mut self.up, &mut self.up_start),
                (&l.down, &mut self.down, &mut self.down_start),
            ] {
                start.push(ends.len());
                let from = ends.len();
                ends.extend(side.neighbours(v).iter().map(|&w| l.pos[w as usize]));
                // Most vertices are dummies, with one end each way.
                if ends.len() - from > 1 {
                    ends[from..].sort_unstable();
                }
            }
        }
        self.up_start.push(self.up.len());
        self.down_start.push(self.down.len());
    }

    /// Crossings among the segments of `left` and `right`, two vertices of the filled layer,
    /// towards both neighbouring layers: with `left` placed first, and with `right` first.
    #[cfg(test)]
    fn crossings(&self, left: usize, right: usize) -> (u64, u64) {
        self.crossings_of_slots(self.slot[left] as usize, self.slot[right] as usize)
    }

    /// [`Ends::crossings`] of the vertices filled in at places `a` and `b` of the layer.
    fn crossings_of_slots(&self, a: usize, b: usize) -> (u64, u64) {
        let (up_first, up_second) = ordered_pairs(
            &self.up[self.up_start[a]..self.up_start[a + 1]],
            &self.up[self.up_start[b]..self.up_start[b + 1]],
        );
        let (down_first, down_second) = ordered_pairs(
            &self.down[self.down_start[a]..self.down_start[a + 1]],
            &self.down[self.down_start[b]..self.down_start[b + 1]],
        );
        (up_first + down_first, up_second + down_second)
    }

    /// The ends, above and below, of the vertex filled in at place `a` of the layer.
    fn count(&self, a: usize) -> usize {
        self.up_start[a + 1] - self.up_start[a] + self.down_start[a + 1] - self.down_start[a]
    }

    /// Tallies `v`'s ends (a vertex of the filled layer) for [`Ends::against`]: in `up`, for
    /// each place p of the layer above (`up_len` of them) and one past, how many of its ends
    /// lie before p; the same below in `down`.
    fn tally(
        &self,
        v: usize,
        up: &mut Vec<u32>,
        up_len: usize,
        down: &mut Vec<u32>,
        down_len: usize,
    ) {
        let a = self.slot[v] as usize;
        for (count, ends, len) in [
            (up, &self.up[self.up_start[a]..self.up_start[a + 1]], up_len),
            (
                down,
                &self.down[self.down_start[a]..self.down_start[a + 1]],
                down_len,
            ),
        ] {
            count.clear();
            count.resize(len + 2, 0);
            for &p in ends {
                count[p as usize + 1] += 1;
            }
            for p in 1..count.len() {
                count[p] += count[p - 1];
            }
        }
    }

    /// [`Ends::crossings`] of the tallied vertex v and `u`, from the tallies: with v first
    /// and with `u` first.
    fn against(&self, u: usize, up: &[u32], down: &[u32]) -> (u64, u64) {
        let b = self.slot[u] as usize;
        let mut v_first = 0u64;
        let mut u_first = 0u64;
        for (count, ends) in [
            (up, &self.up[self.up_start[b]..self.up_start[b + 1]]),
            (down, &self.down[self.down_start[b]..self.down_start[b + 1]]),
        ] {
            let total = u64::from(count[count.len() - 1]);
            for &p in ends {
                let p = p as usize;
                // v's ends before p cross u's end at p when u comes first; those after it
                // when v does; those on p cross neither way.
                u_first += u64::from(count[p]);
                v_first += total - u64::from(count[p + 1]);
            }
        }
        (v_first, u_first)
    }
}

/// For sorted ends `a` (of the left vertex) and `b` (of the right one): the pairs that cross
/// with the left vertex first (`b`'s end strictly before `a`'s), and with it second (`a`'s
/// strictly before `b`'s). Pairs on one end cross neither way.
fn ordered_pairs(a: &[u32], b: &[u32]) -> (u64, u64) {
    // Two dummies, or a dummy and a node of one call that way: most pairs.
    if let ([x], [y]) = (a, b) {
        return (u64::from(y < x), u64::from(x < y));
    }
    let (mut before, mut equal) = (0u64, 0u64);
    let (mut j, mut e) = (0usize, 0usize);
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        e = e.max(j);
        while e < b.len() && b[e] <= x {
            e += 1;
        }
        before += j as u64;
        equal += (e - j) as u64;
    }
    let all = (a.len() * b.len()) as u64;
    (before, all - before - equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two layers, edges given by (upper index, lower index).
    fn two_layers(upper: usize, lower: usize, edges: &[(u32, u32)]) -> Layered {
        let n = upper + lower;
        let segments: Vec<(u32, u32)> = edges.iter().map(|&(a, b)| (a, upper as u32 + b)).collect();
        let mut layer = vec![0u32; n];
        for l in layer.iter_mut().skip(upper) {
            *l = 1;
        }
        Layered::new(layer, n, &segments)
    }

    #[test]
    fn tallied_ends_count_the_crossings_a_merge_counts() {
        let mut sequence = crate::layout::test_sequence(11);
        let mut next = |m: usize| sequence(m as u64) as usize;
        for _ in 0..200 {
            // Three layers; segments between neighbouring ones, some vertices with none.
            let sizes = [1 + next(5), 1 + next(6), 1 + next(5)];
            let n: usize = sizes.iter().sum();
            let layer: Vec<u32> = (0..3u32)
                .flat_map(|k| std::iter::repeat_n(k, sizes[k as usize]))
                .collect();
            let first = |k: usize| sizes[..k].iter().sum::<usize>() as u32;
            let mut segments = Vec::new();
            for _ in 0..next(12) {
                let k = next(2);
                let a = first(k) + next(sizes[k]) as u32;
                let b = first(k + 1) + next(sizes[k + 1]) as u32;
                if !segments.contains(&(a, b)) {
                    segments.push((a, b));
                }
            }
            let l = Layered::new(layer, n, &segments);
            let mut ends = Ends::new(n);
            ends.fill(&l, 1);
            let (mut up, mut down) = (Vec::new(), Vec::new());
            for &v in &l.layers[1] {
                ends.tally(v as usize, &mut up, sizes[0], &mut down, sizes[2]);
                for &u in &l.layers[1] {
                    assert_eq!(
                        ends.against(u as usize, &up, &down),
                        ends.crossings(v as usize, u as usize),
                        "{segments:?}: {v} against {u}"
                    );
                }
            }
        }
    }

    #[test]
    fn pairs_are_counted_both_ways_as_a_brute_force_counts_them() {
        let mut next = crate::layout::test_sequence(3);
        for _ in 0..300 {
            let mut a: Vec<u32> = (0..next(5)).map(|_| next(6) as u32).collect();
            let mut b: Vec<u32> = (0..next(5)).map(|_| next(6) as u32).collect();
            a.sort_unstable();
            b.sort_unstable();
            let count = |p: &dyn Fn(u32, u32) -> bool| {
                a.iter()
                    .flat_map(|&x| b.iter().map(move |&y| (x, y)))
                    .filter(|&(x, y)| p(x, y))
                    .count() as u64
            };
            assert_eq!(
                ordered_pairs(&a, &b),
                (count(&|x, y| y < x), count(&|x, y| x < y)),
                "{a:?} {b:?}"
            );
        }
    }

    #[test]
    fn crossings_are_counted_exactly() {
        // 0-2 and 1-0 cross; 0-2 and 1-1 cross.
        let mut l = two_layers(2, 3, &[(0, 2), (1, 0), (1, 1)]);
        l.layers = vec![vec![0, 1], vec![2, 3, 4]];
        l.update_positions();
        assert_eq!(total_crossings(&l), 2);
        // Brute force agrees on a denser case.
        let edges: Vec<(u32, u32)> = (0..6u32)
            .flat_map(|a| {
                (0..5u32)
                    .filter(move |b| (a * 7 + b * 3) % 4 == 0)
                    .map(move |b| (a, b))
            })
            .collect();
        let mut l = two_layers(6, 5, &edges);
        l.layers = vec![(0..6).collect(), (6..11).rev().collect()];
        l.update_positions();
        let mut brute = 0;
        for (i, &(a1, b1)) in edges.iter().enumerate() {
            for &(a2, b2) in &edges[i + 1..] {
                let (pa1, pa2) = (l.pos[a1 as usize], l.pos[a2 as usize]);
                let (pb1, pb2) = (l.pos[6 + b1 as usize], l.pos[6 + b2 as usize]);
                if (pa1 < pa2 && pb1 > pb2) || (pa1 > pa2 && pb1 < pb2) {
                    brute += 1;
                }
            }
        }
        assert_eq!(total_crossings(&l), brute);
    }

    #[test]
    fn breadth_first_orders_follow_the_sources_or_the_sinks() {
        // Upper 0, 1; lower 2, 3, 4 (indices 0, 1, 2). 1 calls lower 2 then 0; 0 calls 1.
        let mut l = two_layers(2, 3, &[(1, 2), (1, 0), (0, 1)]);
        breadth_first_order(&mut l, true);
        assert_eq!(l.layers, vec![vec![0, 1], vec![3, 4, 2]]);
        assert_eq!(l.pos[3], 0);
        breadth_first_order(&mut l, false);
        // From sink 2 up to 1, down again to 4; then sink 3 and its caller 0.
        assert_eq!(l.layers, vec![vec![1, 0], vec![2, 4, 3]]);
    }

    #[test]
    fn equal_swaps_happen_only_when_asked() {
        // 0 and 1 each cross the other's edge once whichever goes first.
        let mut l = two_layers(2, 2, &[(0, 1), (0, 0), (1, 0), (1, 1)]);
        l.layers = vec![vec![0, 1], vec![2, 3]];
        l.update_positions();
        let before = total_crossings(&l);
        transpose(&mut l, false);
        assert_eq!(l.layers[0], vec![0, 1]);
        transpose(&mut l, true);
        assert_ne!(l.layers, vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(total_crossings(&l), before);
    }

    #[test]
    fn passing_over_unstirred_layers_changes_nothing() {
        // Transposition as it went before it left out layers where nothing changed: every
        // layer in every pass. On random layerings both end in the same order and count
        // the same work, with and without equal swaps.
        fn every_layer(l: &mut Layered, equal: bool) -> (usize, usize) {
            let mut work = 0;
            let mut ends = Ends::new(l.layer.len());
            for pass in 1..=TRANSPOSE_PASSES {
                let mut improved = false;
                for i in 0..l.layers.len() {
                    ends.fill(l, i);
                    for j in 0..l.layers[i].len().saturating_sub(1) {
                        let (u, v) = (l.layers[i][j] as usize, l.layers[i][j + 1] as usize);
                        work += l.up.neighbours(u).len()
                            + l.up.neighbours(v).len()
                            + l.down.neighbours(u).len()
                            + l.down.neighbours(v).len()
                            + 1;
                        let (keep, swap) = ends.crossings(u, v);
                        if swap < keep || (equal && swap == keep && keep > 0) {
                            l.layers[i].swap(j, j + 1);
                            l.pos[u] = (j + 1) as u32;
                            l.pos[v] = j as u32;
                            improved |= swap < keep;
                        }
                    }
                }
                if !improved || pass == TRANSPOSE_PASSES {
                    return (work, pass);
                }
            }
            (work, 0)
        }
        let mut next = crate::layout::test_sequence(29);
        // Rounds of more than two passes, where some layers were surely left out.
        let mut many_passes = 0;
        for round in 0..60 {
            let layers = 3 + next(6) as u32;
            let n = 10 + next(40) as usize;
            let layer: Vec<u32> = (0..n).map(|_| next(u64::from(layers)) as u32).collect();
            let mut segments = Vec::new();
            for _ in 0..2 * n {
                let (a, b) = (next(n as u64) as u32, next(n as u64) as u32);
                if layer[b as usize] == layer[a as usize] + 1 && !segments.contains(&(a, b)) {
                    segments.push((a, b));
                }
            }
            let equal = round % 2 == 1;
            let mut l = Layered::new(layer.clone(), n, &segments);
            let mut reference = Layered::new(layer, n, &segments);
            let work = transpose(&mut l, equal);
            let (reference_work, passes) = every_layer(&mut reference, equal);
            assert_eq!(work, reference_work, "{segments:?}");
            assert_eq!(l.layers, reference.layers, "{segments:?}");
            many_passes += usize::from(passes > 2);
        }
        assert!(many_passes > 0);
    }

    #[test]
    fn a_crossing_that_can_be_undone_is_undone() {
        let mut l = two_layers(2, 2, &[(0, 1), (1, 0)]);
        assert_eq!(reduce_crossings(&mut l), 0);
    }

    #[test]
    fn a_part_hanging_off_one_vertex_moves_to_the_edge_of_its_layers() {
        // a0 → a1 → t and x, b0 → b1 → x, and the chain c0 → c1 → t drawn between a and b,
        // so that c1 → t crosses a1 → x. The chain hangs off t alone (and b's part off a1):
        // moved to the top or the bottom of its layers, nothing crosses.
        let layer = vec![0, 1, 0, 1, 0, 1, 2, 2]; // a0 a1 c0 c1 b0 b1 t x
        let segments = [(0, 1), (2, 3), (4, 5), (1, 6), (3, 6), (1, 7), (5, 7)];
        let mut l = Layered::new(layer, 8, &segments);
        let before = l.layers.clone();
        assert_eq!(total_crossings(&l), 1);
        assert_eq!(move_pendants(&mut l, 1), 0);
        assert_eq!(total_crossings(&l), 0);
        for (now, was) in l.layers.iter().zip(&before) {
            let (mut now, mut was) = (now.clone(), was.clone());
            now.sort_unstable();
            was.sort_unstable();
            assert_eq!(now, was);
        }
        // Nothing to gain: the order stays.
        let mut kept = Layered::new(vec![0, 1, 0, 1], 4, &[(0, 1), (2, 3)]);
        let order = kept.layers.clone();
        assert_eq!(move_pendants(&mut kept, 0), 0);
        assert_eq!(kept.layers, order);
    }

    #[test]
    fn a_box_moves_to_the_rank_where_it_crosses_least() {
        // Four boxes of one vertex each: a and c in the upper layer, b and d in the lower;
        // a calls d and c calls b. Ranked by where they sit (a, b, c, d), the calls cross,
        // and no sweep can swap b and d, which are in different boxes.
        let mut l = two_layers(2, 2, &[(0, 1), (1, 0)]);
        let boxes = [0, 1, 2, 3];
        let mut ranked = two_layers(2, 2, &[(0, 1), (1, 0)]);
        ranked.block = vec![0, 2, 1, 3];
        assert_eq!(
            improve(&mut ranked).0,
            1,
            "without moving boxes the calls cross"
        );
        assert_eq!(group(&mut l, &boxes, 4, true), 0);
        assert_eq!(total_crossings(&l), 0);
        // Each layer in rank order: one box of a pair moved past the other.
        for layer in &l.layers {
            assert!(
                layer
                    .windows(2)
                    .all(|w| l.block[w[0] as usize] < l.block[w[1] as usize])
            );
        }
    }

    #[test]
    fn swapping_two_boxes_keeps_the_count_and_twice_restores_every_layer() {
        let mut next = crate::layout::test_sequence(11);
        for _ in 0..100 {
            let count = 2 + next(5) as u32;
            let layers = 2 + next(4) as usize;
            let n = layers * (1 + next(6) as usize);
            let layer: Vec<u32> = (0..n).map(|_| next(layers as u64) as u32).collect();
            let segments: Vec<(u32, u32)> = (0..2 * n)
                .map(|_| (next(n as u64) as u32, next(n as u64) as u32))
                .filter(|&(a, b)| layer[b as usize] == layer[a as usize] + 1)
                .collect();
            let mut l = Layered::new(layer, n, &segments);
            l.block = (0..n).map(|_| next(u64::from(count)) as u32).collect();
            let block = l.block.clone();
            for layer in &mut l.layers {
                layer.sort_by_key(|&v| block[v as usize]);
            }
            l.update_positions();
            let before = l.layers.clone();
            let mut per_pair = crossings_per_pair(&l);
            let mut scratch = (Vec::new(), Vec::new());
            let r = next(u64::from(count - 1)) as u32;
            let sum = per_pair.iter().sum();
            let total = swap_ranks(&mut l, r, &mut per_pair, &mut scratch, sum);
            // The count kept up to date is the count, and the layers are still in rank order.
            assert_eq!(total, total_crossings(&l));
            for layer in &l.layers {
                assert!(
                    layer
                        .windows(2)
                        .all(|w| l.block[w[0] as usize] <= l.block[w[1] as usize])
                );
                assert!(
                    layer
                        .iter()
                        .enumerate()
                        .all(|(k, &v)| l.pos[v as usize] as usize == k)
                );
            }
            assert!((0..n).all(|v| block[v] != r || l.block[v] == r + 1));
            swap_ranks(&mut l, r, &mut per_pair, &mut scratch, total);
            assert_eq!(l.layers, before);
            assert_eq!(l.block, block);
        }
    }

    #[test]
    fn the_weighted_median_leans_to_the_side_whose_ends_lie_closer_together() {
        let near = |ends: &[u32], m: f64| (weighted_median(ends) - m).abs() < 1e-12;
        assert!(near(&[4], 4.0));
        assert!(near(&[1, 2, 9], 2.0));
        assert!(near(&[2, 5], 3.5));
        // Middle ends 1 and 3; the left pair spans 1, the right one 7: 1 + 2 × 1/8.
        assert!(near(&[0, 1, 3, 10], 1.25));
        assert!(near(&[0, 7, 9, 10], 8.75));
        assert!(near(&[2, 2, 2, 2], 2.0));
    }

    #[test]
    fn a_median_sweep_sorts_around_vertices_without_neighbours_and_turns_ties_when_asked() {
        // Upper 0, 1, 2; lower 3, 4, 5, 6. 3 hangs under 2, 5 under 0, 6 under 1; 4 has no
        // neighbour above and keeps its place while the others sort around it.
        let mut l = two_layers(3, 4, &[(2, 0), (0, 2), (1, 3)]);
        median_sweep(&mut l, true, false);
        assert_eq!(l.layers[1], vec![5, 4, 6, 3]);
        assert!((0..4).all(|k| l.pos[l.layers[1][k] as usize] as usize == k));
        // Both lower vertices under the one upper: equal keys keep their order, or turn it.
        let mut l = two_layers(1, 2, &[(0, 0), (0, 1)]);
        median_sweep(&mut l, true, false);
        assert_eq!(l.layers[1], vec![1, 2]);
        median_sweep(&mut l, true, true);
        assert_eq!(l.layers[1], vec![2, 1]);
        // Upward, by the neighbours below.
        let mut l = two_layers(2, 2, &[(0, 1), (1, 0)]);
        median_sweep(&mut l, false, false);
        assert_eq!(l.layers[0], vec![1, 0]);
    }

    #[test]
    fn a_median_sweep_keeps_each_block_in_its_own_slots() {
        // Lower 2, 3 are block 0 and 4, 5 block 1; their keys would interleave them.
        let mut l = two_layers(2, 4, &[(1, 0), (0, 1), (1, 2), (0, 3)]);
        l.block = vec![0, 0, 0, 0, 1, 1];
        median_sweep(&mut l, true, false);
        assert_eq!(l.layers[1], vec![3, 2, 5, 4]);
    }

    #[test]
    fn a_descent_in_steps_leaves_its_best_order_and_never_adds_crossings() {
        // One gateway over 60 callers, each calling one to three of 20 stores: the layer of
        // callers is ordered only by the stores, where sweeps undo each other.
        let mut next = crate::layout::test_sequence(29);
        for _ in 0..6 {
            let mut segments: Vec<(u32, u32)> = (1..61).map(|c| (0, c)).collect();
            for c in 1..61u32 {
                for _ in 0..=next(3) {
                    let store = 61 + next(20) as u32;
                    if !segments.contains(&(c, store)) {
                        segments.push((c, store));
                    }
                }
            }
            let layer: Vec<u32> = (0..81u32)
                .map(|v| u32::from(v > 0) + u32::from(v > 60))
                .collect();
            let mut l = Layered::new(layer, 81, &segments);
            initial_order(&mut l);
            let before = total_crossings(&l);
            let (best, _) = descend_in_steps(&mut l);
            assert!(best < before, "{best} against {before} at the start");
            assert_eq!(best, total_crossings(&l));
            for (i, layer) in l.layers.iter().enumerate() {
                let mut sorted = layer.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), layer.len());
                assert!(layer.iter().all(|&v| l.layer[v as usize] as usize == i));
                assert!(
                    layer
                        .iter()
                        .enumerate()
                        .all(|(k, &v)| l.pos[v as usize] as usize == k)
                );
            }
        }
    }
}
