# The starting content of new documents (English): charter clauses, the plan's standard
# work packages and indicators, the minutes' standard agenda.
# A translator may change any text after the "=": new documents in this language start with it.
# Documents already created keep the text they were created with.

## Charter: a preamble and four clauses after the CEMR twinning oath.
template-charter-preamble = We, the mayors of our towns, freely elected by our citizens, and in the name of our councils, commit ourselves to a lasting partnership between our communities.
template-charter-clause-1-heading = Permanent ties
template-charter-clause-1-text = To maintain permanent ties between the municipalities of our towns.
template-charter-clause-2-heading = Exchanges between inhabitants
template-charter-clause-2-text = To encourage exchanges between our inhabitants in every field, so that they know one another better.
template-charter-clause-3-heading = Mutual understanding
template-charter-clause-3-text = To work together for mutual understanding and friendship, and for peace.
template-charter-clause-4-heading = European citizenship
template-charter-clause-4-text = To join our efforts so that our citizens live European citizenship together.

## Joint project plan: the three usual work packages and standard indicators of a CERV Town Twinning project.
template-plan-wp-1-title = Project management and coordination
template-plan-wp-2-title = Main event
template-plan-wp-3-title = Communication, dissemination and follow-up
template-plan-indicator-1-name = Direct participants
template-plan-indicator-2-name = Invited international participants
template-plan-indicator-3-name = Participants with fewer opportunities
template-plan-indicator-unit-persons = persons

## Meeting minutes: the standard agenda.
template-minutes-agenda-1-title = Welcome and apologies
template-minutes-agenda-2-title = Approval of the previous minutes
template-minutes-agenda-3-title = Any other business
