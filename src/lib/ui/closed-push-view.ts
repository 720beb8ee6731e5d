/**
 * What Settings → Notifications → "When Parley is closed" shows, declared by
 * its widget (ClosedPushSettings.svelte): the screen hands in the view of
 * state/closed-push.svelte.ts, which fits.
 */

/**
 * - 'loading': not read yet;
 * - 'unsupported': this browser has no Web Push here (no PushManager: iOS outside the Home Screen, an old browser);
 * - 'denied': notifications are blocked for this site;
 * - 'off' / 'on': as the person chose; on, `covered` of `total` relays hold the subscription, `otherKey` have another VAPID key.
 */
export type ClosedPushState =
  | { kind: 'loading' | 'unsupported' | 'denied' | 'off' }
  | { kind: 'on', covered: number, total: number, otherKey: number }

/**
 * Why the last turning on did not happen:
 * - 'relays-off': no relay of this device sends push (run with --push off, or older);
 * - 'no-relays': no relay to ask yet (not connected);
 * - 'failed': the browser or the node failed (`error`, in words);
 * - 'names-failed': "Show names in notifications" could not be changed (`error`, in words).
 */
export type ClosedPushProblem = 'relays-off' | 'no-relays' | 'failed' | 'names-failed'

/** What one relay holds of the subscription (the contract's PushRelayState). */
export interface ClosedPushRelay {
  /** the relay's PeerID */
  readonly relay: string
  readonly state: 'registered' | 'pending' | 'refused' | 'other-key' | 'unsupported'
  /** the relay's refusal code, when 'refused' */
  readonly code?: string
}

export interface ClosedPushView {
  readonly state: ClosedPushState
  /** per relay, while on */
  readonly relays: readonly ClosedPushRelay[]
  readonly problem?: ClosedPushProblem
  /** the failure in words, with 'failed' */
  readonly error: string
  /** a change is under way: the switch waits */
  readonly busy: boolean
  /** "Show names in notifications" (shown while on) */
  readonly names: boolean
}
