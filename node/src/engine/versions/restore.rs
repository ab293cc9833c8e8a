//! Restoring a version: one new change that makes the current document hold what the
//! version held, field by field; history is never rewritten.

use automerge::{
    Automerge, ObjId, ObjType, Prop, ReadDoc, Value,
    transaction::{Transactable, Transaction},
};

use super::is_reserved;
use crate::{engine::edit::am, error::NodeError};

/// Makes the map `cur` hold what `old_obj` of `old` holds (at the root, reserved records are
/// left alone).
pub(super) fn restore_map(
    tx: &mut Transaction<'_>,
    cur: &ObjId,
    old: &Automerge,
    old_obj: &ObjId,
    root: bool,
) -> Result<(), NodeError> {
    let keep = |k: &String| !(root && is_reserved(k));
    let old_keys: Vec<String> = old.keys(old_obj).filter(keep).collect();
    let cur_keys: Vec<String> = tx.keys(cur).filter(keep).collect();
    for k in cur_keys.iter().filter(|k| !old_keys.contains(k)) {
        tx.delete(cur, k.as_str()).map_err(am)?;
    }
    for k in old_keys {
        restore_value(tx, cur, Prop::Map(k), old, old_obj)?;
    }
    Ok(())
}

/// Makes `prop` of `cur` hold what `prop` of `old_parent` holds: scalars put where they
/// differ (or are in conflict), texts updated by splices, records walked, lists walked item by
/// item when they hold the same items in the same order and rewritten otherwise.
fn restore_value(
    tx: &mut Transaction<'_>,
    cur: &ObjId,
    prop: Prop,
    old: &Automerge,
    old_parent: &ObjId,
) -> Result<(), NodeError> {
    let was = old.get(old_parent, prop.clone()).map_err(am)?;
    let now_all = tx.get_all(cur, prop.clone()).map_err(am)?;
    let conflict = now_all.len() > 1;
    let is = now_all.into_iter().last();
    let put_obj = |tx: &mut Transaction<'_>, ty: ObjType| tx.put_object(cur, prop.clone(), ty).map_err(am);
    match was {
        None => {
            if is.is_some() {
                tx.delete(cur, prop).map_err(am)?;
            }
        }
        Some((Value::Scalar(s), _)) => {
            let same = matches!(&is, Some((Value::Scalar(n), _)) if n == &s);
            if !same || conflict {
                tx.put(cur, prop, s.into_owned()).map_err(am)?;
            }
        }
        Some((Value::Object(ObjType::Text), oid)) => {
            let text = old.text(&oid).map_err(am)?;
            let target = match is {
                Some((Value::Object(ObjType::Text), id)) if !conflict => id,
                _ => put_obj(tx, ObjType::Text)?,
            };
            if tx.text(&target).map_err(am)? != text {
                tx.update_text(&target, &text).map_err(am)?;
            }
        }
        Some((Value::Object(ObjType::List), oid)) => {
            let target = match is {
                Some((Value::Object(ObjType::List), id)) if !conflict => id,
                _ => put_obj(tx, ObjType::List)?,
            };
            restore_list(tx, &target, old, &oid)?;
        }
        Some((Value::Object(_), oid)) => {
            let target = match is {
                Some((Value::Object(ObjType::Map), id)) if !conflict => id,
                _ => put_obj(tx, ObjType::Map)?,
            };
            restore_map(tx, &target, old, &oid, false)?;
        }
    }
    Ok(())
}

/// The `id` field of each record of a list (None for other items).
fn item_ids<R: ReadDoc>(doc: &R, list: &ObjId) -> Vec<Option<String>> {
    (0..doc.length(list))
        .map(|i| match doc.get(list, i) {
            Ok(Some((Value::Object(ObjType::Map), item))) => match doc.get(&item, "id") {
                Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn restore_list(
    tx: &mut Transaction<'_>,
    cur: &ObjId,
    old: &Automerge,
    old_list: &ObjId,
) -> Result<(), NodeError> {
    let same_items = {
        let (a, b) = (item_ids(old, old_list), item_ids(&*tx, cur));
        a == b && a.iter().all(Option::is_some)
    };
    if same_items {
        for i in 0..old.length(old_list) {
            restore_value(tx, cur, Prop::Seq(i), old, old_list)?;
        }
        return Ok(());
    }
    for i in (0..tx.length(cur)).rev() {
        tx.delete(cur, i).map_err(am)?;
    }
    for i in 0..old.length(old_list) {
        match old.get(old_list, i).map_err(am)? {
            Some((Value::Scalar(s), _)) => tx.insert(cur, i, s.into_owned()).map_err(am)?,
            Some((Value::Object(ObjType::Map), item)) => {
                let new = tx.insert_object(cur, i, ObjType::Map).map_err(am)?;
                restore_map(tx, &new, old, &item, false)?;
            }
            Some((Value::Object(ObjType::Text), item)) => {
                let new = tx.insert_object(cur, i, ObjType::Text).map_err(am)?;
                tx.update_text(&new, &old.text(&item).map_err(am)?).map_err(am)?;
            }
            Some((Value::Object(ObjType::List), item)) => {
                let new = tx.insert_object(cur, i, ObjType::List).map_err(am)?;
                restore_list(tx, &new, old, &item)?;
            }
            Some((Value::Object(_), _)) | None => {}
        }
    }
    Ok(())
}
