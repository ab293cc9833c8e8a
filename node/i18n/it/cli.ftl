# Le parole del comando `twin`: ciò che stampa per le persone (mai con --json) e i suoi errori.
# Gli errori del nodo sono in messages.ftl.

cli-error = errore: { $message }
cli-not-running = nessun nodo è in esecuzione su questa cartella dati: avviatelo con `twin start`
cli-no-home = impossibile trovare una cartella personale per la cartella dati predefinita: indicate --data-dir
cli-data-dir-open = attenzione: la cartella dati { $dir } è aperta ad altri utenti (modo { $mode }); i suoi file sono leggibili solo dal proprietario, ma eseguite `chmod 700 { $dir }` per nasconderli
cli-cannot-read = impossibile leggere { $file }
cli-cannot-write = impossibile scrivere { $file }
cli-token-unreadable = il token API del nodo in esecuzione non è leggibile
cli-node-unreachable = impossibile raggiungere il nodo in esecuzione su { $url }
cli-bad-answer = il nodo ha inviato una risposta illeggibile
cli-request-failed = il nodo ha rifiutato la richiesta (HTTP { $status })
cli-bad-duration = «{ $text }» non è una durata come 7d, 12h o 30m
cli-unusable-duration = «{ $text }» non è una durata utilizzabile
cli-bad-size = «{ $text }» non è una dimensione (ad es. 500MB, 2GB)
cli-bad-size-unit = «{ $text }»: unità sconosciuta (usate B, kB, MB, GB, TB, KiB, MiB, GiB)

# twin id, twin init
cli-id-id = id:                { $id }
cli-id-public-key = chiave pubblica:   { $key }
cli-id-data-dir = cartella dati:     { $dir }

# twin start
cli-start-running = Il nodo Twinmesh di { $name } ({ $country }) è in esecuzione.
cli-start-id = id:           { $id }
cli-start-listen = in ascolto:   { $addr }
cli-start-api = api:          { $url }
cli-start-web = interfaccia:  { $url }
cli-start-web-hint = (aprite questo indirizzo in un browser su questo computer; contiene il token API)
cli-start-data-dir = dati:         { $dir }
cli-start-stop-hint = Premete Ctrl-C per fermare.
cli-start-stopped = fermato

# twin space
cli-no-spaces = ancora nessuno spazio: createne uno con `twin space create NOME`
cli-space-line = { $id }  { $name }  (fondato da { $founder }, { $documents } documento/i{ $files })
cli-space-attachments = , allegati { $size }
cli-member-added = { $member } aggiunto a { $space } come { $role }
cli-member-since = aggiunto il { $when }
cli-member-gone = rimosso
cli-members-log = registro:
cli-log-rejected = respinta: { $reason }
cli-joined = entrato nello spazio { $space }
cli-role-now = { $member } ora è { $role }
cli-member-removed = { $member } rimosso
cli-left = uscito dallo spazio { $space }

# twin status, twin peers, twin dial, twin sync
cli-status-id = id:                { $id }
cli-status-listen = in ascolto:        { $addr }
cli-status-external = esterno:           { $addr }
cli-status-reachability = raggiungibilità:   { $state }
cli-reach-public = pubblico ({ $addr })
cli-reach-private = privato (raggiungibile solo tramite relay)
cli-reach-unknown = sconosciuta
cli-status-relay = relay:             { $addr }
cli-status-partners = partner:           { $count } connessi
cli-status-attachments = allegati:          { $mode } ({ $fetching } file in scaricamento, { $chunks } blocchi scaricati, { $refused } rifiutati)
cli-attachments-eager = tutti scaricati
cli-attachments-on-demand = su richiesta
cli-space-used-of = { $space }: { $used } su { $cap }
cli-no-peers = ancora nessun partner: collegatevi con `twin dial MULTIADDR`
cli-peer-unknown = (sconosciuto)
cli-peer-offline = non in linea
cli-peer-relayed = tramite relay
cli-peer-connected = connesso
cli-peer-line = visto l'ultima volta { $seen }  sincronizza { $syncing }  spazi: { $spaces }
cli-connected-to = connesso a { $id }
cli-sync-unreachable-all = nessuno dei { $count } partner connessi è raggiungibile; non è stato sincronizzato nulla
cli-sync-unreachable-some = attenzione: { $count } partner non hanno risposto
cli-synced = sincronizzato con { $peers } partner: { $received } modifiche ricevute, { $refused } rifiutate

# twin doc attach, twin doc attachments, twin doc attachment, twin space storage
cli-attached = { $name } allegato ({ $size }, sha256 { $hash }) con id { $id }
cli-no-attachments = nessun allegato
cli-attachment-downloading = in scaricamento, { $percent } %
cli-attachment-by = da { $town }
cli-attachment-removed-by = rimosso da { $town }: { $reason }
cli-attachment-removed = { $name } rimosso ({ $hash }); i suoi byte vengono cancellati qui e presso i partner man mano che si sincronizzano
cli-attachment-state-downloaded = scaricato
cli-attachment-state-downloading = in scaricamento
cli-attachment-state-not-downloaded = non scaricato
cli-attachment-state-removed = rimosso
cli-attachment-start-node = { $name } è { $state } su questo nodo: avviate il nodo (`twin start`) per scaricarlo
cli-attachment-not-here = { $name } è { $state } su questo nodo
cli-attachment-timeout = nessun partner ha consegnato il file entro { $seconds } s; riprovate più tardi (`--wait` per attendere di più)
cli-attachment-written = scritto { $file } ({ $size }, sha256 verificato)
cli-attachment-mismatch = il file su questo nodo non corrisponde al suo SHA-256 { $hash }; non è stato scritto nulla
cli-storage-capped = allegati: { $used } su { $cap } ({ $percent } %)
cli-storage-uncapped = allegati: { $used } (nessun limite)

# twin doc version
cli-no-such-version = questo documento non ha la versione «{ $version }»

# twin doc
cli-no-documents = ancora nessun documento: createne uno con `twin doc new SPAZIO --kind plan --title TITOLO`
cli-doc-line = { $changes } modifiche, aggiornato il { $updated }
cli-text-or-file = indicate il testo o --file, non entrambi
cli-not-name-value = «{ $text }» non ha la forma nome=valore
cli-cannot-read-stdin = impossibile leggere il testo dall'input standard
cli-conflicts = { $count } campo/i in conflitto: impostate di nuovo ciascuno per risolvere:
cli-no-change = nessuna modifica
cli-added-item = aggiunto { $path }
cli-history-more-filtered = altre modifiche potrebbero corrispondere: twin doc history { $doc } --before { $before } con gli stessi filtri
cli-history-older = { $older } modifiche più vecchie su { $total }: twin doc history { $doc } --before { $before }
cli-unknown-author = sconosciuto
cli-signature-ok = firma valida
cli-signature-through = firma valida (tramite la modifica successiva { $change })
cli-signature-missing = NON FIRMATA
cli-signature-bad = FIRMA NON VALIDA
cli-refused = RIFIUTATA: { $why }
cli-refused-not-part = non fa parte del documento
cli-file-written = scritto { $file } ({ $size })
cli-left-out = tralasciato { $path }: { $value } ({ $reason })
cli-plain-needs-space = --plain richiede --space: lo spazio in cui va il nuovo documento
cli-plain-imported = { $doc } «{ $title }» ({ $kind }): un nuovo documento da { $changes } modifiche di { $authors } autori
cli-doc-imported = { $doc } «{ $title }»: { $added } modifiche nuove su { $total }
cli-doc-imported-new = { $doc } «{ $title }»: { $added } modifiche nuove su { $total } (nuovo documento)

# twin bundle
cli-bundle-written = scritto { $file } ({ $documents } documenti, { $changes } modifiche, { $size })
cli-bundle-imported = { $added } modifiche nuove su { $total }, in { $documents } documenti ({ $new } nuovi)
cli-bundle-waiting = ; { $count } attendono modifiche precedenti
