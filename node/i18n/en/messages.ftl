# The node's errors and the `twin` command's output (English).
# Messages here may use Fluent selectors (plurals); see docs/user-guide.md, "Translations".

unknown-language = unknown language '{ $lang }': use one of en, fr, de, ro, it
