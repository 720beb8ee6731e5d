/** Whether a direct WebRTC connection carries data: one stream negotiated over it (direct-upgrade.ts uses it on new connections, and on all when ICE goes 'disconnected'). */
import type { Connection } from '@libp2p/interface'

/**
 * A new direct WebRTC connection must carry one stream negotiation within
 * this time, or it is closed as dead (see {@link probeDirect}).
 */
export const PROBE_TIMEOUT_MS = 10_000
/**
 * When a peer connection's ICE goes 'disconnected', each direct connection
 * must carry a stream negotiation within this time, or it is closed as dead
 * (see {@link DirectUpgrader.checkDirect}).
 */
export const LIVENESS_PROBE_TIMEOUT_MS = 3_000
/** The protocol the probe negotiates: every Parley node runs the ping service. */
export const PROBE_PROTOCOL = '/ipfs/ping/1.0.0'
/**
 * Checks that a new direct WebRTC connection really carries data: opens a
 * stream and negotiates {@link PROBE_PROTOCOL} over it (both ways across the
 * data channel), then closes the stream. Resolves true when that works within
 * `timeoutMs`, false otherwise.
 *
 * Needed because @libp2p/webrtc's answering side can register a connection
 * whose ICE never connected: when the dialer gives up and its signalling
 * stream ends before ICE succeeds, the answerer stops waiting and upgrades
 * anyway (found by the NAT lab, tests/lab/). Such a connection looks direct,
 * takes every message and delivers none until the browser declares ICE
 * failed, or never.
 */
export async function probeDirect (connection: Pick<Connection, 'newStream'>, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  // its own timer: opening a stream on such a connection can wait for the data channel
  // without heeding the signal, until the connection itself fails
  const expired = new Promise<false>(resolve => {
    timer = setTimeout(() => {
      controller.abort(new Error(`no stream negotiated within ${timeoutMs} ms`))
      resolve(false)
    }, timeoutMs)
  })
  const attempt = (async (): Promise<boolean> => {
    try {
      const stream = await connection.newStream(PROBE_PROTOCOL, { signal: controller.signal })
      if (controller.signal.aborted) {
        stream.abort(new Error('probe timed out'))
        return false
      }
      await stream.close({ signal: controller.signal }).catch(() => { stream.abort(new Error('probe done')) })
      return true
    } catch {
      // refused or aborted: either way no data crossed it
      return false
    }
  })()
  try {
    return await Promise.race([attempt, expired])
  } finally {
    clearTimeout(timer)
  }
}
