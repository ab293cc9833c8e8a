# The starting content of new documents (Deutsch): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
