//! Word diffs of prose: what an officer deleted and inserted, with a few words around.

use super::{SpanOp, WordSpan};

/// Most words a word diff shows (kept, deleted and inserted together); the rest is cut with
/// "…". Bounds a history item whatever the size of the text (up to `schema::MAX_TEXT_LEN`).
pub const MAX_SHOWN_WORDS: usize = 80;

/// Kept words shown around each change in a word diff.
const CONTEXT_WORDS: usize = 3;

/// Largest word-by-word comparison table (changed words before × after, once the common start
/// and end are set aside): 4 MB of `u32`. A bigger rewrite is shown as all old words deleted
/// and all new inserted.
const MAX_DIFF_CELLS: usize = 1_000_000;

/// The words deleted and inserted between two texts, with [`CONTEXT_WORDS`] kept words around
/// each change, at most [`MAX_SHOWN_WORDS`] words in all. Whitespace is not compared.
pub(super) fn word_diff(before: &str, after: &str) -> Vec<WordSpan> {
    let a: Vec<&str> = before.split_whitespace().collect();
    let b: Vec<&str> = after.split_whitespace().collect();
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..].iter().rev().zip(b[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<(SpanOp, &str)> = a[..pre].iter().map(|w| (SpanOp::Same, *w)).collect();
    if am.len().saturating_mul(bm.len()) <= MAX_DIFF_CELLS {
        ops.extend(lcs_ops(am, bm));
    } else {
        ops.extend(am.iter().map(|w| (SpanOp::Del, *w)));
        ops.extend(bm.iter().map(|w| (SpanOp::Ins, *w)));
    }
    ops.extend(a[a.len() - suf..].iter().map(|w| (SpanOp::Same, *w)));
    // Runs of one kind.
    let mut runs: Vec<(SpanOp, Vec<&str>)> = Vec::new();
    for (op, w) in ops {
        match runs.last_mut() {
            Some((o, ws)) if *o == op => ws.push(w),
            _ => runs.push((op, vec![w])),
        }
    }
    let n = runs.len();
    let mut out = Vec::new();
    let mut shown = 0usize;
    for (i, (op, words)) in runs.into_iter().enumerate() {
        let words: Vec<&str> = if op == SpanOp::Same {
            let (first, last) = (i == 0, i + 1 == n);
            let c = CONTEXT_WORDS;
            match (first, last) {
                (true, true) => continue,
                (true, false) if words.len() > c => {
                    ["…"].into_iter().chain(words[words.len() - c..].iter().copied()).collect()
                }
                (false, true) if words.len() > c => words[..c].iter().copied().chain(["…"]).collect(),
                (false, false) if words.len() > 2 * c => words[..c]
                    .iter()
                    .copied()
                    .chain(["…"])
                    .chain(words[words.len() - c..].iter().copied())
                    .collect(),
                _ => words,
            }
        } else {
            words
        };
        let room = MAX_SHOWN_WORDS.saturating_sub(shown);
        if room == 0 {
            out.push(WordSpan { op: SpanOp::Same, text: "…".into() });
            break;
        }
        let cut = words.len() > room;
        let take: Vec<&str> = words.into_iter().take(room).collect();
        shown += take.len();
        out.push(WordSpan { op, text: take.join(" ") });
        if cut {
            out.push(WordSpan { op: SpanOp::Same, text: "…".into() });
            break;
        }
    }
    out
}

/// The longest-common-subsequence edit of two word lists (each at most [`MAX_DIFF_CELLS`] in
/// product), as kept, deleted and inserted words in order.
fn lcs_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(SpanOp, &'a str)> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..].
    let w = m + 1;
    let mut table = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * w + j] = if a[i] == b[j] {
                table[(i + 1) * w + j + 1] + 1
            } else {
                table[(i + 1) * w + j].max(table[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((SpanOp::Same, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || table[(i + 1) * w + j] >= table[i * w + j + 1]) {
            // Deleted words before inserted ones, as people read a replacement.
            out.push((SpanOp::Del, a[i]));
            i += 1;
        } else {
            out.push((SpanOp::Ins, b[j]));
            j += 1;
        }
    }
    out
}

/// A word diff on one line, as `git diff --word-diff` writes it: `[-deleted-]{+inserted+}`.
pub fn words_text(words: &[WordSpan]) -> String {
    words
        .iter()
        .map(|s| match s.op {
            SpanOp::Same => s.text.clone(),
            SpanOp::Del => format!("[-{}-]", s.text),
            SpanOp::Ins => format!("{{+{}+}}", s.text),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
