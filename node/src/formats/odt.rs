//! An [`Outline`] as an OpenDocument text (ODF 1.3, what LibreOffice writes natively). No
//! maintained Rust crate writes ODF text documents, so the package is built here with the
//! `zip` crate and every XML part with `quick-xml`'s writer (which escapes all text): the
//! `mimetype` entry first and stored, `META-INF/manifest.xml`, `meta.xml` (title, language),
//! `styles.xml` (Title and Heading 1–4, named as LibreOffice names its own, so its navigator
//! and table of contents find them) and `content.xml`.

use std::io::{Cursor, Write as _};

use quick_xml::{
    Writer,
    events::{BytesDecl, BytesText, Event},
};
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

use super::outline::{Block, Outline};
use crate::error::NodeError;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

/// The namespaces the parts use.
const NS: [(&str, &str); 8] = [
    ("xmlns:office", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    ("xmlns:style", "urn:oasis:names:tc:opendocument:xmlns:style:1.0"),
    ("xmlns:text", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
    ("xmlns:table", "urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    ("xmlns:fo", "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"),
    ("xmlns:meta", "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"),
    ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
    ("xmlns:manifest", "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"),
];

/// Heading font sizes, level 1 first; deeper levels use the last.
const HEADING_SIZES: [&str; 4] = ["16pt", "14pt", "12pt", "11pt"];

type Xml = Writer<Vec<u8>>;
type XmlResult = std::io::Result<()>;

/// The outline as ODT bytes.
pub(crate) fn write(outline: &Outline) -> Result<Vec<u8>, NodeError> {
    let err = |e: &dyn std::fmt::Display| NodeError::Corrupt(format!("writing ODT: {e}"));
    let parts = [
        ("META-INF/manifest.xml", manifest().map_err(|e| err(&e))?),
        ("meta.xml", meta(outline).map_err(|e| err(&e))?),
        ("styles.xml", styles(outline).map_err(|e| err(&e))?),
        ("content.xml", content(outline).map_err(|e| err(&e))?),
    ];
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // ODF 1.3 part 2, 3.3: `mimetype` first, uncompressed, so tools recognise the file.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("mimetype", stored).map_err(|e| err(&e))?;
    zip.write_all(MIMETYPE.as_bytes()).map_err(|e| err(&e))?;
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(name, deflated).map_err(|e| err(&e))?;
        zip.write_all(&bytes).map_err(|e| err(&e))?;
    }
    Ok(zip.finish().map_err(|e| err(&e))?.into_inner())
}

fn document(
    root: &str,
    attrs: &[(&str, &str)],
    body: impl FnOnce(&mut Xml) -> XmlResult,
) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element(root)
        .with_attributes(NS.iter().copied())
        .with_attributes(attrs.iter().copied())
        .with_attribute(("office:version", "1.3"))
        .write_inner_content(body)?;
    Ok(w.into_inner())
}

fn manifest() -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("manifest:manifest")
        .with_attribute(NS[7])
        .with_attribute(("manifest:version", "1.3"))
        .write_inner_content(|w| {
        for (path, ty) in [
            ("/", MIMETYPE),
            ("content.xml", "text/xml"),
            ("styles.xml", "text/xml"),
            ("meta.xml", "text/xml"),
        ] {
            w.create_element("manifest:file-entry")
                .with_attribute(("manifest:full-path", path))
                .with_attribute(("manifest:media-type", ty))
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(w.into_inner())
}

fn meta(outline: &Outline) -> std::io::Result<Vec<u8>> {
    document("office:document-meta", &[], |w| {
        w.create_element("office:meta").write_inner_content(|w| {
            w.create_element("meta:generator").write_text_content(BytesText::new("Twinmesh"))?;
            w.create_element("dc:title").write_text_content(BytesText::new(&outline.title))?;
            w.create_element("dc:language").write_text_content(BytesText::new(outline.lang.locale()))?;
            Ok(())
        })?;
        Ok(())
    })
}

/// A paragraph style with a font size and weight.
fn para_style(
    w: &mut Xml,
    name: &str,
    display: &str,
    size: &str,
    bold: bool,
    level: Option<usize>,
) -> XmlResult {
    let mut el = w
        .create_element("style:style")
        .with_attribute(("style:name", name))
        .with_attribute(("style:display-name", display))
        .with_attribute(("style:family", "paragraph"));
    let level_text = level.map(|l| l.to_string());
    if let Some(l) = &level_text {
        el = el.with_attribute(("style:default-outline-level", l.as_str()));
    }
    el.write_inner_content(|w| {
        w.create_element("style:paragraph-properties")
            .with_attribute(("fo:margin-top", "0.25cm"))
            .with_attribute(("fo:margin-bottom", "0.15cm"))
            .write_empty()?;
        w.create_element("style:text-properties")
            .with_attribute(("fo:font-size", size))
            .with_attribute(("fo:font-weight", if bold { "bold" } else { "normal" }))
            .write_empty()?;
        Ok(())
    })?;
    Ok(())
}

fn styles(outline: &Outline) -> std::io::Result<Vec<u8>> {
    let locale = outline.lang.locale();
    let (language, country) = locale.split_once('-').unwrap_or((locale, ""));
    document("office:document-styles", &[], |w| {
        w.create_element("office:styles").write_inner_content(|w| {
            // The document's language, so spelling and hyphenation follow it.
            w.create_element("style:default-style")
                .with_attribute(("style:family", "paragraph"))
                .write_inner_content(|w| {
                    w.create_element("style:text-properties")
                        .with_attribute(("fo:language", language))
                        .with_attribute(("fo:country", country))
                        .with_attribute(("fo:font-size", "11pt"))
                        .write_empty()?;
                    Ok(())
                })?;
            para_style(w, "Title", "Title", "22pt", true, None)?;
            para_style(w, "Subtitle", "Subtitle", "12pt", false, None)?;
            for (i, size) in HEADING_SIZES.iter().enumerate() {
                let n = i + 1;
                para_style(w, &format!("Heading_20_{n}"), &format!("Heading {n}"), size, true, Some(n))?;
            }
            Ok(())
        })?;
        Ok(())
    })
}

fn content(outline: &Outline) -> std::io::Result<Vec<u8>> {
    document("office:document-content", &[], |w| {
        w.create_element("office:automatic-styles").write_inner_content(|w| {
            w.create_element("style:style")
                .with_attribute(("style:name", "Strong"))
                .with_attribute(("style:family", "text"))
                .write_inner_content(|w| {
                    w.create_element("style:text-properties")
                        .with_attribute(("fo:font-weight", "bold"))
                        .write_empty()?;
                    Ok(())
                })?;
            w.create_element("style:style")
                .with_attribute(("style:name", "Number"))
                .with_attribute(("style:family", "paragraph"))
                .write_inner_content(|w| {
                    w.create_element("style:paragraph-properties")
                        .with_attribute(("fo:text-align", "end"))
                        .write_empty()?;
                    Ok(())
                })?;
            Ok(())
        })?;
        w.create_element("office:body").write_inner_content(|w| {
            w.create_element("office:text").write_inner_content(|w| body(w, outline))?;
            Ok(())
        })?;
        Ok(())
    })
}

fn body(w: &mut Xml, outline: &Outline) -> XmlResult {
    w.create_element("text:p")
        .with_attribute(("text:style-name", "Title"))
        .write_text_content(BytesText::new(&outline.title))?;
    w.create_element("text:p")
        .with_attribute(("text:style-name", "Subtitle"))
        .write_text_content(BytesText::new(&outline.kind))?;
    let mut tables = 0;
    for block in &outline.blocks {
        match block {
            Block::Heading { level, text } => {
                let level = usize::from(*level).clamp(1, 10);
                let shown = level.min(HEADING_SIZES.len());
                let level = level.to_string();
                w.create_element("text:h")
                    .with_attribute(("text:style-name", format!("Heading_20_{shown}").as_str()))
                    .with_attribute(("text:outline-level", level.as_str()))
                    .write_inner_content(|w| lines(w, text))?;
            }
            Block::Paragraph { label, text } => {
                w.create_element("text:p").write_inner_content(|w| {
                    if let Some(label) = label {
                        strong(w, &format!("{label}: "))?;
                    }
                    lines(w, text)
                })?;
            }
            Block::Table(t) => {
                tables += 1;
                let columns = t.columns().max(1);
                let name = format!("Table{tables}");
                w.create_element("table:table")
                    .with_attribute(("table:name", name.as_str()))
                    .write_inner_content(|w| {
                        let columns = columns.to_string();
                        w.create_element("table:table-column")
                            .with_attribute(("table:number-columns-repeated", columns.as_str()))
                            .write_empty()?;
                        if !t.header.is_empty() {
                            w.create_element("table:table-header-rows")
                                .write_inner_content(|w| row(w, &t.header, &[], true))?;
                        }
                        for r in &t.rows {
                            row(w, r, &t.numeric, false)?;
                        }
                        if let Some(total) = &t.total {
                            row(w, total, &t.numeric, true)?;
                        }
                        Ok(())
                    })?;
            }
        }
    }
    Ok(())
}

fn row(w: &mut Xml, cells: &[String], numeric: &[bool], bold: bool) -> XmlResult {
    w.create_element("table:table-row").write_inner_content(|w| {
        for (i, c) in cells.iter().enumerate() {
            w.create_element("table:table-cell")
                .with_attribute(("office:value-type", "string"))
                .write_inner_content(|w| {
                    let mut p = w.create_element("text:p");
                    if numeric.get(i).copied().unwrap_or(false) {
                        p = p.with_attribute(("text:style-name", "Number"));
                    }
                    p.write_inner_content(|w| if bold { strong(w, c) } else { lines(w, c) })?;
                    Ok(())
                })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn strong(w: &mut Xml, text: &str) -> XmlResult {
    w.create_element("text:span")
        .with_attribute(("text:style-name", "Strong"))
        .write_inner_content(|w| lines(w, text))?;
    Ok(())
}

/// Text with `<text:line-break/>` at its new lines.
fn lines(w: &mut Xml, text: &str) -> XmlResult {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            w.create_element("text:line-break").write_empty()?;
        }
        w.write_event(Event::Text(BytesText::new(line)))?;
    }
    Ok(())
}
