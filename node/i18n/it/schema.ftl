# Names of document kinds, fields and choices (Italiano).
# Plain text with { $name } placeholders only: the browser shows them too.
