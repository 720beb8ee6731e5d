/**
 * The rows of the `settings` table (db/settings.ts): one kind per key, each
 * a setting of this browser, not part of the identity. Named with the other
 * rows in types.ts.
 */

/**
 * A setting of this browser (the `settings` table), not part of the identity:
 * 'nearby' is whether the user opted in to be seen by, and see, people on the
 * same network connected to the same relay (docs/protocols.md, "Nearby").
 */
export interface NearbySettingRow {
  key: 'nearby'
  enabled: boolean
  updatedAt: number
}

/**
 * 'instance': this browser profile's instance id (32 lowercase hex digits),
 * which the node tells its relays so that another running copy of the same
 * identity is noticed (docs/protocols.md, "One identity, one place"). Made
 * once, kept across restarts, never in a backup: a restored backup runs
 * under an id of its own.
 */
export interface InstanceSettingRow {
  key: 'instance'
  id: string
  createdAt: number
}

/**
 * 'messaging': read receipts (sent and shown only while on, as Signal does)
 * and typing indicators (sent and shown only while on). Both on by default.
 */
export interface MessagingSettingRow {
  key: 'messaging'
  readReceipts: boolean
  typing: boolean
  updatedAt: number
}

/**
 * 'helloClock': the `time` of the last hello this device made, so that the
 * next is later even when the clock stepped back (docs/protocols.md,
 * "Freshness").
 */
export interface HelloClockSettingRow {
  key: 'helloClock'
  last: number
}

/** What one relay said of this device's push subscription (src/lib/p2p/push). */
export interface PushRelayRecord {
  /** 'registered': held until expiresAt; 'other-key': the relay's VAPID key is not the subscription's, so it holds none; 'refused': the relay said `code` */
  state: 'registered' | 'other-key' | 'refused'
  /** when the relay answered (this device's clock) */
  at: number
  /** the relay's VAPID public key, base64url (known from its answer to a REGISTER) */
  vapidKey?: string
  /** when the relay forgets the subscription unless renewed (relay's clock) */
  expiresAt?: number
  /** the relay's error code (docs/protocols.md, "Web Push") when refused */
  code?: string
}

/**
 * 'push': this browser's Web Push subscription as the tab handed it (keys base64url), or null while
 * off; and, per relay PeerID, what that relay said of it (at most MAX_PUSH_RELAYS, src/lib/p2p/push).
 */
export interface PushSettingRow {
  key: 'push'
  subscription: { endpoint: string, p256dh: string, auth: string, applicationServerKey: string } | null
  relays: Record<string, PushRelayRecord>
  updatedAt: number
}

/**
 * 'restored': this browser's identity came from a backup file (db/backup.ts
 * restoreBackup writes it with the rows). While the account also runs
 * elsewhere, this copy is the one offered to link as a device instead
 * (p2p/instances, p2p/link); never in a backup.
 */
export interface RestoredSettingRow {
  key: 'restored'
  at: number
}

/**
 * 'notify': this device's notification key pair (X25519, base64url), which opens the push hints
 * senders seal to it (docs/protocols.md, "Web Push", "Hints"), and whether its notifications name
 * the chat ("Show names in notifications", off until turned on). The service worker reads this
 * row (lib/pwa/push-names.ts) and never writes; never in a backup.
 */
export interface NotifySettingRow {
  key: 'notify'
  secretKey: string
  publicKey: string
  names: boolean
  updatedAt: number
}

export type SettingRow = NearbySettingRow | InstanceSettingRow | MessagingSettingRow | HelloClockSettingRow | PushSettingRow | RestoredSettingRow | NotifySettingRow
