# The `twin` command's own words: what it prints for people (never with --json) and its errors.
# The node's errors are in messages.ftl.

cli-error = error: { $message }
cli-not-running = no node is running on this data dir: start it with `twin start`
cli-no-home = cannot find a home directory for the default data dir: pass --data-dir
cli-data-dir-open = warning: the data dir { $dir } is open to other users (mode { $mode }); its files are owner-only, but run `chmod 700 { $dir }` to hide them
cli-cannot-read = cannot read { $file }
cli-cannot-write = cannot write { $file }
cli-token-unreadable = the running node's API token is unreadable
cli-node-unreachable = cannot reach the running node at { $url }
cli-bad-answer = the node sent an unreadable answer
cli-request-failed = the node refused the request (HTTP { $status })
cli-bad-duration = '{ $text }' is not a duration like 7d, 12h or 30m
cli-unusable-duration = '{ $text }' is not a usable duration
cli-bad-size = '{ $text }' is not a size (e.g. 500MB, 2GB)
cli-bad-size-unit = '{ $text }': unknown unit (use B, kB, MB, GB, TB, KiB, MiB, GiB)

# twin id, twin init
cli-id-id = id:         { $id }
cli-id-public-key = public key: { $key }
cli-id-data-dir = data dir:   { $dir }

# twin start
cli-start-running = Twinmesh node for { $name } ({ $country }) is running.
cli-start-id = id:       { $id }
cli-start-listen = listen:   { $addr }
cli-start-api = api:      { $url }
cli-start-web = web UI:   { $url }
cli-start-web-hint = (open this address in a browser on this computer; it carries the API token)
cli-start-data-dir = data dir: { $dir }
cli-start-stop-hint = Press Ctrl-C to stop.
cli-start-stopped = stopped

# twin space
cli-no-spaces = no spaces yet: create one with `twin space create NAME`
cli-space-line = { $id }  { $name }  (founded by { $founder }, { $documents } document(s){ $files })
cli-space-attachments = , attachments { $size }
cli-member-added = added { $member } to { $space } as { $role }
cli-member-since = added { $when }
cli-member-gone = removed
cli-members-log = log:
cli-log-rejected = rejected: { $reason }
cli-joined = joined { $space }
cli-role-now = { $member } is now { $role }
cli-member-removed = removed { $member }
cli-left = left { $space }

# twin status, twin peers, twin dial, twin sync
cli-status-id = id:           { $id }
cli-status-listen = listen:       { $addr }
cli-status-external = external:     { $addr }
cli-status-reachability = reachability: { $state }
cli-reach-public = public ({ $addr })
cli-reach-private = private (reachable through relays only)
cli-reach-unknown = unknown
cli-status-relay = relay:        { $addr }
cli-status-partners = partners:     { $count } connected
cli-status-attachments = attachments:  { $mode } ({ $fetching } file(s) being fetched, { $chunks } chunk(s) fetched, { $refused } refused)
cli-attachments-eager = eager
cli-attachments-on-demand = on demand
cli-space-used-of = { $space }: { $used } of { $cap }
cli-no-peers = no partners yet: connect with `twin dial MULTIADDR`
cli-peer-unknown = (unknown)
cli-peer-offline = offline
cli-peer-relayed = via relay
cli-peer-connected = connected
cli-peer-line = last seen { $seen }  syncing { $syncing }  spaces: { $spaces }
cli-connected-to = connected to { $id }
cli-sync-unreachable-all = could not reach any of { $count } connected partner(s); nothing was synced
cli-sync-unreachable-some = warning: { $count } partner(s) did not answer
cli-synced = synced with { $peers } partner(s): { $received } change(s) received, { $refused } refused

# twin doc attach, twin doc attachments, twin doc attachment, twin space storage
cli-attached = attached { $name } ({ $size }, sha256 { $hash }) as { $id }
cli-no-attachments = no attachments
cli-attachment-downloading = downloading { $percent } %
cli-attachment-by = by { $town }
cli-attachment-removed-by = removed by { $town }: { $reason }
cli-attachment-removed = removed { $name } ({ $hash }); its bytes are deleted here and on partners as they sync
cli-attachment-state-downloaded = downloaded
cli-attachment-state-downloading = downloading
cli-attachment-state-not-downloaded = not downloaded
cli-attachment-state-removed = removed
cli-attachment-start-node = { $name } is { $state } on this node: start the node (`twin start`) to fetch it
cli-attachment-not-here = { $name } is { $state } on this node
cli-attachment-timeout = no partner delivered the file within { $seconds } s; try again later (`--wait` to wait longer)
cli-attachment-written = wrote { $file } ({ $size }, sha256 checked)
cli-attachment-mismatch = the file on this node does not match its SHA-256 { $hash }; nothing was written
cli-storage-capped = attachments: { $used } of { $cap } ({ $percent } %)
cli-storage-uncapped = attachments: { $used } (no cap)

# twin doc version
cli-no-such-version = this document has no version '{ $version }'

# twin doc
cli-no-documents = no documents yet: create one with `twin doc new SPACE --kind plan --title TITLE`
cli-doc-line = { $changes } changes, updated { $updated }
cli-text-or-file = give the text or --file, not both
cli-not-name-value = '{ $text }' is not name=value
cli-cannot-read-stdin = cannot read the text from standard input
cli-conflicts = { $count } conflicting field(s): set each again to resolve:
cli-no-change = no change
cli-added-item = added { $path }
cli-history-more-filtered = more changes may match: twin doc history { $doc } --before { $before } with the same filters
cli-history-older = { $older } older change(s) of { $total }: twin doc history { $doc } --before { $before }
cli-unknown-author = unknown
cli-signature-ok = signature ok
cli-signature-through = signature ok (through later change { $change })
cli-signature-missing = UNSIGNED
cli-signature-bad = BAD SIGNATURE
cli-refused = REFUSED: { $why }
cli-refused-not-part = not part of the document
cli-file-written = wrote { $file } ({ $size })
cli-left-out = left out { $path }: { $value } ({ $reason })
cli-plain-needs-space = --plain needs --space: the space the new document goes into
cli-plain-imported = { $doc } '{ $title }' ({ $kind }): a new document from { $changes } change(s) by { $authors } author(s)
cli-doc-imported = { $doc } '{ $title }': { $added } of { $total } change(s) were new
cli-doc-imported-new = { $doc } '{ $title }': { $added } of { $total } change(s) were new (new document)

# twin bundle
cli-bundle-written = wrote { $file } ({ $documents } document(s), { $changes } change(s), { $size })
cli-bundle-imported = { $added } of { $total } change(s) were new, in { $documents } document(s) ({ $new } new)
cli-bundle-waiting = ; { $count } wait for earlier changes
