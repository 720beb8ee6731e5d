/**
 * The one relay fixture of the test suites: a real relay-node process
 * (scripts/lib/relay-process.ts) in a data directory of its own, restartable
 * on the same ports with the same identity and WebRTC-Direct certificate, so
 * every address stays the same across a restart. The e2e fixtures and the
 * NAT lab use it; tests that need a bare process call `spawnRelay` directly.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { portOf, spawnRelay } from '../../scripts/lib/relay-process.ts'
import type { RelayProcess, SpawnRelayOptions } from '../../scripts/lib/relay-process.ts'

export interface RelayFixture {
  /** the running process (a new one after each restart) */
  readonly process: RelayProcess
  /** every address: WebSocket first, then WebRTC-Direct */
  readonly multiaddrs: string[]
  readonly wsMultiaddrs: string[]
  readonly webrtcDirectMultiaddrs: string[]
  /** where it keeps its identity, certificate, mailboxes and prekeys */
  readonly dataDir: string
  /** SIGTERM, wait for exit, start again on the same ports and data directory */
  restart(): Promise<void>
  /** SIGTERM and wait for the exit (the relay is down until {@link start}) */
  stop(): Promise<void>
  /** starts it again after {@link stop} (or `process.stop()`): same ports and identity */
  start(): Promise<void>
  /** stops it and removes its data directory */
  close(): Promise<void>
}

export type RelayFixtureOptions = Omit<SpawnRelayOptions, 'dataDir'> & {
  /** prefix of the temporary data directory's name (default `parley-relay-`) */
  dataDirPrefix?: string
  /**
   * a data directory to start from, copied first (a stopped relay's, e.g. a
   * prepared one: tests/e2e/prepared.ts); with the same ports, the relay has
   * the same addresses and holds what that one held
   */
  seedDir?: string
}

/**
 * Starts a relay-node; ports given as 0 (the default) are chosen by the
 * system at the first start and kept for every restart.
 */
export async function startRelayFixture (options: RelayFixtureOptions = {}): Promise<RelayFixture> {
  const { dataDirPrefix = 'parley-relay-', seedDir, ...spawnOptions } = options
  const dataDir = await mkdtemp(join(tmpdir(), dataDirPrefix))
  let current: RelayProcess
  try {
    if (seedDir !== undefined) await cp(seedDir, dataDir, { recursive: true })
    current = await spawnRelay({ port: 0, webrtcDirectPort: 0, ...spawnOptions, dataDir })
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true })
    throw err
  }
  const again: SpawnRelayOptions = {
    ...spawnOptions,
    dataDir,
    port: portOf(current.wsMultiaddrs[0] ?? ''),
    webrtcDirectPort: spawnOptions.webrtcDirectPort === 'off' ? 'off' : portOf(current.webrtcDirectMultiaddrs[0] ?? '')
  }
  return {
    get process () { return current },
    get multiaddrs () { return current.multiaddrs },
    get wsMultiaddrs () { return current.wsMultiaddrs },
    get webrtcDirectMultiaddrs () { return current.webrtcDirectMultiaddrs },
    dataDir,
    async restart () {
      await current.stop('SIGTERM')
      current = await spawnRelay(again)
    },
    async stop () {
      await current.stop('SIGTERM')
    },
    async start () {
      current = await spawnRelay(again)
    },
    async close () {
      await current.stop('SIGTERM')
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}
