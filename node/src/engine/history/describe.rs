//! What a change did, field by field: read from the Automerge diff between its parents and
//! it, then put in words in the reader's language.

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash, ObjId, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value};
use twinmesh_protocol::{
    locale::{format_amount, format_date, format_number},
    schema::{self, DocKind, FieldType, Path, Scalar, Seg},
};

use super::{
    FieldItem, ItemKind,
    words::{word_diff, words_text},
};
use crate::{i18n::Lang, labels, t};

/// A value of a field at one point in the history.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Empty,
    One(ScalarValue),
    /// Concurrent values, the visible one first.
    Many(Vec<ScalarValue>),
    Text(String),
    /// A record or list (shown by the fields inside it).
    Object,
}

impl Val {
    fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::One(ScalarValue::Null) => true,
            Self::One(ScalarValue::Str(s)) => s.is_empty(),
            Self::Text(t) => t.is_empty(),
            _ => false,
        }
    }
}

/// What a change did to one place of the document, before it is put in words.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Touch {
    pub(super) path: Path,
    what: Touched,
    before: Val,
    after: Val,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Touched {
    Created,
    Value,
    Added,
    Removed,
}

fn seg(p: &Prop) -> Seg {
    match p {
        Prop::Map(k) => Seg::Key(k.clone()),
        Prop::Seq(i) => Seg::Index(*i),
    }
}

/// The value at `obj`/`prop` as of `heads`: text objects as their text, concurrent scalars
/// all of them.
fn read(doc: &Automerge, obj: &ObjId, prop: &Prop, heads: &[ChangeHash]) -> Val {
    let Ok(all) = doc.get_all_at(obj, prop.clone(), heads) else { return Val::Empty };
    let mut scalars = Vec::new();
    for (v, id) in &all {
        match v {
            Value::Scalar(s) => scalars.push(s.as_ref().clone()),
            Value::Object(ObjType::Text) if all.len() == 1 => {
                return Val::Text(doc.text_at(id, heads).unwrap_or_default());
            }
            Value::Object(_) => return Val::Object,
        }
    }
    // `get_all_at` lists concurrent values oldest op first; the visible one is the last.
    scalars.reverse();
    match scalars.len() {
        0 => Val::Empty,
        1 => Val::One(scalars.remove(0)),
        _ => Val::Many(scalars),
    }
}

/// What the change `hash` (whose parents are `deps`) did, field by field, read from `doc`.
pub(super) fn describe(doc: &Automerge, hash: ChangeHash, deps: &[ChangeHash]) -> Vec<Touch> {
    if deps.is_empty() {
        return vec![Touch {
            path: Path(Vec::new()),
            what: Touched::Created,
            before: Val::Empty,
            after: Val::Empty,
        }];
    }
    describe_between(doc, deps, &[hash])
}

/// What differs, field by field, between the document at `before` and at `after` (any two sets
/// of heads of `doc`), leaving out the reserved records of versions and approvals
/// ([`crate::engine::versions::is_reserved`]).
pub(super) fn describe_between(doc: &Automerge, deps: &[ChangeHash], after: &[ChangeHash]) -> Vec<Touch> {
    let mut out: Vec<Touch> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut added: Vec<Vec<Seg>> = Vec::new();
    let mut value = |out: &mut Vec<Touch>, obj: &ObjId, prop: &Prop, path: Vec<Seg>| {
        if !seen.insert(Path(path.clone()).to_string()) {
            return;
        }
        let (b, a) = (read(doc, obj, prop, deps), read(doc, obj, prop, after));
        out.push(Touch { path: Path(path), what: Touched::Value, before: b, after: a });
    };
    for p in doc.diff(deps, after) {
        let base: Vec<Seg> = p.path.iter().map(|(_, prop)| seg(prop)).collect();
        let reserved = match (base.first(), &p.action) {
            (Some(Seg::Key(k)), _) => crate::engine::versions::is_reserved(k),
            (None, PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key }) => {
                crate::engine::versions::is_reserved(key)
            }
            (None, PatchAction::Conflict { prop: Prop::Map(key) }) => {
                crate::engine::versions::is_reserved(key)
            }
            _ => false,
        };
        if reserved {
            continue;
        }
        let with = |s: Seg| {
            let mut v = base.clone();
            v.push(s);
            v
        };
        let is_text = matches!(doc.object_type(&p.obj), Ok(ObjType::Text));
        match p.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                let prop = Prop::Map(key.clone());
                value(&mut out, &p.obj, &prop, with(Seg::Key(key)));
            }
            PatchAction::PutSeq { index, .. } if !is_text => {
                value(&mut out, &p.obj, &Prop::Seq(index), with(Seg::Index(index)));
            }
            PatchAction::Conflict { prop } if !is_text => {
                let s = seg(&prop);
                value(&mut out, &p.obj, &prop, with(s));
            }
            PatchAction::Insert { index, values } if !is_text => {
                for n in 0..values.len() {
                    let path = with(Seg::Index(index + n));
                    added.push(path.clone());
                    out.push(Touch {
                        path: Path(path),
                        what: Touched::Added,
                        before: Val::Empty,
                        after: Val::Empty,
                    });
                }
            }
            PatchAction::DeleteSeq { index, length } if !is_text => {
                for n in 0..length {
                    let path = Path(with(Seg::Index(index + n)));
                    out.push(Touch { path, what: Touched::Removed, before: Val::Empty, after: Val::Empty });
                }
            }
            PatchAction::SpliceText { .. } | PatchAction::DeleteSeq { .. } | PatchAction::Insert { .. }
                if is_text =>
            {
                if let Some((parent, prop)) = p.path.last() {
                    value(&mut out, parent, prop, base.clone());
                }
            }
            _ => {}
        }
    }
    // The fields of a new list item are named by the item ("Work package 3 added"); a record
    // or list appearing is shown by the fields inside it; a value rewritten unchanged (and not
    // a conflict settled) is no news.
    out.retain(|t| match t.what {
        Touched::Value => {
            let under_new = added.iter().any(|a| t.path.0.len() > a.len() && t.path.0.starts_with(a));
            !under_new
                && t.before != Val::Object
                && t.after != Val::Object
                && (t.before != t.after || matches!(t.before, Val::Many(_)))
                && !(t.before.is_empty() && t.after.is_empty())
        }
        _ => true,
    });
    out
}

/// The touches of several changes, oldest first, as one: each field once, with its first
/// value before and its last value after.
pub(super) fn merge<'a>(touches: impl Iterator<Item = &'a Touch>) -> Vec<Touch> {
    let mut out: Vec<Touch> = Vec::new();
    for t in touches {
        let same =
            out.iter_mut().find(|o| o.what == Touched::Value && t.what == Touched::Value && o.path == t.path);
        match same {
            Some(o) => o.after = t.after.clone(),
            None => out.push(t.clone()),
        }
    }
    out.retain(|t| t.what != Touched::Value || t.before != t.after || matches!(t.before, Val::Many(_)));
    out
}

/// What differs between `doc` at `from` and at `to`, field by field, in `lang` (the reserved
/// records of versions and approvals left out). Used to compare versions.
pub(in crate::engine) fn compare(
    doc: &Automerge,
    kind: DocKind,
    lang: Lang,
    from: &[ChangeHash],
    to: &[ChangeHash],
) -> Vec<FieldItem> {
    render_all(lang, kind, &describe_between(doc, from, to))
}

pub(super) fn render_all(lang: Lang, kind: DocKind, touches: &[Touch]) -> Vec<FieldItem> {
    touches.iter().map(|t| render(lang, kind, t)).collect()
}

/// A touch in words, in `lang`.
pub(super) fn render(lang: Lang, kind: DocKind, t: &Touch) -> FieldItem {
    let label = labels::field_label(lang, kind, &t.path);
    let path = t.path.to_string();
    let item = |what, before, after, words, text| FieldItem {
        path: path.clone(),
        label: label.clone(),
        what,
        before,
        after,
        words,
        text,
    };
    match t.what {
        Touched::Created => {
            let k = labels::kind_label(lang, kind);
            let text = t!(lang, "history-created", kind = k.clone());
            return FieldItem { label: k, ..item(ItemKind::Created, None, None, Vec::new(), text) };
        }
        Touched::Added => {
            return item(
                ItemKind::Added,
                None,
                None,
                Vec::new(),
                t!(lang, "history-added", item = label.clone()),
            );
        }
        Touched::Removed => {
            return item(
                ItemKind::Removed,
                None,
                None,
                Vec::new(),
                t!(lang, "history-removed", item = label.clone()),
            );
        }
        Touched::Value => {}
    }
    let ty = schema::resolve(kind, &t.path).ok().map(|r| r.ty);
    let show = |v: &Val| -> Option<String> {
        match v {
            _ if v.is_empty() => None,
            Val::One(s) => Some(format_value(lang, kind, &t.path, ty.as_ref(), s)),
            Val::Many(all) => Some(
                all.iter()
                    .map(|s| format_value(lang, kind, &t.path, ty.as_ref(), s))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            Val::Text(s) => Some(s.clone()),
            Val::Empty | Val::Object => None,
        }
    };
    let empty = || t!(lang, "history-empty");
    if matches!(t.before, Val::Text(_)) || matches!(t.after, Val::Text(_)) {
        let text_of = |v: &Val| match v {
            Val::Text(s) => s.clone(),
            other => show(other).unwrap_or_default(),
        };
        let words = word_diff(&text_of(&t.before), &text_of(&t.after));
        let diff = words_text(&words);
        return item(
            ItemKind::Text,
            None,
            None,
            words,
            t!(lang, "history-text", field = label.clone(), diff = diff),
        );
    }
    let (before, after) = (show(&t.before), show(&t.after));
    if let (Val::Many(was), Val::One(now)) = (&t.before, &t.after)
        && was.contains(now)
    {
        let kept = after.clone().unwrap_or_else(empty);
        return item(
            ItemKind::Settled,
            before,
            after,
            Vec::new(),
            t!(lang, "history-settled", field = label.clone(), value = kept),
        );
    }
    if matches!(t.after, Val::Many(_)) {
        let values = after.clone().unwrap_or_else(empty);
        return item(
            ItemKind::Conflict,
            before,
            after,
            Vec::new(),
            t!(lang, "history-conflict", field = label.clone(), values = values),
        );
    }
    let text = t!(
        lang,
        "history-set",
        field = label.clone(),
        before = before.clone().unwrap_or_else(empty),
        after = after.clone().unwrap_or_else(empty)
    );
    item(ItemKind::Set, before, after, Vec::new(), text)
}

/// A stored scalar as the reader writes it: amounts and numbers in the language's format,
/// dates likewise, choices by their name, yes/no translated.
pub(super) fn format_value(
    lang: Lang,
    kind: DocKind,
    path: &Path,
    ty: Option<&FieldType>,
    v: &ScalarValue,
) -> String {
    let style = crate::locale::style(lang);
    let Some(ty) = ty else { return v.to_string() };
    match (ty, Scalar::from_automerge(ty, v)) {
        (_, Some(Scalar::Money(c))) => format_amount(&style, c),
        (_, Some(Scalar::Number(n))) => format_number(&style, n),
        (_, Some(Scalar::Int(i))) => i.to_string(),
        (_, Some(Scalar::Bool(true))) => t!(lang, "print-yes"),
        (_, Some(Scalar::Bool(false))) => t!(lang, "print-no"),
        (FieldType::Date, Some(Scalar::Str(s))) => format_date(&style, &s),
        (FieldType::Enum(_), Some(Scalar::Str(s))) => labels::choice_label(lang, kind, path, &s),
        (_, Some(Scalar::Str(s))) => s,
        (_, Some(Scalar::Null)) => String::new(),
        (_, None) => v.to_string(),
    }
}
