# Names of document kinds, fields and choices (English).
# Plain text with { $name } placeholders only: the browser shows them too.
