# The starting content of new documents (Română): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
# A translator may change any text after the "=": new documents in this language start with it.
# Documents already created keep the text they were created with.

## Charter: a preamble and four clauses after the CEMR twinning oath.
template-charter-preamble = Noi, primarii orașelor noastre, aleși în mod liber de cetățenii noștri, ne angajăm, în numele consiliilor noastre locale, într-un parteneriat durabil între comunitățile noastre.
template-charter-clause-1-heading = Legături permanente
template-charter-clause-1-text = Să menținem legături permanente între administrațiile orașelor noastre.
template-charter-clause-2-heading = Schimburi între locuitori
template-charter-clause-2-text = Să încurajăm schimburile dintre locuitorii noștri în toate domeniile, pentru ca aceștia să se cunoască mai bine.
template-charter-clause-3-heading = Înțelegere reciprocă
template-charter-clause-3-text = Să lucrăm împreună pentru înțelegere reciprocă și prietenie, precum și pentru pace.
template-charter-clause-4-heading = Cetățenie europeană
template-charter-clause-4-text = Să ne unim eforturile pentru ca cetățenii noștri să trăiască împreună cetățenia europeană.

## Joint project plan: the three usual work packages and standard indicators of a CERV Town Twinning project.
template-plan-wp-1-title = Managementul și coordonarea proiectului
template-plan-wp-2-title = Evenimentul principal
template-plan-wp-3-title = Comunicare, diseminare și activități ulterioare
template-plan-indicator-1-name = Participanți direcți
template-plan-indicator-2-name = Participanți internaționali invitați
template-plan-indicator-3-name = Participanți cu oportunități reduse
template-plan-indicator-unit-persons = persoane

## Meeting minutes: the standard agenda.
template-minutes-agenda-1-title = Cuvânt de bun venit și absențe motivate
template-minutes-agenda-2-title = Aprobarea procesului-verbal al ședinței anterioare
template-minutes-agenda-3-title = Diverse
