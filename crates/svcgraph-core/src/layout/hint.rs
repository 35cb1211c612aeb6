//! Where an earlier drawing put each node, so that a new layout of a changed graph keeps
//! persisting nodes in place (a live view refreshing every few seconds must not jump).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Point;

/// Node centers of an earlier drawing, by node id. Give it to
/// [`SvgOptions::hint`](crate::SvgOptions::hint) (or, by input index, to
/// [`LayoutOptions::previous`](super::LayoutOptions::previous)): nodes it names keep their
/// place as far as the new graph allows, new nodes are fitted in around them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LayoutHint {
    /// Center of each node, by node id.
    pub nodes: BTreeMap<String, Point>,
}

impl LayoutHint {
    /// Whether it names no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// How many nodes it names.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Where node `id` was drawn.
    pub fn get(&self, id: &str) -> Option<Point> {
        self.nodes.get(id).copied()
    }
}
