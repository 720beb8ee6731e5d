/**
 * Our own bundle, from us (docs/protocols.md, "Prekeys", "From the owner
 * itself"): the app answers `/parley/prekeys/1.0.0` too, but only a FETCH of
 * its own bundle, which it makes of its signed and last-resort keys (no
 * one-time key: those are the relays'). A contact connected to us starts a
 * session with it when no relay hands out one of ours: our relays are down,
 * shutting down, or do not hold prekeys. Over relayed connections too; rate
 * limited per peer; every other request refused in words.
 */
import { PREKEYS_PROTOCOL, PREKEYS_SERVER_FRAMES, PrekeysRefusedError } from '@parley/protocol/prekeys/codec'
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import { equalBytes } from '@parley/protocol/peer-record/record'
import { PREKEY_REQUEST_TIMEOUT_MS } from './prekey-keeper.ts'
import type { PrekeyKeeper } from './prekey-keeper.ts'
import type { ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import type { PrekeysErrorName, PrekeysReply, PrekeysRequest } from '@parley/protocol/prekeys/codec'

/** The largest request we read: a FETCH is at most 66 bytes; anything longer is refused unread. */
export const OWN_BUNDLE_MAX_REQUEST_BYTES = 128
/** Requests one peer may make a minute (a contact needs one per session it starts). */
export const OWN_BUNDLE_PER_MINUTE = 20
/** Requests at once per connection. */
export const OWN_BUNDLE_MAX_STREAMS = 2

export interface OwnBundleServiceComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'peerId'>
  logger: ComponentLogger
  prekeys: Pick<PrekeyKeeper, 'ownBundle'>
}

export class OwnBundleService implements Startable {
  readonly #components: OwnBundleServiceComponents
  readonly #log: Logger
  #shutdown = new AbortController()

  constructor (components: OwnBundleServiceComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:own-bundle')
  }

  async start (): Promise<void> {
    this.#shutdown = new AbortController()
    const log = this.#log
    const handler = oneRequestHandler<PrekeysRequest, PrekeysReply, PrekeysErrorName>({
      name: 'prekeys',
      timeoutMs: PREKEY_REQUEST_TIMEOUT_MS,
      maxRequestBytes: OWN_BUNDLE_MAX_REQUEST_BYTES,
      maxPrefixBytes: 2,
      ratePerMinute: OWN_BUNDLE_PER_MINUTE,
      ...PREKEYS_SERVER_FRAMES,
      answer: async (request) => this.#answer(request),
      draining: () => false,
      refused: (code) => { log('refused a prekeys request: %s', code) },
      log: { debug: (msg, fields) => { log('%s %o', msg, fields) }, warn: (msg, fields) => { log.error('%s %o', msg, fields) } }
    }, this.#shutdown.signal)
    await this.#components.libp2p.handle(PREKEYS_PROTOCOL, handler, {
      runOnLimitedConnection: true, maxInboundStreams: OWN_BUNDLE_MAX_STREAMS, maxOutboundStreams: OWN_BUNDLE_MAX_STREAMS
    })
  }

  async stop (): Promise<void> {
    this.#shutdown.abort()
    await this.#components.libp2p.unhandle(PREKEYS_PROTOCOL)
  }

  async #answer (request: PrekeysRequest): Promise<PrekeysReply> {
    if (request.op !== 'fetch') throw new PrekeysRefusedError('forbidden', 'an app hands out its own bundle only: publish, status and clear are for relays')
    if (!equalBytes(request.owner, this.#components.libp2p.peerId.toMultihash().bytes)) throw new PrekeysRefusedError('not-found', 'an app holds no prekeys but its own')
    return { op: 'fetch', bundle: await this.#components.prekeys.ownBundle() }
  }
}
