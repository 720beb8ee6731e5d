/**
 * `/parley/mailbox/1.0.0` on relay-node: anyone connected may deposit an item
 * for a recipient PeerID; only the recipient (the PeerID its Noise handshake
 * proved) may list, fetch and delete its own items. One request per stream.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAILBOX_PROTOCOL, MAX_FETCH_REPLY_BYTES, MAX_REQUEST_BYTES, MailboxFrameError, MailboxRefusedError,
  decodeRequest, encodeError, encodeReply
} from './codec.ts'
import { RateLimiter } from '../limits.ts'
import type { MailboxErrorName, MailboxReply, MailboxRequest } from './codec.ts'
import type { MailboxStore } from './store.ts'
import type { Logger } from '../log.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

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
}

export interface MailboxMetrics {
  deposited(duplicate: boolean): void
  fetched(n: number): void
  deleted(n: number): void
  refused(code: MailboxErrorName): void
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
  const rate = new RateLimiter(init.ratePerPeer, init.ratePerPeer / 60_000)
  const shutdown = new AbortController()

  async function answer (request: MailboxRequest, peer: string): Promise<MailboxReply> {
    switch (request.op) {
      case 'deposit': {
        const result = await init.store.deposit(peer, recipientOf(request.recipient), request.id, request.item)
        init.metrics.deposited(result.duplicate)
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

  async function handle (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS), shutdown.signal])
    const frames = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES, maxLengthLength: MAX_PREFIX_BYTES })
    const peer = connection.remotePeer.toString()
    const refuse = async (code: MailboxErrorName, reason: string): Promise<void> => {
      init.metrics.refused(code)
      await frames.write(encodeError(code, reason), { signal })
    }
    let request: MailboxRequest
    try {
      request = decodeRequest((await frames.read({ signal })).subarray())
    } catch (err) {
      // malformed: say so when the stream still works, then reset it
      init.log.debug('malformed mailbox request', { peer, error: err })
      if (err instanceof MailboxFrameError) await refuse('bad-request', err.message).catch(() => {})
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      return
    }
    try {
      if (init.draining()) {
        await refuse('unavailable', 'the relay is shutting down')
      } else if (!rate.take(peer)) {
        await refuse('rate-limited', `at most ${init.ratePerPeer} mailbox requests a minute`)
      } else {
        await frames.write(encodeReply(await answer(request, peer)), { signal })
      }
      await stream.close({ signal })
    } catch (err) {
      if (err instanceof MailboxRefusedError) {
        await refuse(err.code, err.reason).then(
          async () => stream.close({ signal }),
          (e: unknown) => { stream.abort(e instanceof Error ? e : new Error(String(e))) })
        return
      }
      init.log.warn('mailbox request failed', { peer, op: request.op, error: err })
      await refuse('unavailable', 'the relay could not complete the request').catch(() => {})
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  await node.handle(MAILBOX_PROTOCOL, handle, { maxInboundStreams: init.maxInboundStreams })
  return {
    stop: async () => {
      shutdown.abort()
      await node.unhandle(MAILBOX_PROTOCOL)
    }
  }
}
