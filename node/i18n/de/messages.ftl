# The node's errors and the `twin` command's output (Deutsch).
# Messages here may use Fluent selectors (plurals); see docs/user-guide.md, "Translations".

unknown-language = unbekannte Sprache „{ $lang }“: verwenden Sie en, fr, de, ro oder it
