/**
 * Ports of the sync feature (see identity.ts for what a port is): what the
 * mailbox intake (messaging/, below sync) hands it of what a sibling device
 * deposited in our mailbox while we were away (docs/protocols.md, "Own
 * devices in step").
 */

/** A sibling's sync items from our mailbox (sync/listener.ts). */
export interface SyncIntakePort {
  /** whether `peer` is another device of our account's signed list (its boxes are opened, the session they start kept) */
  isSibling(peer: string): boolean
  /** applies a sync item's plaintext from sibling `from`; resolves whether it was taken ('invalid': malformed, never taken); never throws for what the item says */
  take(from: string, plaintext: Uint8Array): Promise<'taken' | 'invalid'>
}
