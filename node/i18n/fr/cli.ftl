# Les mots de la commande `twin` : ce qu'elle affiche pour les personnes (jamais avec --json) et ses erreurs.
# Les erreurs du nœud sont dans messages.ftl.

cli-error = erreur : { $message }
cli-not-running = aucun nœud ne tourne sur ce répertoire de données : lancez-le avec `twin start`
cli-no-home = impossible de trouver un répertoire personnel pour le répertoire de données par défaut : indiquez --data-dir
cli-data-dir-open = attention : le répertoire de données { $dir } est ouvert aux autres utilisateurs (mode { $mode }) ; ses fichiers ne sont lisibles que par leur propriétaire, mais lancez `chmod 700 { $dir }` pour les masquer
cli-cannot-read = impossible de lire { $file }
cli-cannot-write = impossible d'écrire { $file }
cli-token-unreadable = le jeton d'API du nœud en cours est illisible
cli-node-unreachable = impossible de joindre le nœud en cours à { $url }
cli-bad-answer = le nœud a envoyé une réponse illisible
cli-request-failed = le nœud a refusé la requête (HTTP { $status })
cli-bad-duration = « { $text } » n'est pas une durée comme 7d, 12h ou 30m
cli-unusable-duration = « { $text } » n'est pas une durée utilisable
cli-bad-size = « { $text } » n'est pas une taille (par ex. 500MB, 2GB)
cli-bad-size-unit = « { $text } » : unité inconnue (utilisez B, kB, MB, GB, TB, KiB, MiB, GiB)

# twin id, twin init
cli-id-id = id :              { $id }
cli-id-public-key = clé publique :    { $key }
cli-id-data-dir = données :         { $dir }

# twin start
cli-start-running = Le nœud Twinmesh de { $name } ({ $country }) est en marche.
cli-start-id = id :        { $id }
cli-start-listen = écoute :    { $addr }
cli-start-api = api :       { $url }
cli-start-web = interface : { $url }
cli-start-web-hint = (ouvrez cette adresse dans un navigateur sur cet ordinateur ; elle porte le jeton d'API)
cli-start-data-dir = données :   { $dir }
cli-start-stop-hint = Appuyez sur Ctrl-C pour arrêter.
cli-start-stopped = arrêté

# twin space
cli-no-spaces = aucun espace pour l'instant : créez-en un avec `twin space create NOM`
cli-space-line = { $id }  { $name }  (fondé par { $founder }, { $documents } document(s){ $files })
cli-space-attachments = , pièces jointes { $size }
cli-member-added = { $member } ajouté à { $space } comme { $role }
cli-member-since = ajouté le { $when }
cli-member-gone = retiré
cli-members-log = journal :
cli-log-rejected = refusé : { $reason }
cli-joined = espace { $space } rejoint
cli-role-now = { $member } est maintenant { $role }
cli-member-removed = { $member } retiré
cli-left = espace { $space } quitté

# twin status, twin peers, twin dial, twin sync
cli-status-id = id :              { $id }
cli-status-listen = écoute :          { $addr }
cli-status-external = externe :         { $addr }
cli-status-reachability = joignabilité :    { $state }
cli-reach-public = public ({ $addr })
cli-reach-private = privé (joignable seulement par des relais)
cli-reach-unknown = inconnue
cli-status-relay = relais :          { $addr }
cli-status-partners = partenaires :     { $count } connecté(s)
cli-status-attachments = pièces jointes :  { $mode } ({ $fetching } fichier(s) en cours de récupération, { $chunks } bloc(s) récupéré(s), { $refused } refusé(s))
cli-attachments-eager = toutes récupérées
cli-attachments-on-demand = à la demande
cli-space-used-of = { $space } : { $used } sur { $cap }
cli-no-peers = aucun partenaire pour l'instant : connectez-vous avec `twin dial MULTIADDR`
cli-peer-unknown = (inconnu)
cli-peer-offline = hors ligne
cli-peer-relayed = par relais
cli-peer-connected = connecté
cli-peer-line = vu pour la dernière fois { $seen }  synchronise { $syncing }  espaces : { $spaces }
cli-connected-to = connecté à { $id }
cli-sync-unreachable-all = aucun des { $count } partenaire(s) connecté(s) n'a pu être joint ; rien n'a été synchronisé
cli-sync-unreachable-some = attention : { $count } partenaire(s) n'ont pas répondu
cli-synced = synchronisé avec { $peers } partenaire(s) : { $received } modification(s) reçue(s), { $refused } refusée(s)

# twin doc attach, twin doc attachments, twin doc attachment, twin space storage
cli-attached = { $name } joint ({ $size }, sha256 { $hash }) sous l'id { $id }
cli-no-attachments = aucune pièce jointe
cli-attachment-downloading = téléchargement { $percent } %
cli-attachment-by = par { $town }
cli-attachment-removed-by = retirée par { $town } : { $reason }
cli-attachment-removed = { $name } retirée ({ $hash }) ; ses octets sont effacés ici et chez les partenaires à mesure qu'ils se synchronisent
cli-attachment-state-downloaded = téléchargée
cli-attachment-state-downloading = en cours de téléchargement
cli-attachment-state-not-downloaded = non téléchargée
cli-attachment-state-removed = retirée
cli-attachment-start-node = { $name } est { $state } sur ce nœud : lancez le nœud (`twin start`) pour la récupérer
cli-attachment-not-here = { $name } est { $state } sur ce nœud
cli-attachment-timeout = aucun partenaire n'a livré le fichier en { $seconds } s ; réessayez plus tard (`--wait` pour attendre plus longtemps)
cli-attachment-written = { $file } écrit ({ $size }, sha256 vérifié)
cli-attachment-mismatch = le fichier sur ce nœud ne correspond pas à son SHA-256 { $hash } ; rien n'a été écrit
cli-storage-capped = pièces jointes : { $used } sur { $cap } ({ $percent } %)
cli-storage-uncapped = pièces jointes : { $used } (sans plafond)

# twin doc version
cli-no-such-version = ce document n'a pas de version « { $version } »

# twin doc
cli-no-documents = aucun document pour l'instant : créez-en un avec `twin doc new ESPACE --kind plan --title TITRE`
cli-doc-line = { $changes } modifications, mis à jour le { $updated }
cli-text-or-file = donnez le texte ou --file, pas les deux
cli-not-name-value = « { $text } » n'est pas de la forme nom=valeur
cli-cannot-read-stdin = impossible de lire le texte sur l'entrée standard
cli-conflicts = { $count } champ(s) en conflit : saisissez chacun à nouveau pour trancher :
cli-no-change = aucune modification
cli-added-item = { $path } ajouté
cli-history-more-filtered = d'autres modifications peuvent correspondre : twin doc history { $doc } --before { $before } avec les mêmes filtres
cli-history-older = { $older } modification(s) plus ancienne(s) sur { $total } : twin doc history { $doc } --before { $before }
cli-unknown-author = inconnu
cli-signature-ok = signature valide
cli-signature-through = signature valide (par la modification ultérieure { $change })
cli-signature-missing = NON SIGNÉE
cli-signature-bad = SIGNATURE INVALIDE
cli-refused = REFUSÉE : { $why }
cli-refused-not-part = ne fait pas partie du document
cli-file-written = { $file } écrit ({ $size })
cli-left-out = laissé de côté { $path } : { $value } ({ $reason })
cli-plain-needs-space = --plain demande --space : l'espace où va le nouveau document
cli-plain-imported = { $doc } « { $title } » ({ $kind }) : un nouveau document à partir de { $changes } modification(s) de { $authors } auteur(s)
cli-doc-imported = { $doc } « { $title } » : { $added } modification(s) nouvelle(s) sur { $total }
cli-doc-imported-new = { $doc } « { $title } » : { $added } modification(s) nouvelle(s) sur { $total } (nouveau document)

# twin bundle
cli-bundle-written = { $file } écrit ({ $documents } document(s), { $changes } modification(s), { $size })
cli-bundle-imported = { $added } modification(s) nouvelle(s) sur { $total }, dans { $documents } document(s) ({ $new } nouveau(x))
cli-bundle-waiting = ; { $count } attendent des modifications antérieures
