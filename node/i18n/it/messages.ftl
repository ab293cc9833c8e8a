# Gli errori del nodo e i messaggi del comando `twin` (italiano).

unknown-language = lingua sconosciuta «{ $lang }»: usi en, fr, de, ro o it

field-named = { $label } ({ $path })

type-text = un testo
type-string = una stringa
type-enum = uno dei valori { $options }
type-date = una data (GG/MM/AAAA, MM/AAAA, AAAA-MM-GG o AAAA)
type-int = un numero intero da 0 a { $max }
type-number = un numero
type-money = un importo in EUR da 0 a { $max } (ad es. 2600 o 2.600,50)
type-correctable-money = un importo in EUR da -{ $max } a { $max }, negativo per una rettifica (ad es. 2600, 2.600,50 o -150)
type-country = un codice paese (ISO 3166-1 alpha-2, ad es. DE, FR, PL)
type-email = un indirizzo e-mail (nome@esempio.org)
type-bool = sì o no (true o false)
type-record = un record
type-list = un elenco
type-read-only = sola lettura

error-not-initialized = nessun nodo Twinmesh in { $dir }: esegua prima `twin init --name NOME --country CC`
error-already-initialized = { $dir } contiene già l’identità di un nodo; non viene sostituita (usi --force per sostituirla; la vecchia chiave è conservata come copia di sicurezza)
error-invalid-input = { $detail }
error-bad-id-encoding = «{ $text }» non è un identificativo { $what } valido: deve essere in base32 (a-z, 2-7)
error-bad-id-length = «{ $text }» non è un identificativo { $what } valido: sono attesi { $expected } caratteri
error-unknown-space = spazio sconosciuto { $id } (veda `twin space list`)
error-unknown-document = documento sconosciuto { $id } (veda `twin doc list`)
error-not-allowed = { $detail }
error-unknown-kind = tipo di documento sconosciuto «{ $kind }»: è atteso charter, plan, minutes o contacts
error-bad-path = percorso non valido «{ $path }»: sono attesi nomi e numeri di voce separati da «/», ad es. budget/lines/0/amount
error-unknown-field = i documenti { $kind } non hanno il campo «{ $path }»{ $hint }
error-value-wrong-type = { $field } richiede { $expected }; ha inserito «{ $value }»
error-value-not-an-amount = { $field } richiede { $expected }; «{ $value }» non è un importo
error-value-not-a-date = { $field } richiede { $expected }; «{ $value }» non è una data
error-read-only = { $field } è di sola lettura
error-value-out-of-range = { $field } accetta { $expected }; { $value } è fuori intervallo
error-value-too-long = { $field } accetta al massimo { $max } byte
error-no-such-item = «{ $path }» ha { $len } voci; non esiste la voce { $index } (ne aggiunga una con `twin doc add DOC { $path }`)
error-export = importazione impossibile: { $detail }
error-rejected = importazione impossibile: { $count } modifica/modifiche non hanno superato la verifica, non è stato importato nulla; prima: { $first }
error-space = record di spazio non valido: { $detail }
error-corrupt = dati danneggiati: { $detail }
error-store-locked = l’archivio { $path } è in uso da un altro processo twin (`twin start` è in esecuzione?)
error-io = { $path }: { $detail }
error-not-running = nessun nodo è in esecuzione su questa cartella dati: lo avvii con `twin start`
error-network = { $detail }
error-shut-down = il nodo si è arrestato
error-internal = errore interno: { $detail }
error-attachment-corrupt = il contenuto dell’allegato non corrisponde alla sua impronta ed è stato rifiutato: { $detail }
error-unknown-attachment = nessun allegato { $id } su questo nodo (elenco: `twin doc attachments DOC`)
error-attachment-over-cap = gli allegati di questo spazio supererebbero il limite: { $used } usati, altri { $size }, limite { $cap } (alzarlo con `twin space storage SPAZIO --cap`)
size-bytes = { $n } byte
size-kb = { $n } kB
size-mb = { $n } MB
size-gb = { $n } GB

## Cronologia del documento
history-set = { $field }: { $before } → { $after }
history-empty = (vuoto)
history-text = { $field }: { $diff }
history-added = { $item } aggiunto
history-removed = { $item } rimosso
history-settled = { $field }: conflitto risolto, mantenuto { $value }
history-conflict = { $field }: valori concorrenti { $values }
history-created = { $kind } creato
history-unknown-town = comune sconosciuto ({ $key })
history-no-officer = funzionario non indicato
history-sitting = { $town } · { $officer } · { $when } · { $count ->
    [one] una modifica
   *[other] { $count } modifiche
}
history-refused-count = { $count ->
    [one] una modifica rifiutata
   *[other] { $count } modifiche rifiutate
}, non parte del documento: twin doc history { $doc } --changes

## twin doc versions / approvals
version-line = { $id }  { $name }  approvata da { $approved } città su { $towns }
version-line-rejected = , respinta da { $count }
version-line-changed = MODIFICATO DA ALLORA ({ $count ->
    [one] un campo
   *[other] { $count } campi
})
version-decision-approved = { $town } ha approvato: { $reference } del { $date }
version-decision-rejected = { $town } ha respinto: { $reference } del { $date }
version-waiting = in attesa di: { $towns }
version-changed-list = modificato da questa versione:
version-none = nessuna versione con nome: registrane una con `twin doc version { $doc } NOME`
version-no-differences = nessuna differenza
version-nothing-to-restore = il contenuto è già quello della versione: niente da ripristinare

# What a total in an exported document (Markdown, DOCX, ODT, PDF) could not count, after the sum.
print-total-conflicts = { " " }+ ⚠ { $count ->
    [one] 1 valore in conflitto, non conteggiato
   *[other] { $count } valori in conflitto, non conteggiati
}
print-total-invalid = { " " }+ ⚠ { $count ->
    [one] 1 valore non valido, non conteggiato
   *[other] { $count } valori non validi, non conteggiati
}

# Labels of the CLI's progress bars (twin doc attach, twin doc attachment get).
progress-attaching = Aggiunta
progress-fetching = Scaricamento
progress-writing = Scrittura
progress-bundle-export = Esportazione pacchetto
progress-bundle-import = Importazione pacchetto
progress-doc-export = Esportazione documento
progress-doc-import = Importazione documento

## twin sync status (una riga per città partner, poi i documenti da controllare)
cli-sync-never = mai
cli-sync-no-partners = ancora nessuna città partner: aggiungete una città a un partenariato, o unitevi a uno con un invito
cli-sync-unknown-town = città sconosciuta ({ $id })
cli-sync-online = in linea
cli-sync-online-since = in linea dal { $when }
cli-sync-offline = non in linea
cli-sync-offline-since = non in linea dal { $when }
cli-sync-partner-line = { $town }: { $state }; ultima sincronizzazione: { $synced }; in attesa di invio: { $waiting }{ $unknown ->
    [0] {""}
    [one] {" "}(un documento mai sincronizzato)
   *[other] {" "}({ $unknown } documenti mai sincronizzati)
}; ricevute: { $received }
cli-sync-not-yet-at = non ancora a: { $towns }
cli-sync-conflicts = { $count ->
    [one] un conflitto
   *[other] { $count } conflitti
}
cli-sync-open-at = aperto ora a: { $towns }
