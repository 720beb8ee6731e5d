import { describe, expect, it } from 'vitest'
import { relayedFileAllowance, RELAYED_RESERVE_BYTES } from '@parley/protocol/file/relayed'
import { RelayBudget } from '../../../../src/lib/p2p/transfers/relay-budget.ts'
import type { Connection } from '@libp2p/interface'

const MIB = 1024 * 1024

/** A relayed connection as RelayBudget sees it: the data limit its relay announced. */
function relayed (bytes: number): Connection {
  return { limits: { bytes: BigInt(bytes) } } as unknown as Connection
}

describe('RelayBudget', () => {
  it('lets files share a relayed connection within its data limit while they move', () => {
    const budget = new RelayBudget()
    const connection = relayed(10 * MIB)
    const capacity = relayedFileAllowance(connection.limits)
    expect(budget.capacity(connection)).toBe(capacity)
    expect(budget.fits(connection, capacity)).toBe(true)
    expect(budget.fits(connection, capacity + 1)).toBe(false)

    const release = budget.commit(connection, 6 * MIB)
    expect(budget.fits(connection, 4 * MIB)).toBe(false)
    expect(budget.fits(connection, 2 * MIB)).toBe(true)
    // a stream that ends before anything moved gives its share back whole
    release(0)
    expect(budget.fits(connection, capacity)).toBe(true)
  })

  it('keeps counting the bytes that crossed the connection: its relay does, and js-libp2p does not count its limit down', () => {
    const budget = new RelayBudget()
    const connection = relayed(10 * MIB)
    const first = budget.commit(connection, 6 * MIB)
    first(6 * MIB)
    // the first file is done, but its bytes used up most of what the relay allows this connection
    expect(budget.fits(connection, 6 * MIB)).toBe(false)
    expect(budget.fits(connection, 2 * MIB)).toBe(true)
    // half a file that stopped early counts as half
    const second = budget.commit(connection, 2 * MIB)
    second(MIB)
    const left = Math.floor((10 * MIB - RELAYED_RESERVE_BYTES - 1.02 * 7 * MIB) / 1.02)
    expect(budget.fits(connection, left)).toBe(true)
    expect(budget.fits(connection, left + 1)).toBe(false)
    // releasing twice changes nothing
    second(MIB)
    expect(budget.fits(connection, left)).toBe(true)
    // a new connection (the circuit dialled again) starts afresh
    expect(budget.fits(relayed(10 * MIB), 6 * MIB)).toBe(true)
  })

  it('puts no limit on a connection without one', () => {
    const budget = new RelayBudget()
    const direct = { limits: undefined, remoteAddr: { toString: () => '/ip4/127.0.0.1/udp/1/webrtc-direct', getComponents: () => [] } } as unknown as Connection
    budget.commit(direct, 100 * MIB)(100 * MIB)
    expect(budget.fits(direct, Number.MAX_SAFE_INTEGER)).toBe(true)
  })
})
