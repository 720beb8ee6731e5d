/**
 * Why a link ended or was refused, as codes (the worker speaks codes; the
 * tab words them). The first ten also travel as the `reason` of a `cancel`
 * frame; the last three each side finds by itself.
 */

/** The reasons a `cancel` frame carries. */
export const LINK_CANCEL_REASONS = [
  /** the person said no on A, or stopped on the new device */
  'declined',
  /** the person said the two confirmation codes differ */
  'mismatch',
  /** this device is in another link right now */
  'busy',
  /** the QR code is older than LINK_QR_TTL_MS */
  'expired',
  /** the QR code already served a `hello` (it is single-use) */
  'used',
  /** the `hello`'s proof does not verify: whoever sent it has not seen this QR code, or is not who the proof names */
  'bad-proof',
  /** the device list in `granted` is not signed by the account of A's `hello`, or does not list both devices */
  'bad-list',
  /** the account already has as many devices as it may */
  'full',
  /** the sender waited longer than the protocol allows for the other side */
  'timeout',
  /** the account's state could not be moved (the new device's pull failed for good) */
  'failed',
  /** a frame broke the protocol (malformed, or not the one expected now); the stream is reset after it */
  'invalid'
] as const

export type LinkCancelReason = typeof LINK_CANCEL_REASONS[number]

export type LinkErrorCode =
  | LinkCancelReason
  /** the QR text is not a Parley link code (malformed, unknown fields, over a limit) */
  | 'bad-qr'
  /** the stream ended, or was reset, without a `cancel` */
  | 'closed'
  /** the connection's peer is not the new device the QR code names */
  | 'wrong-peer'

/** The default sentence of each code, in English, for the logs; the app words each code for its user. */
const MESSAGES: Record<LinkErrorCode, string> = {
  declined: 'The link was declined.',
  mismatch: 'The confirmation codes did not match.',
  busy: 'The device is linking another device right now.',
  expired: 'The link code has expired.',
  used: 'The link code was already used.',
  'bad-proof': 'The other device has not seen this link code.',
  'bad-list': 'The device list does not verify.',
  full: 'The account has as many devices as it may.',
  timeout: 'The other device took too long.',
  failed: 'The account could not be moved to the new device.',
  invalid: 'The other device broke the link protocol.',
  'bad-qr': 'This is not a Parley link code.',
  closed: 'The connection closed before the link was done.',
  'wrong-peer': 'The connection reached another device than the link code names.'
}

export interface LinkErrorOptions {
  /** the other side cancelled (its `cancel` frame), rather than this one */
  byPeer?: boolean
  /** detail for the logs (it may come from the peer: not for the UI) */
  detail?: string
  cause?: unknown
}

/**
 * A link failed or was refused. `code` says why; `byPeer` whether the other
 * side said so. Match it by `name` (structured clone drops prototypes) or
 * with {@link isLinkError}.
 */
export class LinkError extends Error {
  static readonly NAME = 'LinkError'
  override readonly name = LinkError.NAME
  readonly code: LinkErrorCode
  readonly byPeer: boolean
  readonly detail: string

  constructor (code: LinkErrorCode, options: LinkErrorOptions = {}) {
    super(options.detail === undefined ? MESSAGES[code] : `${MESSAGES[code]} (${options.detail})`, { cause: options.cause })
    this.code = code
    this.byPeer = options.byPeer ?? false
    this.detail = options.detail ?? ''
  }
}

/** Whether `err` is a {@link LinkError}, also after a structured clone (matched by name). */
export function isLinkError (err: unknown): err is LinkError {
  return err instanceof Error && err.name === LinkError.NAME && typeof (err as { code?: unknown }).code === 'string'
}

/** Whether `reason` is a code a `cancel` frame may carry. */
export function isCancelReason (reason: unknown): reason is LinkCancelReason {
  return typeof reason === 'string' && (LINK_CANCEL_REASONS as readonly string[]).includes(reason)
}
