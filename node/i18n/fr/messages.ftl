# Les erreurs du nœud et les messages de la commande `twin` (français).

unknown-language = langue inconnue « { $lang } » : utilisez en, fr, de, ro ou it

field-named = { $label } ({ $path })

type-text = du texte
type-string = une chaîne de caractères
type-enum = l’une des valeurs { $options }
type-date = une date (AAAA-MM-JJ, JJ/MM/AAAA, MM/AAAA ou AAAA)
type-int = un nombre entier de 0 à { $max }
type-number = un nombre
type-money = un montant en EUR de 0 à { $max } (par ex. 2600 ou 2 600,50)
type-correctable-money = un montant en EUR de -{ $max } à { $max }, négatif pour une correction (par ex. 2600, 2 600,50 ou -150)
type-country = un code pays (ISO 3166-1 alpha-2, par ex. DE, FR, PL)
type-email = une adresse électronique (nom@exemple.org)
type-bool = oui ou non (true ou false)
type-record = un enregistrement
type-list = une liste
type-read-only = lecture seule

error-not-initialized = aucun nœud Twinmesh dans { $dir } : exécutez d’abord `twin init --name NOM --country CC`
error-already-initialized = { $dir } contient déjà l’identité d’un nœud ; elle n’est pas remplacée (utilisez --force pour la remplacer ; l’ancienne clé est conservée en sauvegarde)
error-invalid-input = { $detail }
error-bad-id-encoding = « { $text } » n’est pas un identifiant de { $what } valide : il doit être en base32 (a-z, 2-7)
error-bad-id-length = « { $text } » n’est pas un identifiant de { $what } valide : { $expected } caractères attendus
error-unknown-space = espace inconnu { $id } (voir `twin space list`)
error-unknown-document = document inconnu { $id } (voir `twin doc list`)
error-not-allowed = { $detail }
error-unknown-kind = type de document inconnu « { $kind } » : charter, plan, minutes ou contacts attendu
error-bad-path = chemin mal formé « { $path } » : des noms et des numéros d’élément séparés par « / » sont attendus, par ex. budget/lines/0/amount
error-unknown-field = les documents { $kind } n’ont pas de champ « { $path } »{ $hint }
error-value-wrong-type = { $field } attend { $expected } ; vous avez saisi « { $value } »
error-value-not-an-amount = { $field } attend { $expected } ; « { $value } » n’est pas un montant
error-value-not-a-date = { $field } attend { $expected } ; « { $value } » n’est pas une date
error-read-only = { $field } est en lecture seule
error-value-out-of-range = { $field } accepte { $expected } ; { $value } est hors limites
error-value-too-long = { $field } accepte au plus { $max } octets
error-no-such-item = « { $path } » compte { $len } éléments ; il n’y a pas d’élément { $index } (ajoutez-en un avec `twin doc add DOC { $path }`)
error-export = importation impossible : { $detail }
error-rejected = importation impossible : { $count } modification(s) n’ont pas passé la vérification, rien n’a été importé ; première : { $first }
error-space = enregistrement d’espace invalide : { $detail }
error-corrupt = données corrompues : { $detail }
error-store-locked = le stockage { $path } est utilisé par un autre processus twin (`twin start` est-il en cours ?)
error-io = { $path } : { $detail }
error-not-running = aucun nœud ne tourne sur ce répertoire de données : démarrez-le avec `twin start`
error-network = { $detail }
error-shut-down = le nœud s’est arrêté
error-internal = erreur interne : { $detail }
error-attachment-corrupt = le contenu de la pièce jointe ne correspond pas à son empreinte, refusé : { $detail }
error-unknown-attachment = pas de pièce jointe { $id } sur ce nœud (la liste : `twin doc attachments DOC`)
error-attachment-over-cap = les pièces jointes de cet espace dépasseraient leur plafond : { $used } utilisés, { $size } de plus, plafond { $cap } (le relever : `twin space storage ESPACE --cap`)
size-bytes = { $n } octets
size-kb = { $n } ko
size-mb = { $n } Mo
size-gb = { $n } Go

## Historique du document
history-set = { $field } : { $before } → { $after }
history-empty = (vide)
history-text = { $field } : { $diff }
history-added = { $item } ajouté
history-removed = { $item } supprimé
history-settled = { $field } : conflit réglé, { $value } conservé
history-conflict = { $field } : valeurs concurrentes { $values }
history-created = { $kind } créé
history-unknown-town = commune inconnue ({ $key })
history-no-officer = agent non nommé
history-sitting = { $town } · { $officer } · { $when } · { $count ->
    [one] une modification
   *[other] { $count } modifications
}
history-refused-count = { $count ->
    [one] une modification refusée
   *[other] { $count } modifications refusées
}, hors du document : twin doc history { $doc } --changes

## twin doc versions / approvals
version-line = { $id }  { $name }  approuvée par { $approved } sur { $towns } { $towns ->
    [one] ville
   *[other] villes
}
version-line-rejected = , rejetée par { $count }
version-line-changed = MODIFIÉ DEPUIS ({ $count ->
    [one] un champ
   *[other] { $count } champs
})
version-decision-approved = { $town } a approuvé : { $reference } du { $date }
version-decision-rejected = { $town } a rejeté : { $reference } du { $date }
version-waiting = en attente de : { $towns }
version-changed-list = modifié depuis cette version :
version-none = aucune version nommée : nommez-en une avec `twin doc version { $doc } NOM`
version-no-differences = aucune différence
version-nothing-to-restore = le contenu est déjà celui de la version : rien à restaurer

# What a total in an exported document (Markdown, DOCX, ODT, PDF) could not count, after the sum.
print-total-conflicts = { " " }+ ⚠ { $count ->
    [one] 1 valeur en conflit, non comptée
   *[other] { $count } valeurs en conflit, non comptées
}
print-total-invalid = { " " }+ ⚠ { $count ->
    [one] 1 valeur invalide, non comptée
   *[other] { $count } valeurs invalides, non comptées
}

# Labels of the CLI's progress bars (twin doc attach, twin doc attachment get).
progress-attaching = Ajout
progress-fetching = Téléchargement
progress-writing = Écriture
progress-bundle-export = Export du paquet
progress-bundle-import = Import du paquet
progress-doc-export = Export du document
progress-doc-import = Import du document

## twin sync status (une ligne par ville partenaire, puis les documents à regarder)
cli-sync-never = jamais
cli-sync-no-partners = aucune ville partenaire pour l'instant : ajoutez une ville à un partenariat, ou rejoignez-en un avec une invitation
cli-sync-unknown-town = ville inconnue ({ $id })
cli-sync-online = en ligne
cli-sync-online-since = en ligne depuis le { $when }
cli-sync-offline = hors ligne
cli-sync-offline-since = hors ligne depuis le { $when }
cli-sync-partner-line = { $town } : { $state } ; dernière synchronisation : { $synced } ; en attente d'envoi : { $waiting }{ $unknown ->
    [0] {""}
    [one] {" "}(un document jamais synchronisé)
   *[other] {" "}({ $unknown } documents jamais synchronisés)
} ; reçues : { $received }
cli-sync-not-yet-at = pas encore chez : { $towns }
cli-sync-conflicts = { $count ->
    [one] un conflit
   *[other] { $count } conflits
}
cli-sync-open-at = ouvert en ce moment à : { $towns }
