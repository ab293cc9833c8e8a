# The web UI's words (Deutsch).
# Plain text with { $name } placeholders only: the browser fills them in, so no selectors here.

# The language's own name, as shown in the language menu.
language-name = Deutsch

## Page frame
skip-to-content = Zum Inhalt springen
nav-main = Hauptnavigation
nav-dashboard = Übersicht
nav-spaces = Partnerschaften
nav-docs = Dokumente
officer = Sachbearbeitung
officer-placeholder = Ihr Name
officer-needed = Tragen Sie oben auf der Seite unter „Sachbearbeitung“ Ihren Namen ein, um zu schreiben: Jede Änderung hält die Gemeinde und die Person fest, die sie vorgenommen hat.
officer-enter = Meinen Namen eintragen
editor-read-only = Ihre Gemeinde hat in dieser Partnerschaft Lesezugriff: Sie können dieses Dokument und seinen Verlauf lesen, aber nicht ändern. Die Verwaltung der Partnerschaft kann Ihrer Gemeinde Bearbeitungsrechte geben.
language = Sprache
live-connecting = verbinde…
live-on = verbunden
live-off = getrennt
live-on-title = Mit dem Knoten Ihrer Gemeinde verbunden; Änderungen erscheinen sofort
live-off-title = Keine Verbindung zum Knoten Ihrer Gemeinde; neuer Versuch läuft
signout = Abmelden
signout-title = Das Zugangstoken in diesem Browser vergessen
footer = Jede Änderung wird vom Knoten Ihrer Gemeinde signiert und von jedem Partner geprüft. Kein zentraler Server.
loading = Wird geladen…
page-not-found = Seite nicht gefunden
back-to-dashboard = Zurück zur Übersicht
something-wrong = Es ist ein Fehler aufgetreten
node-unreachable = Der Knoten Ihrer Gemeinde ist nicht erreichbar
error-request-failed = Die Anfrage ist fehlgeschlagen (Status { $status }).
untitled = (ohne Titel)
unnamed = (ohne Namen)
unknown = unbekannt
unknown-town = unbekannte Gemeinde
yes = ja
no = nein

## Signing in
signin-title = Anmeldung am Knoten Ihrer Gemeinde
signin-help-before = Öffnen Sie die Anmeldeadresse, die
signin-help-middle = angezeigt hat, oder fügen Sie das Token aus der Datei
signin-help-after = im Datenordner des Knotens ein.
signin-token = Token
signin-submit = Anmelden
signin-refused = Der Knoten Ihrer Gemeinde hat dieses Token nicht angenommen. Kopieren Sie es bitte erneut und vollständig aus der Anmeldeadresse oder aus der Datei api.token und melden Sie sich wieder an.

## Times
time-never = nie
time-just-now = gerade eben
time-minutes-ago = vor { $n } Min.
time-hours-ago = vor { $n } Std.

## Dashboard
dash-this-town = Diese Gemeinde
dash-country = Land: { $country }
dash-partners-online = Partner online
dash-n-of-m = { $n } von { $m }
dash-reachability = Erreichbarkeit: { $reachability }
reachability-public = aus dem Internet erreichbar
reachability-private = nur über Relais erreichbar
reachability-unknown = noch unbekannt
dash-shared-docs = Gemeinsame Dokumente: { $n }
dash-partners-sync = Partner und Abgleich
dash-no-partner = Noch kein Partnerknoten bekannt. Fügen Sie einer Partnerschaft einen Partner hinzu oder treten Sie einer mit einem Einladungsticket bei.
dash-recent-docs = Zuletzt geänderte Dokumente
peer-syncing = gleicht { $n } ab
peer-in-sync = abgeglichen
peer-offline = offline
peer-online = online
peer-unknown = unbekannter Knoten
peer-last-seen = zuletzt gesehen { $when }

## Table headings
col-partner = Partner
col-connection = Verbindung
col-shared-spaces = Gemeinsame Partnerschaften und Abgleichstand
col-changes-received = Empfangene Änderungen
col-document = Dokument
col-kind = Art
col-space = Partnerschaft
col-last-change = Letzte Änderung
col-changes = Änderungen
col-founded-by = Gegründet von
col-founded = Gegründet am
col-town = Gemeinde
col-role = Rolle
col-status = Status
col-added-by = Hinzugefügt von
col-node-id = Knoten-ID
col-when = Zeitpunkt
col-change = Änderung
col-signature = Signatur

## Partnerships
spaces-intro = Eine Partnerschaft enthält die gemeinsamen Dokumente von zwei oder mehr Gemeinden.
spaces-none = Diese Gemeinde gehört noch keiner Partnerschaft an.
space-name = Name
space-name-placeholder = z. B. Saint-Pol – Warstein
space-found-title = Partnerschaft gründen
space-found = Gründen
space-join-title = Mit einer Einladung beitreten
space-join-ticket = Einladungsticket eines Partners
space-join = Beitreten
space-joined = Sie sind der Partnerschaft beigetreten.
ticket-placeholder = Twinmesh-Ticket…
space-members = Mitglieder
space-log = Mitgliedschaftsprotokoll
role-editor = Bearbeitung
role-admin = Verwaltung
role-viewer = Lesezugriff
invite-title = Partnergemeinde einladen
invite-days = Gültig für (Tage)
invite-create = Einladungsticket erstellen
invite-ticket = Einladungsticket
invite-send = Senden Sie dieses einmalige Ticket an die Partnergemeinde (Rolle: { $role }). Es läuft in { $days } Tag(en) ab.
invite-copied = Ticket kopiert.
invite-copy = Ticket kopieren
invite-qr = QR-Code des Tickets: Die Partnergemeinde kann ihn vom Bildschirm oder von einem gedruckten Brief scannen.
invite-link-help = Oder senden Sie diesen Link: Auf einem Computer, auf dem Twinmesh unter der üblichen Adresse läuft, öffnet er die Beitrittsseite der Partnergemeinde mit bereits eingetragenem Ticket.
invite-link-copy = Link kopieren
invite-link-copied = Link kopiert.
join-from-link = Unten ist die Einladung einer Partnergemeinde eingetragen. Prüfen Sie sie und klicken Sie dann auf Beitreten.
member-add-title = Partner über seine Knoten-ID hinzufügen
member-town-name = Name der Gemeinde
town-name-placeholder = z. B. Warstein
member-add = Mitglied hinzufügen
member-this-town = (diese Gemeinde)
member-active = aktiv
member-removed = entfernt
log-add = { $by } hat { $member } mit der Rolle „{ $role }“ hinzugefügt
log-set-role = { $by } hat { $member } die Rolle „{ $role }“ zugewiesen
log-leave = { $by } hat die Partnerschaft verlassen
log-remove = { $by } hat { $member } entfernt
log-rejected = abgelehnt: { $why }

## Documents
docs-none = Noch keine Dokumente.
doc-new = Neues Dokument
doc-title = Titel
doc-title-placeholder = z. B. CIRCLE60 – Young Circular Towns
doc-title-placeholder-short = z. B. CIRCLE60
doc-create = Erstellen
doc-not-found-title = Dokument nicht gefunden
doc-not-found-text = Dieser Knoten hat unter dieser Adresse kein Dokument. Der Link ist vielleicht unvollständig, das Dokument wurde vielleicht entfernt, oder das Dokument eines Partners ist noch nicht bei diesem Knoten angekommen.
doc-not-found-list = Liste der Dokumente anzeigen
tab-edit = Bearbeiten
tab-history = Verlauf
tab-print = Drucken und exportieren

## The editor
conflicts-count = Widersprüchliche Werte: { $n }.
conflicts-explain = Partner haben gleichzeitig unterschiedliche Werte eingetragen. Jeder Wert steht unten mit der Gemeinde, die ihn eingetragen hat; wählen Sie einen aus, um den Widerspruch aufzulösen.
conflict = Widerspruch
conflict-explain = von zwei Gemeinden unterschiedlich eingetragen
conflict-keep = Diesen übernehmen
# How a date is written, shown in an empty date box.
date-placeholder = TT.MM.JJJJ
date-pick = Datum wählen: { $field }
list-add = Zu „{ $list }“ hinzufügen
list-empty = Noch keine Einträge.
list-none = Keine.
item-remove = Entfernen
item-remove-named = { $item } entfernen
item-remove-confirm = { $item } entfernen?
total = Summe
total-of = Summe { $field }
total-plus-conflict = Widerspruch
total-plus-invalid = ungültiger Wert
money-correction = (Korrektur)
value-invalid = ungültig: { $value } ({ $reason })

## History and printing
history-refused = abgelehnt: { $why }
history-view-at = Dokument zu diesem Zeitpunkt ansehen
history-older = Ältere Änderungen laden
history-sub = Verlauf von { $n } Änderungen, neueste zuerst
signature-verified = geprüft
signature-missing = fehlt
signature-invalid = ungültig
at-as-it-was = Stand nach dieser Änderung:
at-back = Zurück zur aktuellen Fassung
print = Drucken
print-markdown = Als Markdown herunterladen
print-html = Als HTML herunterladen
print-printed = gedruckt am { $when }

# Members: roles, removal, leaving
member-role-of = Rolle von { $town }
member-role-changed = { $town } ist jetzt { $role }.
member-remove = Entfernen
member-remove-confirm = { $town } aus dieser Partnerschaft entfernen? Ihr Knoten behält, was er hat, erhält aber keine weiteren Änderungen.
member-removed-toast = { $town } wurde entfernt.
space-leave = Partnerschaft verlassen
space-leave-confirm = { $space } verlassen? Ihre Gemeinde erhält keine Änderungen mehr; für eine Rückkehr muss ein Admin sie erneut einladen.
space-left = Ihre Gemeinde hat { $space } verlassen.

# Checks: warnings, never refusals
warnings = Bitte prüfen
warn-end-before-start = { $what } endet vor dem Beginn.
warn-event-end-before-start = Veranstaltung { $event } endet vor dem Beginn.
warn-participants-sum = Veranstaltung { $event }, { $town }: weiblich, männlich und ohne Angabe ergeben { $genders }, Jugendliche und Erwachsene aber { $total }.
warn-budget-total = Die Budgetzeilen ergeben { $total }, beantragt ist aber ein Pauschalbetrag von { $lump }.
warn-cerv-lump = CERV Städtepartnerschaften: Der Pauschalbetrag ({ $lump }) muss zwischen { $min } und { $max } liegen.
warn-cerv-countries = CERV Städtepartnerschaften: Die Partner müssen aus mindestens zwei förderfähigen Ländern kommen.
warn-cerv-eu = CERV Städtepartnerschaften: Mindestens ein Partner muss in einem EU-Mitgliedstaat liegen.
warn-cerv-direct = CERV Städtepartnerschaften: Die Hauptveranstaltung { $event } plant { $n } direkte Teilnehmende; nötig sind mindestens { $min }.
warn-cerv-invited = CERV Städtepartnerschaften: Die Hauptveranstaltung { $event } plant { $n } eingeladene Teilnehmende aus Partnerstädten; nötig sind mindestens { $min }.

# Exports
export-ics = Kalender (.ics)
export-csv = Budget (.csv)
export-xlsx = Budget (.xlsx)
export-pdf = PDF zum Drucken (.pdf)
export-docx = Word (.docx)
export-odt = OpenDocument (.odt)
export-automerge = Automerge-Datei
export-signed = Signierte Datei
export-left-out = Nicht in der Datei ({ $n }):

# Open invitations
invite-open = Offene Einladungen
invite-expires = Gültig bis
invite-revoke = Widerrufen
invite-revoke-confirm = Einladung als { $role }, gültig bis { $when }, widerrufen? Mit ihrem Ticket kann dann niemand mehr beitreten.
invite-revoked = Die Einladung wurde widerrufen.

## Benannte Versionen und Genehmigungen
tab-versions = Versionen
versions-sub = Eine benannte Version ist ein signierter Eintrag des Dokuments, wie es jetzt ist. Jede Partnerstadt trägt dazu den Beschluss ihres Rates ein.
versions-none = Noch keine benannten Versionen.
versions-name-label = Diese Version benennen
versions-name-placeholder = z. B. bei der EACEA eingereicht am 12.02.2027
versions-name-button = Version benennen
versions-named = Version „{ $name }“ benannt.
versions-named-by = Benannt von { $town }, { $when }
versions-approved-by = genehmigt von { $n } von { $m } Städten
versions-rejected-by = abgelehnt von { $n }
versions-requested-by = Genehmigung angefragt von { $town }
versions-changed-since = seit dieser Version geändert
versions-changed-since-long = Das Dokument wurde seit dieser Version geändert; sie ist nicht mehr die aktuelle. Seitdem geändert:
versions-current = aktuell
versions-decision-approved = { $town }: genehmigt ({ $reference }, { $date })
versions-decision-rejected = { $town }: abgelehnt ({ $reference }, { $date })
versions-waiting-for = Ausstehend: { $towns }
versions-view = Anzeigen
versions-compare = Vergleichen
versions-compare-with = Vergleichen mit
versions-current-content = dem aktuellen Inhalt
versions-no-differences = Keine Unterschiede.
versions-restore = Diese Version wiederherstellen
versions-restore-confirm = „{ $name }“ wiederherstellen? Die seitdem geänderten Felder werden als neue Änderung zurückgeschrieben; der Verlauf behält alles.
versions-restored = Version „{ $name }“ wiederhergestellt.
versions-request = Alle Städte um Genehmigung bitten
versions-reference = Ratsbeschluss
versions-reference-placeholder = z. B. Beschluss 2027-014
versions-date = Datum des Beschlusses
versions-approve = Genehmigen
versions-reject = Ablehnen
versions-approved-toast = Die Genehmigung Ihrer Stadt ist eingetragen und signiert.
versions-rejected-toast = Die Ablehnung Ihrer Stadt ist eingetragen und signiert.

## Attachments (the evidence register)
tab-attachments = Anhänge
att-sub = Dateien, die dieses Dokument als Nachweis trägt. Der Hashwert jeder Datei steht in einer signierten Änderung; die Knoten der Partner holen den Inhalt und prüfen ihn.
att-file-label = Datei
att-caption-label = Beschriftung
att-caption-placeholder = Wofür die Datei ein Nachweis ist
att-upload = Anhängen
att-uploaded = { $name } wurde angehängt.
att-none = Noch keine Anhänge.
att-col-file = Datei
att-col-size = Größe
att-col-by = Angehängt von
att-col-state = Auf diesem Knoten
att-col-actions = Aktionen
att-state-downloaded = heruntergeladen
att-state-downloading = wird geladen: { $pct } %
att-state-not-downloaded = nicht heruntergeladen
att-state-removed = entfernt
att-by = { $town }, { $when }
att-download = Herunterladen
att-fetch = Holen
att-remove = Entfernen
att-remove-reason = Warum wird „{ $name }“ entfernt? Der Inhalt wird auf den Knoten aller Partner gelöscht; der Nachweis, dass die Datei existierte, bleibt.
att-removed = { $name } wurde entfernt.
att-removed-by = Entfernt von { $town }: { $reason }
att-usage = Anhänge dieses Bereichs auf diesem Knoten: { $used }.
att-usage-cap = Anhänge dieses Bereichs auf diesem Knoten: { $used } von { $cap }.

## Synchronisierungsübersicht (Startseite), Markierungen in Dokumentlisten, Anwesenheit im Editor
sync-now = Jetzt synchronisieren
sync-doc-now = Dieses Dokument jetzt synchronisieren
sync-now-title = Die Partnerstädte jetzt erreichen (auch die offline sind) und austauschen, was fehlt
sync-started = Synchronisiert. Erreichte Partnerstädte: { $n }; empfangene Änderungen: { $received }.
sync-reaching = Die Partnerstädte werden erreicht; sie synchronisieren, sobald sie antworten.
sync-col-state = Online
sync-col-last = Zuletzt synchronisiert
sync-col-waiting = Noch zu sendende Änderungen
sync-col-received = Empfangene Änderungen
sync-since = seit { $when }
sync-unknown = unbekannt
sync-unknown-title = Mit dieser Stadt noch nie synchronisiert: Was ihr fehlt, ist noch nicht bekannt.
sync-never-synced = nie synchronisierte Dokumente: { $n }
sync-received-total = Seit dem Start dieses Knotens: { $n }
sync-not-yet-at = Noch nicht bei: { $towns }
sync-conflicts = Konflikte: { $n }
sync-up-to-date = Aktuell
sync-open-at = Gerade geöffnet in { $towns }
col-sync = Synchronisierung
presence-open-at = Gerade geöffnet in { $towns }

# Dateien, die bei Netzausfall zwischen Städten getragen werden (Pakete), auf der Seite einer Partnerschaft.
sync-carry-hint = Eine Partnerstadt ist offline, während Änderungen auf sie warten? Überbringen Sie sie in einer Datei.
sync-carry-link = Datei für einen Partner speichern
bundle-title = Ohne Netz: eine Datei überbringen
bundle-sub = Wenn das Netz ausfällt, speichern Sie hier eine Datei, bringen sie zur Partnerstadt (per E-Mail oder auf einem USB-Stick) und öffnen sie dort auf deren Knoten. Jede Änderung darin wird geprüft, als käme sie über das Netz; schlägt etwas fehl, wird nichts importiert.
bundle-sub-open = Eine Datei einer Partnerstadt, bei Netzausfall per E-Mail oder auf einem USB-Stick gebracht, kann eine Partnerschaft enthalten, die diese Stadt noch nicht erhalten hat: Öffnen Sie sie hier. Dateien für einen Partner speichern Sie auf der Seite der Partnerschaft.
bundle-save-title = Datei für einen Partner speichern
bundle-partner = Für welche Partnerstadt
bundle-partner-any = Beliebiger Partner (die ganze Partnerschaft)
bundle-save = Datei speichern
bundle-preparing = Datei wird vorbereitet: { $pct } %
bundle-saved = „{ $name }“ gespeichert.
bundle-saved-counts = Dokumente: { $documents }, Änderungen: { $changes }, Anhänge: { $attachments }.
bundle-saved-incremental = Sie enthält, was diesem Partner seit der letzten Synchronisierung fehlt.
bundle-saved-whole = Sie enthält die ganze Partnerschaft.
bundle-saved-next = Geben Sie sie der Partnerstadt, die sie mit „Datei eines Partners öffnen“ öffnet.
bundle-open-title = Datei eines Partners öffnen
bundle-file = Datei einer Partnerstadt (.twinbundle)
bundle-open-space = Partnerschaft öffnen
bundle-open = Datei öffnen
bundle-choose-file = Wählen Sie zuerst die Datei.
bundle-sending = Datei wird an den Knoten dieser Stadt gesendet: { $pct } %
bundle-checking = Änderungen werden geprüft und übernommen: { $pct } %
bundle-opened = Die Datei wurde geöffnet; jede Änderung darin hat die Prüfungen bestanden.
bundle-nothing-new = Nichts Neues: Diese Stadt hatte bereits alles aus der Datei.
bundle-result-documents = Dokumente in der Datei: { $n } (neu hier: { $new })
bundle-result-changes = Neue Änderungen: { $n } (von { $total } in der Datei)
bundle-result-waiting = Änderungen, die auf frühere warten, die diese Stadt noch nicht erhalten hat: { $n }. Sie werden übernommen, sobald diese eintreffen.
bundle-result-attachments = Mit der Datei angekommene Anhänge: { $n }
bundle-error-not-a-bundle = Diese Datei wurde nicht von Twinmesh für einen Partner gespeichert. Es wurde nichts importiert.
bundle-error-version = Diese Datei stammt aus einer neueren Version von Twinmesh. Aktualisieren Sie den Knoten dieser Stadt und öffnen Sie sie erneut. Es wurde nichts importiert.
bundle-error-damaged = Diese Datei ist beschädigt oder unvollständig (vielleicht beim Kopieren abgeschnitten). Bitten Sie die Partnerstadt um eine neue. Es wurde nichts importiert.
bundle-error-verification = Eine Änderung in dieser Datei hat die Signatur- oder Rechteprüfung nicht bestanden, daher wurde nichts importiert. Einzelheiten: { $detail }
bundle-error-not-member = Diese Datei gehört zu einer Partnerschaft, in der diese Stadt nicht Mitglied ist. Es wurde nichts importiert. Einzelheiten: { $detail }
bundle-error-attachment = Ein Anhang in dieser Datei passt nicht zu seinem Fingerabdruck. Es wurde nichts importiert.
bundle-error-failed = Die Datei konnte nicht geöffnet werden: { $detail }
