# The starting content of new documents (Italiano): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
# A translator may change any text after the "=": new documents in this language start with it.
# Documents already created keep the text they were created with.

## Charter: a preamble and four clauses after the CEMR twinning oath.
template-charter-preamble = Noi, sindaci delle nostre città, liberamente eletti dai nostri cittadini, e in nome dei nostri consigli comunali, ci impegniamo in un partenariato duraturo tra le nostre comunità.
template-charter-clause-1-heading = Legami permanenti
template-charter-clause-1-text = Mantenere legami permanenti tra le amministrazioni comunali delle nostre città.
template-charter-clause-2-heading = Scambi tra gli abitanti
template-charter-clause-2-text = Favorire gli scambi tra i nostri abitanti in ogni campo, affinché si conoscano meglio.
template-charter-clause-3-heading = Comprensione reciproca
template-charter-clause-3-text = Operare insieme per la comprensione reciproca e l’amicizia, e per la pace.
template-charter-clause-4-heading = Cittadinanza europea
template-charter-clause-4-text = Unire i nostri sforzi affinché i nostri cittadini vivano insieme la cittadinanza europea.

## Joint project plan: the three usual work packages and standard indicators of a CERV Town Twinning project.
template-plan-wp-1-title = Gestione e coordinamento del progetto
template-plan-wp-2-title = Evento principale
template-plan-wp-3-title = Comunicazione, diffusione e follow-up
template-plan-indicator-1-name = Partecipanti diretti
template-plan-indicator-2-name = Partecipanti internazionali invitati
template-plan-indicator-3-name = Partecipanti con minori opportunità
template-plan-indicator-unit-persons = persone

## Meeting minutes: the standard agenda.
template-minutes-agenda-1-title = Benvenuto e assenze giustificate
template-minutes-agenda-2-title = Approvazione del verbale della riunione precedente
template-minutes-agenda-3-title = Varie ed eventuali
