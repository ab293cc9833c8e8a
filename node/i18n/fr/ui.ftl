# The web UI's words (Français).
# Plain text with { $name } placeholders only: the browser fills them in, so no selectors here.

# The language's own name, as shown in the language menu.
language-name = Français

## Page frame
skip-to-content = Aller au contenu
nav-main = Navigation principale
nav-dashboard = Tableau de bord
nav-spaces = Jumelages
nav-docs = Documents
officer = Agent
officer-placeholder = Votre nom
officer-needed = Saisissez votre nom dans « Agent » en haut de la page pour écrire : chaque modification enregistre la commune et l’agent qui l’a faite.
officer-enter = Saisir mon nom
editor-read-only = Votre commune est lectrice dans ce partenariat : vous pouvez lire ce document et son historique, mais pas le modifier. Un administrateur du partenariat peut faire de votre commune un rédacteur.
language = Langue
live-connecting = connexion…
live-on = en direct
live-off = hors ligne
live-on-title = Connecté au nœud de votre commune ; les modifications s’affichent dès qu’elles sont faites
live-off-title = Pas de connexion au nœud de votre commune ; nouvelle tentative en cours
signout = Se déconnecter
signout-title = Oublier le jeton d’accès dans ce navigateur
footer = Chaque modification est signée par le nœud de votre commune et vérifiée par chaque partenaire. Aucun serveur central.
loading = Chargement…
page-not-found = Page introuvable
back-to-dashboard = Retour au tableau de bord
something-wrong = Une erreur s’est produite
node-unreachable = Le nœud de votre commune ne répond pas
error-request-failed = La demande a échoué (statut { $status }).
untitled = (sans titre)
unnamed = (sans nom)
unknown = inconnu
unknown-town = commune inconnue
yes = oui
no = non

## Signing in
signin-title = Connexion au nœud de votre commune
signin-help-before = Ouvrez l’adresse de connexion affichée par
signin-help-middle = ou collez le jeton du fichier
signin-help-after = qui se trouve dans le dossier de données du nœud.
signin-token = Jeton
signin-submit = Se connecter
signin-refused = Le nœud de votre commune n’a pas accepté ce jeton. Copiez-le de nouveau, en entier, depuis l’adresse de connexion ou le fichier api.token, puis reconnectez-vous.

## Times
time-never = jamais
time-just-now = à l’instant
time-minutes-ago = il y a { $n } min
time-hours-ago = il y a { $n } h

## Dashboard
dash-this-town = Cette commune
dash-country = Pays : { $country }
dash-partners-online = Partenaires en ligne
dash-n-of-m = { $n } sur { $m }
dash-reachability = Joignabilité : { $reachability }
reachability-public = joignable depuis Internet
reachability-private = joignable uniquement par relais
reachability-unknown = pas encore connue
dash-shared-docs = Documents partagés : { $n }
dash-partners-sync = Partenaires et synchronisation
dash-no-partner = Aucun nœud partenaire n’est encore connu. Ajoutez un partenaire à un jumelage ou rejoignez-en un avec un ticket d’invitation.
dash-recent-docs = Documents modifiés récemment
peer-syncing = synchronisation de { $n }
peer-in-sync = synchronisé
peer-offline = hors ligne
peer-online = en ligne
peer-unknown = nœud inconnu
peer-last-seen = vu pour la dernière fois { $when }

## Table headings
col-partner = Partenaire
col-connection = Connexion
col-shared-spaces = Jumelages partagés et état de synchronisation
col-changes-received = Modifications reçues
col-document = Document
col-kind = Type
col-space = Jumelage
col-last-change = Dernière modification
col-changes = Modifications
col-founded-by = Fondé par
col-founded = Fondé le
col-town = Commune
col-role = Rôle
col-status = Statut
col-added-by = Ajouté par
col-node-id = Identifiant du nœud
col-when = Date
col-change = Modification
col-signature = Signature

## Partnerships
spaces-intro = Un jumelage regroupe les documents partagés de deux communes ou plus.
spaces-none = Cette commune ne fait encore partie d’aucun jumelage.
space-name = Nom
space-name-placeholder = p. ex. Saint-Pol – Warstein
space-found-title = Fonder un jumelage
space-found = Fonder
space-join-title = Rejoindre avec une invitation
space-join-ticket = Ticket d’invitation reçu d’un partenaire
space-join = Rejoindre
space-joined = Vous avez rejoint le jumelage.
ticket-placeholder = ticket twinmesh…
space-members = Membres
space-log = Journal des membres
role-editor = rédacteur
role-admin = administrateur
role-viewer = lecteur
invite-title = Inviter une commune partenaire
invite-days = Valable (jours)
invite-create = Créer un ticket d’invitation
invite-ticket = Ticket d’invitation
invite-send = Envoyez ce ticket à usage unique à la commune partenaire (rôle : { $role }). Il expire dans { $days } jour(s).
invite-copied = Ticket copié.
invite-copy = Copier le ticket
invite-qr = Code QR du ticket : la commune partenaire peut le scanner à l’écran ou sur une lettre imprimée.
invite-link-help = Ou envoyez ce lien : sur un ordinateur où Twinmesh fonctionne à l’adresse habituelle, il ouvre la page d’adhésion de la commune partenaire, ticket déjà rempli.
invite-link-copy = Copier le lien
invite-link-copied = Lien copié.
join-from-link = Une invitation d’une commune partenaire est remplie ci-dessous. Vérifiez-la, puis cliquez sur Rejoindre.
member-add-title = Ajouter un partenaire par l’identifiant de son nœud
member-town-name = Nom de la commune
town-name-placeholder = p. ex. Warstein
member-add = Ajouter le membre
member-this-town = (cette commune)
member-active = actif
member-removed = retiré
log-add = { $by } a ajouté { $member } avec le rôle { $role }
log-set-role = { $by } a attribué à { $member } le rôle { $role }
log-leave = { $by } a quitté le jumelage
log-remove = { $by } a retiré { $member }
log-rejected = refusé : { $why }

## Documents
docs-none = Aucun document pour l’instant.
doc-new = Nouveau document
doc-title = Titre
doc-title-placeholder = p. ex. CIRCLE60 – Young Circular Towns
doc-title-placeholder-short = p. ex. CIRCLE60
doc-create = Créer
doc-not-found-title = Document introuvable
doc-not-found-text = Ce nœud n’a aucun document à cette adresse. Le lien est peut-être incomplet, le document a peut-être été supprimé, ou le document d’un partenaire n’est pas encore arrivé sur ce nœud.
doc-not-found-list = Afficher la liste des documents
tab-edit = Modifier
tab-history = Historique
tab-print = Imprimer et exporter

## The editor
conflicts-count = Valeurs en conflit : { $n }.
conflicts-explain = Des partenaires ont saisi des valeurs différentes au même moment. Chacune est affichée ci-dessous avec la commune qui l’a saisie ; choisissez celle à conserver.
conflict = Conflit
conflict-explain = saisi différemment par deux communes
conflict-keep = Conserver celle-ci
# How a date is written, shown in an empty date box.
date-placeholder = JJ/MM/AAAA
date-pick = Choisir une date : { $field }
list-add = Ajouter à « { $list } »
list-empty = Aucun élément pour l’instant.
list-none = Aucun.
item-remove = Supprimer
item-remove-named = Supprimer { $item }
item-remove-confirm = Supprimer { $item } ?
total = Total
total-of = Total { $field }
total-plus-conflict = conflit
total-plus-invalid = valeur non valable
money-correction = (correction)
value-invalid = non valable : { $value } ({ $reason })

## History and printing
history-refused = refusé : { $why }
history-view-at = Voir le document à ce stade
history-older = Charger les modifications plus anciennes
history-sub = historique de { $n } modifications, les plus récentes en premier
signature-verified = vérifiée
signature-missing = absente
signature-invalid = non valable
at-as-it-was = Tel qu’il était après cette modification :
at-back = Retour à la version actuelle
print = Imprimer
print-markdown = Télécharger en Markdown
print-html = Télécharger en HTML
print-printed = imprimé le { $when }

# Members: roles, removal, leaving
member-role-of = Rôle de { $town }
member-role-changed = { $town } est désormais { $role }.
member-remove = Retirer
member-remove-confirm = Retirer { $town } de ce partenariat ? Son nœud garde ce qu’il a mais ne reçoit plus de modifications.
member-removed-toast = { $town } a été retirée.
space-leave = Quitter ce partenariat
space-leave-confirm = Quitter { $space } ? Votre commune ne recevra plus ses modifications ; un administrateur devra l’inviter à nouveau.
space-left = Votre commune a quitté { $space }.

# Checks: warnings, never refusals
warnings = À vérifier
warn-end-before-start = { $what } se termine avant de commencer.
warn-event-end-before-start = L’événement { $event } se termine avant de commencer.
warn-participants-sum = Événement { $event }, { $town } : femmes, hommes et non précisé font { $genders }, mais jeunes et adultes { $total }.
warn-budget-total = Les lignes budgétaires totalisent { $total }, mais la somme forfaitaire demandée est de { $lump }.
warn-cerv-lump = CERV Jumelage de villes : la somme forfaitaire ({ $lump }) doit être comprise entre { $min } et { $max }.
warn-cerv-countries = CERV Jumelage de villes : les partenaires doivent venir d’au moins deux pays éligibles.
warn-cerv-eu = CERV Jumelage de villes : au moins un partenaire doit se trouver dans un État membre de l’UE.
warn-cerv-direct = CERV Jumelage de villes : l’événement principal { $event } prévoit { $n } participants directs ; il en faut au moins { $min }.
warn-cerv-invited = CERV Jumelage de villes : l’événement principal { $event } prévoit { $n } participants invités des villes partenaires ; il en faut au moins { $min }.

# Exports
export-ics = Calendrier (.ics)
export-csv = Budget (.csv)
export-xlsx = Budget (.xlsx)
export-pdf = PDF à imprimer (.pdf)
export-docx = Word (.docx)
export-odt = OpenDocument (.odt)
export-automerge = Fichier Automerge
export-signed = Fichier signé
export-left-out = Non repris dans le fichier ({ $n }) :

# Open invitations
invite-open = Invitations en cours
invite-expires = Valable jusqu’au
invite-revoke = Révoquer
invite-revoke-confirm = Révoquer l’invitation comme { $role }, valable jusqu’au { $when } ? Son ticket ne permettra plus à personne d’entrer.
invite-revoked = L’invitation a été révoquée.

## Versions nommées et approbations
tab-versions = Versions
versions-sub = Une version nommée est un enregistrement signé du document tel qu’il est maintenant. Chaque ville partenaire y enregistre la décision de son conseil.
versions-none = Aucune version nommée pour l’instant.
versions-name-label = Nommer cette version
versions-name-placeholder = p. ex. soumis à l’EACEA le 12/02/2027
versions-name-button = Nommer la version
versions-named = Version « { $name } » nommée.
versions-named-by = Nommée par { $town }, { $when }
versions-approved-by = approuvée par { $n } des { $m } villes
versions-rejected-by = rejetée par { $n }
versions-requested-by = approbation demandée par { $town }
versions-changed-since = modifié depuis cette version
versions-changed-since-long = Le document a changé depuis cette version ; ce n’est plus la version actuelle. Modifié depuis :
versions-current = actuelle
versions-decision-approved = { $town } : approuvée ({ $reference }, { $date })
versions-decision-rejected = { $town } : rejetée ({ $reference }, { $date })
versions-waiting-for = En attente de : { $towns }
versions-view = Afficher
versions-compare = Comparer
versions-compare-with = Comparer avec
versions-current-content = le contenu actuel
versions-no-differences = Aucune différence.
versions-restore = Restaurer cette version
versions-restore-confirm = Restaurer « { $name } » ? Les champs modifiés depuis sont réécrits dans une nouvelle modification ; l’historique garde tout.
versions-restored = Version « { $name } » restaurée.
versions-request = Demander l’approbation de chaque ville
versions-reference = Délibération du conseil
versions-reference-placeholder = p. ex. Délibération 2027-014
versions-date = Date de la délibération
versions-approve = Approuver
versions-reject = Rejeter
versions-approved-toast = L’approbation de votre ville est enregistrée et signée.
versions-rejected-toast = Le rejet de votre ville est enregistré et signé.

## Attachments (the evidence register)
tab-attachments = Pièces jointes
att-sub = Les fichiers que ce document porte comme justificatifs. L’empreinte de chaque fichier est inscrite dans une modification signée ; les nœuds des partenaires en récupèrent le contenu et le vérifient.
att-file-label = Fichier
att-caption-label = Légende
att-caption-placeholder = Ce que le fichier justifie
att-upload = Joindre
att-uploaded = { $name } est joint.
att-none = Aucune pièce jointe pour l’instant.
att-col-file = Fichier
att-col-size = Taille
att-col-by = Joint par
att-col-state = Sur ce nœud
att-col-actions = Actions
att-state-downloaded = téléchargé
att-state-downloading = téléchargement { $pct } %
att-state-not-downloaded = pas téléchargé
att-state-removed = retiré
att-by = { $town }, { $when }
att-download = Télécharger
att-fetch = Récupérer
att-remove = Retirer
att-remove-reason = Pourquoi retirer « { $name } » ? Son contenu sera effacé sur le nœud de chaque partenaire ; la trace de son existence reste.
att-removed = { $name } est retiré.
att-removed-by = Retiré par { $town } : { $reason }
att-usage = Pièces jointes de cet espace sur ce nœud : { $used }.
att-usage-cap = Pièces jointes de cet espace sur ce nœud : { $used } sur { $cap }.

## Panneau de synchronisation (tableau de bord), repères dans les listes, présence dans l'éditeur
sync-now = Synchroniser maintenant
sync-doc-now = Synchroniser ce document maintenant
sync-now-title = Joindre les villes partenaires maintenant (aussi celles hors ligne) et échanger ce qui manque
sync-started = Synchronisation faite. Villes partenaires jointes : { $n } ; modifications reçues : { $received }.
sync-reaching = Connexion aux villes partenaires ; elles se synchronisent dès qu'elles répondent.
sync-col-state = En ligne
sync-col-last = Dernière synchronisation
sync-col-waiting = Modifications en attente d'envoi
sync-col-received = Modifications reçues
sync-since = depuis le { $when }
sync-unknown = inconnu
sync-unknown-title = Jamais synchronisé avec cette ville : on ne sait pas encore ce qui lui manque.
sync-never-synced = documents jamais synchronisés : { $n }
sync-received-total = Depuis le démarrage de ce nœud : { $n }
sync-not-yet-at = Pas encore chez : { $towns }
sync-conflicts = Conflits : { $n }
sync-up-to-date = À jour
sync-open-at = Ouvert en ce moment à { $towns }
col-sync = Synchronisation
presence-open-at = Ouvert en ce moment à { $towns }

# Fichiers portés d’une ville à l’autre quand le réseau est coupé (paquets), sur la page d’un partenariat.
sync-carry-hint = Une ville partenaire est hors ligne alors que des modifications l’attendent ? Portez-les dans un fichier.
sync-carry-link = Enregistrer un fichier pour un partenaire
bundle-title = Sans réseau : porter un fichier
bundle-sub = Quand le réseau est coupé, enregistrez ici un fichier, portez-le à la ville partenaire (par courriel ou sur une clé USB) et ouvrez-le sur son nœud. Chaque modification qu’il contient est vérifiée comme si elle arrivait par le réseau ; si quelque chose échoue, rien n’est importé.
bundle-sub-open = Un fichier d’une ville partenaire, porté par courriel ou sur une clé USB quand le réseau est coupé, peut apporter un partenariat que cette ville n’a pas encore reçu : ouvrez-le ici. Les fichiers pour un partenaire s’enregistrent sur la page du partenariat.
bundle-save-title = Enregistrer un fichier pour un partenaire
bundle-partner = Pour quelle ville partenaire
bundle-partner-any = N’importe quel partenaire (tout le partenariat)
bundle-save = Enregistrer le fichier
bundle-preparing = Préparation du fichier : { $pct } %
bundle-saved = « { $name } » enregistré.
bundle-saved-counts = Documents : { $documents }, modifications : { $changes }, pièces jointes : { $attachments }.
bundle-saved-incremental = Il contient ce qui manque à ce partenaire depuis la dernière synchronisation.
bundle-saved-whole = Il contient tout le partenariat.
bundle-saved-next = Remettez-le à la ville partenaire, qui l’ouvre avec « Ouvrir un fichier d’un partenaire ».
bundle-open-title = Ouvrir un fichier d’un partenaire
bundle-file = Fichier d’une ville partenaire (.twinbundle)
bundle-open-space = Ouvrir le partenariat
bundle-open = Ouvrir le fichier
bundle-choose-file = Choisissez d’abord le fichier.
bundle-sending = Envoi du fichier au nœud de cette ville : { $pct } %
bundle-checking = Vérification et application des modifications : { $pct } %
bundle-opened = Le fichier a été ouvert ; chaque modification a passé les vérifications.
bundle-nothing-new = Rien de nouveau : cette ville avait déjà tout le contenu du fichier.
bundle-result-documents = Documents dans le fichier : { $n } (nouveaux ici : { $new })
bundle-result-changes = Nouvelles modifications : { $n } (sur { $total } dans le fichier)
bundle-result-waiting = Modifications en attente d’autres, antérieures, que cette ville n’a pas encore reçues : { $n }. Elles s’appliqueront à leur arrivée.
bundle-result-attachments = Pièces jointes arrivées avec le fichier : { $n }
bundle-error-not-a-bundle = Ce fichier n’a pas été enregistré pour un partenaire par Twinmesh. Rien n’a été importé.
bundle-error-version = Ce fichier a été créé par une version plus récente de Twinmesh. Mettez à jour le nœud de cette ville, puis ouvrez-le à nouveau. Rien n’a été importé.
bundle-error-damaged = Ce fichier est endommagé ou incomplet (peut-être tronqué lors de la copie). Demandez-en un nouveau à la ville partenaire. Rien n’a été importé.
bundle-error-verification = Une modification de ce fichier n’a pas passé la vérification de signature ou de droits ; rien n’a donc été importé. Détails : { $detail }
bundle-error-not-member = Ce fichier concerne un partenariat dont cette ville n’est pas membre. Rien n’a été importé. Détails : { $detail }
bundle-error-attachment = Une pièce jointe de ce fichier ne correspond pas à son empreinte. Rien n’a été importé.
bundle-error-failed = Impossible d’ouvrir le fichier : { $detail }
