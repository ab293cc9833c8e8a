# The web UI's words (Română).
# Plain text with { $name } placeholders only: the browser fills them in, so no selectors here.

# The language's own name, as shown in the language menu.
language-name = Română

## Page frame
skip-to-content = Salt la conținut
nav-main = Navigare principală
nav-dashboard = Panou de bord
nav-spaces = Înfrățiri
nav-docs = Documente
officer = Funcționar
officer-placeholder = Numele dumneavoastră
officer-needed = Introduceți-vă numele la „Funcționar” în partea de sus a paginii pentru a scrie: fiecare modificare înregistrează localitatea și funcționarul care a făcut-o.
officer-enter = Introduc numele meu
editor-read-only = Localitatea dumneavoastră este cititor în acest parteneriat: puteți citi acest document și istoricul lui, dar nu îl puteți modifica. Un administrator al parteneriatului poate face localitatea dumneavoastră editor.
language = Limba
live-connecting = conectare…
live-on = conectat
live-off = deconectat
live-on-title = Conectat la nodul localității dumneavoastră; modificările apar pe loc
live-off-title = Nu există conexiune cu nodul localității dumneavoastră; se reîncearcă
signout = Deconectare
signout-title = Uitați tokenul de acces în acest browser
footer = Fiecare modificare este semnată de nodul localității dumneavoastră și verificată de fiecare partener. Fără server central.
loading = Se încarcă…
page-not-found = Pagina nu a fost găsită
back-to-dashboard = Înapoi la panoul de bord
something-wrong = A apărut o eroare
node-unreachable = Nodul localității dumneavoastră nu poate fi contactat
error-request-failed = Cererea a eșuat (cod { $status }).
untitled = (fără titlu)
unnamed = (fără nume)
unknown = necunoscut
unknown-town = localitate necunoscută
yes = da
no = nu

## Signing in
signin-title = Autentificare la nodul localității dumneavoastră
signin-help-before = Deschideți adresa de autentificare afișată de
signin-help-middle = sau lipiți tokenul din fișierul
signin-help-after = aflat în dosarul de date al nodului.
signin-token = Token
signin-submit = Autentificare
signin-refused = Nodul localității dumneavoastră nu a acceptat acest token. Copiați-l din nou, în întregime, din adresa de autentificare sau din fișierul api.token și autentificați-vă din nou.

## Times
time-never = niciodată
time-just-now = chiar acum
time-minutes-ago = acum { $n } min
time-hours-ago = acum { $n } h

## Dashboard
dash-this-town = Această localitate
dash-country = Țara: { $country }
dash-partners-online = Parteneri conectați
dash-n-of-m = { $n } din { $m }
dash-reachability = Accesibilitate: { $reachability }
reachability-public = accesibil din internet
reachability-private = accesibil doar prin relee
reachability-unknown = încă necunoscută
dash-shared-docs = Documente comune: { $n }
dash-partners-sync = Parteneri și sincronizare
dash-no-partner = Încă nu este cunoscut niciun nod partener. Adăugați un partener la o înfrățire sau alăturați-vă uneia cu un bilet de invitație.
dash-recent-docs = Documente modificate recent
peer-syncing = sincronizare { $n }
peer-in-sync = sincronizat
peer-offline = deconectat
peer-online = conectat
peer-unknown = nod necunoscut
peer-last-seen = văzut ultima dată { $when }

## Table headings
col-partner = Partener
col-connection = Conexiune
col-shared-spaces = Înfrățiri comune și starea sincronizării
col-changes-received = Modificări primite
col-document = Document
col-kind = Tip
col-space = Înfrățire
col-last-change = Ultima modificare
col-changes = Modificări
col-founded-by = Fondată de
col-founded = Fondată la
col-town = Localitate
col-role = Rol
col-status = Stare
col-added-by = Adăugat de
col-node-id = Identificatorul nodului
col-when = Data
col-change = Modificare
col-signature = Semnătură

## Partnerships
spaces-intro = O înfrățire cuprinde documentele comune a două sau mai multe localități.
spaces-none = Această localitate nu face încă parte din nicio înfrățire.
space-name = Nume
space-name-placeholder = de ex. Saint-Pol – Warstein
space-found-title = Fondați o înfrățire
space-found = Fondare
space-join-title = Alăturare cu o invitație
space-join-ticket = Bilet de invitație de la un partener
space-join = Alăturare
space-joined = V-ați alăturat înfrățirii.
ticket-placeholder = bilet twinmesh…
space-members = Membri
space-log = Jurnalul membrilor
role-editor = editor
role-admin = administrator
role-viewer = cititor
invite-title = Invitați o localitate parteneră
invite-days = Valabil (zile)
invite-create = Creați biletul de invitație
invite-ticket = Bilet de invitație
invite-send = Trimiteți acest bilet de unică folosință localității partenere (rol: { $role }). Expiră în { $days } zi(le).
invite-copied = Bilet copiat.
invite-copy = Copiați biletul
invite-qr = Codul QR al biletului: localitatea parteneră îl poate scana de pe ecran sau de pe o scrisoare tipărită.
invite-link-help = Sau trimiteți acest link: pe un calculator unde Twinmesh rulează la adresa obișnuită, deschide pagina de alăturare a partenerului cu biletul deja completat.
invite-link-copy = Copiați linkul
invite-link-copied = Link copiat.
join-from-link = Mai jos este completată invitația unei localități partenere. Verificați-o, apoi apăsați Alăturare.
member-add-title = Adăugați un partener după identificatorul nodului său
member-town-name = Numele localității
town-name-placeholder = de ex. Warstein
member-add = Adăugați membrul
member-this-town = (această localitate)
member-active = activ
member-removed = eliminat
log-add = { $by } a adăugat { $member } cu rolul { $role }
log-set-role = { $by } a atribuit rolul { $role } pentru { $member }
log-leave = { $by } a părăsit înfrățirea
log-remove = { $by } a eliminat { $member }
log-rejected = respins: { $why }

## Documents
docs-none = Încă nu există documente.
doc-new = Document nou
doc-title = Titlu
doc-title-placeholder = de ex. CIRCLE60 – Young Circular Towns
doc-title-placeholder-short = de ex. CIRCLE60
doc-create = Creare
doc-not-found-title = Documentul nu a fost găsit
doc-not-found-text = Acest nod nu are niciun document la această adresă. Linkul poate fi incomplet, documentul poate fi fost eliminat sau documentul unui partener nu a ajuns încă la acest nod.
doc-not-found-list = Afișați lista documentelor
tab-edit = Editare
tab-history = Istoric
tab-print = Tipărire și export

## The editor
conflicts-count = Valori în conflict: { $n }.
conflicts-explain = Partenerii au introdus valori diferite în același timp. Fiecare valoare este afișată mai jos împreună cu localitatea care a introdus-o; alegeți una pentru a rezolva conflictul.
conflict = Conflict
conflict-explain = introdus diferit de două localități
conflict-keep = Păstrați aceasta
# How a date is written, shown in an empty date box.
date-placeholder = ZZ.LL.AAAA
date-pick = Alegeți o dată: { $field }
list-add = Adăugați la „{ $list }”
list-empty = Încă nimic.
list-none = Nimic.
item-remove = Eliminare
item-remove-named = Eliminați { $item }
item-remove-confirm = Eliminați { $item }?
total = Total
total-of = Total { $field }
total-plus-conflict = conflict
total-plus-invalid = valoare nevalidă
money-correction = (corecție)
value-invalid = nevalid: { $value } ({ $reason })

## History and printing
history-refused = respins: { $why }
history-view-at = Vedeți documentul în acest punct
history-older = Încărcați modificările mai vechi
history-sub = istoricul a { $n } modificări, cele mai noi primele
signature-verified = verificată
signature-missing = lipsă
signature-invalid = nevalidă
at-as-it-was = Așa cum era după această modificare:
at-back = Înapoi la versiunea actuală
print = Tipărire
print-markdown = Descărcați în Markdown
print-html = Descărcați în HTML
print-printed = tipărit la { $when }

# Members: roles, removal, leaving
member-role-of = Rolul pentru { $town }
member-role-changed = { $town } are acum rolul { $role }.
member-remove = Eliminați
member-remove-confirm = Eliminați { $town } din acest parteneriat? Nodul său păstrează ce are, dar nu mai primește modificări.
member-removed-toast = { $town } a fost eliminată.
space-leave = Părăsiți acest parteneriat
space-leave-confirm = Părăsiți { $space }? Localitatea dvs. nu va mai primi modificările; pentru a reveni, un administrator trebuie să o invite din nou.
space-left = Localitatea dvs. a părăsit { $space }.

# Checks: warnings, never refusals
warnings = De verificat
warn-end-before-start = { $what } se încheie înainte de a începe.
warn-event-end-before-start = Evenimentul { $event } se încheie înainte de a începe.
warn-participants-sum = Evenimentul { $event }, { $town }: femei, bărbați și nedeclarat însumează { $genders }, dar tineri și adulți { $total }.
warn-budget-total = Liniile bugetare însumează { $total }, dar suma forfetară solicitată este { $lump }.
warn-cerv-lump = CERV Înfrățirea orașelor: suma forfetară ({ $lump }) trebuie să fie între { $min } și { $max }.
warn-cerv-countries = CERV Înfrățirea orașelor: partenerii trebuie să provină din cel puțin două țări eligibile.
warn-cerv-eu = CERV Înfrățirea orașelor: cel puțin un partener trebuie să fie dintr-un stat membru al UE.
warn-cerv-direct = CERV Înfrățirea orașelor: evenimentul principal { $event } prevede { $n } participanți direcți; sunt necesari cel puțin { $min }.
warn-cerv-invited = CERV Înfrățirea orașelor: evenimentul principal { $event } prevede { $n } participanți invitați din orașele partenere; sunt necesari cel puțin { $min }.

# Exports
export-ics = Calendar (.ics)
export-csv = Buget (.csv)
export-xlsx = Buget (.xlsx)
export-pdf = PDF pentru tipărire (.pdf)
export-docx = Word (.docx)
export-odt = OpenDocument (.odt)
export-automerge = Fișier Automerge
export-signed = Fișier semnat
export-left-out = Omise din fișier ({ $n }):

# Open invitations
invite-open = Invitații deschise
invite-expires = Valabilă până la
invite-revoke = Revocați
invite-revoke-confirm = Revocați invitația ca { $role }, valabilă până la { $when }? Biletul ei nu va mai admite pe nimeni.
invite-revoked = Invitația a fost revocată.

## Versiuni denumite și aprobări
tab-versions = Versiuni
versions-sub = O versiune denumită este o înregistrare semnată a documentului așa cum este acum. Fiecare oraș partener înregistrează decizia consiliului său.
versions-none = Nicio versiune denumită încă.
versions-name-label = Denumiți această versiune
versions-name-placeholder = de ex. depus la EACEA pe 12.02.2027
versions-name-button = Denumiți versiunea
versions-named = Versiunea „{ $name }” a fost denumită.
versions-named-by = Denumită de { $town }, { $when }
versions-approved-by = aprobată de { $n } din { $m } orașe
versions-rejected-by = respinsă de { $n }
versions-requested-by = aprobare cerută de { $town }
versions-changed-since = modificat de la această versiune
versions-changed-since-long = Documentul s-a schimbat de la această versiune; nu mai este cea actuală. Modificat de atunci:
versions-current = actuală
versions-decision-approved = { $town }: aprobată ({ $reference }, { $date })
versions-decision-rejected = { $town }: respinsă ({ $reference }, { $date })
versions-waiting-for = În așteptare: { $towns }
versions-view = Afișați
versions-compare = Comparați
versions-compare-with = Comparați cu
versions-current-content = conținutul actual
versions-no-differences = Nicio diferență.
versions-restore = Restaurați această versiune
versions-restore-confirm = Restaurați „{ $name }”? Câmpurile modificate de atunci sunt rescrise ca o modificare nouă; istoricul păstrează totul.
versions-restored = Versiunea „{ $name }” a fost restaurată.
versions-request = Cereți aprobarea fiecărui oraș
versions-reference = Hotărârea consiliului
versions-reference-placeholder = de ex. HCL 31/2027
versions-date = Data hotărârii
versions-approve = Aprobați
versions-reject = Respingeți
versions-approved-toast = Aprobarea orașului dumneavoastră este înregistrată și semnată.
versions-rejected-toast = Respingerea orașului dumneavoastră este înregistrată și semnată.

## Attachments (the evidence register)
tab-attachments = Atașamente
att-sub = Fișierele pe care acest document le poartă ca dovezi. Amprenta fiecărui fișier este înscrisă într-o modificare semnată; nodurile partenerilor preiau conținutul și îl verifică.
att-file-label = Fișier
att-caption-label = Descriere
att-caption-placeholder = Ce dovedește fișierul
att-upload = Atașează
att-uploaded = { $name } a fost atașat.
att-none = Niciun atașament încă.
att-col-file = Fișier
att-col-size = Mărime
att-col-by = Atașat de
att-col-state = Pe acest nod
att-col-actions = Acțiuni
att-state-downloaded = descărcat
att-state-downloading = se descarcă: { $pct } %
att-state-not-downloaded = nedescărcat
att-state-removed = eliminat
att-by = { $town }, { $when }
att-download = Descarcă
att-fetch = Preia
att-remove = Elimină
att-remove-reason = De ce este eliminat „{ $name }”? Conținutul său va fi șters de pe nodul fiecărui partener; rămâne consemnarea că a existat.
att-removed = { $name } a fost eliminat.
att-removed-by = Eliminat de { $town }: { $reason }
att-usage = Atașamentele acestui spațiu pe acest nod: { $used }.
att-usage-cap = Atașamentele acestui spațiu pe acest nod: { $used } din { $cap }.

## Panoul de sincronizare (pagina principală), marcaje în listele de documente, prezența în editor
sync-now = Sincronizează acum
sync-doc-now = Sincronizează acest document acum
sync-now-title = Contactează acum orașele partenere (și pe cele deconectate) și schimbă ce lipsește
sync-started = Sincronizare făcută. Orașe partenere contactate: { $n }; modificări primite: { $received }.
sync-reaching = Se contactează orașele partenere; se sincronizează imediat ce răspund.
sync-col-state = Conectat
sync-col-last = Ultima sincronizare
sync-col-waiting = Modificări care așteaptă să fie trimise
sync-col-received = Modificări primite
sync-since = din { $when }
sync-unknown = necunoscut
sync-unknown-title = Niciodată sincronizat cu acest oraș: nu se știe încă ce îi lipsește.
sync-never-synced = documente nesincronizate niciodată: { $n }
sync-received-total = De la pornirea acestui nod: { $n }
sync-not-yet-at = Încă nu a ajuns la: { $towns }
sync-conflicts = Conflicte: { $n }
sync-up-to-date = La zi
sync-open-at = Deschis acum la { $towns }
col-sync = Sincronizare
presence-open-at = Deschis acum la { $towns }

# Fișiere duse de la un oraș la altul când rețeaua nu merge (pachete), pe pagina unui parteneriat.
sync-carry-hint = Un oraș partener este offline în timp ce îl așteaptă modificări? Duceți-le într-un fișier.
sync-carry-link = Salvați un fișier pentru un partener
bundle-title = Fără rețea: duceți un fișier
bundle-sub = Când rețeaua nu funcționează, salvați aici un fișier, duceți-l orașului partener (prin e-mail sau pe un stick USB) și deschideți-l pe nodul acestuia. Fiecare modificare din el este verificată ca și cum ar veni prin rețea; dacă ceva nu trece, nu se importă nimic.
bundle-sub-open = Un fișier de la un oraș partener, adus prin e-mail sau pe un stick USB când rețeaua nu merge, poate aduce un parteneriat pe care acest oraș nu l-a primit încă: deschideți-l aici. Fișierele pentru un partener se salvează pe pagina parteneriatului.
bundle-save-title = Salvați un fișier pentru un partener
bundle-partner = Pentru ce oraș partener
bundle-partner-any = Orice partener (tot parteneriatul)
bundle-save = Salvați fișierul
bundle-preparing = Se pregătește fișierul: { $pct } %
bundle-saved = „{ $name }” a fost salvat.
bundle-saved-counts = Documente: { $documents }, modificări: { $changes }, atașamente: { $attachments }.
bundle-saved-incremental = Conține ce îi lipsește acestui partener de la ultima sincronizare.
bundle-saved-whole = Conține tot parteneriatul.
bundle-saved-next = Dați-l orașului partener, care îl deschide cu „Deschideți un fișier de la un partener”.
bundle-open-title = Deschideți un fișier de la un partener
bundle-file = Fișier de la un oraș partener (.twinbundle)
bundle-open-space = Deschideți parteneriatul
bundle-open = Deschideți fișierul
bundle-choose-file = Alegeți mai întâi fișierul.
bundle-sending = Se trimite fișierul la nodul acestui oraș: { $pct } %
bundle-checking = Se verifică și se aplică modificările: { $pct } %
bundle-opened = Fișierul a fost deschis; fiecare modificare a trecut verificările.
bundle-nothing-new = Nimic nou: acest oraș avea deja tot conținutul fișierului.
bundle-result-documents = Documente în fișier: { $n } (noi aici: { $new })
bundle-result-changes = Modificări noi: { $n } (din { $total } în fișier)
bundle-result-waiting = Modificări care așteaptă altele anterioare, pe care acest oraș nu le-a primit încă: { $n }. Se aplică atunci când acestea sosesc.
bundle-result-attachments = Atașamente sosite cu fișierul: { $n }
bundle-error-not-a-bundle = Acest fișier nu a fost salvat pentru un partener de Twinmesh. Nu s-a importat nimic.
bundle-error-version = Acest fișier a fost creat de o versiune mai nouă a Twinmesh. Actualizați nodul acestui oraș, apoi deschideți-l din nou. Nu s-a importat nimic.
bundle-error-damaged = Acest fișier este deteriorat sau incomplet (poate a fost trunchiat la copiere). Cereți orașului partener unul nou. Nu s-a importat nimic.
bundle-error-verification = O modificare din acest fișier nu a trecut verificarea semnăturii sau a drepturilor, așa că nu s-a importat nimic. Detalii: { $detail }
bundle-error-not-member = Acest fișier este pentru un parteneriat din care acest oraș nu face parte. Nu s-a importat nimic. Detalii: { $detail }
bundle-error-attachment = Un atașament din acest fișier nu corespunde amprentei sale. Nu s-a importat nimic.
bundle-error-failed = Fișierul nu a putut fi deschis: { $detail }
