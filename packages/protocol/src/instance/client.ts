/**
 * The node's side of `/parley/instance/1.0.0`: open the stream on a
 * connection to a relay, say HELLO, then hand each OTHERS frame to
 * `onOthers` until the stream ends. The stream stays open for as long as the
 * node runs: while it is open the relay counts this instance as live. Shared
 * by the app and the tests.
 */
import { toError } from '../abort.ts'
import { FrameStream } from '../framing.ts'
import {
  INSTANCE_PROTOCOL, MAX_INSTANCE_RELAY_FRAME_BYTES, InstanceFrameError, decodeInstanceFrame, encodeInstanceHello, instanceHex
} from './codec.ts'
import type { OtherInstance } from './codec.ts'
import type { Connection } from '@libp2p/interface'

/** The stream opened, the HELLO written and the first OTHERS frame read, within this time. */
export const INSTANCE_OPEN_TIMEOUT_MS = 10_000
/** Leaving (the caller's signal aborted): the stream's polite close gives up after this long, and it is reset. */
export const INSTANCE_CLOSE_TIMEOUT_MS = 2_000
/** Bytes read ahead and not yet consumed, at most: two of the largest frames. */
const MAX_BUFFERED_BYTES = 2 * (MAX_INSTANCE_RELAY_FRAME_BYTES + 2)

export interface WatchInstancesOptions {
  /** aborting it leaves: the stream is closed and the call resolves */
  signal: AbortSignal
  /** every OTHERS frame, the first one (the relay's answer to HELLO) included */
  onOthers(others: OtherInstance[]): void
}

/**
 * Announces `instance` on the relay at the other end of `connection` and
 * follows what the relay says about the other instances of our PeerID.
 * Resolves when the relay ends the stream cleanly or the caller's signal
 * aborts.
 *
 * @throws InstanceRefusedError when the relay says no (the code says why),
 * InstanceFrameError or InvalidMessageError for a malformed frame (the
 * stream is reset), TimeoutError when the relay does not answer HELLO in
 * time, or the stream's own errors (UnsupportedProtocolError from a relay
 * without the protocol, StreamResetError, …)
 */
export async function watchInstances (connection: Pick<Connection, 'newStream'>, instance: Uint8Array, options: WatchInstancesOptions): Promise<void> {
  const own = instanceHex(instance)
  const hello = encodeInstanceHello(instance)
  const opening = AbortSignal.any([options.signal, AbortSignal.timeout(INSTANCE_OPEN_TIMEOUT_MS)])
  const stream = await connection.newStream(INSTANCE_PROTOCOL, { signal: opening })
  const frames = new FrameStream(stream, {
    protocol: 'instance',
    maxDataLength: MAX_INSTANCE_RELAY_FRAME_BYTES,
    maxLengthLength: 2,
    maxBufferSize: MAX_BUFFERED_BYTES
  })
  let answered = false
  try {
    await frames.write(hello, { signal: opening })
    while (true) {
      const frame = await frames.read({ signal: answered ? options.signal : opening })
      if (frame == null) {
        if (!answered) throw new InstanceFrameError('the relay ended the instance stream without an answer')
        await stream.close({ signal: AbortSignal.timeout(INSTANCE_CLOSE_TIMEOUT_MS) }).catch(() => { stream.abort(new Error('closing the instance stream timed out')) })
        return
      }
      const others = decodeInstanceFrame(frame)
      if (others.some(o => instanceHex(o.id) === own)) throw new InstanceFrameError('the relay listed this instance among the others')
      answered = true
      options.onOthers(others)
    }
  } catch (err) {
    if (options.signal.aborted) {
      // leaving: a clean close tells the relay at once (a reset would too)
      await stream.close({ signal: AbortSignal.timeout(INSTANCE_CLOSE_TIMEOUT_MS) }).catch(() => { stream.abort(toError(options.signal.reason)) })
      return
    }
    stream.abort(toError(err))
    throw err
  }
}
