import { afterEach, describe, expect, it, vi } from 'vitest'
import { PING_INTERVAL_MS, SILENCE_LIMIT_MS, watchPort } from '../../../src/lib/rpc/watched-port.ts'
import type { RpcPort } from '../../../src/lib/rpc/guards.ts'

/** A port whose far side is a script: what was posted, and a way to make the "worker" speak. */
class ScriptedPort implements RpcPort {
  readonly posted: unknown[] = []
  closed = false
  readonly #listeners = new Map<string, Set<(event: MessageEvent) => void>>()
  postMessage (message: unknown): void { this.posted.push(message) }
  addEventListener (type: 'message' | 'close', listener: (event: MessageEvent) => void): void {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(listener)
    this.#listeners.set(type, set)
  }

  removeEventListener (type: 'message' | 'close', listener: (event: MessageEvent) => void): void { this.#listeners.get(type)?.delete(listener) }
  start (): void {}
  close (): void { this.closed = true }
  speak (data: unknown): void { for (const l of [...(this.#listeners.get('message') ?? [])]) l(new MessageEvent('message', { data })) }
  pings (): number { return this.posted.filter(m => (m as { type?: string }).type === 'ping').length }
}

afterEach(() => { vi.useRealTimers() })

describe('a port that notices the worker is gone', () => {
  it('stays quiet until the worker first speaks (it may still be starting)', async () => {
    vi.useFakeTimers()
    const port = new ScriptedPort()
    const watched = watchPort(port)
    const closes: unknown[] = []
    watched.addEventListener('close', (e) => { closes.push(e) })
    await vi.advanceTimersByTimeAsync(10 * SILENCE_LIMIT_MS)
    expect(port.pings()).toBe(0)
    expect(closes).toHaveLength(0)
  })

  it('pings while the worker answers, and closes (with a reason) once it falls silent', async () => {
    vi.useFakeTimers()
    const port = new ScriptedPort()
    const watched = watchPort(port)
    const closes: unknown[] = []
    const messages: unknown[] = []
    watched.addEventListener('close', (e) => { closes.push(e) })
    watched.addEventListener('message', (e) => { messages.push(e.data) })
    port.speak({ type: 'welcome' })
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS)
      port.speak({ type: 'pong' })
    }
    expect(port.pings()).toBe(5)
    expect(closes).toHaveLength(0)
    expect(messages).toHaveLength(6) // everything still reaches the client

    await vi.advanceTimersByTimeAsync(SILENCE_LIMIT_MS + PING_INTERVAL_MS)
    expect(closes).toHaveLength(1)
    expect(port.closed).toBe(true)
    expect(watched.closeReason?.message).toMatch(/said nothing/)
    const pingsAtClose = port.pings()
    await vi.advanceTimersByTimeAsync(10 * PING_INTERVAL_MS)
    expect(port.pings()).toBe(pingsAtClose) // nothing after the close
  })

  it('a close of its own (the client leaves) stops the pings and reports no silence', async () => {
    vi.useFakeTimers()
    const port = new ScriptedPort()
    const watched = watchPort(port)
    const closes: unknown[] = []
    watched.addEventListener('close', (e) => { closes.push(e) })
    port.speak({ type: 'welcome' })
    watched.close()
    await vi.advanceTimersByTimeAsync(10 * SILENCE_LIMIT_MS)
    expect(port.pings()).toBe(0)
    expect(closes).toHaveLength(0)
    expect(watched.closeReason).toBeUndefined()
  })

  it('passes on the underlying port\'s own close reason (a BroadcastPort whose owner tab left)', () => {
    const port = new ScriptedPort() as ScriptedPort & { closeReason?: Error }
    const watched = watchPort(port)
    expect(watched.closeReason).toBeUndefined()
    port.closeReason = new Error('the owner tab left')
    expect(watched.closeReason?.message).toBe('the owner tab left')
  })
})
