//! Translations: every text a person reads, in every supported language.
//!
//! The texts live in [Fluent](https://projectfluent.org) files under `node/i18n/<language>/`, one
//! file per area, compiled into the binary so that a node needs nothing beside it:
//!
//! | area | what it holds | read by |
//! |------|---------------|---------|
//! | `messages.ftl` | the node's errors and the `twin` command's output | the CLI, the API's error replies |
//! | `ui.ftl` | the web UI's words | the browser, through `/i18n/<language>.json` |
//! | `schema.ftl` | names of document kinds, fields and choices | the CLI, the UI, printed documents |
//! | `templates.ftl` | the starting content of new documents | document creation |
//!
//! A municipality's translator corrects a `.ftl` file with any text editor; a test proves that
//! every language has every message of English with the same `{ $variables }`, that every file
//! parses, and that every key the code names exists. docs/user-guide.md says how to add a
//! language.
//!
//! Messages of `ui.ftl` and `schema.ftl` are plain text with `{ $name }` placeholders (no
//! selectors): the browser fills them in itself. Messages the node formats (`messages.ftl`) may
//! use Fluent's selectors, e.g. for plurals.

use std::{collections::BTreeMap, fmt, str::FromStr, sync::LazyLock};

pub use fluent_bundle::FluentValue;
use fluent_bundle::{FluentArgs, FluentResource, concurrent::FluentBundle};
use fluent_syntax::ast;

/// A language the node speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (British conventions: `30/04/2027`, `€2,600.50`).
    En,
    /// French.
    Fr,
    /// German.
    De,
    /// Romanian.
    Ro,
    /// Italian.
    It,
}

impl Lang {
    /// Every supported language, English (the reference) first.
    pub const ALL: [Lang; 5] = [Self::En, Self::Fr, Self::De, Self::Ro, Self::It];

    /// The ISO 639-1 code: `en`, `fr`, …
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
            Self::De => "de",
            Self::Ro => "ro",
            Self::It => "it",
        }
    }

    /// The BCP 47 locale whose number and date conventions this language uses (what a browser's
    /// `Intl` is given): `en-GB`, `fr-FR`, `de-DE`, `ro-RO`, `it-IT`.
    pub fn locale(self) -> &'static str {
        match self {
            Self::En => "en-GB",
            Self::Fr => "fr-FR",
            Self::De => "de-DE",
            Self::Ro => "ro-RO",
            Self::It => "it-IT",
        }
    }

    /// Reads a language tag or a POSIX locale: `fr`, `fr-BE`, `de_AT.UTF-8`, `IT`. Only the
    /// language part counts; `None` for a language this node does not speak.
    pub fn parse(tag: &str) -> Option<Self> {
        let lang = tag.trim().split(['-', '_', '.', '@']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == lang)
    }

    /// The best language for an HTTP `Accept-Language` header (`de-AT,de;q=0.9,en;q=0.5`):
    /// the supported language with the highest weight, English if none is supported.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(f32, usize, Self)> = None;
        for (order, item) in accept_language.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Self::parse) else { continue };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite() && *q > 0.0);
            let Some(q) = q else { continue };
            // Higher weight wins; on equal weight, the one listed first.
            if best.is_none_or(|(bq, bo, _)| q > bq || (q == bq && order < bo)) {
                best = Some((q, order, lang));
            }
        }
        best.map_or(Self::En, |(_, _, l)| l)
    }

    /// The language of the person at the terminal: `TWIN_LANG`, else the POSIX locale
    /// (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English. `C` and `POSIX` mean English.
    pub fn from_env() -> Self {
        ["TWIN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.trim().is_empty())
            .and_then(|v| Self::parse(&v))
            .unwrap_or(Self::En)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownLang(s.to_string()))
    }
}

/// A language this node has no translation for.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown language '{0}': use one of en, fr, de, ro, it")]
pub struct UnknownLang(pub String);

/// The areas of the translation files, one `.ftl` file each per language.
pub const AREAS: [&str; 5] = ["messages", "cli", "ui", "schema", "templates"];

/// Areas whose messages the browser formats itself: plain text and `{ $name }` placeholders.
pub const BROWSER_AREAS: [&str; 2] = ["ui", "schema"];

macro_rules! sources {
    ($($lang:ident => $dir:literal),* $(,)?) => {
        /// `(language, area, file text)` for every translation file compiled into the node.
        pub const SOURCES: &[(Lang, &str, &str)] = &[
            $(
                (Lang::$lang, "messages", include_str!(concat!("../i18n/", $dir, "/messages.ftl"))),
                (Lang::$lang, "cli", include_str!(concat!("../i18n/", $dir, "/cli.ftl"))),
                (Lang::$lang, "ui", include_str!(concat!("../i18n/", $dir, "/ui.ftl"))),
                (Lang::$lang, "schema", include_str!(concat!("../i18n/", $dir, "/schema.ftl"))),
                (Lang::$lang, "templates", include_str!(concat!("../i18n/", $dir, "/templates.ftl"))),
            )*
        ];
    };
}

sources!(En => "en", Fr => "fr", De => "de", Ro => "ro", It => "it");

/// One language's messages, parsed.
struct Language {
    bundle: FluentBundle<FluentResource>,
    /// Every message of the browser areas as a template for the UI.
    browser: BTreeMap<String, String>,
}

static CATALOG: LazyLock<BTreeMap<Lang, Language>> = LazyLock::new(|| {
    Lang::ALL
        .into_iter()
        .map(|lang| {
            let id = lang.locale().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around placeables: terminals and logs show them as junk.
            bundle.set_use_isolating(false);
            let mut browser = BTreeMap::new();
            for (_, area, text) in SOURCES.iter().filter(|(l, ..)| *l == lang) {
                // A file with errors still yields the messages it could read; the tests keep
                // shipped files free of errors.
                let resource = FluentResource::try_new((*text).to_string()).unwrap_or_else(|(r, _)| r);
                if BROWSER_AREAS.contains(area) {
                    browser.extend(browser_templates(&resource));
                }
                if let Err(errors) = bundle.add_resource(resource) {
                    tracing::warn!(%lang, area, ?errors, "translation file has duplicate messages");
                }
            }
            (lang, Language { bundle, browser })
        })
        .collect()
});

/// The text of message `key` in `lang`, with `args` filled in. A message missing in `lang` falls
/// back to English, and a key missing in English too (a bug the tests catch) shows as the key.
pub fn tr(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let fluent_args = (!args.is_empty()).then(|| {
        let mut a = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            a.set(*name, value.clone());
        }
        a
    });
    for l in [lang, Lang::En] {
        let Some(language) = CATALOG.get(&l) else { continue };
        let Some(pattern) = language.bundle.get_message(key).and_then(|m| m.value()) else { continue };
        let mut errors = Vec::new();
        let text = language.bundle.format_pattern(pattern, fluent_args.as_ref(), &mut errors);
        if !errors.is_empty() {
            tracing::debug!(%l, key, ?errors, "translation needs an argument it was not given");
        }
        return text.into_owned();
    }
    tracing::warn!(%lang, key, "no translation for this message");
    key.to_string()
}

/// `tr` with named arguments: `t!(lang, "unknown-document", id = doc)`. Values may be strings or
/// numbers (anything `Into<FluentValue>`).
#[macro_export]
macro_rules! t {
    ($lang:expr, $key:literal $(,)?) => {
        $crate::i18n::tr($lang, $key, &[])
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr($lang, $key, &[$((stringify!($name), $crate::i18n::FluentValue::from($value))),+])
    };
}

/// True if `key` is a message in English (the reference language).
pub fn has(key: &str) -> bool {
    CATALOG.get(&Lang::En).is_some_and(|l| l.bundle.has_message(key))
}

/// The messages the browser formats (`ui.ftl` and `schema.ftl`) in `lang`, as `key -> text` with
/// `{name}` placeholders; English fills any gap, so the UI never shows a bare key.
pub fn browser_catalog(lang: Lang) -> BTreeMap<String, String> {
    let mut out = CATALOG.get(&Lang::En).map(|l| l.browser.clone()).unwrap_or_default();
    if let Some(l) = CATALOG.get(&lang) {
        out.extend(l.browser.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

/// The browser form of each message in `resource`: text, with each `{ $name }` as `{name}`.
/// A selector (not allowed in the browser areas; a test checks) keeps its default variant.
fn browser_templates(resource: &FluentResource) -> impl Iterator<Item = (String, String)> + '_ {
    resource.entries().filter_map(|entry| match entry {
        ast::Entry::Message(ast::Message { id, value: Some(pattern), .. }) => {
            let mut out = String::new();
            write_template(pattern, &mut out);
            Some((id.name.to_string(), out))
        }
        _ => None,
    })
}

fn write_template(pattern: &ast::Pattern<&str>, out: &mut String) {
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => out.push_str(value),
            ast::PatternElement::Placeable { expression } => write_expression(expression, out),
        }
    }
}

fn write_expression(expression: &ast::Expression<&str>, out: &mut String) {
    match expression {
        ast::Expression::Inline(inline) => match inline {
            ast::InlineExpression::VariableReference { id } => {
                out.push('{');
                out.push_str(id.name);
                out.push('}');
            }
            ast::InlineExpression::StringLiteral { value } => out.push_str(value),
            ast::InlineExpression::NumberLiteral { value } => out.push_str(value),
            ast::InlineExpression::Placeable { expression } => write_expression(expression, out),
            _ => {}
        },
        ast::Expression::Select { variants, .. } => {
            if let Some(v) = variants.iter().find(|v| v.default) {
                write_template(&v.value, out);
            }
        }
    }
}

/// The `{ $variables }` a message uses, and whether it selects (for the tests).
#[cfg(test)]
fn variables(pattern: &ast::Pattern<&str>, vars: &mut std::collections::BTreeSet<String>) -> bool {
    fn expr(e: &ast::Expression<&str>, vars: &mut std::collections::BTreeSet<String>) -> bool {
        match e {
            ast::Expression::Inline(i) => inline(i, vars),
            ast::Expression::Select { selector, variants } => {
                inline(selector, vars);
                for v in variants {
                    variables(&v.value, vars);
                }
                true
            }
        }
    }
    fn inline(i: &ast::InlineExpression<&str>, vars: &mut std::collections::BTreeSet<String>) -> bool {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                vars.insert(id.name.to_string());
                false
            }
            ast::InlineExpression::Placeable { expression } => expr(expression, vars),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline(a, vars);
                }
                false
            }
            _ => false,
        }
    }
    let mut selects = false;
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            selects |= expr(expression, vars);
        }
    }
    selects
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// `key -> (variables, selects)` of one file.
    fn messages(text: &str) -> BTreeMap<String, (BTreeSet<String>, bool)> {
        let resource = match FluentResource::try_new(text.to_string()) {
            Ok(r) => r,
            Err((_, errors)) => panic!("translation file does not parse: {errors:?}"),
        };
        let mut out = BTreeMap::new();
        for entry in resource.entries() {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                let selects = m.value.as_ref().is_some_and(|p| variables(p, &mut vars));
                assert!(m.value.is_some(), "message {} has no text", m.id.name);
                let dup = out.insert(m.id.name.to_string(), (vars, selects));
                assert!(dup.is_none(), "message {} is written twice", m.id.name);
            }
        }
        out
    }

    #[test]
    fn every_language_has_every_message_with_the_same_placeholders() {
        let mut all_keys = BTreeMap::new();
        for area in AREAS {
            let file = |lang: Lang| {
                SOURCES
                    .iter()
                    .find(|(l, a, _)| *l == lang && *a == area)
                    .map(|(.., t)| *t)
                    .unwrap_or_default()
            };
            let english = messages(file(Lang::En));
            for lang in Lang::ALL {
                let other = messages(file(lang));
                let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
                let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
                assert!(missing.is_empty(), "{lang}/{area}.ftl lacks {missing:?}");
                assert!(extra.is_empty(), "{lang}/{area}.ftl has messages English lacks: {extra:?}");
                for (key, (vars, selects)) in &other {
                    assert_eq!(vars, &english[key].0, "{lang}/{area}.ftl: {key} uses other placeholders");
                    assert!(
                        !(*selects && BROWSER_AREAS.contains(&area)),
                        "{lang}/{area}.ftl: {key} uses a selector, which the browser cannot format"
                    );
                }
            }
            for key in english.keys() {
                let before = all_keys.insert(key.clone(), area);
                assert!(
                    before.is_none(),
                    "{key} is in both {area}.ftl and {}.ftl",
                    before.unwrap_or_default()
                );
            }
        }
    }

    /// Every key the code names (`t!(lang, "key"…)` in Rust, `t('key'…)` and `data-i18n="key"` in
    /// the web UI) is a message.
    #[test]
    fn every_key_the_code_uses_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["node/src", "cli/src"] {
            collect(&root.join(dir), &mut files);
        }
        let mut used = 0;
        for file in files {
            // This file's examples and tests name keys that are not messages.
            if file.ends_with("i18n.rs") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&file) else { continue };
            for key in used_keys(&text) {
                used += 1;
                assert!(has(&key), "{} uses the message '{key}', which en/*.ftl lacks", file.display());
            }
        }
        assert!(used > 0, "no translated message found in the code: the scan is broken");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "js" || x == "html") {
                out.push(p);
            }
        }
    }

    /// Keys in `t!(expr, "key"`, `t('key'`, `t("key"` and `data-i18n…="key"`.
    fn used_keys(text: &str) -> Vec<String> {
        let key_at = |s: &str| -> Option<String> {
            let s = s.trim_start();
            let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let end = s[1..].find(q)?;
            let key = &s[1..1 + end];
            (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .then(|| key.to_string())
        };
        let mut keys = Vec::new();
        for (i, _) in text.match_indices("t!(") {
            // `format!(`, `assert!(` are not it.
            if text[..i].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            // The key follows the language argument's comma.
            let rest = &text[i + 3..];
            if let Some(comma) = rest.find(',')
                && let Some(k) = key_at(&rest[comma + 1..])
            {
                keys.push(k);
            }
        }
        for (i, _) in text.match_indices("t(") {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '!') {
                continue;
            }
            if let Some(k) = key_at(&text[i + 2..]) {
                keys.push(k);
            }
        }
        for (i, _) in text.match_indices("data-i18n") {
            let rest = &text[i..];
            if let Some(eq) = rest.find("=\"")
                && rest[..eq].chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && let Some(k) = key_at(&rest[eq + 1..])
            {
                keys.push(k);
            }
        }
        keys
    }

    #[test]
    fn the_scan_finds_keys_in_each_form() {
        let keys = used_keys(
            r#"t!(lang, "a-b") ; format!(x, "no"); t!(Lang::En, "c", x = 1); t('d'); t("e", {n}); <b data-i18n="f"> data-i18n-title="g" foot('x') x.t('y')"#,
        );
        assert_eq!(keys, ["a-b", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn languages_are_read_from_tags_locales_and_headers() {
        assert_eq!(Lang::parse("fr-BE"), Some(Lang::Fr));
        assert_eq!(Lang::parse("de_AT.UTF-8"), Some(Lang::De));
        assert_eq!(Lang::parse("IT"), Some(Lang::It));
        assert_eq!(Lang::parse("C.UTF-8"), None);
        assert_eq!(Lang::parse("es"), None);
        assert_eq!(Lang::negotiate("es-ES,es;q=0.9,ro;q=0.8,en;q=0.7"), Lang::Ro);
        assert_eq!(Lang::negotiate("en;q=0.5, de-AT"), Lang::De);
        assert_eq!(Lang::negotiate("fr;q=0,it;q=0.3"), Lang::It);
        assert_eq!(Lang::negotiate("xx, ;;;, q=q"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
    }

    #[test]
    fn messages_are_formatted_in_each_language_with_english_behind_a_gap() {
        for lang in Lang::ALL {
            let name = tr(lang, "language-name", &[]);
            assert!(!name.is_empty() && name != "language-name", "{lang}: {name}");
        }
        assert_eq!(tr(Lang::Fr, "language-name", &[]), "Français");
        assert_eq!(tr(Lang::De, "no-such-message-anywhere", &[]), "no-such-message-anywhere");
        let de = browser_catalog(Lang::De);
        assert_eq!(de.get("language-name").map(String::as_str), Some("Deutsch"));
    }
}
