/**
 * What crosses the tab/worker line about linking a device (methods/link.ts;
 * docs/protocols.md, "Linking a device"). One link at a time per worker:
 * either this browser is the new device (`role: 'new'`, before it has any
 * identity of its own) or a device of an account linking another one
 * (`role: 'existing'`, from Settings → Linked devices).
 */

/** Why a link ended: the link protocol's codes (@parley/protocol/link LinkErrorCode), repeated so the tab needs no package import. */
export type LinkEndReason =
  | 'declined' | 'mismatch' | 'busy' | 'expired' | 'used' | 'bad-proof' | 'bad-list' | 'full'
  | 'timeout' | 'failed' | 'invalid' | 'bad-qr' | 'closed' | 'wrong-peer'
  /** this device is not the one holding the account key (only it signs a new list) */
  | 'not-holder'
  /** no relay reservation, or the new device could not be reached */
  | 'unreachable'
  /**
   * new device: no direct connection could be made and the account's state
   * is bigger than a relayed connection carries (the other device hears
   * `failed`)
   */
  | 'too-big'
  /** existing device, a typed short code: not 12 characters of the code's alphabet, or its check character does not match (a typo) */
  | 'bad-code'
  /** existing device: none of the relays asked holds the code (a wrong code, or the two devices share no relay) */
  | 'code-unknown'
  /** existing device: the relay says the code's time ran out */
  | 'code-expired'
  /** existing device: the relay says the code was already used, or the new device withdrew it */
  | 'code-used'
  /** existing device: no relay could be asked for the code (none reachable, or none offers it) */
  | 'code-unreachable'

/** Where a link stands, as every tab of this worker sees it. */
export type LinkPhase =
  /** new device: the QR code is shown, waiting for the existing device's hello */
  | 'waiting'
  /** existing device: dialling the new device and exchanging hellos */
  | 'connecting'
  /** both: the hellos verified; the person compares `code` on both screens and confirms on the existing device */
  | 'confirm'
  /** both: confirmed; the new list is signed, the account's state moves (`progress`) */
  | 'transfer'
  /** both: the new device is in the list and holds the account's state */
  | 'done'
  /** both: it ended without linking (`reason`; `byPeer` when the other side said so) */
  | 'ended'

export interface LinkView {
  /**
   * Which link run this view is of: new for each run the worker starts (and
   * for each answer that belongs to no run, such as 'busy'), the same in all
   * of one run's views, so that a tab never takes a stale view of an earlier
   * run for the current one. Opaque; compared for equality only.
   */
  id: string
  role: 'new' | 'existing'
  phase: LinkPhase
  /** new device, from 'waiting': the QR text (`parley-link:…`), also shown to copy and paste where there is no camera */
  qr?: string
  /**
   * new device, 'waiting': the short code to type where the other device has
   * no camera (`7K3M-Q9TX-A2HF`), while its offer is deposited on at least
   * one relay; absent when no relay took it (the QR code and its text still work)
   */
  shortCode?: string
  /** new device, 'waiting': when the QR code stops being accepted (ms since the epoch) */
  expiresAt?: number
  /** both, from 'confirm': the 6-digit confirmation code */
  code?: string
  /** new device, from 'confirm': the account's display name from the existing device's hello */
  accountName?: string
  /** existing device, from 'confirm': the new device's PeerID (its name comes with the list) */
  device?: string
  /** 'transfer': bytes of the account's state moved so far, and in all */
  progress?: { done: number, total: number }
  /** new device, 'transfer': whether the state comes over a direct connection or through a relay */
  path?: 'direct' | 'relayed'
  /** 'ended': why */
  reason?: LinkEndReason
  /** 'ended': the other device ended it */
  byPeer?: boolean
}
