# The web UI's words (Italiano).
# Plain text with { $name } placeholders only: the browser fills them in, so no selectors here.

# The language's own name, as shown in the language menu.
language-name = Italiano

## Page frame
skip-to-content = Vai al contenuto
nav-main = Navigazione principale
nav-dashboard = Pannello
nav-spaces = Gemellaggi
nav-docs = Documenti
officer = Funzionario
officer-placeholder = Il Suo nome
officer-needed = Inserisca il Suo nome in «Funzionario» in cima alla pagina per scrivere: ogni modifica registra il comune e il funzionario che l’ha fatta.
officer-enter = Inserisco il mio nome
editor-read-only = Il Suo comune è lettore in questo partenariato: può leggere questo documento e la sua cronologia, ma non modificarlo. Un amministratore del partenariato può rendere il Suo comune redattore.
language = Lingua
live-connecting = connessione…
live-on = collegato
live-off = non collegato
live-on-title = Collegato al nodo del Suo comune; le modifiche compaiono appena vengono fatte
live-off-title = Nessun collegamento al nodo del Suo comune; nuovo tentativo in corso
signout = Esci
signout-title = Dimentica il token di accesso in questo browser
footer = Ogni modifica è firmata dal nodo del Suo comune e verificata da ogni partner. Nessun server centrale.
loading = Caricamento…
page-not-found = Pagina non trovata
back-to-dashboard = Torna al pannello
something-wrong = Si è verificato un errore
node-unreachable = Il nodo del Suo comune non è raggiungibile
error-request-failed = La richiesta non è riuscita (stato { $status }).
untitled = (senza titolo)
unnamed = (senza nome)
unknown = sconosciuto
unknown-town = comune sconosciuto
yes = sì
no = no

## Signing in
signin-title = Accesso al nodo del Suo comune
signin-help-before = Apra l’indirizzo di accesso mostrato da
signin-help-middle = oppure incolli il token del file
signin-help-after = che si trova nella cartella dati del nodo.
signin-token = Token
signin-submit = Accedi
signin-refused = Il nodo del Suo comune non ha accettato questo token. Lo copi di nuovo, per intero, dall’indirizzo di accesso o dal file api.token e acceda di nuovo.

## Times
time-never = mai
time-just-now = proprio ora
time-minutes-ago = { $n } min fa
time-hours-ago = { $n } h fa

## Dashboard
dash-this-town = Questo comune
dash-country = Paese: { $country }
dash-partners-online = Partner collegati
dash-n-of-m = { $n } su { $m }
dash-reachability = Raggiungibilità: { $reachability }
reachability-public = raggiungibile da Internet
reachability-private = raggiungibile solo tramite relay
reachability-unknown = non ancora nota
dash-shared-docs = Documenti condivisi: { $n }
dash-partners-sync = Partner e sincronizzazione
dash-no-partner = Nessun nodo partner è ancora noto. Aggiunga un partner a un gemellaggio o ne raggiunga uno con un biglietto d’invito.
dash-recent-docs = Documenti modificati di recente
peer-syncing = sincronizzazione di { $n }
peer-in-sync = sincronizzato
peer-offline = non collegato
peer-online = collegato
peer-unknown = nodo sconosciuto
peer-last-seen = visto l’ultima volta { $when }

## Table headings
col-partner = Partner
col-connection = Collegamento
col-shared-spaces = Gemellaggi condivisi e stato della sincronizzazione
col-changes-received = Modifiche ricevute
col-document = Documento
col-kind = Tipo
col-space = Gemellaggio
col-last-change = Ultima modifica
col-changes = Modifiche
col-founded-by = Fondato da
col-founded = Fondato il
col-town = Comune
col-role = Ruolo
col-status = Stato
col-added-by = Aggiunto da
col-node-id = Identificativo del nodo
col-when = Data
col-change = Modifica
col-signature = Firma

## Partnerships
spaces-intro = Un gemellaggio raccoglie i documenti condivisi di due o più comuni.
spaces-none = Questo comune non fa ancora parte di alcun gemellaggio.
space-name = Nome
space-name-placeholder = ad es. Saint-Pol – Warstein
space-found-title = Fondare un gemellaggio
space-found = Fonda
space-join-title = Aderire con un invito
space-join-ticket = Biglietto d’invito ricevuto da un partner
space-join = Aderisci
space-joined = Ha aderito al gemellaggio.
ticket-placeholder = biglietto twinmesh…
space-members = Membri
space-log = Registro dei membri
role-editor = redattore
role-admin = amministratore
role-viewer = lettore
invite-title = Invitare un comune partner
invite-days = Valido per (giorni)
invite-create = Crea il biglietto d’invito
invite-ticket = Biglietto d’invito
invite-send = Invii questo biglietto monouso al comune partner (ruolo: { $role }). Scade tra { $days } giorno/i.
invite-copied = Biglietto copiato.
invite-copy = Copia il biglietto
invite-qr = Codice QR del biglietto: il comune partner può scansionarlo dallo schermo o da una lettera stampata.
invite-link-help = Oppure invii questo link: su un computer dove Twinmesh funziona all’indirizzo abituale, apre la pagina di adesione del partner con il biglietto già inserito.
invite-link-copy = Copia il link
invite-link-copied = Link copiato.
join-from-link = Qui sotto è inserito l’invito di un comune partner. Lo controlli, poi prema Aderisci.
member-add-title = Aggiungere un partner tramite l’identificativo del suo nodo
member-town-name = Nome del comune
town-name-placeholder = ad es. Warstein
member-add = Aggiungi il membro
member-this-town = (questo comune)
member-active = attivo
member-removed = rimosso
log-add = { $by } ha aggiunto { $member } con il ruolo { $role }
log-set-role = { $by } ha assegnato a { $member } il ruolo { $role }
log-leave = { $by } ha lasciato il gemellaggio
log-remove = { $by } ha rimosso { $member }
log-rejected = respinto: { $why }

## Documents
docs-none = Ancora nessun documento.
doc-new = Nuovo documento
doc-title = Titolo
doc-title-placeholder = ad es. CIRCLE60 – Young Circular Towns
doc-title-placeholder-short = ad es. CIRCLE60
doc-create = Crea
doc-not-found-title = Documento non trovato
doc-not-found-text = Questo nodo non ha alcun documento a questo indirizzo. Il link potrebbe essere incompleto, il documento potrebbe essere stato rimosso, oppure il documento di un partner non è ancora arrivato a questo nodo.
doc-not-found-list = Mostra l’elenco dei documenti
tab-edit = Modifica
tab-history = Cronologia
tab-print = Stampa ed esporta

## The editor
conflicts-count = Valori in conflitto: { $n }.
conflicts-explain = Alcuni partner hanno inserito valori diversi nello stesso momento. Ciascuno è mostrato qui sotto con il comune che l’ha inserito; ne scelga uno per risolvere il conflitto.
conflict = Conflitto
conflict-explain = inserito in modo diverso da due comuni
conflict-keep = Mantieni questo
# How a date is written, shown in an empty date box.
date-placeholder = GG/MM/AAAA
date-pick = Scegliere una data: { $field }
list-add = Aggiungi a «{ $list }»
list-empty = Ancora nessuna voce.
list-none = Nessuna.
item-remove = Rimuovi
item-remove-named = Rimuovi { $item }
item-remove-confirm = Rimuovere { $item }?
total = Totale
total-of = Totale { $field }
total-plus-conflict = conflitto
total-plus-invalid = valore non valido
money-correction = (rettifica)
value-invalid = non valido: { $value } ({ $reason })

## History and printing
history-refused = respinto: { $why }
history-view-at = Vedi il documento a questo punto
history-older = Carica le modifiche precedenti
history-sub = cronologia di { $n } modifiche, le più recenti per prime
signature-verified = verificata
signature-missing = assente
signature-invalid = non valida
at-as-it-was = Com’era dopo questa modifica:
at-back = Torna alla versione attuale
print = Stampa
print-markdown = Scarica in Markdown
print-html = Scarica in HTML
print-printed = stampato il { $when }

# Members: roles, removal, leaving
member-role-of = Ruolo di { $town }
member-role-changed = { $town } è ora { $role }.
member-remove = Rimuovi
member-remove-confirm = Rimuovere { $town } da questo gemellaggio? Il suo nodo conserva ciò che ha ma non riceve altre modifiche.
member-removed-toast = { $town } è stato rimosso.
space-leave = Lascia questo gemellaggio
space-leave-confirm = Lasciare { $space }? Il vostro comune non riceverà più le modifiche; per rientrare un amministratore dovrà invitarlo di nuovo.
space-left = Il vostro comune ha lasciato { $space }.

# Checks: warnings, never refusals
warnings = Da verificare
warn-end-before-start = { $what } termina prima di iniziare.
warn-event-end-before-start = L'evento { $event } termina prima di iniziare.
warn-participants-sum = Evento { $event }, { $town }: donne, uomini e non indicato sommano { $genders }, ma giovani e adulti { $total }.
warn-budget-total = Le voci di bilancio sommano { $total }, ma la somma forfettaria richiesta è { $lump }.
warn-cerv-lump = CERV Gemellaggio di città: la somma forfettaria ({ $lump }) deve essere compresa tra { $min } e { $max }.
warn-cerv-countries = CERV Gemellaggio di città: i partner devono provenire da almeno due paesi ammissibili.
warn-cerv-eu = CERV Gemellaggio di città: almeno un partner deve trovarsi in uno Stato membro dell'UE.
warn-cerv-direct = CERV Gemellaggio di città: l'evento principale { $event } prevede { $n } partecipanti diretti; ne servono almeno { $min }.
warn-cerv-invited = CERV Gemellaggio di città: l'evento principale { $event } prevede { $n } partecipanti invitati dalle città partner; ne servono almeno { $min }.

# Exports
export-ics = Calendario (.ics)
export-csv = Bilancio (.csv)
export-xlsx = Bilancio (.xlsx)
export-pdf = PDF da stampare (.pdf)
export-docx = Word (.docx)
export-odt = OpenDocument (.odt)
export-automerge = File Automerge
export-signed = File firmato
export-left-out = Esclusi dal file ({ $n }):

# Open invitations
invite-open = Inviti aperti
invite-expires = Valido fino al
invite-revoke = Revoca
invite-revoke-confirm = Revocare l'invito come { $role }, valido fino al { $when }? Il suo ticket non ammetterà più nessuno.
invite-revoked = L'invito è stato revocato.

## Versioni con nome e approvazioni
tab-versions = Versioni
versions-sub = Una versione con nome è una registrazione firmata del documento com’è ora. Ogni città partner vi registra la decisione del proprio consiglio.
versions-none = Ancora nessuna versione con nome.
versions-name-label = Dai un nome a questa versione
versions-name-placeholder = ad es. presentato all’EACEA il 12/02/2027
versions-name-button = Dai un nome
versions-named = Versione «{ $name }» registrata.
versions-named-by = Registrata da { $town }, { $when }
versions-approved-by = approvata da { $n } città su { $m }
versions-rejected-by = respinta da { $n }
versions-requested-by = approvazione richiesta da { $town }
versions-changed-since = modificato da questa versione
versions-changed-since-long = Il documento è cambiato da questa versione; non è più quella attuale. Modificato da allora:
versions-current = attuale
versions-decision-approved = { $town }: approvata ({ $reference }, { $date })
versions-decision-rejected = { $town }: respinta ({ $reference }, { $date })
versions-waiting-for = In attesa di: { $towns }
versions-view = Visualizza
versions-compare = Confronta
versions-compare-with = Confronta con
versions-current-content = il contenuto attuale
versions-no-differences = Nessuna differenza.
versions-restore = Ripristina questa versione
versions-restore-confirm = Ripristinare «{ $name }»? I campi modificati da allora vengono riscritti in una nuova modifica; la cronologia conserva tutto.
versions-restored = Versione «{ $name }» ripristinata.
versions-request = Chiedi l’approvazione a ogni città
versions-reference = Delibera del consiglio
versions-reference-placeholder = ad es. Delibera 2027-014
versions-date = Data della delibera
versions-approve = Approva
versions-reject = Respingi
versions-approved-toast = L’approvazione della tua città è registrata e firmata.
versions-rejected-toast = Il rifiuto della tua città è registrato e firmato.

## Attachments (the evidence register)
tab-attachments = Allegati
att-sub = I file che questo documento porta come prove. L’impronta di ogni file è registrata in una modifica firmata; i nodi dei partner ne scaricano il contenuto e lo verificano.
att-file-label = File
att-caption-label = Didascalia
att-caption-placeholder = Di che cosa il file è prova
att-upload = Allega
att-uploaded = { $name } è stato allegato.
att-none = Ancora nessun allegato.
att-col-file = File
att-col-size = Dimensione
att-col-by = Allegato da
att-col-state = Su questo nodo
att-col-actions = Azioni
att-state-downloaded = scaricato
att-state-downloading = download in corso: { $pct } %
att-state-not-downloaded = non scaricato
att-state-removed = rimosso
att-by = { $town }, { $when }
att-download = Scarica
att-fetch = Recupera
att-remove = Rimuovi
att-remove-reason = Perché rimuovere «{ $name }»? Il contenuto sarà cancellato dal nodo di ogni partner; resta la traccia della sua esistenza.
att-removed = { $name } è stato rimosso.
att-removed-by = Rimosso da { $town }: { $reason }
att-usage = Allegati di questo spazio su questo nodo: { $used }.
att-usage-cap = Allegati di questo spazio su questo nodo: { $used } su { $cap }.

## Pannello di sincronizzazione (pagina iniziale), indicatori negli elenchi, presenza nell'editor
sync-now = Sincronizza ora
sync-doc-now = Sincronizza ora questo documento
sync-now-title = Raggiungere ora le città partner (anche quelle non in linea) e scambiare ciò che manca
sync-started = Sincronizzazione eseguita. Città partner raggiunte: { $n }; modifiche ricevute: { $received }.
sync-reaching = Collegamento con le città partner in corso; si sincronizzano appena rispondono.
sync-col-state = In linea
sync-col-last = Ultima sincronizzazione
sync-col-waiting = Modifiche in attesa di invio
sync-col-received = Modifiche ricevute
sync-since = dal { $when }
sync-unknown = sconosciuto
sync-unknown-title = Mai sincronizzato con questa città: non si sa ancora che cosa le manca.
sync-never-synced = documenti mai sincronizzati: { $n }
sync-received-total = Dall'avvio di questo nodo: { $n }
sync-not-yet-at = Non ancora a: { $towns }
sync-conflicts = Conflitti: { $n }
sync-up-to-date = Aggiornato
sync-open-at = Aperto ora a { $towns }
col-sync = Sincronizzazione
presence-open-at = Aperto ora a { $towns }

# File portati da una città all’altra quando la rete non c’è (pacchetti), nella pagina di un gemellaggio.
sync-carry-hint = Una città partner è offline mentre delle modifiche la attendono? Portatele in un file.
sync-carry-link = Salvare un file per un partner
bundle-title = Senza rete: portare un file
bundle-sub = Quando la rete non funziona, salvate qui un file, portatelo alla città partner (per e-mail o su una chiavetta USB) e apritelo sul suo nodo. Ogni modifica contenuta viene verificata come se arrivasse dalla rete; se qualcosa non va, non viene importato nulla.
bundle-sub-open = Un file di una città partner, portato per e-mail o su una chiavetta USB quando la rete non c’è, può portare un gemellaggio che questa città non ha ancora ricevuto: apritelo qui. I file per un partner si salvano nella pagina del gemellaggio.
bundle-save-title = Salvare un file per un partner
bundle-partner = Per quale città partner
bundle-partner-any = Qualsiasi partner (tutto il gemellaggio)
bundle-save = Salva il file
bundle-preparing = Preparazione del file: { $pct } %
bundle-saved = “{ $name }” salvato.
bundle-saved-counts = Documenti: { $documents }, modifiche: { $changes }, allegati: { $attachments }.
bundle-saved-incremental = Contiene ciò che manca a questo partner dall’ultima sincronizzazione.
bundle-saved-whole = Contiene tutto il gemellaggio.
bundle-saved-next = Consegnatelo alla città partner, che lo apre con “Aprire un file di un partner”.
bundle-open-title = Aprire un file di un partner
bundle-file = File di una città partner (.twinbundle)
bundle-open-space = Aprire il gemellaggio
bundle-open = Apri il file
bundle-choose-file = Scegliete prima il file.
bundle-sending = Invio del file al nodo di questa città: { $pct } %
bundle-checking = Verifica e applicazione delle modifiche: { $pct } %
bundle-opened = Il file è stato aperto; ogni modifica ha superato le verifiche.
bundle-nothing-new = Niente di nuovo: questa città aveva già tutto il contenuto del file.
bundle-result-documents = Documenti nel file: { $n } (nuovi qui: { $new })
bundle-result-changes = Modifiche nuove: { $n } (su { $total } nel file)
bundle-result-waiting = Modifiche in attesa di altre precedenti che questa città non ha ancora ricevuto: { $n }. Saranno applicate al loro arrivo.
bundle-result-attachments = Allegati arrivati con il file: { $n }
bundle-error-not-a-bundle = Questo file non è stato salvato per un partner da Twinmesh. Non è stato importato nulla.
bundle-error-version = Questo file è stato creato da una versione più recente di Twinmesh. Aggiornate il nodo di questa città e apritelo di nuovo. Non è stato importato nulla.
bundle-error-damaged = Questo file è danneggiato o incompleto (forse troncato durante la copia). Chiedetene uno nuovo alla città partner. Non è stato importato nulla.
bundle-error-verification = Una modifica di questo file non ha superato la verifica della firma o dei permessi, quindi non è stato importato nulla. Dettagli: { $detail }
bundle-error-not-member = Questo file riguarda un gemellaggio di cui questa città non è membro. Non è stato importato nulla. Dettagli: { $detail }
bundle-error-attachment = Un allegato di questo file non corrisponde alla sua impronta. Non è stato importato nulla.
bundle-error-failed = Impossibile aprire il file: { $detail }
