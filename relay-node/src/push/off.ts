/**
 * `/parley/push/1.0.0` on a relay run with `--push off` (docs/protocols.md,
 * "Web Push", "KEY"): it answers KEY with `off`, so a device can tell a
 * relay that sends no push from an older one without the protocol, and
 * refuses REGISTER and REMOVE with `off`. It keeps nothing: no VAPID key,
 * no subscriptions, no metrics.
 */
import { PushFrameError, PushRefusedError, encodePushError } from '@parley/protocol/push/codec'
import { MAX_PUSH_REQUEST_BYTES, PUSH_PROTOCOL } from '@parley/protocol/push/constants'
import { decodePushInbound, encodePushKeyReply } from '@parley/protocol/push/key'
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import { PUSH_REQUESTS_PER_MINUTE, PUSH_REQUEST_TIMEOUT_MS } from './constants.ts'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { PushRequest } from '@parley/protocol/push/codec'
import type { PushKeyReply, PushKeyRequest } from '@parley/protocol/push/key'
import type { RelayComponents } from '../parts.ts'
import type { Startable } from '@libp2p/interface'

export class PushOff implements Startable {
  readonly #shutdown = new AbortController()

  constructor (private readonly components: RelayComponents) {}

  async start (): Promise<void> {
    const { node, config, log, state } = this.components
    const handle = oneRequestHandler<PushRequest | PushKeyRequest, PushKeyReply, PushErrorName>({
      name: 'push',
      timeoutMs: PUSH_REQUEST_TIMEOUT_MS,
      maxRequestBytes: MAX_PUSH_REQUEST_BYTES,
      maxPrefixBytes: 2,
      ratePerMinute: PUSH_REQUESTS_PER_MINUTE,
      now: this.components.now ?? Date.now,
      decode: decodePushInbound,
      encodeReply: encodePushKeyReply,
      encodeError: encodePushError,
      malformed: (err) => err instanceof PushFrameError ? 'bad-request' : undefined,
      oversizeCode: 'bad-request',
      refusal: (err) => err instanceof PushRefusedError ? { code: err.code, reason: err.reason } : undefined,
      answer: async (request) => {
        if (request.op === 'key') return { op: 'key', push: 'off' }
        throw new PushRefusedError('off', 'this relay sends no Web Push')
      },
      draining: () => state.draining,
      refused: () => {},
      log
    }, this.#shutdown.signal)
    await node.handle(PUSH_PROTOCOL, handle, { maxInboundStreams: config.maxInboundStreams })
  }

  async stop (): Promise<void> {
    this.#shutdown.abort()
    await this.components.node.unhandle(PUSH_PROTOCOL)
  }
}
