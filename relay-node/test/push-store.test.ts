/**
 * The push subscriptions' store (src/push/store.ts): a renewal replaces in
 * place, a PeerID's fifth subscription replaces its least recently
 * registered, a new one past the bound in all is refused while a renewal
 * still goes, expired ones are swept, and everything is there after a
 * reopen. And what a push service's status means (src/push/send.ts).
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PUSH_SUBSCRIPTIONS_PER_PEER } from '../src/push/constants.ts'
import { outcomeOf } from '../src/push/send.ts'
import { PushStore, PushStoreFullError } from '../src/push/store.ts'
import { dataDir, defer, useRelayTestDir } from './helpers.ts'
import type { PushSubscription } from '../src/push/store.ts'

useRelayTestDir()

const sub = (subject: string, n: number, registeredAt = n): PushSubscription => ({
  subject, endpoint: `https://push.example.net/${n}`, p256dh: new Uint8Array(65).fill(n), auth: new Uint8Array(16).fill(n), signedAt: registeredAt, registeredAt, expiresAt: 1000 + n
})

async function open (max = 100): Promise<PushStore> {
  const store = await PushStore.open(join(dataDir, 'push'), max)
  defer(async () => store.close())
  return store
}

describe('push store', () => {
  it('renews in place and replaces the least recently registered past the share of a PeerID', async () => {
    const store = await open()
    for (let n = 1; n <= PUSH_SUBSCRIPTIONS_PER_PEER; n++) expect(await store.put(sub('alice', n))).toBeUndefined()
    // renewing the first makes the second the least recently registered
    expect(await store.put(sub('alice', 1, 50))).toBeUndefined()
    const replaced = await store.put(sub('alice', 9, 60))
    expect(replaced?.endpoint).toBe('https://push.example.net/2')
    expect(store.of('alice').map(s => s.endpoint.slice(-1))).toEqual(['3', '4', '1', '9'])
    expect(store.size).toBe(PUSH_SUBSCRIPTIONS_PER_PEER)
  })

  it('refuses a new subscription past the bound in all, but takes a renewal', async () => {
    const store = await open(2)
    await store.put(sub('alice', 1))
    await store.put(sub('bob', 2))
    await expect(store.put(sub('carol', 3))).rejects.toThrow(PushStoreFullError)
    expect(await store.put(sub('bob', 2, 10))).toBeUndefined()
    expect(store.size).toBe(2)
    expect(store.of('carol')).toEqual([])
  })

  it('sweeps the expired and keeps the rest across a reopen', async () => {
    const first = await PushStore.open(join(dataDir, 'push'), 100)
    await first.put(sub('alice', 1))
    await first.put(sub('alice', 5))
    expect((await first.sweep(1003)).map(s => s.endpoint)).toEqual(['https://push.example.net/1'])
    expect(await first.remove('alice', 'https://push.example.net/1')).toBe(false)
    await first.close()
    const again = await open()
    expect(again.of('alice')).toEqual([sub('alice', 5)])
  })
})

describe('a push service\'s answer', () => {
  it('2xx sent, 404/410 gone, 429 and 5xx again later (with Retry-After), any other refused', () => {
    expect([200, 201, 202].map(s => outcomeOf(s).kind)).toEqual(['sent', 'sent', 'sent'])
    expect([404, 410].map(s => outcomeOf(s))).toEqual([{ kind: 'gone', status: 404 }, { kind: 'gone', status: 410 }])
    expect(outcomeOf(429, 30_000)).toEqual({ kind: 'retry', reason: 'rate-limited', afterMs: 30_000 })
    expect(outcomeOf(503)).toEqual({ kind: 'retry', reason: 'server-error' })
    expect([400, 401, 403, 413].map(s => outcomeOf(s).kind)).toEqual(['refused', 'refused', 'refused', 'refused'])
  })
})
