/**
 * `/parley/mailbox/1.0.0` on relay-node: anyone connected may deposit an item
 * for a recipient PeerID; only the recipient (the PeerID its Noise handshake
 * proved) may list, fetch and delete its own items. One request per stream.
 * An item is kept under its handle (store.ts `itemHandle`: the depositor's
 * PeerID and its id), which is what LIST hands the recipient, and what FETCH
 * and DELETE name: a depositor's id cannot be squatted by another.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAILBOX_PROTOCOL, MAX_FETCH_REPLY_BYTES, MAX_REQUEST_BYTES, MailboxFrameError, MailboxRefusedError, MailboxTooLargeError,
  decodeRequest, encodeError, encodeReply
} from '@parley/protocol/mailbox/codec'
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import type { MailboxErrorName, MailboxReply, MailboxRequest } from '@parley/protocol/mailbox/codec'
import { MailboxShareError, itemHandle } from './store.ts'
import type { MailboxStore } from './store.ts'
import type { Logger } from '../log.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** A request must arrive and be answered within this time. */
export const MAILBOX_REQUEST_TIMEOUT_MS = 10_000
/** Bytes of the varint length prefix at most (MAX_REQUEST_BYTES needs 3). */
const MAX_PREFIX_BYTES = 4

export interface MailboxServiceInit {
  store: MailboxStore
  /** requests per minute from one PeerID (deposits and reads alike; bursts up to this many) */
  ratePerPeer: number
  maxInboundStreams: number
  draining(): boolean
  log: Logger
  metrics: MailboxMetrics
  /** the clock the rate limit reads; default `Date.now` (tests) */
  now?: () => number
  /** an item was stored for `recipient` (not a duplicate), with its push hint if it came with one: Web Push may wake it */
  stored?: (recipient: string, hint?: Uint8Array) => void
}

export interface MailboxMetrics {
  deposited(duplicate: boolean): void
  fetched(n: number): void
  deleted(n: number): void
  refused(code: MailboxErrorName): void
  /** a deposit refused (`recipient-quota`) because its depositor's share of the recipient's quota was full */
  shareFull(): void
}

/** The base58btc PeerID of a recipient multihash, or a bad-request refusal. */
function recipientOf (multihash: Uint8Array): string {
  try {
    const peer = peerIdFromMultihash(Digest.decode(multihash))
    if (peer.type !== 'Ed25519') throw new Error('not an Ed25519 PeerID')
    return peer.toString()
  } catch {
    throw new MailboxRefusedError('bad-request', 'the recipient is not an Ed25519 PeerID')
  }
}

export async function startMailbox (node: Libp2p, init: MailboxServiceInit): Promise<{ stop(): Promise<void> }> {
  const shutdown = new AbortController()

  async function answer (request: MailboxRequest, caller: PeerId): Promise<MailboxReply> {
    const peer = caller.toString()
    switch (request.op) {
      case 'deposit': {
        const recipient = recipientOf(request.recipient)
        const result = await init.store.deposit(peer, recipient, itemHandle(caller.toMultihash().bytes, request.id), request.item).catch((err: unknown) => {
          if (err instanceof MailboxShareError) init.metrics.shareFull()
          throw err
        })
        init.metrics.deposited(result.duplicate)
        if (!result.duplicate) init.stored?.(recipient, request.hint)
        return { op: 'deposit', ...result }
      }
      case 'list':
        return { op: 'list', ...await init.store.list(peer, request.limit, request.after) }
      case 'fetch': {
        const items = await init.store.fetch(peer, request.ids, MAX_FETCH_REPLY_BYTES)
        init.metrics.fetched(items.length)
        return { op: 'fetch', items }
      }
      case 'delete': {
        const deleted = await init.store.delete(peer, request.ids)
        init.metrics.deleted(deleted)
        return { op: 'delete', deleted }
      }
    }
  }

  const handle = oneRequestHandler<MailboxRequest, MailboxReply, MailboxErrorName>({
    name: 'mailbox',
    timeoutMs: MAILBOX_REQUEST_TIMEOUT_MS,
    maxRequestBytes: MAX_REQUEST_BYTES,
    maxPrefixBytes: MAX_PREFIX_BYTES,
    ratePerMinute: init.ratePerPeer,
    now: init.now,
    decode: decodeRequest,
    encodeReply,
    encodeError,
    malformed: (err) => err instanceof MailboxTooLargeError ? 'too-large' : err instanceof MailboxFrameError ? 'bad-request' : undefined,
    oversizeCode: 'too-large',
    refusal: (err) => err instanceof MailboxRefusedError ? { code: err.code, reason: err.reason } : undefined,
    answer: async (request, connection) => answer(request, connection.remotePeer),
    draining: init.draining,
    refused: (code) => { init.metrics.refused(code) },
    log: init.log
  }, shutdown.signal)

  await node.handle(MAILBOX_PROTOCOL, handle, { maxInboundStreams: init.maxInboundStreams })
  return {
    stop: async () => {
      shutdown.abort()
      await node.unhandle(MAILBOX_PROTOCOL)
    }
  }
}
