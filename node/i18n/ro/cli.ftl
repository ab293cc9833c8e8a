# Cuvintele comenzii `twin`: ce afișează pentru oameni (niciodată cu --json) și erorile ei.
# Erorile nodului sunt în messages.ftl.

cli-error = eroare: { $message }
cli-not-running = niciun nod nu rulează pe acest director de date: porniți-l cu `twin start`
cli-no-home = nu se găsește un director personal pentru directorul de date implicit: indicați --data-dir
cli-data-dir-open = atenție: directorul de date { $dir } este deschis altor utilizatori (mod { $mode }); fișierele lui pot fi citite doar de proprietar, dar rulați `chmod 700 { $dir }` pentru a le ascunde
cli-cannot-read = nu se poate citi { $file }
cli-cannot-write = nu se poate scrie { $file }
cli-token-unreadable = tokenul API al nodului pornit nu poate fi citit
cli-node-unreachable = nodul pornit de la { $url } nu poate fi contactat
cli-bad-answer = nodul a trimis un răspuns ilizibil
cli-request-failed = nodul a refuzat cererea (HTTP { $status })
cli-bad-duration = „{ $text }” nu este o durată precum 7d, 12h sau 30m
cli-unusable-duration = „{ $text }” nu este o durată utilizabilă
cli-bad-size = „{ $text }” nu este o dimensiune (de ex. 500MB, 2GB)
cli-bad-size-unit = „{ $text }”: unitate necunoscută (folosiți B, kB, MB, GB, TB, KiB, MiB, GiB)

# twin id, twin init
cli-id-id = id:            { $id }
cli-id-public-key = cheie publică: { $key }
cli-id-data-dir = date:          { $dir }

# twin start
cli-start-running = Nodul Twinmesh al { $name } ({ $country }) rulează.
cli-start-id = id:         { $id }
cli-start-listen = ascultă:    { $addr }
cli-start-api = api:        { $url }
cli-start-web = interfață:  { $url }
cli-start-web-hint = (deschideți această adresă într-un browser pe acest calculator; conține tokenul API)
cli-start-data-dir = date:       { $dir }
cli-start-stop-hint = Apăsați Ctrl-C pentru oprire.
cli-start-stopped = oprit

# twin space
cli-no-spaces = încă niciun spațiu: creați unul cu `twin space create NUME`
cli-space-line = { $id }  { $name }  (fondat de { $founder }, { $documents } document(e){ $files })
cli-space-attachments = , atașamente { $size }
cli-member-added = { $member } a fost adăugat în { $space } ca { $role }
cli-member-since = adăugat { $when }
cli-member-gone = eliminat
cli-members-log = jurnal:
cli-log-rejected = respins: { $reason }
cli-joined = v-ați alăturat spațiului { $space }
cli-role-now = { $member } este acum { $role }
cli-member-removed = { $member } a fost eliminat
cli-left = ați părăsit spațiul { $space }

# twin status, twin peers, twin dial, twin sync
cli-status-id = id:              { $id }
cli-status-listen = ascultă:         { $addr }
cli-status-external = extern:          { $addr }
cli-status-reachability = accesibilitate:  { $state }
cli-reach-public = public ({ $addr })
cli-reach-private = privat (accesibil doar prin relee)
cli-reach-unknown = necunoscută
cli-status-relay = releu:           { $addr }
cli-status-partners = parteneri:       { $count } conectați
cli-status-attachments = atașamente:     { $mode } ({ $fetching } fișier(e) în curs de preluare, { $chunks } bloc(uri) preluate, { $refused } refuzate)
cli-attachments-eager = toate preluate
cli-attachments-on-demand = la cerere
cli-space-used-of = { $space }: { $used } din { $cap }
cli-no-peers = încă niciun partener: conectați-vă cu `twin dial MULTIADDR`
cli-peer-unknown = (necunoscut)
cli-peer-offline = deconectat
cli-peer-relayed = prin releu
cli-peer-connected = conectat
cli-peer-line = văzut ultima dată { $seen }  sincronizează { $syncing }  spații: { $spaces }
cli-connected-to = conectat la { $id }
cli-sync-unreachable-all = niciunul dintre cei { $count } parteneri conectați nu a putut fi contactat; nu s-a sincronizat nimic
cli-sync-unreachable-some = atenție: { $count } partener(i) nu au răspuns
cli-synced = sincronizat cu { $peers } partener(i): { $received } modificare(ări) primite, { $refused } refuzate

# twin doc attach, twin doc attachments, twin doc attachment, twin space storage
cli-attached = { $name } a fost atașat ({ $size }, sha256 { $hash }) cu id-ul { $id }
cli-no-attachments = niciun atașament
cli-attachment-downloading = se descarcă, { $percent } %
cli-attachment-by = de { $town }
cli-attachment-removed-by = eliminat de { $town }: { $reason }
cli-attachment-removed = { $name } a fost eliminat ({ $hash }); octeții lui sunt șterși aici și la parteneri pe măsură ce se sincronizează
cli-attachment-state-downloaded = descărcat
cli-attachment-state-downloading = în curs de descărcare
cli-attachment-state-not-downloaded = nedescărcat
cli-attachment-state-removed = eliminat
cli-attachment-start-node = { $name } este { $state } pe acest nod: porniți nodul (`twin start`) pentru a-l prelua
cli-attachment-not-here = { $name } este { $state } pe acest nod
cli-attachment-timeout = niciun partener nu a livrat fișierul în { $seconds } s; încercați din nou mai târziu (`--wait` pentru a aștepta mai mult)
cli-attachment-written = s-a scris { $file } ({ $size }, sha256 verificat)
cli-attachment-mismatch = fișierul de pe acest nod nu corespunde SHA-256 { $hash }; nu s-a scris nimic
cli-storage-capped = atașamente: { $used } din { $cap } ({ $percent } %)
cli-storage-uncapped = atașamente: { $used } (fără limită)

# twin doc version
cli-no-such-version = acest document nu are versiunea „{ $version }”

# twin doc
cli-no-documents = încă niciun document: creați unul cu `twin doc new SPAȚIU --kind plan --title TITLU`
cli-doc-line = { $changes } modificări, actualizat { $updated }
cli-text-or-file = dați textul sau --file, nu pe amândouă
cli-not-name-value = „{ $text }” nu are forma nume=valoare
cli-cannot-read-stdin = textul nu poate fi citit de la intrarea standard
cli-conflicts = { $count } câmp(uri) în conflict: setați-le din nou pe fiecare pentru a rezolva:
cli-no-change = nicio modificare
cli-added-item = s-a adăugat { $path }
cli-history-more-filtered = pot corespunde și alte modificări: twin doc history { $doc } --before { $before } cu aceleași filtre
cli-history-older = { $older } modificare(ări) mai vechi din { $total }: twin doc history { $doc } --before { $before }
cli-unknown-author = necunoscut
cli-signature-ok = semnătură validă
cli-signature-through = semnătură validă (prin modificarea ulterioară { $change })
cli-signature-missing = NESEMNATĂ
cli-signature-bad = SEMNĂTURĂ INVALIDĂ
cli-refused = REFUZATĂ: { $why }
cli-refused-not-part = nu face parte din document
cli-file-written = s-a scris { $file } ({ $size })
cli-left-out = omis { $path }: { $value } ({ $reason })
cli-plain-needs-space = --plain cere --space: spațiul în care intră noul document
cli-plain-imported = { $doc } „{ $title }” ({ $kind }): un document nou din { $changes } modificare(ări) de la { $authors } autor(i)
cli-doc-imported = { $doc } „{ $title }”: { $added } din { $total } modificare(ări) au fost noi
cli-doc-imported-new = { $doc } „{ $title }”: { $added } din { $total } modificare(ări) au fost noi (document nou)

# twin bundle
cli-bundle-written = s-a scris { $file } ({ $documents } document(e), { $changes } modificare(ări), { $size })
cli-bundle-imported = { $added } din { $total } modificare(ări) au fost noi, în { $documents } document(e) ({ $new } noi)
cli-bundle-waiting = ; { $count } așteaptă modificări anterioare
