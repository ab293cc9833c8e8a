# The node's errors and the `twin` command's output (Français).
# Messages here may use Fluent selectors (plurals); see docs/user-guide.md, "Translations".

unknown-language = langue inconnue « { $lang } » : utilisez en, fr, de, ro ou it
