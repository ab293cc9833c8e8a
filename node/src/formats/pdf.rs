//! An [`Outline`] as a PDF, laid out by the node (not the browser's print), written with
//! `krilla`: A4 pages, the title on page one, headings, wrapped paragraphs and ruled tables
//! (the header row repeated after a page break), page numbers, and the headings as bookmarks.
//! The text is set in DejaVu Sans (node/assets/fonts, Bitstream Vera licence), embedded as a
//! subset, so Romanian ș ț, German ß and French accents show on any reader, and copying or
//! searching the text gives it back (krilla writes each glyph's Unicode text).

use krilla::{
    Document,
    destination::XyzDestination,
    geom::{PathBuilder, Point},
    metadata::Metadata,
    outline::{Outline as Bookmarks, OutlineNode},
    page::PageSettings,
    paint::{Fill, Stroke},
    text::{Font, GlyphId, KrillaGlyph},
};
use skrifa::{FontRef, MetadataProvider, instance::LocationRef, instance::Size};

use super::outline::{Block, Outline, Table};
use crate::error::NodeError;

/// DejaVu Sans 2.37: Latin, Greek and Cyrillic with every accent the five languages use.
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// A4 in points.
const PAGE: (f32, f32) = (595.28, 841.89);
/// Page margin (2 cm).
const MARGIN: f32 = 56.7;
const BODY: f32 = 10.0;
const HEADING_SIZES: [f32; 4] = [15.0, 13.0, 11.5, 10.5];
/// Table text, and table text of a table with many columns.
const TABLE: f32 = 9.0;
const TABLE_SMALL: f32 = 7.5;
const CELL_PAD: f32 = 3.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;

/// Which cells of a table row are bold: all (a header or totals row), the first (the label of
/// a label/value table) or none.
#[derive(Clone, Copy)]
enum Bold {
    None,
    All,
    First,
}

/// One thing drawn on a page.
enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, text: String },
    Rule { x1: f32, x2: f32, y: f32 },
}

/// The font, for measuring and drawing.
struct Face {
    font: Font,
    outline: FontRef<'static>,
    upem: f32,
}

impl Face {
    fn new() -> Result<Self, NodeError> {
        let bad = || NodeError::Corrupt("the embedded PDF font cannot be read".into());
        let font = Font::new(FONT.into(), 0).ok_or_else(bad)?;
        let outline = FontRef::new(FONT).map_err(|_| bad())?;
        let upem = font.units_per_em();
        Ok(Self { font, outline, upem })
    }

    /// Each character's glyph and advance (in ems); a character the font lacks shows as the
    /// font's missing-glyph box, never dropped.
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let cmap = self.outline.charmap();
        let metrics = self.outline.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.char_indices()
            .map(|(i, c)| {
                let gid = cmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(gid).unwrap_or(0.0) / self.upem;
                KrillaGlyph::new(
                    GlyphId::new(gid.to_u32()),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let cmap = self.outline.charmap();
        let metrics = self.outline.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.chars()
            .map(|c| metrics.advance_width(cmap.map(c).unwrap_or_default()).unwrap_or(0.0))
            .sum::<f32>()
            / self.upem
            * size
    }

    /// `text` broken into lines no wider than `width`: at spaces, and inside a word only when
    /// the word alone is wider.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.width(&candidate, size) <= width || line.is_empty() && self.width(word, size) <= width
                {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    if !line.is_empty() && self.width(&format!("{line}{c}"), size) > width {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// Pages of drawing operations, filled from the top.
struct Layout<'a> {
    face: &'a Face,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Each heading's level, text, page and height, for the PDF's bookmarks.
    headings: Vec<(u8, String, usize, f32)>,
}

impl Layout<'_> {
    const WIDTH: f32 = PAGE.0 - 2.0 * MARGIN;
    const BOTTOM: f32 = PAGE.1 - MARGIN;

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > Self::BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    fn text(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        for line in self.face.wrap(text, size, Self::WIDTH - indent) {
            self.room(size * LEADING);
            self.y += size * LEADING;
            let y = self.y - size * 0.3;
            self.page().push(Op::Text { x: MARGIN + indent, y, size, bold, text: line });
        }
    }

    fn heading(&mut self, level: u8, text: &str) {
        let size = HEADING_SIZES[usize::from(level).clamp(1, HEADING_SIZES.len()) - 1];
        // Keep a heading with at least three lines of what follows it.
        self.room(size * LEADING + 0.8 * size + 3.0 * BODY * LEADING);
        self.y += 0.8 * size;
        let page = self.pages.len().saturating_sub(1);
        self.headings.push((level, text.to_string(), page, self.y));
        self.text(text, size, true, 0.0);
        self.y += 0.2 * size;
    }

    fn table(&mut self, t: &Table) {
        let columns = t.columns();
        if columns == 0 {
            return;
        }
        // Each column at least as wide as its longest word, and as wide as its longest line
        // (up to half the page) where the page has room.
        let size = if columns > 7 { TABLE_SMALL } else { TABLE };
        let cells = t.rows.iter().chain(t.total.iter()).chain(std::iter::once(&t.header));
        let (mut least, mut natural) = (vec![2.0 * size; columns], vec![2.0 * size; columns]);
        for row in cells {
            for (i, c) in row.iter().enumerate() {
                let widest = |parts: &mut dyn Iterator<Item = &str>| {
                    parts.map(|w| self.face.width(w, size)).fold(0.0, f32::max) + 2.0 * CELL_PAD
                };
                least[i] = least[i].max(widest(&mut c.split([' ', '\n'])));
                natural[i] = natural[i].max(widest(&mut c.split('\n')).min(Layout::WIDTH / 2.0));
            }
        }
        let (sum_least, sum_natural): (f32, f32) = (least.iter().sum(), natural.iter().sum());
        let widths: Vec<f32> = if sum_natural <= Layout::WIDTH {
            natural.iter().map(|w| w * Layout::WIDTH / sum_natural).collect()
        } else if sum_least < Layout::WIDTH {
            // Every word whole; the room left shared by how much more each column wants.
            let spare = Layout::WIDTH - sum_least;
            let wants = (sum_natural - sum_least).max(f32::EPSILON);
            least.iter().zip(&natural).map(|(l, n)| l + (n - l).max(0.0) * spare / wants).collect()
        } else {
            least.iter().map(|w| w * Layout::WIDTH / sum_least).collect()
        };
        self.y += 0.4 * BODY;
        let header = (!t.header.is_empty()).then_some(&t.header);
        if let Some(h) = header {
            self.row(h, &widths, &[], Bold::All, size);
        } else {
            self.rule();
        }
        for r in &t.rows {
            if self.row_height(r, &widths, size) + self.y > Layout::BOTTOM {
                self.new_page();
                match header {
                    Some(h) => self.row(h, &widths, &[], Bold::All, size),
                    None => self.rule(),
                }
            }
            let weight = if header.is_some() { Bold::None } else { Bold::First };
            self.row(r, &widths, &t.numeric, weight, size);
        }
        if let Some(total) = &t.total {
            self.row(total, &widths, &t.numeric, Bold::All, size);
        }
        self.y += 0.6 * BODY;
    }

    fn rule(&mut self) {
        let y = self.y;
        self.page().push(Op::Rule { x1: MARGIN, x2: PAGE.0 - MARGIN, y });
    }

    fn row_height(&self, cells: &[String], widths: &[f32], size: f32) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.face.wrap(c, size, w - 2.0 * CELL_PAD).len())
            .max()
            .unwrap_or(1);
        lines as f32 * size * LEADING + 2.0 * CELL_PAD
    }

    /// A row between two rules.
    fn row(&mut self, cells: &[String], widths: &[f32], numeric: &[bool], bold: Bold, size: f32) {
        let height = self.row_height(cells, widths, size);
        self.room(height);
        self.rule();
        let top = self.y;
        let mut x = MARGIN;
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let right = numeric.get(i).copied().unwrap_or(false);
            let mut y = top + CELL_PAD;
            for line in self.face.wrap(c, size, w - 2.0 * CELL_PAD) {
                y += size * LEADING;
                let lx = if right { x + w - CELL_PAD - self.face.width(&line, size) } else { x + CELL_PAD };
                let bold_here = matches!((bold, i), (Bold::All, _) | (Bold::First, 0));
                self.page().push(Op::Text { x: lx, y: y - size * 0.3, size, bold: bold_here, text: line });
            }
            x += w;
        }
        self.y = top + height;
        self.rule();
    }
}

/// The outline as PDF bytes.
pub(crate) fn write(outline: &Outline) -> Result<Vec<u8>, NodeError> {
    let face = Face::new()?;
    let mut l = Layout { face: &face, pages: vec![Vec::new()], y: MARGIN, headings: Vec::new() };
    l.text(&outline.title, 20.0, true, 0.0);
    l.y += 4.0;
    l.text(&outline.kind, 11.0, false, 0.0);
    l.y += 8.0;
    for block in &outline.blocks {
        match block {
            Block::Heading { level, text } => l.heading(*level, text),
            Block::Paragraph { label, text } => {
                let text = match label {
                    Some(label) => format!("{label}: {text}"),
                    None => text.clone(),
                };
                l.text(&text, BODY, false, 0.0);
                l.y += 0.5 * BODY;
            }
            Block::Table(t) => l.table(t),
        }
    }
    let pages = l.pages;
    let count = pages.len();
    let mut doc = Document::new();
    // Bookmarks: the headings as a tree a reader shows beside the pages.
    let mut bookmarks = Bookmarks::new();
    for node in bookmark_nodes(&l.headings) {
        bookmarks.push_child(node);
    }
    doc.set_outline(bookmarks);
    doc.set_metadata(
        Metadata::new()
            .title(outline.title.clone())
            .language(outline.lang.code().to_string())
            .creator("Twinmesh".to_string()),
    );
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1)
        .ok_or_else(|| NodeError::Corrupt("the PDF page size is invalid".into()))?;
    for (n, ops) in pages.into_iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        let mut draw = |x: f32, y: f32, size: f32, bold: bool, text: &str| {
            // Bold as the text filled and outlined in a thin stroke: one embedded font.
            surface.set_stroke(bold.then(|| Stroke { width: size * 0.035, ..Stroke::default() }));
            surface.draw_glyphs(
                Point::from_xy(x, y),
                &face.glyphs(text),
                face.font.clone(),
                text,
                size,
                false,
            );
        };
        for op in &ops {
            if let Op::Text { x, y, size, bold, text } = op {
                draw(*x, *y, *size, *bold, text);
            }
        }
        let number = format!("{} / {count}", n + 1);
        let w = face.width(&number, 8.0);
        draw((PAGE.0 - w) / 2.0, PAGE.1 - MARGIN / 2.0, 8.0, false, &number);
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke { width: 0.4, ..Stroke::default() }));
        for op in &ops {
            if let Op::Rule { x1, x2, y } = op {
                let mut pb = PathBuilder::new();
                pb.move_to(*x1, *y);
                pb.line_to(*x2, *y);
                if let Some(path) = pb.finish() {
                    surface.draw_path(&path);
                }
            }
        }
        surface.set_stroke(None);
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| NodeError::Corrupt(format!("writing PDF: {e:?}")))
}

/// Headings (level, text, page, height) as bookmark trees: each heading holds the deeper ones
/// that follow it. The depth is bounded by the few heading levels an outline has.
fn bookmark_nodes(headings: &[(u8, String, usize, f32)]) -> Vec<OutlineNode> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some((level, text, page, y)) = headings.get(i) {
        let end = headings[i + 1..].iter().position(|h| h.0 <= *level).map_or(headings.len(), |p| i + 1 + p);
        let mut node = OutlineNode::new(text.clone(), XyzDestination::new(*page, Point::from_xy(MARGIN, *y)));
        for child in bookmark_nodes(&headings[i + 1..end]) {
            node.push_child(child);
        }
        out.push(node);
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_inside_a_word_only_when_it_alone_is_too_wide() {
        let face = Face::new().expect("the embedded font reads");
        let width = face.width("Straße înfrățire", BODY);
        assert_eq!(face.wrap("Straße înfrățire échange", BODY, width), ["Straße înfrățire", "échange"]);
        let long = "Donaudampfschifffahrtsgesellschaft";
        let lines = face.wrap(long, BODY, face.width("Donau", BODY));
        assert!(lines.len() > 1 && lines.concat() == long, "{lines:?}");
        // No room at all (a column squeezed to nothing): one character a line, never stuck.
        assert_eq!(face.wrap("ab c", BODY, 0.0), ["a", "b", "c"]);
        assert_eq!(face.wrap("", BODY, 100.0), [""]);
    }

    #[test]
    fn the_font_has_every_letter_of_the_five_languages() {
        let face = Face::new().expect("the embedded font reads");
        let cmap = face.outline.charmap();
        for c in "ăâîșțĂÂÎȘȚßäöüÄÖÜàâçéèêëîïôùûüÿœæÀÇÉÈÊŒàèéìòù€–„“«»".chars()
        {
            assert!(cmap.map(c).is_some(), "{c} (U+{:04X}) is missing", u32::from(c));
        }
    }
}
