# The starting content of new documents (Deutsch): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
# A translator may change any text after the "=": new documents in this language start with it.
# Documents already created keep the text they were created with.

## Charter: a preamble and four clauses after the CEMR twinning oath.
template-charter-preamble = Wir, die von unseren Bürgerinnen und Bürgern frei gewählten Bürgermeisterinnen und Bürgermeister unserer Städte, verpflichten uns im Namen unserer Räte zu einer dauerhaften Partnerschaft zwischen unseren Gemeinden.
template-charter-clause-1-heading = Dauerhafte Verbindungen
template-charter-clause-1-text = Dauerhafte Verbindungen zwischen den Verwaltungen unserer Städte zu pflegen.
template-charter-clause-2-heading = Austausch zwischen den Einwohnern
template-charter-clause-2-text = Den Austausch zwischen unseren Einwohnerinnen und Einwohnern auf allen Gebieten zu fördern, damit sie einander besser kennenlernen.
template-charter-clause-3-heading = Gegenseitiges Verständnis
template-charter-clause-3-text = Gemeinsam für gegenseitiges Verständnis, für Freundschaft und für den Frieden zu wirken.
template-charter-clause-4-heading = Europäische Bürgerschaft
template-charter-clause-4-text = Unsere Kräfte zu vereinen, damit unsere Bürgerinnen und Bürger die europäische Bürgerschaft gemeinsam leben.

## Joint project plan: the three usual work packages and standard indicators of a CERV Town Twinning project.
template-plan-wp-1-title = Projektmanagement und Koordination
template-plan-wp-2-title = Hauptveranstaltung
template-plan-wp-3-title = Kommunikation, Verbreitung und Nachbereitung
template-plan-indicator-1-name = Direkt Teilnehmende
template-plan-indicator-2-name = Eingeladene internationale Teilnehmende
template-plan-indicator-3-name = Teilnehmende mit geringeren Chancen
template-plan-indicator-unit-persons = Personen

## Meeting minutes: the standard agenda.
template-minutes-agenda-1-title = Begrüßung und Entschuldigungen
template-minutes-agenda-2-title = Genehmigung des Protokolls der letzten Sitzung
template-minutes-agenda-3-title = Verschiedenes
