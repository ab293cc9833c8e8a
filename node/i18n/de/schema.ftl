# Names of document kinds, fields and choices (Deutsch).
# Plain text with { $name } placeholders only: the browser shows them too.
