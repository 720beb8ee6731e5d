import { UNKNOWN_CAPABILITIES } from '../../../src/lib/contract/index.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'
import type { MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import type { IncomingMessageEvent, NodeEvents, NodeStatus } from '../../../src/lib/contract/index.ts'
import { NodeManager } from '../../../src/lib/state/node-manager.svelte.ts'
import type { NodeClient } from '../../../src/lib/state/node-manager.svelte.ts'

/** A client whose events the test fires by hand; it records the calls made on it. */
class FakeClient {
  readonly listeners = new Map<string, Set<(payload: never) => void>>()
  closed = false
  readonly calls: Array<{ method: string, params: unknown }> = []
  reconnectListeners = new Set<() => void>()

  readonly call = (async (method: string, params: unknown) => {
    this.calls.push({ method, params })
    return { phase: 'online', addresses: [], relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} } satisfies NodeStatus
  }) as unknown as NodeClient['call']

  readonly onReconnect = (cb: () => void): () => void => {
    this.reconnectListeners.add(cb)
    return () => { this.reconnectListeners.delete(cb) }
  }

  on<E extends keyof NodeEvents>(event: E, cb: (payload: NodeEvents[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) this.listeners.set(event, set = new Set())
    set.add(cb as (payload: never) => void)
    return () => { set.delete(cb as (payload: never) => void) }
  }

  fire (event: IncomingMessageEvent): void {
    for (const cb of this.listeners.get('message') ?? []) (cb as (e: IncomingMessageEvent) => void)(event)
  }

  emit<E extends keyof NodeEvents>(event: E, payload: NodeEvents[E]): void {
    for (const cb of this.listeners.get(event) ?? []) (cb as (e: NodeEvents[E]) => void)(payload)
  }

  close (): void { this.closed = true }
}

function received (id: string): IncomingMessageEvent {
  const message: MessageRow = { id: id as MessageId, contactId: 1, direction: 'in', fromPeerId: 'p', kind: 'text', body: id, sentAt: 1, receivedAt: 1, state: 'delivered' }
  return { kind: 'received', message }
}

describe('NodeManager.onMessage', () => {
  it('passes announced messages on, across a reconnect, until unsubscribed', () => {
    const clients: FakeClient[] = []
    const manager = new NodeManager(() => { const c = new FakeClient(); clients.push(c); return c })
    const seen: string[] = []
    const off = manager.onMessage((e) => { seen.push(e.kind === 'received' ? e.message.id : e.kind === 'dropped' ? e.id : e.kind) })

    clients[0]?.fire(received('one'))
    manager.reconnect()
    // the old client is closed and no longer heard; the new one is
    expect(clients[0]?.closed).toBe(true)
    clients[0]?.fire(received('stale'))
    clients[1]?.fire(received('two'))
    off()
    clients[1]?.fire(received('three'))
    expect(seen).toEqual(['one', 'two'])
    manager.reset()
  })

  it('forgets its listeners on reset', () => {
    const client = new FakeClient()
    const manager = new NodeManager(() => client)
    const seen: IncomingMessageEvent[] = []
    manager.onMessage((e) => { seen.push(e) })
    manager.reset()
    client.fire(received('late'))
    expect(seen).toEqual([])
    expect(client.listeners.get('message')?.size ?? 0).toBe(0)
  })
})

describe('NodeManager.onGroupTyping', () => {
  it('passes a group member\'s typing on, across a reconnect, until unsubscribed or reset', () => {
    const clients: FakeClient[] = []
    const manager = new NodeManager(() => { const c = new FakeClient(); clients.push(c); return c })
    const seen: string[] = []
    const off = manager.onGroupTyping((e) => { seen.push(`${e.groupId} ${e.peer} ${String(e.typing)}`) })
    manager.onGroupTyping((e) => { seen.push(`other ${e.peer}`) })

    clients[0]?.emit('groupTyping', { groupId: 'g', peer: 'bob', typing: true })
    manager.reconnect()
    clients[0]?.emit('groupTyping', { groupId: 'g', peer: 'stale', typing: true })
    clients[1]?.emit('groupTyping', { groupId: 'g', peer: 'carol', typing: false })
    off()
    clients[1]?.emit('groupTyping', { groupId: 'g', peer: 'dave', typing: true })
    manager.reset()
    clients[1]?.emit('groupTyping', { groupId: 'g', peer: 'late', typing: true })
    expect(seen).toEqual(['g bob true', 'other bob', 'g carol false', 'other carol', 'other dave'])
    expect(clients[1]?.listeners.get('groupTyping')?.size ?? 0).toBe(0)
  })
})

describe('NodeManager.onLink', () => {
  it('passes where a link stands on, across a reconnect, until unsubscribed or reset', () => {
    const clients: FakeClient[] = []
    const manager = new NodeManager(() => { const c = new FakeClient(); clients.push(c); return c })
    const seen: string[] = []
    const off = manager.onLink((view) => { seen.push(`${view.role} ${view.phase}`) })
    manager.onLink((view) => { seen.push(`other ${view.phase}`) })

    clients[0]?.emit('link', { id: 'r1', role: 'new', phase: 'waiting', qr: 'parley-link:x', expiresAt: 1 })
    manager.reconnect()
    clients[0]?.emit('link', { id: 'r1', role: 'new', phase: 'ended', reason: 'timeout' })
    clients[1]?.emit('link', { id: 'r1', role: 'new', phase: 'confirm', code: '123456' })
    off()
    clients[1]?.emit('link', { id: 'r1', role: 'new', phase: 'transfer' })
    manager.reset()
    clients[1]?.emit('link', { id: 'r1', role: 'new', phase: 'done' })
    expect(seen).toEqual(['new waiting', 'other waiting', 'new confirm', 'other confirm', 'other transfer'])
    expect(clients[1]?.listeners.get('link')?.size ?? 0).toBe(0)
  })
})

describe('NodeManager asks the node for no language: the words are the tab\'s', () => {
  const startLocale = getLocale()
  afterEach(() => { setLocale(startLocale) })

  it('on connect it only asks for the status', () => {
    setLocale('ru')
    const client = new FakeClient()
    const manager = new NodeManager(() => client)
    expect(client.calls.map(c => c.method)).toEqual(['getStatus'])
    manager.reset()
  })

  it('a reconnect asks for the status again, and a language change calls nothing', () => {
    setLocale('en')
    const clients: FakeClient[] = []
    const manager = new NodeManager(() => { const c = new FakeClient(); clients.push(c); return c })
    const [first] = clients
    expect(first?.calls.map(c => c.method)).toEqual(['getStatus'])

    // the dedicated-Worker fallback reconnected by itself: the node may be a new one
    for (const cb of first?.reconnectListeners ?? []) cb()
    expect(first?.calls.map(c => c.method)).toEqual(['getStatus', 'getStatus'])

    setLocale('ru')
    expect(first?.calls).toHaveLength(2)

    // back from the back/forward cache: a fresh client asks where the node stands
    manager.reconnect()
    expect(clients[1]?.calls.map(c => c.method)).toEqual(['getStatus'])
    // the old client hears nothing more
    for (const cb of first?.reconnectListeners ?? []) cb()
    expect(first?.calls).toHaveLength(2)
    manager.reset()
  })
})
