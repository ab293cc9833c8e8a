# Erorile nodului și mesajele comenzii `twin` (română).

unknown-language = limbă necunoscută „{ $lang }”: folosiți en, fr, de, ro sau it

field-named = { $label } ({ $path })

type-text = text
type-string = un șir de caractere
type-enum = una dintre valorile { $options }
type-date = o dată (ZZ.LL.AAAA, LL.AAAA, AAAA-LL-ZZ sau AAAA)
type-int = un număr întreg de la 0 la { $max }
type-number = un număr
type-money = o sumă în EUR de la 0 la { $max } (de ex. 2600 sau 2.600,50)
type-correctable-money = o sumă în EUR de la -{ $max } la { $max }, negativă pentru o corecție (de ex. 2600, 2.600,50 sau -150)
type-country = un cod de țară (ISO 3166-1 alpha-2, de ex. DE, FR, PL)
type-email = o adresă de e-mail (nume@exemplu.org)
type-bool = da sau nu (true sau false)
type-record = o înregistrare
type-list = o listă
type-read-only = doar citire

error-not-initialized = niciun nod Twinmesh în { $dir }: rulați mai întâi `twin init --name NUME --country CC`
error-already-initialized = { $dir } conține deja identitatea unui nod; aceasta nu este înlocuită (folosiți --force pentru a o înlocui; cheia veche se păstrează ca copie de siguranță)
error-invalid-input = { $detail }
error-bad-id-encoding = „{ $text }” nu este un identificator { $what } valid: trebuie să fie în base32 (a-z, 2-7)
error-bad-id-length = „{ $text }” nu este un identificator { $what } valid: sunt așteptate { $expected } caractere
error-unknown-space = spațiu necunoscut { $id } (vedeți `twin space list`)
error-unknown-document = document necunoscut { $id } (vedeți `twin doc list`)
error-not-allowed = { $detail }
error-unknown-kind = tip de document necunoscut „{ $kind }”: se așteaptă charter, plan, minutes sau contacts
error-bad-path = cale incorectă „{ $path }”: se așteaptă nume și numere de element separate prin „/”, de ex. budget/lines/0/amount
error-unknown-field = documentele { $kind } nu au câmpul „{ $path }”{ $hint }
error-value-wrong-type = { $field } așteaptă { $expected }; ați introdus „{ $value }”
error-value-not-an-amount = { $field } așteaptă { $expected }; „{ $value }” nu este o sumă
error-value-not-a-date = { $field } așteaptă { $expected }; „{ $value }” nu este o dată
error-read-only = { $field } este doar pentru citire
error-value-out-of-range = { $field } acceptă { $expected }; { $value } este în afara intervalului
error-value-too-long = { $field } acceptă cel mult { $max } octeți
error-no-such-item = „{ $path }” are { $len } elemente; nu există elementul { $index } (adăugați unul cu `twin doc add DOC { $path }`)
error-export = importul nu este posibil: { $detail }
error-rejected = importul nu este posibil: { $count } modificare (modificări) nu au trecut verificarea, nu s-a importat nimic; prima: { $first }
error-space = înregistrare de spațiu nevalidă: { $detail }
error-corrupt = date deteriorate: { $detail }
error-store-locked = depozitul { $path } este folosit de un alt proces twin (rulează `twin start`?)
error-io = { $path }: { $detail }
error-not-running = niciun nod nu rulează pe acest director de date: porniți-l cu `twin start`
error-network = { $detail }
error-shut-down = nodul s-a oprit
error-internal = eroare internă: { $detail }
error-attachment-corrupt = conținutul atașamentului nu corespunde amprentei sale și a fost refuzat: { $detail }
error-unknown-attachment = atașamentul { $id } nu există pe acest nod (lista: `twin doc attachments DOC`)
error-attachment-over-cap = atașamentele acestui spațiu ar depăși limita: { $used } folosiți, încă { $size }, limita { $cap } (o puteți mări cu `twin space storage SPATIU --cap`)
size-bytes = { $n } octeți
size-kb = { $n } kB
size-mb = { $n } MB
size-gb = { $n } GB

## Istoricul documentului
history-set = { $field }: { $before } → { $after }
history-empty = (gol)
history-text = { $field }: { $diff }
history-added = { $item } adăugat
history-removed = { $item } eliminat
history-settled = { $field }: conflict rezolvat, păstrat { $value }
history-conflict = { $field }: valori concurente { $values }
history-created = { $kind } creat
history-unknown-town = localitate necunoscută ({ $key })
history-no-officer = funcționar nenumit
history-sitting = { $town } · { $officer } · { $when } · { $count ->
    [one] o modificare
   *[other] { $count } modificări
}
history-refused-count = { $count ->
    [one] o modificare refuzată
   *[other] { $count } modificări refuzate
}, care nu fac parte din document: twin doc history { $doc } --changes

## twin doc versions / approvals
version-line = { $id }  { $name }  aprobată de { $approved } din { $towns } { $towns ->
    [one] oraș
   *[other] orașe
}
version-line-rejected = , respinsă de { $count }
version-line-changed = MODIFICAT DE ATUNCI ({ $count ->
    [one] un câmp
   *[other] { $count } câmpuri
})
version-decision-approved = { $town } a aprobat: { $reference } din { $date }
version-decision-rejected = { $town } a respins: { $reference } din { $date }
version-waiting = în așteptare: { $towns }
version-changed-list = modificat de la această versiune:
version-none = nicio versiune denumită: denumiți una cu `twin doc version { $doc } NUME`
version-no-differences = nicio diferență
version-nothing-to-restore = conținutul este deja cel al versiunii: nimic de restaurat

# What a total in an exported document (Markdown, DOCX, ODT, PDF) could not count, after the sum.
print-total-conflicts = { " " }+ ⚠ { $count ->
    [one] 1 valoare în conflict, neinclusă în total
    [few] { $count } valori în conflict, neincluse în total
   *[other] { $count } de valori în conflict, neincluse în total
}
print-total-invalid = { " " }+ ⚠ { $count ->
    [one] 1 valoare nevalidă, neinclusă în total
    [few] { $count } valori nevalide, neincluse în total
   *[other] { $count } de valori nevalide, neincluse în total
}

# Labels of the CLI's progress bars (twin doc attach, twin doc attachment get).
progress-attaching = Atașare
progress-fetching = Descărcare
progress-writing = Scriere
progress-bundle-export = Export pachet
progress-bundle-import = Import pachet
progress-doc-export = Export document
progress-doc-import = Import document

## twin sync status (câte un rând pentru fiecare oraș partener, apoi documentele de verificat)
cli-sync-never = niciodată
cli-sync-no-partners = niciun oraș partener deocamdată: adăugați un oraș într-un parteneriat sau alăturați-vă unuia cu o invitație
cli-sync-unknown-town = oraș necunoscut ({ $id })
cli-sync-online = conectat
cli-sync-online-since = conectat din { $when }
cli-sync-offline = deconectat
cli-sync-offline-since = deconectat din { $when }
cli-sync-partner-line = { $town }: { $state }; ultima sincronizare: { $synced }; de trimis: { $waiting }{ $unknown ->
    [0] {""}
    [one] {" "}(un document nesincronizat niciodată)
   *[other] {" "}({ $unknown } documente nesincronizate niciodată)
}; primite: { $received }
cli-sync-not-yet-at = încă nu a ajuns la: { $towns }
cli-sync-conflicts = { $count ->
    [one] un conflict
    [few] { $count } conflicte
   *[other] { $count } de conflicte
}
cli-sync-open-at = deschis acum la: { $towns }
