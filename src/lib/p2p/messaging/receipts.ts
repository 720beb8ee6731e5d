/**
 * Receipts sent back through mailboxes (docs/protocols.md, "Mailboxes",
 * Receipts): the ids of messages the recipient has stored, sealed back to
 * their sender in one item of at most MAX_RECEIPT_IDS.
 */
import { randomBytes } from '@noble/hashes/utils.js'
import { ULID_PATTERN } from '@parley/protocol/chat/codec'

/** Most message ids in one receipts item. */
export const MAX_RECEIPT_IDS = 64

/**
 * A mailbox payload that is not a chat frame: the ids of messages the
 * recipient has stored, sent back to their sender in one item.
 */
export interface ReceiptsPayload { type: 'receipts', ids: string[] }

/**
 * The item id of a receipts item (the `itemId` of its box): 16 random bytes,
 * nothing derived from the ids it carries, so that nobody who sees it, in a
 * box or anywhere, can link it to the messages it acknowledges.
 */
export function receiptsId (): Uint8Array {
  return randomBytes(16)
}

/** The payload of a receipts item (`ids`: 1 to MAX_RECEIPT_IDS distinct ULIDs). */
export function encodeReceipts (ids: string[]): Uint8Array {
  const payload: ReceiptsPayload = { type: 'receipts', ids }
  return new TextEncoder().encode(JSON.stringify(payload))
}

/** Decodes a receipts payload; throws when it is not exactly one. */
export function decodeReceipts (payload: Uint8Array): ReceiptsPayload {
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  const { type, ids, ...rest } = (value ?? {}) as Record<string, unknown>
  if (type !== 'receipts' || Object.keys(rest).length > 0 || !Array.isArray(ids) || ids.length < 1 || ids.length > MAX_RECEIPT_IDS ||
      !ids.every((id): id is string => typeof id === 'string' && ULID_PATTERN.test(id)) || new Set(ids).size !== ids.length) {
    throw new Error(`not a receipts payload of 1 to ${MAX_RECEIPT_IDS} distinct message ids`)
  }
  return { type, ids }
}

/** The `type` of a JSON payload, if it has a string one. */
export function payloadType (payload: Uint8Array): string | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
    const type = (value as { type?: unknown } | null)?.type
    return typeof type === 'string' ? type : undefined
  } catch {
    return undefined
  }
}
