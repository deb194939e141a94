//! The payload buffer, optionally labelling its sections (for the size breakdown test).

#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) bytes: Vec<u8>,
    /// `Some` when sections are recorded: (label, start), each running to the next start.
    marks: Option<Vec<(String, usize)>>,
}

impl Out {
    #[cfg(test)]
    pub(crate) fn labelled() -> Self {
        Self { bytes: Vec::new(), marks: Some(Vec::new()) }
    }

    /// Starts a section; `label` is only called when labelling.
    pub(crate) fn mark(&mut self, label: impl FnOnce() -> String) {
        if let Some(m) = &mut self.marks {
            m.push((label(), self.bytes.len()));
        }
    }

    #[cfg(test)]
    /// The labelled byte ranges (empty when not labelling).
    pub(crate) fn sections(&self) -> Vec<(String, std::ops::Range<usize>)> {
        let marks = self.marks.as_deref().unwrap_or_default();
        let ends = marks.iter().skip(1).map(|m| m.1).chain([self.bytes.len()]);
        marks.iter().zip(ends).map(|((l, s), e)| (l.clone(), *s..e)).collect()
    }
}
