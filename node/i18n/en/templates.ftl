# The starting content of new documents (English): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
