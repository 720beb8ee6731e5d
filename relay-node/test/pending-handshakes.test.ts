import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PendingHandshakes } from '../src/pending-handshakes.ts'
import type { ConnectionRejection } from '../src/limits.ts'

/** A socket as the listener hands it over: an address, a port, destroy() emitting 'close'. */
class FakeSocket extends EventEmitter {
  destroyed = false
  constructor (readonly remoteAddress: string, readonly remotePort: number) {
    super()
  }

  destroy (): void {
    if (this.destroyed) return
    this.destroyed = true
    this.emit('close')
  }
}

let port = 1000
const socket = (ip: string): FakeSocket => new FakeSocket(ip, port++)

describe('PendingHandshakes', () => {
  let refused: Array<[ConnectionRejection, string | undefined]>
  let draining: boolean
  const slots = (maxPending: number, maxPendingPerIp: number): PendingHandshakes => new PendingHandshakes({
    maxPending,
    maxPendingPerIp,
    handshakeTimeoutMs: 1000,
    draining: () => draining,
    refused: (reason, ip) => { refused.push([reason, ip]) }
  })

  beforeEach(() => {
    refused = []
    draining = false
    vi.useFakeTimers()
  })
  afterEach(() => { vi.useRealTimers() })

  it('holds at most its per-IP share from one address, leaving the other slots to other addresses', () => {
    const pending = slots(6, 2)
    const attacker = Array.from({ length: 5 }, () => socket('127.0.0.2'))
    expect(attacker.map(s => pending.admit(s))).toEqual([true, true, false, false, false])
    expect(attacker.map(s => s.destroyed)).toEqual([false, false, true, true, true])
    expect(refused).toEqual(Array.from({ length: 3 }, () => ['pending-per-ip', '127.0.0.2']))
    // IPv4-mapped IPv6 is the same address
    expect(pending.admit(socket('::ffff:127.0.0.2'))).toBe(false)
    const others = ['127.0.0.3', '127.0.0.3', '127.0.0.4', '127.0.0.4'].map(socket)
    expect(others.map(s => pending.admit(s))).toEqual([true, true, true, true])
    expect(pending.size).toBe(6)
  })

  it('refuses any address once every slot is held, and takes new sockets again as slots free up', () => {
    const pending = slots(3, 2)
    const held = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map(socket)
    for (const s of held) expect(pending.admit(s)).toBe(true)
    expect(pending.admit(socket('10.0.0.4'))).toBe(false)
    expect(refused).toEqual([['pending', '10.0.0.4']])
    // a socket that closes, and one that became a libp2p connection, free their slots
    held[0]?.destroy()
    pending.opened('10.0.0.2', held[1]?.remotePort ?? 0)
    expect(pending.size).toBe(1)
    expect(pending.from('10.0.0.2')).toBe(0)
    expect(pending.admit(socket('10.0.0.4'))).toBe(true)
    expect(pending.admit(socket('10.0.0.4'))).toBe(true)
    expect(pending.size).toBe(3)
  })

  it('cuts a socket that has not become a connection within the handshake timeout, and counts it once', () => {
    const pending = slots(10, 5)
    const silent = socket('127.0.0.2')
    const upgraded = socket('127.0.0.3')
    pending.admit(silent)
    pending.admit(upgraded)
    pending.opened('127.0.0.3', upgraded.remotePort)
    vi.advanceTimersByTime(999)
    expect(silent.destroyed).toBe(false)
    vi.advanceTimersByTime(1)
    expect(silent.destroyed).toBe(true)
    expect(upgraded.destroyed).toBe(false)
    expect(refused).toEqual([['handshake-timeout', '127.0.0.2']])
    expect(pending.size).toBe(0)
    vi.advanceTimersByTime(10_000)
    expect(refused).toHaveLength(1)
  })

  it('refuses everything while draining, and forgets every socket on clear()', () => {
    const pending = slots(10, 5)
    const held = socket('127.0.0.2')
    pending.admit(held)
    draining = true
    expect(pending.admit(socket('127.0.0.3'))).toBe(false)
    expect(refused).toEqual([['draining', '127.0.0.3']])
    pending.clear()
    expect(pending.size).toBe(0)
    vi.advanceTimersByTime(2000)
    // its timer went with it: the listener closes it
    expect(held.destroyed).toBe(false)
    expect(refused).toHaveLength(1)
  })
})
