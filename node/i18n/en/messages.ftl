# The node's errors and the `twin` command's output (English).
# Messages here may use Fluent selectors (plurals); see docs/user-guide.md, "Translations".

unknown-language = unknown language '{ $lang }': use one of en, fr, de, ro, it

## How a field is named in messages.

# A field by its label, with the path `twin doc set` takes.
field-named = { $label } ({ $path })

## What a field accepts.

type-text = text
type-string = string
type-enum = one of { $options }
type-date = date (YYYY-MM-DD, YYYY-MM or YYYY)
type-int = whole number from 0 to { $max }
type-number = number
type-money = amount in EUR from 0 to { $max } (e.g. 2600 or 2600.50)
type-correctable-money = amount in EUR from -{ $max } to { $max }, negative for a correction (e.g. 2600, 2600.50 or -150)
type-country = country code (ISO 3166-1 alpha-2, e.g. DE, FR, PL)
type-email = e-mail address (name@example.org)
type-bool = true or false
type-record = record
type-list = list
type-read-only = read-only

## Errors. Each has a stable code (see docs/http-api.md); the key is `error-` and the code.

error-not-initialized = no Twinmesh node in { $dir }: run `twin init --name NAME --country CC` first
error-already-initialized = { $dir } already holds a node identity; refusing to replace it (use --force to replace it; the old key is kept as a backup)
error-invalid-input = { $detail }
error-bad-id-encoding = '{ $text }' is not a valid { $what } id: it must be base32 (a-z, 2-7)
error-bad-id-length = '{ $text }' is not a valid { $what } id: expected { $expected } characters
error-unknown-space = unknown space { $id } (see `twin space list`)
error-unknown-document = unknown document { $id } (see `twin doc list`)
error-not-allowed = { $detail }
error-unknown-kind = unknown document kind '{ $kind }': expected one of charter, plan, minutes, contacts
error-bad-path = malformed path '{ $path }': expected names and list indexes separated by '/', e.g. budget/lines/0/amount
error-unknown-field = { $kind } documents have no field '{ $path }'{ $hint }
error-value-wrong-type = { $field } expects { $expected }; got '{ $value }'
error-value-not-an-amount = { $field } expects { $expected }; got '{ $value }'
error-value-not-a-date = { $field } expects { $expected }; got '{ $value }'
error-read-only = { $field } is read-only
error-value-out-of-range = { $field } accepts { $expected }; { $value } is out of range
error-value-too-long = { $field } accepts at most { $max } bytes
error-no-such-item = '{ $path }' has { $len } items; there is no item { $index } (add one with `twin doc add DOC { $path }`)
error-export = cannot import: { $detail }
error-rejected = cannot import: { $count } change(s) failed verification, nothing was imported; first: { $first }
error-space = invalid space record: { $detail }
error-corrupt = corrupt data: { $detail }
error-store-locked = the store at { $path } is in use by another twin process (is `twin start` running?)
error-io = { $path }: { $detail }
error-not-running = no node is running on this data dir: start it with `twin start`
error-network = { $detail }
error-shut-down = the node has shut down
error-internal = internal error: { $detail }
error-attachment-corrupt = the attachment's bytes do not match its hash, refused: { $detail }
error-unknown-attachment = no such attachment on this node: { $id } (list them with `twin doc attachments DOC`)
error-attachment-over-cap = this space's attachments would take more than its cap: { $used } used, { $size } more, cap { $cap } (raise it with `twin space storage SPACE --cap`)
size-bytes = { $n } bytes
size-kb = { $n } kB
size-mb = { $n } MB
size-gb = { $n } GB

## Document history (`twin doc history`, the API's history): one line per field item, and a
## heading per sitting (changes of one town and officer in one go).
history-set = { $field }: { $before } → { $after }
history-empty = (empty)
history-text = { $field }: { $diff }
history-added = { $item } added
history-removed = { $item } removed
history-settled = { $field }: conflict settled, kept { $value }
history-conflict = { $field }: concurrent values { $values }
history-created = { $kind } created
history-unknown-town = unknown town ({ $key })
history-no-officer = no officer named
history-sitting = { $town } · { $officer } · { $when } · { $count ->
    [one] one change
   *[other] { $count } changes
}
history-refused-count = { $count ->
    [one] one refused change
   *[other] { $count } refused changes
}, not part of the document: twin doc history { $doc } --changes

## twin doc versions / approvals (one line per version, then its decisions)
version-line = { $id }  { $name }  approved by { $approved } of { $towns } { $towns ->
    [one] town
   *[other] towns
}
version-line-rejected = , rejected by { $count }
version-line-changed = CHANGED SINCE ({ $count ->
    [one] one field
   *[other] { $count } fields
})
version-decision-approved = { $town } approved: { $reference } of { $date }
version-decision-rejected = { $town } rejected: { $reference } of { $date }
version-waiting = waiting for: { $towns }
version-changed-list = changed since this version:
version-none = no named versions: name one with `twin doc version { $doc } NAME`
version-no-differences = no differences
version-nothing-to-restore = the content is already the version's: nothing to restore

# What a total in an exported document (Markdown, DOCX, ODT, PDF) could not count, after the sum.
print-total-conflicts = { " " }+ ⚠ { $count ->
    [one] 1 value in conflict, not counted
   *[other] { $count } values in conflict, not counted
}
print-total-invalid = { " " }+ ⚠ { $count ->
    [one] 1 invalid value, not counted
   *[other] { $count } invalid values, not counted
}

# Labels of the CLI's progress bars (twin doc attach, twin doc attachment get).
progress-attaching = Attaching
progress-fetching = Fetching
progress-writing = Writing
progress-bundle-export = Exporting bundle
progress-bundle-import = Importing bundle
progress-doc-export = Exporting document
progress-doc-import = Importing document

## twin sync status (one line per partner town, then documents that need a look)
cli-sync-never = never
cli-sync-no-partners = no partner towns yet: add a town to a partnership, or join one with an invitation
cli-sync-unknown-town = unknown town ({ $id })
cli-sync-online = online
cli-sync-online-since = online since { $when }
cli-sync-offline = offline
cli-sync-offline-since = offline since { $when }
cli-sync-partner-line = { $town }: { $state }; last synced { $synced }; waiting to go out: { $waiting }{ $unknown ->
    [0] {""}
    [one] {" "}(one document never synced)
   *[other] {" "}({ $unknown } documents never synced)
}; received: { $received }
cli-sync-not-yet-at = not yet at: { $towns }
cli-sync-conflicts = { $count ->
    [one] one conflict
   *[other] { $count } conflicts
}
cli-sync-open-at = open now at: { $towns }
