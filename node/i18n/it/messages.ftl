# The node's errors and the `twin` command's output (Italiano).
# Messages here may use Fluent selectors (plurals); see docs/user-guide.md, "Translations".

unknown-language = lingua sconosciuta «{ $lang }»: usare en, fr, de, ro o it
