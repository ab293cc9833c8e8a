# The starting content of new documents (Français): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
