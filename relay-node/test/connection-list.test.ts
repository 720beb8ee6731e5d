import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, vi } from 'vitest'
import { ConnectionManagerInternalsError, linearConnectionList } from '../src/connection-list.ts'
import { client, relay, useRelayTestDir } from './helpers.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

useRelayTestDir()

describe('linearConnectionList', () => {
  it('lists the same connections as libp2p, all of them and per peer', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const clients = [await client(), await client(), await client()]
    for (const c of clients) await c.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await clients[0]?.dial(multiaddr(r.multiaddrs[0] ?? ''), { force: true })
    await vi.waitFor(() => { expect(r.node.getConnections()).toHaveLength(4) }, { timeout: 10_000 })
    const manager = (r.node as unknown as { components: { connectionManager: { getConnections(): Connection[], getConnectionsMap(): Map<unknown, Connection[]> } } }).components.connectionManager
    // the relay's manager has the replacement as its own property, not libp2p's method
    expect(Object.hasOwn(manager, 'getConnections')).toBe(true)
    // same list, same order as libp2p's concatenation
    let concatenated: Connection[] = []
    for (const connections of manager.getConnectionsMap().values()) concatenated = concatenated.concat(connections)
    expect(r.node.getConnections().map(c => c.id)).toEqual(concatenated.map(c => c.id))
    expect(new Set(r.node.getConnections().map(c => c.id)).size).toBe(4)
    expect(r.node.getConnections(clients[0]?.peerId)).toHaveLength(2)
    expect(r.node.getConnections(clients[1]?.peerId)).toHaveLength(1)
  })

  it('refuses a node whose connection manager it does not recognise', () => {
    expect(() => { linearConnectionList({ components: {} } as unknown as Libp2p) }).toThrow(ConnectionManagerInternalsError)
  })
})
