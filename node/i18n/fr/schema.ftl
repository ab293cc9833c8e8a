# Names of document kinds, fields and choices (Français).
# Plain text with { $name } placeholders only: the browser shows them too.
