# The starting content of new documents (Română): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
