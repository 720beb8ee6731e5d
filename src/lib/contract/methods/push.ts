/** Web Push: this browser's push subscription, registered with the relays that hold its mailbox (docs/protocols.md, "Web Push"). */
import { method, returns } from '../define.ts'
import { v } from '../schema.ts'

/** Characters of an endpoint URL, at most (the relay takes at most 1,024 bytes of UTF-8: the worker checks the bytes). */
export const MAX_PUSH_ENDPOINT_CHARS = 1024

/**
 * What one relay holds of the subscription:
 * - 'registered': it wakes this browser until `expiresAt` (the worker renews well before);
 * - 'pending': not yet (the request is on its way, or the relay was just reserved on);
 * - 'refused': it said no (`code`, one of the protocol's: 'full', 'rate-limited', 'bad-endpoint'…);
 * - 'other-key': its VAPID key is not the one the subscription was made with, so it holds none
 *   (a browser subscription is bound to one applicationServerKey);
 * - 'unsupported': it does not serve the push protocol (an older relay, or run with --push off).
 */
export type PushRelayState = 'registered' | 'pending' | 'refused' | 'other-key' | 'unsupported'

export interface PushRelayStatus {
  /** the relay's PeerID */
  relay: string
  state: PushRelayState
  /** the relay's VAPID public key, base64url, once it answered a registration */
  vapidKey?: string
  /** the relay's refusal code when 'refused' */
  code?: string
  /** when the relay forgets the subscription unless renewed (relay's clock), when 'registered' */
  expiresAt?: number
}

export interface PushStatus {
  /** whether a subscription is set (push is on on this device) */
  enabled: boolean
  /** "Show names in notifications": whether a notification names the chat its hints say (off until turned on) */
  names: boolean
  /** the applicationServerKey the subscription was made with, base64url */
  applicationServerKey?: string
  /** the relays this device holds reservations on, and those it registered with before */
  relays: PushRelayStatus[]
}

/**
 * What one relay said to KEY (docs/protocols.md, "Web Push", "KEY"):
 * - 'on': it sends Web Push, with this VAPID key (`vapidKey`) and limits;
 * - 'off': it was run with --push off;
 * - 'unsupported': it does not serve the push protocol (an older relay);
 * - 'unreachable': no connection to it now, no answer in time, or an error reply (`code`).
 */
export type PushRelayKeyState = 'on' | 'off' | 'unsupported' | 'unreachable'

export interface PushRelayKey {
  /** the relay's PeerID */
  relay: string
  state: PushRelayKeyState
  /** its VAPID public key, base64url, when 'on' */
  vapidKey?: string
  /** when 'on': pushes to one subscription a minute, at most */
  pushesPerMinute?: number
  /** when 'on': a subscription not registered again within this many days is forgotten */
  subscriptionDays?: number
  /** the relay's error code, when it answered with one */
  code?: string
}

export interface PushKeys {
  /** each relay this device holds a reservation on */
  relays: PushRelayKey[]
  /**
   * the key to subscribe with (base64url) and the relays that have it: the subscription's own
   * if a relay still has it, else the one most relays share (between equals, the first in
   * base64url order); absent when no relay has push on
   */
  key?: { vapidKey: string, relays: string[] }
}

const key = (max: number): ReturnType<typeof v.bytes> => v.bytes({ max })

export const pushMethods = {
  /**
   * hand the worker this browser's push subscription (`PushSubscription.endpoint`, `getKey('p256dh')`,
   * `getKey('auth')`, and the applicationServerKey it was made with), or null to turn push off; kept in the
   * `settings` table. The worker registers it with each relay it holds a reservation on whose VAPID key is
   * that applicationServerKey, renews it, and on null removes it from every relay; resolves once the relays
   * connected now answered (or gave up).
   */
  setPushSubscription: method({
    params: v.nullable(v.object({
      endpoint: v.string({ min: 1, max: MAX_PUSH_ENDPOINT_CHARS }),
      p256dh: key(65),
      auth: key(16),
      applicationServerKey: key(65)
    })),
    result: returns<PushStatus>(),
    timeoutMs: 30_000
  }),
  /** "Show names in notifications" on or off (kept in the `settings` row 'notify', which the service worker reads) */
  setPushNames: method({ params: v.object({ on: v.boolean() }), result: returns<PushStatus>() }),
  /** whether push is on, and per relay whether it holds the subscription */
  getPushStatus: method({ params: v.none(), result: returns<PushStatus>() }),
  /**
   * ask each relay this device holds a reservation on for its VAPID key (KEY, unsigned): what a tab
   * subscribes the browser with (`applicationServerKey`) before it hands the subscription over
   */
  getPushKeys: method({ params: v.none(), result: returns<PushKeys>(), timeoutMs: 20_000 })
} as const
