//! Which preset a saved response was produced by, from its labels alone.

use super::{NodeKey, Schema, Side};
use crate::series::{Sample, SeriesSet};

/// How many series are looked at: labels are uniform within one response.
const LOOK_AT: usize = 200;

impl Schema {
    /// The preset whose labels fit the series, or `None` when there are no series or none
    /// fits. A preset fits when every series names both ends with its labels and carries no
    /// selector label with another value (a selector label that was summed away is fine).
    /// Among fitting presets, the one with the most positive evidence wins (its selector
    /// labels or address labels present); ties go to the order of [`Schema::PRESETS`].
    pub fn detect(series: &SeriesSet) -> Option<Schema> {
        let samples = &series.samples[..series.samples.len().min(LOOK_AT)];
        if samples.is_empty() {
            return None;
        }
        let mut best: Option<(usize, Schema)> = None;
        for schema in Schema::presets() {
            let Some(evidence) = samples
                .iter()
                .map(|s| schema.evidence(s))
                .try_fold(0, |sum, e| e.map(|e| sum + e))
            else {
                continue;
            };
            if best.as_ref().is_none_or(|(b, _)| evidence > *b) {
                best = Some((evidence, schema));
            }
        }
        best.map(|(_, schema)| schema)
    }

    /// `None` when the sample does not fit, else how many of its labels speak for the schema.
    fn evidence(&self, sample: &Sample) -> Option<usize> {
        let mut evidence = 0;
        for m in &self.selector {
            if sample.labels.contains_key(m.label()) {
                if !m.matches(&sample.labels) {
                    return None;
                }
                evidence += 1;
            }
        }
        let named = |side: &Side| {
            side.name
                .iter()
                .chain(&side.external)
                .any(|l| sample.label(l).is_some())
        };
        if !named(&self.client) || !named(&self.server) {
            return None;
        }
        if self.key == NodeKey::Address {
            let addresses = [&self.client.address, &self.server.address]
                .into_iter()
                .flatten()
                .filter(|l| sample.label(l).is_some())
                .count();
            if addresses == 0 {
                return None;
            }
            evidence += addresses;
        }
        Some(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(labels: &[(&str, &str)]) -> Option<String> {
        let set = SeriesSet::from_samples(vec![Sample::new(labels.iter().copied(), 1.0)]);
        Schema::detect(&set).map(|s| s.name)
    }

    #[test]
    fn each_producer_is_recognised_by_its_labels() {
        let seed = [
            ("client", "a"),
            ("client_address", "1.1.1.1"),
            ("server", "b"),
            ("server_address", "2.2.2.2"),
        ];
        assert_eq!(detect(&seed).as_deref(), Some("gmp-beyla"));
        let otel = [("client", "a"), ("server", "b"), ("connection_type", "")];
        assert_eq!(detect(&otel).as_deref(), Some("servicegraph"));
        let beyla = [("client", "a"), ("server", "b"), ("source", "beyla")];
        assert_eq!(detect(&beyla).as_deref(), Some("beyla"));
        let istio = [("source_workload", "a"), ("destination_workload", "b")];
        assert_eq!(detect(&istio).as_deref(), Some("istio"));
        let linkerd = [
            ("deployment", "a"),
            ("dst_deployment", "b"),
            ("direction", "outbound"),
        ];
        assert_eq!(detect(&linkerd).as_deref(), Some("linkerd"));
        assert_eq!(detect(&[("pod", "x")]), None);
        assert_eq!(Schema::detect(&SeriesSet::default()), None);
    }
}
