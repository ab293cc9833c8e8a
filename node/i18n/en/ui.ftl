# The web UI's words (English).
# Plain text with { $name } placeholders only: the browser fills them in, so no selectors here.

# The language's own name, as shown in the language menu.
language-name = English

## Page frame
skip-to-content = Skip to content
nav-main = Main
nav-dashboard = Dashboard
nav-spaces = Partnerships
nav-docs = Documents
officer = Officer
officer-placeholder = Your name
officer-needed = Enter your name under “Officer” at the top of the page to write: every change records the town and the officer who made it.
officer-enter = Enter my name
editor-read-only = Your town is a reader in this partnership: you can read this document and its history but not change it. An administrator of the partnership can make your town an editor.
language = Language
live-connecting = connecting…
live-on = live
live-off = offline
live-on-title = Connected to your node; changes appear as they happen
live-off-title = Not connected to your node; retrying
signout = Sign out
signout-title = Forget the access token in this browser
footer = Every change is signed by your municipality's node and checked by every partner. No central server.
loading = Loading…
page-not-found = Page not found
back-to-dashboard = Back to the dashboard
something-wrong = Something went wrong
node-unreachable = Cannot reach your node
error-request-failed = The request failed (status { $status }).
untitled = (untitled)
unnamed = (unnamed)
unknown = unknown
unknown-town = unknown town
yes = yes
no = no

## Signing in
signin-title = Sign in to your town's node
signin-help-before = Open the login address that
signin-help-middle = printed, or paste the token from the file
signin-help-after = in the node's data folder.
signin-token = Token
signin-submit = Sign in
signin-refused = Your node did not accept this token. Copy it again, completely, from the login address or from the file api.token, and sign in again.

## Times
time-never = never
time-just-now = just now
time-minutes-ago = { $n } min ago
time-hours-ago = { $n } h ago

## Dashboard
dash-this-town = This town
dash-country = Country: { $country }
dash-partners-online = Partners online
dash-n-of-m = { $n } of { $m }
dash-reachability = Reachability: { $reachability }
reachability-public = reachable from the internet
reachability-private = reachable through relays only
reachability-unknown = not yet known
dash-shared-docs = Shared documents: { $n }
dash-partners-sync = Partners and sync
dash-no-partner = No partner node known yet. Add a partner to a partnership, or join one with an invitation ticket.
dash-recent-docs = Recently changed documents
peer-syncing = syncing { $n }
peer-in-sync = in sync
peer-offline = offline
peer-online = online
peer-unknown = unknown node
peer-last-seen = last seen { $when }

## Table headings
col-partner = Partner
col-connection = Connection
col-shared-spaces = Shared partnerships and sync state
col-changes-received = Changes received
col-document = Document
col-kind = Kind
col-space = Partnership
col-last-change = Last change
col-changes = Changes
col-founded-by = Founded by
col-founded = Founded
col-town = Town
col-role = Role
col-status = Status
col-added-by = Added by
col-node-id = Node id
col-when = When
col-change = Change
col-signature = Signature

## Partnerships
spaces-intro = A partnership holds the shared documents of two or more towns.
spaces-none = This town is not in any partnership yet.
space-name = Name
space-name-placeholder = e.g. Saint-Pol – Warstein
space-found-title = Found a partnership
space-found = Found
space-join-title = Join with an invitation
space-join-ticket = Invitation ticket from a partner
space-join = Join
space-joined = You have joined the partnership.
ticket-placeholder = twinmesh ticket…
space-members = Members
space-log = Membership log
role-editor = editor
role-admin = administrator
role-viewer = reader
invite-title = Invite a partner town
invite-days = Valid for (days)
invite-create = Create invitation ticket
invite-ticket = Invitation ticket
invite-send = Send this one-time ticket to the partner town (role: { $role }). It expires in { $days } day(s).
invite-copied = Ticket copied.
invite-copy = Copy ticket
invite-qr = QR code of the ticket: the partner town can scan it from the screen or from a printed letter.
invite-link-help = Or send this link: on a computer where the partner's Twinmesh runs at the usual address, it opens the partner's own join page with the ticket filled in.
invite-link-copy = Copy link
invite-link-copied = Link copied.
join-from-link = An invitation from a partner town is filled in below. Check it, then press Join.
member-add-title = Add a partner by its node id
member-town-name = Town name
town-name-placeholder = e.g. Warstein
member-add = Add member
member-this-town = (this town)
member-active = active
member-removed = removed
log-add = { $by } added { $member } as { $role }
log-set-role = { $by } gave { $member } the role { $role }
log-leave = { $by } left the partnership
log-remove = { $by } removed { $member }
log-rejected = rejected: { $why }

## Documents
docs-none = No documents yet.
doc-new = New document
doc-title = Title
doc-title-placeholder = e.g. CIRCLE60 – Young Circular Towns
doc-title-placeholder-short = e.g. CIRCLE60
doc-create = Create
doc-not-found-title = Document not found
doc-not-found-text = This node has no document at this address. The link may be incomplete, the document may have been removed, or a partner's document may not have reached this node yet.
doc-not-found-list = Show the list of documents
tab-edit = Edit
tab-history = History
tab-print = Print and export

## The editor
conflicts-count = Conflicting values: { $n }.
conflicts-explain = Partners set different values at the same time. Each is shown below with the town that set it; choose one to resolve.
conflict = Conflict
conflict-explain = set differently by two towns
conflict-keep = Keep this
# How a date is written, shown in an empty date box.
date-placeholder = DD/MM/YYYY
date-pick = Choose a date: { $field }
list-add = Add to “{ $list }”
list-empty = None yet.
list-none = None.
item-remove = Remove
item-remove-named = Remove { $item }
item-remove-confirm = Remove { $item }?
total = Total
total-of = Total { $field }
total-plus-conflict = conflict
total-plus-invalid = invalid value
money-correction = (correction)
value-invalid = invalid: { $value } ({ $reason })

## History and printing
history-refused = refused: { $why }
history-view-at = View the document at this point
history-older = Load older changes
history-sub = history of { $n } changes, newest first
signature-verified = verified
signature-missing = missing
signature-invalid = invalid
at-as-it-was = As it was after this change:
at-back = Back to the current version
print = Print
print-markdown = Download Markdown
print-html = Download HTML
print-printed = printed { $when }

# Members: roles, removal, leaving
member-role-of = Role of { $town }
member-role-changed = { $town } is now { $role }.
member-remove = Remove
member-remove-confirm = Remove { $town } from this partnership? Its node keeps what it has but receives no further changes.
member-removed-toast = { $town } was removed.
space-leave = Leave this partnership
space-leave-confirm = Leave { $space }? Your town stops receiving its changes; an admin must invite it again to return.
space-left = Your town left { $space }.

# Checks: warnings, never refusals
warnings = Please check
warn-end-before-start = { $what } ends before it starts.
warn-event-end-before-start = Event { $event } ends before it starts.
warn-participants-sum = Event { $event }, { $town }: female, male and undisclosed add up to { $genders }, but youth and adults to { $total }.
warn-budget-total = The budget lines add up to { $total }, but the lump sum requested is { $lump }.
warn-cerv-lump = CERV Town Twinning: the lump sum ({ $lump }) must lie between { $min } and { $max }.
warn-cerv-countries = CERV Town Twinning: the partners must come from at least two eligible countries.
warn-cerv-eu = CERV Town Twinning: at least one partner must be in an EU member state.
warn-cerv-direct = CERV Town Twinning: main event { $event } plans { $n } direct participants; at least { $min } are required.
warn-cerv-invited = CERV Town Twinning: main event { $event } plans { $n } invited participants from partner towns; at least { $min } are required.

# Exports
export-ics = Calendar (.ics)
export-csv = Budget (.csv)
export-xlsx = Budget (.xlsx)
export-pdf = PDF for print (.pdf)
export-docx = Word (.docx)
export-odt = OpenDocument (.odt)
export-automerge = Automerge file
export-signed = Signed file
export-left-out = Left out of the file ({ $n }):

# Open invitations
invite-open = Open invitations
invite-expires = Valid until
invite-revoke = Revoke
invite-revoke-confirm = Revoke the invitation as { $role }, valid until { $when }? Its ticket will no longer admit anyone.
invite-revoked = The invitation was revoked.

## Named versions and approvals
tab-versions = Versions
versions-sub = A named version is a signed record of the document as it is now. Each partner town records its council's decision on it.
versions-none = No named versions yet.
versions-name-label = Name this version
versions-name-placeholder = e.g. submitted to EACEA 2027-02-12
versions-name-button = Name version
versions-named = Version “{ $name }” named.
versions-named-by = Named by { $town }, { $when }
versions-approved-by = approved by { $n } of { $m } towns
versions-rejected-by = rejected by { $n }
versions-requested-by = approval requested by { $town }
versions-changed-since = changed since this version
versions-changed-since-long = The document has changed since this version; it is no longer the current one. Changed since:
versions-current = current
versions-decision-approved = { $town }: approved ({ $reference }, { $date })
versions-decision-rejected = { $town }: rejected ({ $reference }, { $date })
versions-waiting-for = Waiting for: { $towns }
versions-view = View
versions-compare = Compare
versions-compare-with = Compare with
versions-current-content = the current content
versions-no-differences = No differences.
versions-restore = Restore this version
versions-restore-confirm = Restore “{ $name }”? The fields that changed since are written back as a new change; the history keeps everything.
versions-restored = Version “{ $name }” restored.
versions-request = Ask every town for approval
versions-reference = Council decision
versions-reference-placeholder = e.g. Decision 2027-014
versions-date = Date of the decision
versions-approve = Approve
versions-reject = Reject
versions-approved-toast = Your town's approval is recorded and signed.
versions-rejected-toast = Your town's rejection is recorded and signed.

## Attachments (the evidence register)
tab-attachments = Attachments
att-sub = Files this document carries as evidence. Each file's hash is recorded in a signed change; partners' nodes fetch the bytes and check them.
att-file-label = File
att-caption-label = Caption
att-caption-placeholder = What the file is evidence of
att-upload = Attach
att-uploaded = Attached { $name }.
att-none = No attachments yet.
att-col-file = File
att-col-size = Size
att-col-by = Attached by
att-col-state = On this node
att-col-actions = Actions
att-state-downloaded = downloaded
att-state-downloading = downloading { $pct } %
att-state-not-downloaded = not downloaded
att-state-removed = removed
att-by = { $town }, { $when }
att-download = Download
att-fetch = Fetch
att-remove = Remove
att-remove-reason = Why is “{ $name }” removed? Its bytes will be deleted on every partner's node; the record that it existed stays.
att-removed = Removed { $name }.
att-removed-by = Removed by { $town }: { $reason }
att-usage = Attachments of this space on this node: { $used }.
att-usage-cap = Attachments of this space on this node: { $used } of { $cap }.

## Sync panel (dashboard), sync markers in document lists, presence in the editor
sync-now = Sync now
sync-doc-now = Sync this document now
sync-now-title = Reach the partner towns now (offline ones too) and exchange what is missing
sync-started = Sync done. Partner towns reached: { $n }; changes received: { $received }.
sync-reaching = Reaching the partner towns; they sync as soon as they answer.
sync-col-state = Online
sync-col-last = Last synced
sync-col-waiting = Changes waiting to go out
sync-col-received = Changes received
sync-since = since { $when }
sync-unknown = unknown
sync-unknown-title = Never synced with this town: how much it still lacks is not known yet.
sync-never-synced = documents never synced: { $n }
sync-received-total = Since this node started: { $n }
sync-not-yet-at = Not yet at: { $towns }
sync-conflicts = Conflicts: { $n }
sync-up-to-date = Up to date
sync-open-at = Open now at { $towns }
col-sync = Sync
presence-open-at = Open now at { $towns }

# Files carried between towns when the network is down (bundles), on a partnership's page.
sync-carry-hint = A partner town is offline while changes wait for it? Carry them in a file.
sync-carry-link = Save a file for a partner
bundle-title = Without network: carry a file
bundle-sub = When the network is down, save a file here, take it to the partner town (by e-mail or on a USB stick) and open it on their node. Every change in it is checked as if it came over the network; if anything fails, nothing is imported.
bundle-sub-open = A file from a partner town, carried by e-mail or on a USB stick when the network is down, may bring a partnership this town has not received yet: open it here. Files for a partner are saved on the partnership’s page.
bundle-save-title = Save a file for a partner
bundle-partner = For which partner town
bundle-partner-any = Any partner (everything in this partnership)
bundle-save = Save the file
bundle-preparing = Preparing the file: { $pct } %
bundle-saved = Saved “{ $name }”.
bundle-saved-counts = Documents: { $documents }, changes: { $changes }, attachments: { $attachments }.
bundle-saved-incremental = It holds what this partner lacks since the last sync.
bundle-saved-whole = It holds everything in this partnership.
bundle-saved-next = Give it to the partner town, who opens it with “Open a file from a partner”.
bundle-open-title = Open a file from a partner
bundle-file = File from a partner town (.twinbundle)
bundle-open-space = Open the partnership
bundle-open = Open the file
bundle-choose-file = Choose the file first.
bundle-sending = Sending the file to this town's node: { $pct } %
bundle-checking = Checking and applying the changes: { $pct } %
bundle-opened = The file was opened; every change in it passed the checks.
bundle-nothing-new = Nothing new: this town already had everything in the file.
bundle-result-documents = Documents in the file: { $n } (new here: { $new })
bundle-result-changes = New changes: { $n } (of { $total } in the file)
bundle-result-waiting = Changes waiting for earlier ones this town has not received yet: { $n }. They apply when those arrive.
bundle-result-attachments = Attachments that came with the file: { $n }
bundle-error-not-a-bundle = This is not a file saved for a partner by Twinmesh. Nothing was imported.
bundle-error-version = This file was made by a newer version of Twinmesh. Update this town's node, then open it again. Nothing was imported.
bundle-error-damaged = This file is damaged or incomplete (perhaps cut short while copying). Ask the partner town for a new one. Nothing was imported.
bundle-error-verification = A change in this file failed the signature or permission check, so nothing was imported. Details: { $detail }
bundle-error-not-member = This file is for a partnership this town is not a member of. Nothing was imported. Details: { $detail }
bundle-error-attachment = An attachment in this file does not match its fingerprint. Nothing was imported.
bundle-error-failed = The file could not be opened: { $detail }
