//! Where to draw a [`ServiceMap`]: a layered layout, callers on the left and
//! callees on the right, computed here so it is tested natively and the view
//! only draws boxes and polylines.
//!
//! 1. **Cycles broken**: a depth-first walk from the nodes in map order
//!    (busiest first), edges in map order; an edge back to a node still on
//!    the walk's stack is set aside for ranking (drawn right to left).
//! 2. **Ranks**: the longest path from a node without callers, so every
//!    caller sits left of its callees.
//! 3. **Long edges** get a point in each layer they cross (a "dummy"
//!    slot with a small height), so they bend around boxes, not through them.
//! 4. **Order in a layer**: barycentre sweeps, left to right then right to
//!    left, [`SWEEPS`] times; each node moves to the mean position of its
//!    neighbours in the layer before. The order with the fewest crossings
//!    seen is kept.
//! 5. **Coordinates**: a layer is a column as wide as its widest box; boxes
//!    are stacked in order with [`GAP_Y`] between them and each is pulled
//!    toward the mean height of its neighbours on the left without passing
//!    the box above it, so edges run as straight as the order allows.
//!    Boxes never overlap: columns are apart and a column's boxes are stacked.
//!
//! Box sizes come from the label: [`CHAR_WIDTH`] per character plus padding,
//! between [`MIN_WIDTH`] and [`MAX_WIDTH`] (a longer name is cut by the view).
//! Everything is in pixels with the origin at the top left.
//!
//! ```text
//!  load-generator ─▶ frontend-proxy ─▶ frontend ─▶ cart ─────▶ valkey-cart
//!                                           └───▶ product-catalog ─▶ astronomy-db
//! ```

use super::{ServiceMap, ServiceNode};
use serde::{Deserialize, Serialize};

/// Estimated width of one character of a node's label (12 px sans-serif).
pub const CHAR_WIDTH: f64 = 7.5;
/// Horizontal padding inside a box, both sides together.
pub const PADDING_X: f64 = 24.0;
/// Narrowest box.
pub const MIN_WIDTH: f64 = 96.0;
/// Widest box.
pub const MAX_WIDTH: f64 = 280.0;
/// Box height: the name and one line of numbers.
pub const NODE_HEIGHT: f64 = 44.0;
/// Height a long edge takes where it crosses a layer.
pub const DUMMY_HEIGHT: f64 = 8.0;
/// Space between the columns of two layers (where edges run).
pub const GAP_X: f64 = 96.0;
/// Space between two boxes of one column.
pub const GAP_Y: f64 = 24.0;
/// Space around the drawing.
pub const MARGIN: f64 = 16.0;
/// Barycentre sweeps (each is one pass left to right and one back).
pub const SWEEPS: usize = 8;

/// A point in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// From the left.
    pub x: f64,
    /// From the top.
    pub y: f64,
}

/// A node's box: top-left corner and size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Its layer, 0 for the leftmost.
    pub layer: u32,
}

/// An edge's polyline, from the caller's box to the callee's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EdgePath {
    /// At least two points.
    pub points: Vec<Point>,
    /// True when it runs right to left (it closes a cycle of calls).
    pub backward: bool,
}

/// A map placed for drawing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// One box per node, in the order of [`ServiceMap::nodes`].
    pub nodes: Vec<NodeBox>,
    /// One path per edge, in the order of [`ServiceMap::edges`].
    pub edges: Vec<EdgePath>,
}

/// The width of the box for a label of `name`.
pub fn box_width(name: &str) -> f64 {
    (name.chars().count() as f64 * CHAR_WIDTH + PADDING_X).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// A slot in a layer: a node, or a long edge passing through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Slot {
    Node(usize),
    /// Edge `edge`'s point in this layer.
    Pass(usize),
}

/// Lays out `map` (see the module docs) with boxes as wide as their names.
/// Deterministic: the same map gives the same layout.
pub fn layout(map: &ServiceMap) -> Layout {
    layout_with(map, &|node| box_width(&node.name))
}

/// Lays out `map` with each node's box `width(node)` wide: a view that
/// writes more than the name in a box sizes it for what it writes.
pub fn layout_with(map: &ServiceMap, width: &dyn Fn(&ServiceNode) -> f64) -> Layout {
    let n = map.nodes.len();
    let index: hashbrown::HashMap<&str, usize> = map
        .nodes
        .iter()
        .enumerate()
        .map(|(i, v)| (v.name.as_str(), i))
        .collect();
    // Edges by node position; an edge naming an unknown node, or a node
    // itself, takes no part in the layout (a map from `ServiceMap::of` has none).
    let ends: Vec<Option<(usize, usize)>> = map
        .edges
        .iter()
        .map(|e| Some((*index.get(e.caller.as_str())?, *index.get(e.callee.as_str())?)).filter(|(a, b)| a != b))
        .collect();
    let backward = back_edges(n, &ends);
    let rank = ranks(n, &ends, &backward);
    let mut layers = layers(&rank, &ends);
    order(&mut layers, &ends, &rank);
    place(map, &layers, &ends, &rank, &backward, width)
}

/// Which edges close a cycle: found by a depth-first walk in map order.
fn back_edges(n: usize, ends: &[Option<(usize, usize)>]) -> Vec<bool> {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (e, &(a, b)) in ends.iter().enumerate().filter_map(|(e, x)| Some((e, x.as_ref()?))) {
        out[a].push((e, b));
    }
    // 0: not seen, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    let mut backward = vec![false; ends.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&(e, to)) = out[node].get(*next) {
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => backward[e] = true,
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    backward
}

/// Longest path from a node without (forward) callers, over the forward edges.
fn ranks(n: usize, ends: &[Option<(usize, usize)>], backward: &[bool]) -> Vec<usize> {
    let forward: Vec<(usize, usize)> = ends
        .iter()
        .zip(backward)
        .filter_map(|(e, &back)| e.filter(|_| !back))
        .collect();
    let mut callers = vec![0usize; n];
    for &(_, b) in &forward {
        callers[b] += 1;
    }
    let mut rank = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| callers[v] == 0).collect();
    // Kahn's order over a graph without cycles reaches every node.
    while let Some(v) = ready.pop() {
        for &(a, b) in forward.iter().filter(|(a, _)| *a == v) {
            rank[b] = rank[b].max(rank[a] + 1);
            callers[b] -= 1;
            if callers[b] == 0 {
                ready.push(b);
            }
        }
    }
    rank
}

/// The slots of each layer: nodes in map order, then the passes of long edges.
fn layers(rank: &[usize], ends: &[Option<(usize, usize)>]) -> Vec<Vec<Slot>> {
    let depth = rank.iter().copied().max().map_or(0, |r| r + 1);
    let mut layers: Vec<Vec<Slot>> = vec![Vec::new(); depth];
    for (v, &r) in rank.iter().enumerate() {
        layers[r].push(Slot::Node(v));
    }
    for (e, &(a, b)) in ends.iter().enumerate().filter_map(|(e, x)| Some((e, x.as_ref()?))) {
        let (low, high) = (rank[a].min(rank[b]), rank[a].max(rank[b]));
        for layer in layers.iter_mut().take(high).skip(low + 1) {
            layer.push(Slot::Pass(e));
        }
    }
    layers
}

/// The slot a slot connects to in the layer on its left (`left`) or right:
/// the neighbours the barycentre is taken over.
fn neighbours(slot: Slot, layer: usize, left: bool, ends: &[Option<(usize, usize)>], rank: &[usize]) -> Vec<Slot> {
    let target = if left { layer.checked_sub(1) } else { Some(layer + 1) };
    let Some(target) = target else {
        return Vec::new();
    };
    // The slot of edge `e` (from `a` to `b`) in layer `target`.
    let at = |e: usize, a: usize, b: usize| -> Option<Slot> {
        let (low, high) = (rank[a].min(rank[b]), rank[a].max(rank[b]));
        if target == rank[a] {
            Some(Slot::Node(a))
        } else if target == rank[b] {
            Some(Slot::Node(b))
        } else {
            (low < target && target < high).then_some(Slot::Pass(e))
        }
    };
    match slot {
        Slot::Node(v) => ends
            .iter()
            .enumerate()
            .filter_map(|(e, x)| {
                let (a, b) = (*x)?;
                if a == v || b == v { at(e, a, b) } else { None }
            })
            .collect(),
        Slot::Pass(e) => ends
            .get(e)
            .copied()
            .flatten()
            .and_then(|(a, b)| at(e, a, b))
            .into_iter()
            .collect(),
    }
}

/// Barycentre sweeps, keeping the order with the fewest crossings.
fn order(layers: &mut [Vec<Slot>], ends: &[Option<(usize, usize)>], rank: &[usize]) {
    let mut best = layers.to_vec();
    let mut best_crossings = crossings(layers, ends, rank);
    for _ in 0..SWEEPS {
        for l in 1..layers.len() {
            sort_by_barycentre(layers, l, true, ends, rank);
        }
        for l in (0..layers.len().saturating_sub(1)).rev() {
            sort_by_barycentre(layers, l, false, ends, rank);
        }
        let now = crossings(layers, ends, rank);
        if now < best_crossings {
            best_crossings = now;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
}

/// Orders layer `l` by the mean position of each slot's neighbours on the
/// left (or right); a slot without any keeps its position. Stable, so equal
/// barycentres keep their order.
fn sort_by_barycentre(layers: &mut [Vec<Slot>], l: usize, left: bool, ends: &[Option<(usize, usize)>], rank: &[usize]) {
    let other = if left { l.checked_sub(1) } else { Some(l + 1) };
    let Some(other) = other.and_then(|o| layers.get(o)) else {
        return;
    };
    let position = |s: Slot| other.iter().position(|&o| o == s);
    let Some(layer) = layers.get(l) else {
        return;
    };
    let mut keyed: Vec<(f64, Slot)> = layer
        .iter()
        .enumerate()
        .map(|(i, &slot)| {
            let near: Vec<usize> = neighbours(slot, l, left, ends, rank)
                .into_iter()
                .filter_map(position)
                .collect();
            let key = if near.is_empty() {
                i as f64
            } else {
                near.iter().sum::<usize>() as f64 / near.len() as f64
            };
            (key, slot)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(layer) = layers.get_mut(l) {
        *layer = keyed.into_iter().map(|(_, s)| s).collect();
    }
}

/// Crossings between adjacent layers: pairs of segments whose ends are in
/// opposite orders.
fn crossings(layers: &[Vec<Slot>], ends: &[Option<(usize, usize)>], rank: &[usize]) -> usize {
    let mut total = 0;
    for l in 0..layers.len().saturating_sub(1) {
        let (here, next) = (&layers[l], &layers[l + 1]);
        let mut segments: Vec<(usize, usize)> = Vec::new();
        for (i, &slot) in here.iter().enumerate() {
            for n in neighbours(slot, l, false, ends, rank) {
                if let Some(j) = next.iter().position(|&s| s == n) {
                    segments.push((i, j));
                }
            }
        }
        for (x, a) in segments.iter().enumerate() {
            for b in &segments[x + 1..] {
                if (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1) {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Coordinates of every box and edge path.
fn place(
    map: &ServiceMap,
    layers: &[Vec<Slot>],
    ends: &[Option<(usize, usize)>],
    rank: &[usize],
    backward: &[bool],
    width: &dyn Fn(&ServiceNode) -> f64,
) -> Layout {
    let height_of = |s: Slot| match s {
        Slot::Node(_) => NODE_HEIGHT,
        Slot::Pass(_) => DUMMY_HEIGHT,
    };
    let width_of = |s: Slot| match s {
        Slot::Node(v) => map.nodes.get(v).map_or(MIN_WIDTH, width),
        Slot::Pass(_) => 0.0,
    };
    // Column left edges and widths.
    let mut column_x = Vec::with_capacity(layers.len());
    let mut column_w = Vec::with_capacity(layers.len());
    let mut x = MARGIN;
    for layer in layers {
        let w = layer.iter().map(|&s| width_of(s)).fold(0.0, f64::max).max(DUMMY_HEIGHT);
        column_x.push(x);
        column_w.push(w);
        x += w + GAP_X;
    }
    // Vertical centres, layer by layer, pulled toward the left neighbours.
    let mut centre: hashbrown::HashMap<(usize, Slot), f64> = hashbrown::HashMap::new();
    for (l, layer) in layers.iter().enumerate() {
        let mut floor = MARGIN;
        for &slot in layer {
            let h = height_of(slot);
            let wanted: Vec<f64> = neighbours(slot, l, true, ends, rank)
                .into_iter()
                .filter_map(|n| centre.get(&(l.wrapping_sub(1), n)).copied())
                .collect();
            let top = if wanted.is_empty() {
                floor
            } else {
                (wanted.iter().sum::<f64>() / wanted.len() as f64 - h / 2.0).max(floor)
            };
            centre.insert((l, slot), top + h / 2.0);
            floor = top + h + GAP_Y;
        }
    }
    let y_of = |l: usize, s: Slot| centre.get(&(l, s)).copied().unwrap_or(MARGIN);
    let nodes: Vec<NodeBox> = (0..map.nodes.len())
        .map(|v| {
            let l = rank.get(v).copied().unwrap_or(0);
            let w = width_of(Slot::Node(v));
            // Centred in its column, so a column's edges leave from one line.
            let left = column_x.get(l).copied().unwrap_or(MARGIN) + (column_w.get(l).copied().unwrap_or(w) - w) / 2.0;
            NodeBox {
                x: left,
                y: y_of(l, Slot::Node(v)) - NODE_HEIGHT / 2.0,
                w,
                h: NODE_HEIGHT,
                layer: l as u32,
            }
        })
        .collect();
    let edges: Vec<EdgePath> = ends
        .iter()
        .enumerate()
        .map(|(e, x)| {
            let Some((a, b)) = *x else {
                return EdgePath::default();
            };
            let (from, to) = (nodes[a], nodes[b]);
            let back = backward.get(e).copied().unwrap_or(false) || rank[a] > rank[b];
            let mut points = Vec::new();
            if back {
                points.push(Point {
                    x: from.x,
                    y: from.y + from.h / 2.0,
                });
                for l in (rank[b] + 1..rank[a]).rev() {
                    points.push(pass_point(&column_x, &column_w, l, y_of(l, Slot::Pass(e))));
                }
                points.push(Point {
                    x: to.x + to.w,
                    y: to.y + to.h / 2.0,
                });
            } else {
                points.push(Point {
                    x: from.x + from.w,
                    y: from.y + from.h / 2.0,
                });
                for l in rank[a] + 1..rank[b] {
                    points.push(pass_point(&column_x, &column_w, l, y_of(l, Slot::Pass(e))));
                }
                points.push(Point {
                    x: to.x,
                    y: to.y + to.h / 2.0,
                });
            }
            EdgePath { points, backward: back }
        })
        .collect();
    let width = nodes.iter().map(|b| b.x + b.w).fold(0.0, f64::max) + MARGIN;
    let height = centre
        .iter()
        .map(|(&(_, s), &c)| c + height_of(s) / 2.0)
        .fold(0.0, f64::max)
        + MARGIN;
    Layout {
        width,
        height,
        nodes,
        edges,
    }
}

/// Where a long edge crosses layer `l`: the middle of its column.
fn pass_point(column_x: &[f64], column_w: &[f64], l: usize, y: f64) -> Point {
    Point {
        x: column_x.get(l).copied().unwrap_or(0.0) + column_w.get(l).copied().unwrap_or(0.0) / 2.0,
        y,
    }
}
