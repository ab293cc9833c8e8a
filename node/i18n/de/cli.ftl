# Die eigenen Worte des Befehls `twin`: was er für Menschen ausgibt (nie mit --json) und seine Fehler.
# Die Fehler des Knotens stehen in messages.ftl.

cli-error = Fehler: { $message }
cli-not-running = auf diesem Datenverzeichnis läuft kein Knoten: starten Sie ihn mit `twin start`
cli-no-home = kein Home-Verzeichnis für das Standard-Datenverzeichnis gefunden: geben Sie --data-dir an
cli-data-dir-open = Warnung: das Datenverzeichnis { $dir } ist für andere Benutzer offen (Modus { $mode }); seine Dateien sind nur für den Eigentümer lesbar, aber führen Sie `chmod 700 { $dir }` aus, um sie zu verbergen
cli-cannot-read = { $file } kann nicht gelesen werden
cli-cannot-write = { $file } kann nicht geschrieben werden
cli-token-unreadable = das API-Token des laufenden Knotens ist nicht lesbar
cli-node-unreachable = der laufende Knoten unter { $url } ist nicht erreichbar
cli-bad-answer = der Knoten hat eine unlesbare Antwort gesendet
cli-request-failed = der Knoten hat die Anfrage abgelehnt (HTTP { $status })
cli-bad-duration = „{ $text }“ ist keine Dauer wie 7d, 12h oder 30m
cli-unusable-duration = „{ $text }“ ist keine verwendbare Dauer
cli-bad-size = „{ $text }“ ist keine Größe (z. B. 500MB, 2GB)
cli-bad-size-unit = „{ $text }“: unbekannte Einheit (verwenden Sie B, kB, MB, GB, TB, KiB, MiB, GiB)

# twin id, twin init
cli-id-id = ID:                 { $id }
cli-id-public-key = öffentlicher Schlüssel: { $key }
cli-id-data-dir = Datenverzeichnis:   { $dir }

# twin start
cli-start-running = Der Twinmesh-Knoten von { $name } ({ $country }) läuft.
cli-start-id = ID:          { $id }
cli-start-listen = lauscht:     { $addr }
cli-start-api = API:         { $url }
cli-start-web = Web-Oberfläche: { $url }
cli-start-web-hint = (öffnen Sie diese Adresse in einem Browser auf diesem Rechner; sie enthält das API-Token)
cli-start-data-dir = Daten:       { $dir }
cli-start-stop-hint = Mit Strg-C beenden.
cli-start-stopped = beendet

# twin space
cli-no-spaces = noch keine Räume: legen Sie einen an mit `twin space create NAME`
cli-space-line = { $id }  { $name }  (gegründet von { $founder }, { $documents } Dokument(e){ $files })
cli-space-attachments = , Anhänge { $size }
cli-member-added = { $member } als { $role } zu { $space } hinzugefügt
cli-member-since = hinzugefügt { $when }
cli-member-gone = entfernt
cli-members-log = Protokoll:
cli-log-rejected = abgelehnt: { $reason }
cli-joined = Raum { $space } beigetreten
cli-role-now = { $member } ist jetzt { $role }
cli-member-removed = { $member } entfernt
cli-left = Raum { $space } verlassen

# twin status, twin peers, twin dial, twin sync
cli-status-id = ID:            { $id }
cli-status-listen = lauscht:       { $addr }
cli-status-external = extern:        { $addr }
cli-status-reachability = Erreichbarkeit: { $state }
cli-reach-public = öffentlich ({ $addr })
cli-reach-private = privat (nur über Relais erreichbar)
cli-reach-unknown = unbekannt
cli-status-relay = Relais:        { $addr }
cli-status-partners = Partner:       { $count } verbunden
cli-status-attachments = Anhänge:       { $mode } ({ $fetching } Datei(en) werden geholt, { $chunks } Block/Blöcke geholt, { $refused } abgelehnt)
cli-attachments-eager = alle holen
cli-attachments-on-demand = bei Bedarf
cli-space-used-of = { $space }: { $used } von { $cap }
cli-no-peers = noch keine Partner: verbinden Sie sich mit `twin dial MULTIADDR`
cli-peer-unknown = (unbekannt)
cli-peer-offline = offline
cli-peer-relayed = über Relais
cli-peer-connected = verbunden
cli-peer-line = zuletzt gesehen { $seen }  synchronisiert { $syncing }  Räume: { $spaces }
cli-connected-to = verbunden mit { $id }
cli-sync-unreachable-all = keiner der { $count } verbundenen Partner war erreichbar; nichts wurde synchronisiert
cli-sync-unreachable-some = Warnung: { $count } Partner haben nicht geantwortet
cli-synced = mit { $peers } Partner(n) synchronisiert: { $received } Änderung(en) empfangen, { $refused } abgelehnt

# twin doc attach, twin doc attachments, twin doc attachment, twin space storage
cli-attached = { $name } angehängt ({ $size }, sha256 { $hash }) als { $id }
cli-no-attachments = keine Anhänge
cli-attachment-downloading = wird geladen, { $percent } %
cli-attachment-by = von { $town }
cli-attachment-removed-by = entfernt von { $town }: { $reason }
cli-attachment-removed = { $name } entfernt ({ $hash }); seine Bytes werden hier und bei den Partnern gelöscht, sobald sie synchronisieren
cli-attachment-state-downloaded = geladen
cli-attachment-state-downloading = wird geladen
cli-attachment-state-not-downloaded = nicht geladen
cli-attachment-state-removed = entfernt
cli-attachment-start-node = { $name } ist auf diesem Knoten { $state }: starten Sie den Knoten (`twin start`), um die Datei zu holen
cli-attachment-not-here = { $name } ist auf diesem Knoten { $state }
cli-attachment-timeout = kein Partner hat die Datei innerhalb von { $seconds } s geliefert; versuchen Sie es später erneut (`--wait`, um länger zu warten)
cli-attachment-written = { $file } geschrieben ({ $size }, sha256 geprüft)
cli-attachment-mismatch = die Datei auf diesem Knoten passt nicht zu ihrem SHA-256 { $hash }; nichts wurde geschrieben
cli-storage-capped = Anhänge: { $used } von { $cap } ({ $percent } %)
cli-storage-uncapped = Anhänge: { $used } (ohne Obergrenze)

# twin doc version
cli-no-such-version = dieses Dokument hat keine Version „{ $version }“

# twin doc
cli-no-documents = noch keine Dokumente: legen Sie eines an mit `twin doc new RAUM --kind plan --title TITEL`
cli-doc-line = { $changes } Änderungen, aktualisiert { $updated }
cli-text-or-file = geben Sie den Text oder --file an, nicht beides
cli-not-name-value = „{ $text }“ hat nicht die Form Name=Wert
cli-cannot-read-stdin = der Text kann nicht von der Standardeingabe gelesen werden
cli-conflicts = { $count } Feld(er) im Konflikt: setzen Sie jedes erneut, um ihn aufzulösen:
cli-no-change = keine Änderung
cli-added-item = { $path } hinzugefügt
cli-history-more-filtered = weitere Änderungen könnten passen: twin doc history { $doc } --before { $before } mit denselben Filtern
cli-history-older = { $older } ältere Änderung(en) von { $total }: twin doc history { $doc } --before { $before }
cli-unknown-author = unbekannt
cli-signature-ok = Signatur gültig
cli-signature-through = Signatur gültig (über die spätere Änderung { $change })
cli-signature-missing = NICHT SIGNIERT
cli-signature-bad = UNGÜLTIGE SIGNATUR
cli-refused = ABGELEHNT: { $why }
cli-refused-not-part = nicht Teil des Dokuments
cli-file-written = { $file } geschrieben ({ $size })
cli-left-out = ausgelassen { $path }: { $value } ({ $reason })
cli-plain-needs-space = --plain braucht --space: den Raum, in den das neue Dokument kommt
cli-plain-imported = { $doc } „{ $title }“ ({ $kind }): ein neues Dokument aus { $changes } Änderung(en) von { $authors } Autor(en)
cli-doc-imported = { $doc } „{ $title }“: { $added } von { $total } Änderung(en) waren neu
cli-doc-imported-new = { $doc } „{ $title }“: { $added } von { $total } Änderung(en) waren neu (neues Dokument)

# twin bundle
cli-bundle-written = { $file } geschrieben ({ $documents } Dokument(e), { $changes } Änderung(en), { $size })
cli-bundle-imported = { $added } von { $total } Änderung(en) waren neu, in { $documents } Dokument(en) ({ $new } neu)
cli-bundle-waiting = ; { $count } warten auf frühere Änderungen
