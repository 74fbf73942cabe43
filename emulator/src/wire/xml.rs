//! A small XML writer over quick-xml for the query protocols' responses: elements, escaped text,
//! `member` lists. Response DTOs describe themselves through [`ToXml`].

use std::io::Write as _;

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// Builds an XML document element by element; text is always escaped.
pub struct Writer {
    inner: quick_xml::Writer<Vec<u8>>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// An empty document.
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: quick_xml::Writer::new(Vec::new()),
        }
    }

    fn write(&mut self, event: Event<'_>) {
        // Writing into a Vec<u8> cannot fail.
        let _ = self.inner.write_event(event);
    }

    /// `<name>`.
    pub fn open(&mut self, name: &str) {
        self.write(Event::Start(BytesStart::new(name)));
    }

    /// `<name xmlns="ns">`.
    pub fn open_ns(&mut self, name: &str, xmlns: &str) {
        let mut start = BytesStart::new(name);
        start.push_attribute(("xmlns", xmlns));
        self.write(Event::Start(start));
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.write(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.write(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// Escaped text inside the element being written (a list of plain strings' `<member>`).
    pub fn text(&mut self, text: &str) {
        self.write(Event::Text(BytesText::new(text)));
    }

    /// `<name>text</name>` when there is a value.
    pub fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// `<name><member>…</member>…</name>`, each item written by `item`.
    pub fn members<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut Self, T),
    ) {
        self.open(name);
        for value in items {
            self.open("member");
            item(self, value);
            self.close("member");
        }
        self.close(name);
    }

    /// `<name><item>…</item>…</name>` (EC2 spells list entries `item`).
    pub fn items<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut Self, T),
    ) {
        self.open(name);
        for value in items {
            self.open("item");
            item(self, value);
            self.close("item");
        }
        self.close(name);
    }

    /// Appends already-written XML as is (the result body a service produced).
    pub fn raw(&mut self, xml: &str) {
        let _ = self.inner.get_mut().write_all(xml.as_bytes());
    }

    /// Writes a value that knows its own elements.
    pub fn value(&mut self, value: &impl ToXml) {
        value.write_xml(self);
    }

    /// The document as a string.
    #[must_use]
    pub fn finish(self) -> String {
        String::from_utf8(self.inner.into_inner()).unwrap_or_default()
    }
}

/// A response shape that writes its own child elements (the caller writes the enclosing element).
pub trait ToXml {
    /// Writes this value's elements into `w`.
    fn write_xml(&self, w: &mut Writer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_nests_members() {
        let mut w = Writer::new();
        w.open("R");
        w.leaf("Doc", "<a & \"b\">");
        w.members("Names", ["x", "y"], |w, n| w.leaf("Name", n));
        w.close("R");
        assert_eq!(
            w.finish(),
            "<R><Doc>&lt;a &amp; &quot;b&quot;&gt;</Doc><Names><member><Name>x</Name></member><member><Name>y</Name></member></Names></R>"
        );
    }
}
