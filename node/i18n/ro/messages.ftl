# The node's errors and the `twin` command's output (Română).
# Messages here may use Fluent selectors (plurals); see docs/user-guide.md, "Translations".

unknown-language = limbă necunoscută „{ $lang }”: folosiți en, fr, de, ro sau it
