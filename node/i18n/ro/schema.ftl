# Names of document kinds, fields and choices (Română).
# Plain text with { $name } placeholders only: the browser shows them too.
