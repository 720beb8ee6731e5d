/**
 * Linking a device to an account (issue 58; docs/protocols.md, "Linking a
 * device"). Progress reaches every tab as `link` events (a LinkView); a tab
 * opened mid-link reads it with getLink.
 */
import { method, returns } from '../define.ts'
import { v } from '../schema.ts'
import type { LinkView } from '../link-types.ts'

/** The QR text's limit (@parley/protocol/link MAX_LINK_QR_CHARS, repeated: the contract is read where that package is not built). */
export const LINK_QR_CHARS = 4096

/** A typed short code's text, at most (@parley/protocol/link-code MAX_SHORT_CODE_INPUT_CHARS, repeated for the same reason). */
export const LINK_SHORT_CODE_CHARS = 64

/** How every QR text starts (@parley/protocol/link LINK_QR_PREFIX, repeated for the same reason): the tab checks it before asking the worker to dial. */
export const LINK_QR_PREFIX = 'parley-link:'

export const linkMethods = {
  /** the link in progress, or the last one's end; null when none was started since the worker started */
  getLink: method({ params: v.none(), result: returns<LinkView | null>() }),
  /**
   * new device (a browser with no identity yet): makes this device's key
   * (kept in memory until the link is done), starts the node with relay
   * reservations and shows a QR code; resolves once the code is ready
   * (phase 'waiting'), or 'ended' with 'unreachable' when no relay took a
   * reservation. Called again after the code expired or the link ended, it
   * starts over with a new key and code; while a link runs it answers an
   * 'ended' view with 'busy' and the link goes on. A browser that has an
   * identity already is refused (ProfileExistsError 'profileExists').
   */
  linkAsNewDevice: method({ params: v.none(), result: returns<LinkView>(), timeoutMs: 60_000 }),
  /**
   * existing device: dial the new device whose QR text (scanned or pasted)
   * is given; resolves at 'confirm', or 'ended' ('bad-qr', 'not-holder',
   * 'unreachable', or what the new device said); progress in `link` events.
   * While a link runs it answers an 'ended' view with 'busy' and the link
   * goes on.
   */
  linkDevice: method({ params: v.object({ qr: v.string({ max: LINK_QR_CHARS }) }), result: returns<LinkView>(), timeoutMs: 60_000 }),
  /**
   * existing device: the new device's short code, typed (where it has no
   * camera): its offer is fetched from the relays (ours and the served
   * ones) and opened, then the link goes on as `linkDevice` with that offer;
   * resolves at 'confirm', or 'ended' ('bad-code', 'code-unknown',
   * 'code-expired', 'code-used', 'code-unreachable', or any reason of
   * `linkDevice`)
   */
  linkByCode: method({ params: v.object({ code: v.string({ max: LINK_SHORT_CODE_CHARS }) }), result: returns<LinkView>(), timeoutMs: 60_000 }),
  /** existing device, phase 'confirm': the codes are the same (accept), or not (refuse: the link ends as 'mismatch') */
  confirmLink: method({ params: v.object({ same: v.boolean() }), result: returns<LinkView>() }),
  /** either device: stop the link in progress (the other side is told 'declined'); nothing stored changes */
  cancelLink: method({ params: v.none(), result: returns<LinkView | null>() }),
  /**
   * a copy restored from a backup while the account runs elsewhere (status
   * `elsewhere.restored`) gives way, to be linked as a device instead: the
   * node stops, every row of this copy is erased in one transaction (the
   * profile with its private key, the account, contacts, messages, groups,
   * sessions, files; this browser's instance id stays) and the worker starts
   * again with no identity (status `stopped`, `restarting`, until the tabs
   * reach the new one), where `linkAsNewDevice` links it. Refused with
   * LinkInsteadError 'notRestoredCopy' otherwise, erasing nothing.
   */
  linkInstead: method({ params: v.none(), result: returns<null>(), timeoutMs: 60_000 })
} as const
