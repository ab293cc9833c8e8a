# The starting content of new documents (Français): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
# A translator may change any text after the "=": new documents in this language start with it.
# Documents already created keep the text they were created with.

## Charter: a preamble and four clauses after the CEMR twinning oath.
template-charter-preamble = Nous, maires de nos villes, librement élus par nos concitoyens, et au nom de nos conseils municipaux, nous engageons à un partenariat durable entre nos communautés.
template-charter-clause-1-heading = Liens permanents
template-charter-clause-1-text = Maintenir des liens permanents entre les municipalités de nos villes.
template-charter-clause-2-heading = Échanges entre habitants
template-charter-clause-2-text = Favoriser dans tous les domaines les échanges entre nos habitants, afin qu’ils se connaissent mieux.
template-charter-clause-3-heading = Compréhension mutuelle
template-charter-clause-3-text = Œuvrer ensemble à la compréhension mutuelle et à l’amitié, ainsi qu’à la paix.
template-charter-clause-4-heading = Citoyenneté européenne
template-charter-clause-4-text = Unir nos efforts afin que nos concitoyens vivent ensemble la citoyenneté européenne.

## Joint project plan: the three usual work packages and standard indicators of a CERV Town Twinning project.
template-plan-wp-1-title = Gestion et coordination du projet
template-plan-wp-2-title = Événement principal
template-plan-wp-3-title = Communication, diffusion et suivi
template-plan-indicator-1-name = Participants directs
template-plan-indicator-2-name = Participants internationaux invités
template-plan-indicator-3-name = Participants ayant moins d’opportunités
template-plan-indicator-unit-persons = personnes

## Meeting minutes: the standard agenda.
template-minutes-agenda-1-title = Accueil et personnes excusées
template-minutes-agenda-2-title = Approbation du compte rendu de la réunion précédente
template-minutes-agenda-3-title = Questions diverses
