/**
 * Dexie schemas of the Parley database, one constant per version.
 *
 * Shipped versions are immutable. A schema change is a new `dbSchemaVn` that
 * spreads the previous one, a `.version(n).stores(dbSchemaVn).upgrade(...)` step
 * in `db.ts`, and a migration test in `tests/unit/db/upgrade.test.ts` that opens
 * a database seeded at version n - 1.
 *
 * Index only what a query in this folder uses. Message bodies are never indexed
 * as such: from v5 on, search (search.ts) uses a word index derived from them.
 */

/**
 * ============================================================
 * v1 — 2026-11-21
 * ============================================================
 * - profile:  `id` (always 1, one profile per browser profile).
 * - contacts: `++id`, unique `peerId`, `state` (pending requests list).
 *             `blocked` is deliberately NOT indexed: booleans are not valid
 *             IndexedDB keys, so such an index stays empty and
 *             `where('blocked').equals(true)` throws a DataError.
 * - messages: primary key `id` = sender-chosen ULID.
 *             `[contactId+sentAt+id]`: one chat in display order, for paging
 *             (the trailing id breaks ties between messages of the same ms).
 *             `[direction+state+contactId]`: the outbox of one contact
 *             (`['out', 'queued' | 'sent' | 'stored', contactId]`), the distinct contacts
 *             that have one (key-only scan), and unread counts
 *             (`['in', 'delivered', contactId]`).
 * - relays:   primary key `multiaddr`, `source` (default / user / discovered).
 */
export const dbSchemaV1 = {
  profile: 'id',
  contacts: '++id, &peerId, state',
  messages: 'id, [contactId+sentAt+id], [direction+state+contactId]',
  relays: 'multiaddr, source'
} as const

/**
 * ============================================================
 * v2 — 2026-11-21
 * ============================================================
 * File transfers (docs/protocols.md, "Files"). New tables only, so no upgrade
 * step: existing rows stay as they are.
 * - transfers:      primary key `id` = the id of the chat message offering the
 *                   file (one transfer per file message, either direction).
 *                   `[contactId+id]`: the transfers of one chat, in message order.
 *                   `state`: the transfers to resume at start-up.
 * - transferHashes: primary key `id` (a transfer id). The chunk hash list
 *                   (32 bytes per chunk), kept apart from `transfers` so that
 *                   the per-chunk progress updates do not rewrite it.
 * - fileChunks:     primary key `[transferId+index]`. Received chunks (Blobs)
 *                   when OPFS is unavailable (files/chunk-store.ts); the key
 *                   range of one transfer lists them in index order.
 * - fileSources:    primary key `id` (a transfer id). The sender's own copy of
 *                   a file it offered (a Blob), when OPFS is unavailable.
 */
export const dbSchemaV2 = {
  ...dbSchemaV1,
  transfers: 'id, [contactId+id], state',
  transferHashes: 'id',
  fileChunks: '[transferId+index]',
  fileSources: 'id'
} as const

/**
 * ============================================================
 * v3 — 2026-11-21
 * ============================================================
 * The user's TURN servers (Settings → "Connection help (TURN)"). A new table
 * only, so no upgrade step. Its own table rather than a field of the profile
 * row: they are settings of this browser, not part of the identity, so they
 * stay out of identity backups and can change without rewriting the key's row.
 * - turnServers: `++id`; the list is read in id order (the order added),
 *                at most 4 rows (db/turn-servers.ts MAX_TURN_SERVERS).
 */
export const dbSchemaV3 = {
  ...dbSchemaV2,
  turnServers: '++id'
} as const

/**
 * ============================================================
 * v4 — 2026-11-21
 * ============================================================
 * Settings of this browser that are not part of the identity (so they stay
 * out of identity backups), one row per setting. A new table only, so no
 * upgrade step.
 * - settings: primary key `key` (the setting's name, e.g. 'nearby').
 */
export const dbSchemaV4 = {
  ...dbSchemaV3,
  settings: 'key'
} as const

/**
 * ============================================================
 * v5 — 2026-11-21
 * ============================================================
 * Full-text search across all chats (search.ts).
 * - messages: multiEntry `*words`: the normalised, de-duplicated words of the
 *             body and, for a file message, of the file name (search.ts
 *             `messageWords`: NFKC, lower case, split on anything that is not a
 *             letter or digit, each cut to 32 characters, at most 256 per
 *             message). So the index does hold what people wrote, word by
 *             word, in this browser's IndexedDB, next to the bodies themselves.
 *             `words` is maintained on every write by a DBCore middleware in
 *             db.ts (no write path can forget it) and stripped on every read,
 *             so rows read back are plain `MessageRow`s. The upgrade step fills
 *             it for the rows already stored.
 */
export const dbSchemaV5 = {
  ...dbSchemaV4,
  messages: 'id, [contactId+sentAt+id], [direction+state+contactId], *words'
} as const

/**
 * ============================================================
 * v6 — 2026-11-22
 * ============================================================
 * Rows hold codes, not sentences: a failed transfer's reason moves from
 * `error` (words in the language of the tab that last set the node's) to
 * `problem` ({ code, params } of lib/contract/error-codes, which the tab
 * words). No index changes; the upgrade step keeps each old sentence as the
 * `reason` of the `fileFailedEarlier` code, so the user reads what they read
 * before.
 */
export const dbSchemaV6 = {
  ...dbSchemaV5
} as const

/**
 * ============================================================
 * v7 — 2026-11-24
 * ============================================================
 * Message actions (docs/protocols.md, "Message actions"). New fields on
 * messages (replyTo, reactions, edit, deleted, ttl, expiresAt) and contacts
 * (timer) need no upgrade step: absent means none.
 * - messages: `expiresAt`: the disappearing messages due for removal
 *             (`below(now)`); rows without it are not in the index.
 * - events:   primary key `id` (the sender's ULID; stored once).
 *             `contactId`: one chat's events (deleting a chat).
 *             `[direction+state+contactId]`: the outbox, as for messages.
 *             multiEntry `*targets`: the events about one message (applied
 *             when it arrives after them, removed with it).
 */
export const dbSchemaV7 = {
  ...dbSchemaV6,
  messages: 'id, [contactId+sentAt+id], [direction+state+contactId], *words, expiresAt',
  events: 'id, contactId, [direction+state+contactId], *targets'
} as const

/**
 * ============================================================
 * v8 — 2026-11-24
 * ============================================================
 * Group chats (docs/protocols.md, "Groups"). Group messages live in
 * `messages` with `contactId` 0 (no contact has id 0), `groupId` and
 * `lamport`; rows without `groupId` are not in the new index.
 * - messages:         `[groupId+lamport+fromPeerId+id]`: one group's chat in
 *                     the order every member shows (lamport, author, id).
 * - groups:           primary key `id` (32 hex digits), `state` (the groups
 *                     this browser is in, is invited to, or left).
 * - groupOps:         primary key `id` (the operation's hex SHA-256),
 *                     `group`: every operation of one group, to fold.
 * - groupDeliveries:  primary key `[message+peer]`: one outgoing group
 *                     message to one member. `[peer+state]`: what is owed
 *                     to a member. `message`: a message's deliveries (Info).
 */
export const dbSchemaV8 = {
  ...dbSchemaV7,
  messages: 'id, [contactId+sentAt+id], [direction+state+contactId], *words, expiresAt, [groupId+lamport+fromPeerId+id]',
  groups: 'id, state',
  groupOps: 'id, group',
  groupDeliveries: '[message+peer], [peer+state], message'
} as const

/**
 * ============================================================
 * v9 — 2026-11-25
 * ============================================================
 * Secure sessions (docs/security.md; docs/protocols.md, "Sessions"): new
 * tables only, never in a backup. Skipped-message keys live inside each
 * session's ratchet state (bounded there), so they need no table.
 * - sessions:  primary key `id` (random hex). `peer`: the sessions with one
 *              contact or group member (at most MAX_SESSIONS_PER_PEER).
 * - prekeys:   primary key `[kind+id]` (our prekey secrets, by the ids our
 *              records carry). `relay`: the one-time keys published on one
 *              relay. `dropAt`: the retired ones due for deletion.
 * - boxes:     primary key `[peer+item]`: the encrypted box of an outgoing
 *              item to a peer, kept until delivered so a retry sends the same bytes.
 *              `session`: the boxes a replaced session leaves to redo.
 * - initsSeen: primary key `ephemeral` (hex), `expiresAt`: the session
 *              inits made from our last-resort keys, refused if replayed.
 */
export const dbSchemaV9 = {
  ...dbSchemaV8,
  sessions: 'id, peer',
  prekeys: '[kind+id], relay, dropAt',
  boxes: '[peer+item], session',
  initsSeen: 'ephemeral, expiresAt'
} as const

/**
 * ============================================================
 * v10 — 2026-11-29
 * ============================================================
 * Sessions are mandatory (issue 57, item 1; docs/protocols.md): contacts
 * get the optional `sessions: true` (their app speaks sessions, never
 * unset) and `waitingKeys: true` (our items wait for their prekeys); neither
 * is indexed, so the tables are v9's. The upgrade marks `sessions` on every
 * contact we already have a session row with, so that it is kept in a
 * backup and holds after a restore (which carries no session).
 */
export const dbSchemaV10 = {
  ...dbSchemaV9
} as const

/**
 * ============================================================
 * v11 — 2026-11-29
 * ============================================================
 * Freshness (issue 57; docs/security.md, "Replays"): new tables only, never
 * in a backup.
 * - tombstones:     primary key `id` (a message ULID that expired or was
 *                   deleted here), `at`: when it may be forgotten (rows pruned
 *                   by age, and by count: db/tombstones.ts).
 * - peerTombstones: primary key `peer` (a PeerID whose contact was deleted
 *                   with its history), `at`: likewise.
 */
export const dbSchemaV11 = {
  ...dbSchemaV10,
  tombstones: 'id, at',
  peerTombstones: 'peer, at'
} as const

/**
 * ============================================================
 * v12 — 2026-11-29
 * ============================================================
 * Keys at rest (issue 57 item 10; db/vault.ts, db/keyring.ts): the identity's
 * private key, sessions' ratchet states and prekey secrets are stored
 * sealed (`sealed` in place of those fields). The upgrade adds the table
 * only: an upgrade transaction cannot wait for WebCrypto, so the rows stored
 * plain before are sealed by the node's first `openVault` after it (which
 * holds the writer lock).
 * - keyring:  primary key `id` (always 1): the non-extractable AES-GCM
 *             CryptoKey and the data key it wraps.
 */
export const dbSchemaV12 = {
  ...dbSchemaV11,
  keyring: 'id'
} as const

/**
 * ============================================================
 * v13 — 2026-11-29
 * ============================================================
 * Linked devices (issue 58; docs/protocols.md, "Linked devices: the device
 * list"): the account this device belongs to and its signed device list.
 * - account: primary key `id` (always 1): the account's PeerID, whether this
 *            device holds the account key, this device's name, the list
 *            (db/account.ts). Nothing secret: never sealed.
 * The upgrade makes an existing identity an account with one device, itself
 * (it holds the key it always had), with no list yet: the list is signed by
 * the node at start (p2p/devices), since the key is sealed (v12) and an
 * upgrade transaction cannot wait for the vault to open it.
 */
export const dbSchemaV13 = {
  ...dbSchemaV12,
  account: 'id'
} as const

/**
 * ============================================================
 * v14 — 2026-11-29
 * ============================================================
 * Contacts' device lists (issue 58; docs/protocols.md, "A contact's device
 * list"; db/contact-devices.ts): a contact row may hold its account's signed
 * list as received (`devices`, not indexed), its version and the PeerIDs it
 * names (`devicePeers`). No upgrade step: no row has a list yet.
 * - contacts: multiEntry `*devicePeers`: the contact whose list names a
 *             device's PeerID (a message from that device lands in its chat).
 */
export const dbSchemaV14 = {
  ...dbSchemaV13,
  contacts: '++id, &peerId, state, *devicePeers'
} as const

/**
 * ============================================================
 * v15 — 2026-11-30
 * ============================================================
 * Fan-out to a contact's devices (issue 58, increment 5a; docs/protocols.md,
 * "Delivery to an account's devices"; db/pending-devices.ts): an outgoing
 * message or event to a contact keeps one `state` for the UI (delivered = the
 * first device acked) and `pendingDevices`, the PeerIDs of the recipient's
 * devices that have not acked it (absent once none is left), and
 * `storedDevices` (not indexed), those whose mailbox holds it. The upgrade
 * gives every outgoing row still waiting for an ack (queued, sent, stored)
 * the contact's devices as its list names them (a contact with no list: its
 * PeerID alone), and a 'stored' one its contact's PeerID as stored.
 * - messages: multiEntry `*pendingDevices`: what waits for one device.
 * - events:   multiEntry `*pendingDevices`: likewise.
 */
export const dbSchemaV15 = {
  ...dbSchemaV14,
  messages: 'id, [contactId+sentAt+id], [direction+state+contactId], *words, expiresAt, [groupId+lamport+fromPeerId+id], *pendingDevices',
  events: 'id, contactId, [direction+state+contactId], *targets, *pendingDevices'
} as const

/**
 * ============================================================
 * v16 — 2026-11-30
 * ============================================================
 * Own devices in step (issue 58, increment 5b; docs/protocols.md, "Own
 * devices in step"; db/sync-queue.ts): what this device has still to tell
 * each sibling device. No upgrade step: the table starts empty.
 * - syncQueue: primary key `[peer+id]` (the sibling's PeerID, the item's
 *              ULID): one sibling's items, oldest first (sending in order,
 *              trimming the oldest past the bound).
 */
export const dbSchemaV16 = {
  ...dbSchemaV15,
  syncQueue: '[peer+id]'
} as const

/** The newest schema version; `ParleyDb.verno` equals this once open. */
export const DB_VERSION = 16
