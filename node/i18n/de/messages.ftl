# Die Fehler des Knotens und die Ausgaben des Befehls `twin` (Deutsch).

unknown-language = unbekannte Sprache „{ $lang }“: Verwenden Sie en, fr, de, ro oder it

field-named = { $label } ({ $path })

type-text = Text
type-string = eine Zeichenkette
type-enum = einen der Werte { $options }
type-date = ein Datum (TT.MM.JJJJ, MM.JJJJ, JJJJ-MM-TT oder JJJJ)
type-int = eine ganze Zahl von 0 bis { $max }
type-number = eine Zahl
type-money = einen Betrag in EUR von 0 bis { $max } (z. B. 2600 oder 2.600,50)
type-correctable-money = einen Betrag in EUR von -{ $max } bis { $max }, negativ für eine Korrektur (z. B. 2600, 2.600,50 oder -150)
type-country = einen Ländercode (ISO 3166-1 Alpha-2, z. B. DE, FR, PL)
type-email = eine E-Mail-Adresse (name@beispiel.org)
type-bool = ja oder nein (true oder false)
type-record = einen Datensatz
type-list = eine Liste
type-read-only = schreibgeschützt

error-not-initialized = kein Twinmesh-Knoten in { $dir }: Führen Sie zuerst `twin init --name NAME --country CC` aus
error-already-initialized = { $dir } enthält bereits eine Knotenidentität; sie wird nicht ersetzt (mit --force ersetzen Sie sie; der alte Schlüssel wird als Sicherung aufbewahrt)
error-invalid-input = { $detail }
error-bad-id-encoding = „{ $text }“ ist keine gültige { $what }-Kennung: Sie muss Base32 sein (a-z, 2-7)
error-bad-id-length = „{ $text }“ ist keine gültige { $what }-Kennung: { $expected } Zeichen erwartet
error-unknown-space = unbekannter Bereich { $id } (siehe `twin space list`)
error-unknown-document = unbekanntes Dokument { $id } (siehe `twin doc list`)
error-not-allowed = { $detail }
error-unknown-kind = unbekannte Dokumentart „{ $kind }“: erwartet wird charter, plan, minutes oder contacts
error-bad-path = fehlerhafter Pfad „{ $path }“: erwartet werden Namen und Eintragsnummern, getrennt durch „/“, z. B. budget/lines/0/amount
error-unknown-field = { $kind }-Dokumente haben kein Feld „{ $path }“{ $hint }
error-value-wrong-type = { $field } erwartet { $expected }; Ihre Eingabe war „{ $value }“
error-value-not-an-amount = { $field } erwartet { $expected }; „{ $value }“ ist kein Betrag
error-value-not-a-date = { $field } erwartet { $expected }; „{ $value }“ ist kein Datum
error-read-only = { $field } ist schreibgeschützt
error-value-out-of-range = { $field } akzeptiert { $expected }; { $value } liegt außerhalb des Bereichs
error-value-too-long = { $field } akzeptiert höchstens { $max } Bytes
error-no-such-item = „{ $path }“ hat { $len } Einträge; es gibt keinen Eintrag { $index } (fügen Sie einen mit `twin doc add DOC { $path }` hinzu)
error-export = Import nicht möglich: { $detail }
error-rejected = Import nicht möglich: { $count } Änderung(en) haben die Prüfung nicht bestanden, nichts wurde importiert; erste: { $first }
error-space = ungültiger Bereichseintrag: { $detail }
error-corrupt = beschädigte Daten: { $detail }
error-store-locked = der Speicher { $path } wird von einem anderen twin-Prozess verwendet (läuft `twin start`?)
error-io = { $path }: { $detail }
error-not-running = auf diesem Datenverzeichnis läuft kein Knoten: Starten Sie ihn mit `twin start`
error-network = { $detail }
error-shut-down = der Knoten wurde beendet
error-internal = interner Fehler: { $detail }
error-attachment-corrupt = der Inhalt des Anhangs passt nicht zu seinem Hashwert und wurde abgelehnt: { $detail }
error-unknown-attachment = kein Anhang { $id } auf diesem Knoten (Liste: `twin doc attachments DOK`)
error-attachment-over-cap = die Anhänge dieses Bereichs würden das Speicherlimit überschreiten: { $used } belegt, { $size } zusätzlich, Limit { $cap } (anheben mit `twin space storage BEREICH --cap`)
size-bytes = { $n } Byte
size-kb = { $n } kB
size-mb = { $n } MB
size-gb = { $n } GB

## Dokumentverlauf
history-set = { $field }: { $before } → { $after }
history-empty = (leer)
history-text = { $field }: { $diff }
history-added = { $item } hinzugefügt
history-removed = { $item } entfernt
history-settled = { $field }: Konflikt gelöst, { $value } behalten
history-conflict = { $field }: gleichzeitige Werte { $values }
history-created = { $kind } erstellt
history-unknown-town = unbekannte Gemeinde ({ $key })
history-no-officer = ohne Namen
history-sitting = { $town } · { $officer } · { $when } · { $count ->
    [one] eine Änderung
   *[other] { $count } Änderungen
}
history-refused-count = { $count ->
    [one] eine abgelehnte Änderung
   *[other] { $count } abgelehnte Änderungen
}, nicht Teil des Dokuments: twin doc history { $doc } --changes

## twin doc versions / approvals
version-line = { $id }  { $name }  genehmigt von { $approved } von { $towns } { $towns ->
    [one] Stadt
   *[other] Städten
}
version-line-rejected = , abgelehnt von { $count }
version-line-changed = SEITDEM GEÄNDERT ({ $count ->
    [one] ein Feld
   *[other] { $count } Felder
})
version-decision-approved = { $town } hat genehmigt: { $reference } vom { $date }
version-decision-rejected = { $town } hat abgelehnt: { $reference } vom { $date }
version-waiting = ausstehend: { $towns }
version-changed-list = seit dieser Version geändert:
version-none = keine benannten Versionen: benennen Sie eine mit `twin doc version { $doc } NAME`
version-no-differences = keine Unterschiede
version-nothing-to-restore = der Inhalt ist bereits der der Version: nichts wiederherzustellen

# What a total in an exported document (Markdown, DOCX, ODT, PDF) could not count, after the sum.
print-total-conflicts = { " " }+ ⚠ { $count ->
    [one] 1 Wert im Konflikt, nicht mitgezählt
   *[other] { $count } Werte im Konflikt, nicht mitgezählt
}
print-total-invalid = { " " }+ ⚠ { $count ->
    [one] 1 ungültiger Wert, nicht mitgezählt
   *[other] { $count } ungültige Werte, nicht mitgezählt
}

# Labels of the CLI's progress bars (twin doc attach, twin doc attachment get).
progress-attaching = Anhängen
progress-fetching = Abrufen
progress-writing = Schreiben
progress-bundle-export = Paket exportieren
progress-bundle-import = Paket importieren
progress-doc-export = Dokument exportieren
progress-doc-import = Dokument importieren

## twin sync status (eine Zeile je Partnerstadt, dann Dokumente, die Aufmerksamkeit brauchen)
cli-sync-never = nie
cli-sync-no-partners = noch keine Partnerstädte: Fügen Sie einer Partnerschaft eine Stadt hinzu oder treten Sie einer mit einer Einladung bei
cli-sync-unknown-town = unbekannte Stadt ({ $id })
cli-sync-online = online
cli-sync-online-since = online seit { $when }
cli-sync-offline = offline
cli-sync-offline-since = offline seit { $when }
cli-sync-partner-line = { $town }: { $state }; zuletzt synchronisiert: { $synced }; noch zu senden: { $waiting }{ $unknown ->
    [0] {""}
    [one] {" "}(ein Dokument nie synchronisiert)
   *[other] {" "}({ $unknown } Dokumente nie synchronisiert)
}; empfangen: { $received }
cli-sync-not-yet-at = noch nicht bei: { $towns }
cli-sync-conflicts = { $count ->
    [one] ein Konflikt
   *[other] { $count } Konflikte
}
cli-sync-open-at = gerade geöffnet in: { $towns }
