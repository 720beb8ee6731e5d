/**
 * No lockout: 300 silent sockets from one address (127.0.0.2), re-opened as
 * the relay closes them, hold only that address's share of the relay's
 * pending-handshake slots, so libp2p clients from another address
 * (127.0.0.3) still connect; the silent ones are cut after the handshake
 * timeout and counted in /metrics. A real relay-node process, on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { silentSockets } from '../../scripts/lib/silent-sockets.ts'
import { useWebSocketSource } from '../../scripts/lib/source-bound-websocket.ts'
import { metric } from './helpers.ts'
import type { RelayProcess } from '../../scripts/lib/relay-process.ts'
import type { SilentSockets } from '../../scripts/lib/silent-sockets.ts'
import type { WebSocketSource } from '../../scripts/lib/source-bound-websocket.ts'

const ATTACKER = '127.0.0.2'
const HONEST = '127.0.0.3'
const SILENT_SOCKETS = 300
const CONNECTS = 20
/** each connect must be done by then; a deadline for the condition, not a speed target (that is the bench's `relay_connect_ok_under_slowloris`) */
const CONNECT_DEADLINE_MS = 10_000
const HANDSHAKE_TIMEOUT_MS = 2000
const WAIT = { timeout: 20_000, interval: 100 }

let dir = ''
let relay: RelayProcess | undefined
let flood: SilentSockets | undefined
let source: WebSocketSource | undefined

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'relay-node-slowloris-')) })
afterEach(async () => {
  source?.restore()
  await flood?.stop()
  await relay?.stop()
  await rm(dir, { recursive: true, force: true })
})

const refused = async (reason: string): Promise<number> =>
  await metric(relay ?? {}, `parley_relay_connection_rejections_total{reason="${reason}"}`) ?? 0

describe('silent sockets from one address', () => {
  it('leave room for connections from another address, and are cut after the handshake timeout and counted', async () => {
    relay = await spawnRelay({
      dataDir: join(dir, 'relay'),
      webrtcDirectPort: 'off',
      // the default limits, a short handshake timeout so that the sockets are cut and re-opened during the test
      extraArgs: ['--metrics-port', '0', '--handshake-timeout-ms', String(HANDSHAKE_TIMEOUT_MS)]
    })
    const address = relay.wsMultiaddrs[0] ?? ''
    const [, , host = '', , port = ''] = address.split('/')
    flood = silentSockets({ host, port: Number(port), localAddress: ATTACKER, count: SILENT_SOCKETS })
    await flood.allConnected
    // the relay refuses what is beyond the attacker's share of the slots, and keeps refusing the re-opened ones
    await vi.waitFor(async () => { expect(await refused('pending-per-ip') + await refused('pending')).toBeGreaterThan(0) }, WAIT)

    source = useWebSocketSource(HONEST)
    const node = await createLibp2p({
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { ping: ping() }
    })
    const connectOnce = async (): Promise<boolean> => {
      try {
        const signal = AbortSignal.timeout(CONNECT_DEADLINE_MS)
        const connection = await node.dial(multiaddr(address), { signal })
        // Noise proved the relay's PeerID and yamux runs: one round trip on a stream proves it
        await node.services.ping.ping(connection.remotePeer, { signal })
        await node.hangUp(connection.remotePeer)
        return true
      } catch {
        return false
      }
    }
    let ok = 0
    try {
      for (let i = 0; i < CONNECTS / 2; i++) if (await connectOnce()) ok++
      // the silent sockets held are cut by the handshake timeout, counted, and re-opened by the attacker
      await vi.waitFor(async () => { expect(await refused('handshake-timeout')).toBeGreaterThan(0) }, WAIT)
      await vi.waitFor(() => { expect(flood?.cuts).toBeGreaterThan(SILENT_SOCKETS) }, WAIT)
      for (let i = 0; i < CONNECTS / 2; i++) if (await connectOnce()) ok++
    } finally {
      await node.stop()
    }
    expect(ok).toBeGreaterThanOrEqual(Math.ceil(CONNECTS * 0.95))
    // every one of those connections came from the other address
    expect(source.opened.length).toBeGreaterThanOrEqual(ok)
    expect(new Set(source.opened)).toEqual(new Set([HONEST]))
  }, 120_000)
})
