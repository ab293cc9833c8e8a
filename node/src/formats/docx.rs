//! An [`Outline`] as a Word document (Office Open XML, ISO/IEC 29500), written with `docx-rs`:
//! the title in the `Title` style, headings in `Heading1`…`Heading4` (Word's own heading styles,
//! so the navigation pane and a table of contents find them), tables as real tables with a
//! header row and a bold totals row.

use docx_rs::{AlignmentType, Docx, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow, WidthType};

use std::io::Cursor;

use zip::{CompressionMethod, write::SimpleFileOptions};

use super::outline::{Block, Outline};
use crate::error::NodeError;

/// The text width of docx-rs's default A4 page (11906 twips less two 1701 margins).
const TEXT_WIDTH: usize = 8504;

/// Heading sizes in half-points, level 1 first; deeper levels use the last.
const HEADING_SIZES: [usize; 4] = [32, 28, 24, 22];

/// The outline as DOCX bytes.
pub(crate) fn write(outline: &Outline) -> Result<Vec<u8>, NodeError> {
    let mut doc = Docx::new()
        .add_style(Style::new("Title", StyleType::Paragraph).name("Title").size(44).bold())
        .add_style(Style::new("Subtitle", StyleType::Paragraph).name("Subtitle").size(24).italic());
    for (i, size) in HEADING_SIZES.iter().enumerate() {
        doc = doc.add_style(
            Style::new(format!("Heading{}", i + 1), StyleType::Paragraph)
                .name(format!("heading {}", i + 1))
                .size(*size)
                .bold()
                // Word counts outline levels from 0: "heading 1" is level 0.
                .outline_lvl(i),
        );
    }
    doc = doc
        .add_paragraph(Paragraph::new().style("Title").add_run(Run::new().add_text(&outline.title)))
        .add_paragraph(Paragraph::new().style("Subtitle").add_run(Run::new().add_text(&outline.kind)));
    for block in &outline.blocks {
        doc = match block {
            Block::Heading { level, text } => {
                let level = usize::from(*level).clamp(1, HEADING_SIZES.len());
                doc.add_paragraph(
                    Paragraph::new().style(&format!("Heading{level}")).add_run(Run::new().add_text(text)),
                )
            }
            Block::Paragraph { label, text } => {
                let mut p = Paragraph::new();
                if let Some(label) = label {
                    p = p.add_run(Run::new().add_text(format!("{label}: ")).bold());
                }
                doc.add_paragraph(lines(p, text, false))
            }
            Block::Table(t) => {
                let cell = |text: &str, numeric: bool, bold: bool| {
                    let mut p = Paragraph::new();
                    if numeric {
                        p = p.align(AlignmentType::Right);
                    }
                    TableCell::new().add_paragraph(lines(p, text, bold))
                };
                let mut rows = Vec::new();
                if !t.header.is_empty() {
                    rows.push(TableRow::new(t.header.iter().map(|h| cell(h, false, true)).collect()));
                }
                for row in &t.rows {
                    let label_column = t.header.is_empty();
                    rows.push(TableRow::new(
                        row.iter()
                            .enumerate()
                            .map(|(i, c)| {
                                cell(c, t.numeric.get(i).copied().unwrap_or(false), label_column && i == 0)
                            })
                            .collect(),
                    ));
                }
                if let Some(total) = &t.total {
                    rows.push(TableRow::new(
                        total
                            .iter()
                            .enumerate()
                            .map(|(i, c)| cell(c, t.numeric.get(i).copied().unwrap_or(false), true))
                            .collect(),
                    ));
                }
                // The column grid, in equal shares of the text width (Word and other readers need
                // it to lay the table out at all).
                let columns = t.columns().max(1);
                let grid = vec![TEXT_WIDTH / columns; columns];
                doc.add_table(Table::new(rows).set_grid(grid).width(5000, WidthType::Pct))
                    .add_paragraph(Paragraph::new())
            }
        };
    }
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(zip_error)?;
    deflate(out.into_inner())
}

fn zip_error(e: zip::result::ZipError) -> NodeError {
    NodeError::Corrupt(format!("writing DOCX: {e}"))
}

/// docx-rs stores every part uncompressed; a document's XML is mostly repeated markup, so
/// deflating the parts makes the file several times smaller. Directory entries are dropped:
/// the parts' paths imply them.
fn deflate(stored: Vec<u8>) -> Result<Vec<u8>, NodeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(stored)).map_err(zip_error)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(zip_error)?;
        if part.is_dir() {
            continue;
        }
        out.start_file(part.name().to_string(), options).map_err(zip_error)?;
        std::io::copy(&mut part, &mut out).map_err(|e| NodeError::Corrupt(format!("writing DOCX: {e}")))?;
    }
    Ok(out.finish().map_err(zip_error)?.into_inner())
}

/// `text` as runs with line breaks where it has new lines.
fn lines(mut p: Paragraph, text: &str, bold: bool) -> Paragraph {
    for (i, line) in text.split('\n').enumerate() {
        let mut run = Run::new();
        if i > 0 {
            run = run.add_break(docx_rs::BreakType::TextWrapping);
        }
        run = run.add_text(line);
        if bold {
            run = run.bold();
        }
        p = p.add_run(run);
    }
    p
}
