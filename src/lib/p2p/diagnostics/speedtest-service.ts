import { InvalidMessageError, TimeoutError } from '@libp2p/interface'
import { byteStream } from '@libp2p/utils'
import {
  HEADER_BYTES, MAX_SPEEDTEST_BYTES, MAX_SPEEDTEST_STREAMS, SPEEDTEST_PROTOCOL, SPEEDTEST_TIMEOUT_MS, WRITE_CHUNK_BYTES
} from '@parley/protocol/speedtest/constants'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

export interface SpeedtestResult {
  bytes: number
  /** from the first byte written to the receiver's count arriving back */
  ms: number
}

export interface SpeedtestServiceComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  logger: ComponentLogger
}

export interface SpeedtestServiceInit {
  /** whether this peer may run a test against us (Parley: accepted contacts only) */
  allow(peerId: PeerId): Promise<boolean>
}

/**
 * `/parley/speedtest/1.0.0` (docs/protocols.md): the dialer sends an 8-byte
 * big-endian byte count N (1..64 MiB) followed by N bytes and closes its
 * write side; the listener reads exactly N bytes, answers with the same
 * 8-byte count and closes. Only direct connections (it does not run on
 * limited, relayed ones), only from allowed peers, one at a time.
 */
export class SpeedtestService implements Startable {
  readonly #components: SpeedtestServiceComponents
  readonly #init: SpeedtestServiceInit
  readonly #log: Logger
  #started = false

  constructor (components: SpeedtestServiceComponents, init: SpeedtestServiceInit) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('parley:speedtest')
  }

  isStarted (): boolean {
    return this.#started
  }

  async start (): Promise<void> {
    await this.#components.registrar.handle(SPEEDTEST_PROTOCOL, async (stream, connection) => {
      await this.#handle(stream, connection)
    }, { maxInboundStreams: MAX_SPEEDTEST_STREAMS, maxOutboundStreams: MAX_SPEEDTEST_STREAMS })
    this.#started = true
  }

  async stop (): Promise<void> {
    await this.#components.registrar.unhandle(SPEEDTEST_PROTOCOL)
    this.#started = false
  }

  async #handle (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(SPEEDTEST_TIMEOUT_MS)
    try {
      if (!await this.#init.allow(connection.remotePeer)) throw new InvalidMessageError('speed tests are for contacts only')
      const bytes = byteStream(stream)
      const expected = readCount((await bytes.read({ bytes: HEADER_BYTES, signal })).subarray())
      let received = 0
      while (received < expected) {
        const chunk = await bytes.read({ signal })
        if (chunk == null) throw new InvalidMessageError(`the stream ended after ${received} of ${expected} bytes`)
        received += chunk.byteLength
      }
      if (received !== expected) throw new InvalidMessageError(`received ${received} bytes, ${expected} announced`)
      await bytes.write(writeCount(received), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.#log.error('speed test from %p failed - %e', connection.remotePeer, err)
      stream.abort(err as Error)
    }
  }

  /** Sends `count` bytes over a new stream on `connection` and waits for the receiver's count. */
  async run (connection: Connection, count: number, options: AbortOptions = {}): Promise<SpeedtestResult> {
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SPEEDTEST_BYTES) {
      throw new RangeError(`A speed test sends 1 to ${MAX_SPEEDTEST_BYTES} bytes, not ${count}`)
    }
    const signal = AbortSignal.any([AbortSignal.timeout(SPEEDTEST_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    const stream = await connection.newStream(SPEEDTEST_PROTOCOL, { signal })
    try {
      const bytes = byteStream(stream)
      const started = performance.now()
      await bytes.write(writeCount(count), { signal })
      const chunk = new Uint8Array(WRITE_CHUNK_BYTES)
      for (let sent = 0; sent < count; sent += WRITE_CHUNK_BYTES) {
        await bytes.write(chunk.subarray(0, Math.min(WRITE_CHUNK_BYTES, count - sent)), { signal })
      }
      const echoed = readCount((await bytes.read({ bytes: HEADER_BYTES, signal })).subarray())
      const ms = performance.now() - started
      if (echoed !== count) throw new InvalidMessageError(`the receiver counted ${echoed} of ${count} bytes`)
      await stream.close({ signal })
      return { bytes: count, ms }
    } catch (err) {
      stream.abort(err as Error)
      if (signal.aborted && options.signal?.aborted !== true) throw new TimeoutError(`The speed test did not finish within ${SPEEDTEST_TIMEOUT_MS} ms`)
      throw err
    }
  }
}

function readCount (header: Uint8Array): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength)
  const count = view.getBigUint64(0)
  if (count < 1n || count > BigInt(MAX_SPEEDTEST_BYTES)) {
    throw new InvalidMessageError(`a speed test announced ${count} bytes; the limit is ${MAX_SPEEDTEST_BYTES}`)
  }
  return Number(count)
}

function writeCount (count: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES)
  new DataView(out.buffer).setBigUint64(0, BigInt(count))
  return out
}

export function speedtest (init: SpeedtestServiceInit): (components: SpeedtestServiceComponents) => SpeedtestService {
  return (components) => new SpeedtestService(components, init)
}
