import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import { MailboxRefusedError } from '@parley/protocol/mailbox/codec'
import { MailboxShareError, MailboxStore } from '../src/mailbox/store.ts'
import { dataDir, defer, useRelayTestDir } from './helpers.ts'
import type { MailboxErrorName } from '@parley/protocol/mailbox/codec'
import type { MailboxLimits } from '../src/mailbox/store.ts'

useRelayTestDir()

const LIMITS: MailboxLimits = {
  ttlMs: 1000,
  maxTotalBytes: 1_000_000,
  maxRecipientItems: 1000,
  maxRecipientBytes: 1_000_000,
  maxSenderItems: 1000,
  maxSenderBytes: 1_000_000,
  maxShareItems: 1000,
  maxShareBytes: 1_000_000
}
const ALICE = '12D3KooWAlice'
const BOB = '12D3KooWBob'
const CAROL = '12D3KooWCarol'
const DAVE = '12D3KooWDave'

/** id n: its bytes do not sort in the order of n, so an order by id would show */
const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (n * 37 + i * 11) % 256)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const item = (size: number, fill = 7): Uint8Array => new Uint8Array(size).fill(fill)
const dir = (): string => join(dataDir, 'mailbox')

/** A store under the test's data directory, closed after the test. */
async function open (limits: Partial<MailboxLimits> = {}, now?: () => number): Promise<MailboxStore> {
  const store = await MailboxStore.open(dir(), { ...LIMITS, ...limits }, now)
  defer(async () => store.close())
  return store
}

/** Every key in the (closed) store's LevelDB. */
async function keysOnDisk (): Promise<string[]> {
  const db = new ClassicLevel<string, Uint8Array>(dir(), { keyEncoding: 'utf8', valueEncoding: 'view' })
  // the items' keys: m!, i! and e! (s!last only records the highest storedAt)
  try { return (await db.keys().all()).filter(k => !k.startsWith('s!')) } finally { await db.close() }
}

async function refused (promise: Promise<unknown>, code: MailboxErrorName): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(MailboxRefusedError)
  expect((err as MailboxRefusedError).code).toBe(code)
}

/** fetch, with each item as a plain Uint8Array (classic-level hands out Buffers) */
async function fetchPlain (store: MailboxStore, recipient: string, ids: Uint8Array[], maxBytes = 1000): Promise<Array<{ id: Uint8Array, storedAt: number, item: Uint8Array }>> {
  return (await store.fetch(recipient, ids, maxBytes)).map(f => ({ ...f, item: new Uint8Array(f.item) }))
}

async function listedIds (store: MailboxStore, recipient: string): Promise<string[]> {
  return (await store.list(recipient, 512)).items.map(i => hex(i.id))
}

describe('MailboxStore', () => {
  it('deposits, lists, fetches and deletes an item', async () => {
    const store = await open({}, () => 5000)
    expect(await store.deposit(BOB, ALICE, id(1), item(10, 1))).toEqual({ storedAt: 5000, expiresAt: 6000, duplicate: false })
    expect(store.usage).toEqual({ items: 1, bytes: 10 })
    expect(await store.list(ALICE, 10)).toEqual({ more: false, items: [{ id: id(1), size: 10, storedAt: 5000, expiresAt: 6000 }] })
    expect(await store.list(BOB, 10)).toEqual({ more: false, items: [] })
    expect(await fetchPlain(store, ALICE, [id(1)])).toEqual([{ id: id(1), storedAt: 5000, item: item(10, 1) }])
    expect(await store.fetch(BOB, [id(1)], 1000)).toEqual([])
    expect(await store.delete(ALICE, [id(1), id(2)])).toBe(1)
    expect(await store.delete(ALICE, [id(1)])).toBe(0)
    expect(await store.list(ALICE, 10)).toEqual({ more: false, items: [] })
    expect(store.usage).toEqual({ items: 0, bytes: 0 })
    await store.close()
    expect(await keysOnDisk()).toEqual([])
  })

  it('the same id from the same depositor is a duplicate, from another a conflict', async () => {
    let now = 100
    const store = await open({}, () => now)
    const first = await store.deposit(BOB, ALICE, id(1), item(10, 1))
    now = 200
    expect(await store.deposit(BOB, ALICE, id(1), item(20, 2))).toEqual({ ...first, duplicate: true })
    expect(store.usage).toEqual({ items: 1, bytes: 10 })
    await refused(store.deposit(CAROL, ALICE, id(1), item(10, 1)), 'conflict')
    expect(store.usage).toEqual({ items: 1, bytes: 10 })
    expect(await fetchPlain(store, ALICE, [id(1)])).toEqual([{ id: id(1), storedAt: 100, item: item(10, 1) }])
    // the same id for another recipient is another item
    expect((await store.deposit(CAROL, BOB, id(1), item(5))).duplicate).toBe(false)
    // concurrent repeats: stored once
    const repeats = await Promise.all(Array.from({ length: 10 }, async () => store.deposit(DAVE, CAROL, id(9), item(5))))
    expect(repeats.filter(r => !r.duplicate)).toHaveLength(1)
    expect(store.usage).toEqual({ items: 3, bytes: 20 })
  })

  describe('quotas', () => {
    const cases: Array<[string, Partial<MailboxLimits>, Array<[string, string, number]>, [string, string, number], MailboxErrorName]> = [
      ['recipient items', { maxRecipientItems: 2 }, [[BOB, ALICE, 1], [CAROL, ALICE, 1], [BOB, DAVE, 1]], [DAVE, ALICE, 1], 'recipient-quota'],
      ['recipient bytes', { maxRecipientBytes: 10 }, [[BOB, ALICE, 6], [CAROL, ALICE, 4], [BOB, DAVE, 9]], [DAVE, ALICE, 1], 'recipient-quota'],
      ['sender items, across two recipients', { maxSenderItems: 2 }, [[BOB, ALICE, 1], [BOB, CAROL, 1], [CAROL, ALICE, 1]], [BOB, DAVE, 1], 'sender-quota'],
      ['sender bytes, across two recipients', { maxSenderBytes: 10 }, [[BOB, ALICE, 6], [BOB, CAROL, 4], [CAROL, ALICE, 9]], [BOB, DAVE, 1], 'sender-quota'],
      ['total bytes', { maxTotalBytes: 10 }, [[BOB, ALICE, 6], [CAROL, DAVE, 4]], [DAVE, CAROL, 1], 'storage-full'],
      // a depositor's share of one recipient: Bob still deposits for Carol, Carol for Alice
      ['share items', { maxShareItems: 2 }, [[BOB, ALICE, 1], [BOB, ALICE, 1], [BOB, CAROL, 1], [CAROL, ALICE, 1]], [BOB, ALICE, 1], 'recipient-quota'],
      ['share bytes', { maxShareBytes: 10 }, [[BOB, ALICE, 6], [BOB, ALICE, 4], [BOB, CAROL, 9], [CAROL, ALICE, 9]], [BOB, ALICE, 1], 'recipient-quota']
    ]

    it.each(cases)('%s: refused with its code, nothing stored', async (_, limits, accepted, [depositor, recipient, size], code) => {
      const store = await open(limits)
      for (const [n, [from, to, bytes]] of accepted.entries()) await store.deposit(from, to, id(n), item(bytes))
      const usage = store.usage
      await refused(store.deposit(depositor, recipient, id(99), item(size)), code)
      expect(store.usage).toEqual(usage)
      expect(await listedIds(store, recipient)).not.toContain(hex(id(99)))
      expect(await store.fetch(recipient, [id(99)], 1000)).toEqual([])
      // once there is room the same id is a new item, not a duplicate
      await store.delete(accepted[0]?.[1] ?? '', [id(0)])
      expect((await store.deposit(depositor, recipient, id(99), item(size))).duplicate).toBe(false)
      await store.close()
      expect(await keysOnDisk()).toHaveLength(3 * accepted.length)
    })

    it('one depositor cannot fill a recipient\'s whole quota: past its share (issue 57) others still get in', async () => {
      const store = await open({ maxRecipientItems: 10, maxShareItems: 4 }, () => 0)
      const flood = await Promise.allSettled(Array.from({ length: 10 }, async (_, n) => store.deposit(BOB, ALICE, id(n), item(10))))
      expect(flood.filter(r => r.status === 'fulfilled')).toHaveLength(4)
      const refusal = flood.find(r => r.status === 'rejected')?.reason as MailboxShareError
      expect(refusal).toBeInstanceOf(MailboxShareError)
      expect([refusal.code, refusal.reason]).toEqual(['recipient-quota', 'you have 4 items, 40 bytes waiting here for this recipient, your share of its mailbox'])
      for (let n = 0; n < 4; n++) expect((await store.deposit(CAROL, ALICE, id(20 + n), item(10))).duplicate).toBe(false)
      expect(store.usageOf(ALICE)).toEqual({ items: 8, bytes: 80 })
      // once the recipient took some of Bob's, Bob has room again
      await store.delete(ALICE, [id(0)])
      expect((await store.deposit(BOB, ALICE, id(9), item(10))).duplicate).toBe(false)
    })

    it('refuses concurrent deposits beyond a quota exactly', async () => {
      const store = await open({ maxRecipientItems: 20, maxTotalBytes: 35 * 10 }, () => 0)
      const results = await Promise.allSettled(Array.from({ length: 50 }, async (_, n) => store.deposit(`sender${n}`, ALICE, id(n), item(10))))
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(20)
      expect(results.every(r => r.status === 'fulfilled' || (r.reason as MailboxRefusedError).code === 'recipient-quota')).toBe(true)
      expect(store.usage).toEqual({ items: 20, bytes: 200 })
      expect(await listedIds(store, ALICE)).toHaveLength(20)
      const others = await Promise.allSettled(Array.from({ length: 50 }, async (_, n) => store.deposit(`sender${n}`, `peer${n}`, id(n), item(10))))
      expect(others.filter(r => r.status === 'fulfilled')).toHaveLength(15)
      expect(others.every(r => r.status === 'fulfilled' || (r.reason as MailboxRefusedError).code === 'storage-full')).toBe(true)
      expect(store.usage).toEqual({ items: 35, bytes: 350 })
    })
  })

  describe('list', () => {
    it('lists in deposit order, storedAt strictly increasing within one millisecond, and pages with `after`', async () => {
      const store = await open({}, () => 1000)
      for (let n = 0; n < 25; n++) {
        await store.deposit(BOB, ALICE, id(n), item(1 + n))
        if (n % 3 === 0) await store.deposit(BOB, CAROL, id(100 + n), item(1))
      }
      const all = await store.list(ALICE, 512)
      expect(all.items.map(i => hex(i.id))).toEqual(Array.from({ length: 25 }, (_, n) => hex(id(n))))
      expect(all.items.map(i => i.size)).toEqual(Array.from({ length: 25 }, (_, n) => 1 + n))
      const times = all.items.map(i => i.storedAt)
      expect(times.slice(1).every((t, n) => t > (times[n] ?? Infinity))).toBe(true)
      for (const [limit, pages] of [[7, [7, 7, 7, 4]], [5, [5, 5, 5, 5, 5]], [25, [25]], [1, Array<number>(25).fill(1)]] as const) {
        const seen: string[] = []
        const sizes: number[] = []
        let after: Uint8Array | undefined
        for (let page = 0; ; page++) {
          const { more, items } = await store.list(ALICE, limit, after)
          sizes.push(items.length)
          seen.push(...items.map(i => hex(i.id)))
          expect(more).toBe(page < pages.length - 1)
          if (!more) break
          after = items.at(-1)?.id
        }
        expect(sizes).toEqual(pages)
        expect(seen).toEqual(all.items.map(i => hex(i.id)))
      }
    })

    it('lists from the start after an unknown cursor, or a cursor of another recipient', async () => {
      const store = await open()
      for (let n = 0; n < 3; n++) await store.deposit(BOB, ALICE, id(n), item(1))
      await store.deposit(BOB, CAROL, id(7), item(1))
      expect((await store.list(ALICE, 10, id(42))).items.map(i => hex(i.id))).toEqual([0, 1, 2].map(n => hex(id(n))))
      expect((await store.list(ALICE, 2, id(7))).items.map(i => hex(i.id))).toEqual([0, 1].map(n => hex(id(n))))
      expect((await store.list(ALICE, 10, id(2))).items).toEqual([])
    })

    it('skips expired items not yet swept without letting them hide live ones', async () => {
      let now = 100
      const store = await open({ ttlMs: 1000 }, () => now)
      for (let n = 0; n < 3; n++) await store.deposit(BOB, ALICE, id(n), item(1))
      now = 600
      await store.deposit(BOB, ALICE, id(3), item(1))
      now = 1200
      const listed = await store.list(ALICE, 2)
      expect(listed.more).toBe(false)
      expect(listed.items.map(i => ({ ...i, id: hex(i.id) }))).toEqual([{ id: hex(id(3)), size: 1, storedAt: 600, expiresAt: 1600 }])
    })

    it('stores a deposit again once the earlier one with its id has expired, and never gives out an earlier storedAt after a restart', async () => {
      let now = 100
      const first = await open({ ttlMs: 1000 }, () => now)
      const before = await first.deposit(BOB, ALICE, id(0), item(1))
      now = 5000
      const again = await first.deposit(BOB, ALICE, id(0), item(1))
      expect(again.duplicate).toBe(false)
      expect(again.expiresAt).toBe(again.storedAt + 1000)
      expect(again.storedAt).toBeGreaterThan(before.storedAt)
      await first.delete(ALICE, [id(0)])
      await first.close()
      // the clock went back, and nothing is stored any more: storedAt still only goes up
      now = 0
      const second = await open({ ttlMs: 1000 }, () => now)
      expect((await second.deposit(BOB, ALICE, id(1), item(1))).storedAt).toBeGreaterThan(again.storedAt)
    })
  })

  it('fetch stops at maxBytes but returns at least one item, and leaves out unknown, foreign and expired ids', async () => {
    // the first storedAt is at least 1: start the clock later
    let now = 100
    const store = await open({ ttlMs: 1000 }, () => now)
    await store.deposit(BOB, ALICE, id(0), item(100, 0))
    now = 500
    for (let n = 1; n < 4; n++) await store.deposit(BOB, ALICE, id(n), item(100, n))
    await store.deposit(BOB, CAROL, id(9), item(100))
    const fetched = async (ids: number[], maxBytes: number): Promise<number[]> =>
      (await store.fetch(ALICE, ids.map(id), maxBytes)).map(f => f.item[0] ?? -1)
    expect(await fetched([3, 1, 2], 1000)).toEqual([3, 1, 2])
    expect(await fetched([3, 1, 2], 250)).toEqual([3, 1])
    expect(await fetched([3, 1, 2], 200)).toEqual([3, 1])
    expect(await fetched([3, 1, 2], 10)).toEqual([3])
    expect(await fetched([42, 9, 2, 1], 150)).toEqual([2])
    now = 1100
    expect(await fetched([0, 1], 1000)).toEqual([1])
    expect(await fetched([0], 1000)).toEqual([])
  })

  it('deletes nothing of another recipient', async () => {
    const store = await open()
    await store.deposit(BOB, ALICE, id(1), item(10))
    expect(await store.delete(CAROL, [id(1)])).toBe(0)
    expect(await store.delete(BOB, [id(1)])).toBe(0)
    expect(await listedIds(store, ALICE)).toEqual([hex(id(1))])
    expect(store.usage).toEqual({ items: 1, bytes: 10 })
  })

  it('expires items after their ttl: not listed or fetched, then swept with their keys', async () => {
    let now = 100
    const store = await open({ ttlMs: 1000 }, () => now)
    await store.deposit(BOB, ALICE, id(1), item(10))
    await store.deposit(BOB, CAROL, id(2), item(20))
    now = 600
    await store.deposit(BOB, ALICE, id(3), item(30))
    now = 1099
    expect(await listedIds(store, ALICE)).toEqual([hex(id(1)), hex(id(3))])
    expect(await store.sweep()).toBe(0)
    now = 1101
    expect(await listedIds(store, ALICE)).toEqual([hex(id(3))])
    expect(await listedIds(store, CAROL)).toEqual([])
    expect(await store.fetch(ALICE, [id(1), id(3)], 1000)).toHaveLength(1)
    expect(store.usage).toEqual({ items: 3, bytes: 60 })
    expect(await store.sweep()).toBe(2)
    expect(store.usage).toEqual({ items: 1, bytes: 30 })
    expect(await store.sweep()).toBe(0)
    await store.close()
    const keys = await keysOnDisk()
    expect(keys).toHaveLength(3)
    expect(keys.map(k => k.slice(0, 2)).sort()).toEqual(['e!', 'i!', 'm!'])
    expect(keys.every(k => k.includes(hex(id(3))))).toBe(true)
    const reopened = await open({ ttlMs: 1000 }, () => now)
    expect(reopened.usage).toEqual({ items: 1, bytes: 30 })
    now = 1600
    expect(await reopened.sweep()).toBe(1)
    expect(reopened.usage).toEqual({ items: 0, bytes: 0 })
  })

  it('keeps items, order and usage across a reopen, and storedAt keeps increasing', async () => {
    const store = await open({ maxRecipientItems: 5 }, () => 7000)
    for (let n = 0; n < 5; n++) await store.deposit(n % 2 === 0 ? BOB : CAROL, ALICE, id(n), item(10 + n, n))
    await store.deposit(BOB, DAVE, id(9), item(3))
    await store.delete(ALICE, [id(2)])
    const before = { alice: await store.list(ALICE, 512), dave: await store.list(DAVE, 512), usage: store.usage }
    await store.close()

    // a clock that went back: storedAt must still grow
    const reopened = await open({ maxRecipientItems: 5, maxSenderItems: 3 }, () => 1)
    expect({ alice: await reopened.list(ALICE, 512), dave: await reopened.list(DAVE, 512), usage: reopened.usage }).toEqual(before)
    expect(await fetchPlain(reopened, ALICE, [id(4)])).toEqual([{ id: id(4), storedAt: before.alice.items.at(-1)?.storedAt, item: item(14, 4) }])
    // per-sender usage came back too: BOB has 3 items (0, 4 and DAVE's)
    await refused(reopened.deposit(BOB, CAROL, id(20), item(1)), 'sender-quota')
    const { storedAt } = await reopened.deposit(CAROL, ALICE, id(5), item(1))
    const previous = [...before.alice.items, ...before.dave.items].map(i => i.storedAt)
    expect(storedAt).toBeGreaterThan(Math.max(...previous))
    await refused(reopened.deposit(CAROL, ALICE, id(6), item(1)), 'recipient-quota')
    expect((await reopened.deposit(BOB, ALICE, id(0), item(1))).duplicate).toBe(true)
  })
})
