/**
 * A round trip on one connection, for the benches' child processes and
 * parents alike (no Playwright here, unlike lib.ts).
 */
import { byteStream } from '@libp2p/utils'
import type { Connection } from '@libp2p/interface'

export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
export const ROUND_TRIP_BYTES = 32

const asError = (err: unknown): Error => err instanceof Error ? err : new Error(String(err))

/**
 * Sends 32 random bytes on a new `protocol` stream of `connection` and waits
 * for the same bytes back (ping and echo both do that). On this connection:
 * libp2p's ping by PeerID takes no limited (relayed) connection it has, and
 * dials again.
 */
export async function roundTrip (connection: Connection, protocol: string, signal: AbortSignal): Promise<void> {
  const stream = await connection.newStream(protocol, { runOnLimitedConnection: true, signal })
  try {
    const bytes = byteStream(stream)
    const data = crypto.getRandomValues(new Uint8Array(ROUND_TRIP_BYTES))
    await bytes.write(data, { signal })
    const back = (await bytes.read({ bytes: ROUND_TRIP_BYTES, signal })).subarray()
    if (!back.every((b, i) => b === data[i])) throw new Error('the round trip returned other bytes')
    await stream.close({ signal })
  } catch (err) {
    stream.abort(asError(err))
    throw err
  }
}
