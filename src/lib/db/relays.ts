import type { ParleyDb } from './db.ts'
import { InvalidRelayAddressError } from './errors.ts'
import type { RelayRow, RelaySource } from './types.ts'

/**
 * The PeerID in the trailing `/p2p/<id>` component of a multiaddr string.
 * Plain string parsing: the db layer does not load libp2p.
 *
 * @throws InvalidRelayAddressError when the address does not end in `/p2p/<id>`.
 */
export function relayPeerId (multiaddr: string): string {
  const parts = multiaddr.split('/')
  const peerId = parts[parts.length - 1]
  if (!multiaddr.startsWith('/') || parts.length < 3 || parts[parts.length - 2] !== 'p2p' ||
      peerId === undefined || peerId === '') {
    throw new InvalidRelayAddressError(`Relay address must end in /p2p/<peer id>: ${multiaddr}`)
  }
  return peerId
}

/**
 * Makes the 'default' rows match the shipped list: adds missing ones (active,
 * no failures), keeps the stats of those already known, removes defaults no
 * longer shipped. User-added and discovered rows are never touched, also when
 * their address is in the list: the user's choice outlives the shipped list.
 *
 * @throws InvalidRelayAddressError before writing anything if an address is malformed.
 */
export async function syncDefaultRelays (db: ParleyDb, multiaddrs: string[]): Promise<void> {
  const wanted = new Map<string, string>()
  for (const multiaddr of multiaddrs) wanted.set(multiaddr, relayPeerId(multiaddr))

  await db.transaction('rw', db.relays, async () => {
    const existing = new Map((await db.relays.bulkGet([...wanted.keys()]))
      .filter((row): row is RelayRow => row !== undefined)
      .map((row) => [row.multiaddr, row]))

    const added: RelayRow[] = []
    for (const [multiaddr, peerId] of wanted) {
      if (existing.has(multiaddr)) continue
      added.push({ multiaddr, peerId, source: 'default', active: true, failures: 0 })
    }
    await db.relays.bulkAdd(added)

    await db.relays
      .where('source').equals('default')
      .filter((row) => !wanted.has(row.multiaddr))
      .delete()
  })
}

const SOURCE_ORDER: Record<RelaySource, number> = { default: 0, user: 1, discovered: 2 }

/** All relays: shipped defaults, then the user's, then discovered ones; by address within each. */
export async function listRelays (db: ParleyDb): Promise<RelayRow[]> {
  const rows = await db.relays.toArray()
  return rows.sort((a, b) =>
    SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] ||
    (a.multiaddr < b.multiaddr ? -1 : a.multiaddr > b.multiaddr ? 1 : 0))
}

export interface RelayResult {
  ok: boolean
  /** Round-trip time in ms, when the attempt measured one. */
  rtt?: number
  now: number
}

/**
 * Records a connection attempt (or test) to a relay: success stamps
 * lastConnected and lastRtt and clears failures; failure counts one more.
 *
 * @returns false when the relay has no row.
 */
export async function recordRelayResult (db: ParleyDb, multiaddr: string, result: RelayResult): Promise<boolean> {
  return db.transaction('rw', db.relays, async () => {
    const row = await db.relays.get(multiaddr)
    if (row === undefined) return false
    const changes: Partial<RelayRow> = result.ok
      ? { lastConnected: result.now, failures: 0 }
      : { failures: row.failures + 1 }
    if (result.ok && result.rtt !== undefined) changes.lastRtt = result.rtt
    await db.relays.update(multiaddr, changes)
    return true
  })
}
