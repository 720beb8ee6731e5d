import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PrekeysRefusedError } from '@parley/protocol/prekeys/codec'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME } from '@parley/protocol/session/constants'
import { owner, record, upload } from '../../packages/protocol/test/prekeys/helpers.ts'
import { PairLimiter } from '../src/prekeys/service.ts'
import { PrekeyStore } from '../src/prekeys/store.ts'
import { dataDir, defer, useRelayTestDir } from './helpers.ts'
import type { PrekeysErrorName } from '@parley/protocol/prekeys/codec'
import type { PrekeyLimits } from '../src/prekeys/store.ts'

useRelayTestDir()

const LIMITS: PrekeyLimits = { maxOneTimePerKind: 100, maxOwnerBytes: 150 * 1024, maxTotalBytes: 256 * 1024 * 1024, unseenMs: 30 * 24 * 3600_000 }
const ALICE = '12D3KooWAlice'
const BOB = '12D3KooWBob'
const alice = owner(1)
const EC = 109
const PQ = 1261
const HOUR = 3600_000

async function open (limits: Partial<PrekeyLimits> = {}, now?: () => number): Promise<PrekeyStore> {
  const store = await PrekeyStore.open(join(dataDir, 'prekeys'), { ...LIMITS, ...limits }, now)
  defer(async () => store.close())
  return store
}

async function refused (promise: Promise<unknown>, code: PrekeysErrorName): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(PrekeysRefusedError)
  expect((err as PrekeysRefusedError).code).toBe(code)
  return (err as PrekeysRefusedError).reason
}

describe('PrekeyStore', () => {
  it('holds a full set (100 + 100 one-time records, 138 370 B) under the default per-owner bound', async () => {
    const store = await open()
    expect(await store.publish(ALICE, upload(alice, { pq: 100, ec: 100 }))).toEqual({ signedId: 1, lastResortId: 1, pqOneTime: 100, ecOneTime: 100 })
    expect(store.usage).toEqual({ owners: 1, bytes: EC + PQ + 100 * (EC + PQ) })
    expect(store.usage.bytes).toBe(138_370)
    expect(await refused(store.publish(ALICE, upload(alice, { ec: 1, firstId: 500 })), 'quota')).toBe('at most 100 PQ and 100 EC one-time prekeys; this would make 100 and 101')
  })

  it('refuses past the per-owner bytes and the total, storing nothing of the request', async () => {
    const store = await open({ maxOwnerBytes: EC + PQ + 2 * PQ, maxTotalBytes: 2 * (EC + PQ) + 3 * PQ })
    await store.publish(ALICE, upload(alice, { pq: 2 }))
    expect(await refused(store.publish(ALICE, upload(alice, { signedId: 9, pq: 1, ec: 1, firstId: 7 })), 'quota')).toBe(`at most ${EC + PQ + 2 * PQ} bytes of prekeys per owner; this would make ${EC + PQ + 3 * PQ + EC}`)
    expect(await store.status(ALICE)).toEqual({ signedId: 1, lastResortId: 1, pqOneTime: 2, ecOneTime: 0 })
    await store.publish(BOB, upload(owner(2), { pq: 1 }))
    expect(await refused(store.publish(BOB, upload(owner(2), { pq: 2 })), 'quota')).toBe('the relay\'s prekey storage is full')
    expect(store.usage).toEqual({ owners: 2, bytes: 2 * (EC + PQ) + 3 * PQ })
  })

  it('replaces the signed and last-resort records only when their ids differ, and skips one-time ids it holds', async () => {
    const store = await open()
    await store.publish(ALICE, upload(alice, { signedId: 1, lastResortId: 1, ec: 2 }))
    // same ids with other keys: kept as they were
    const same = upload(alice, { ec: 2 })
    same.signed = { ...same.signed, createdAt: 5 }
    await store.publish(ALICE, same)
    expect((await store.fetch(ALICE, false)).bundle.signed.createdAt).not.toBe(5)
    expect(await store.publish(ALICE, upload(alice, { signedId: 2, lastResortId: 3, ec: 3 }))).toEqual({ signedId: 2, lastResortId: 3, pqOneTime: 0, ecOneTime: 3 })
    expect(store.usage.bytes).toBe(EC + PQ + 3 * EC)
  })

  it('hands out the lowest one-time ids first and deletes them; without one-time leave it keeps them', async () => {
    const store = await open()
    await store.publish(ALICE, { ...upload(alice), oneTime: [300, 2, 0x1_0000].flatMap(id => [record(alice, PREKEY_PQ_ONE_TIME, id), record(alice, PREKEY_EC_ONE_TIME, id)]) })
    const plain = await store.fetch(ALICE, false)
    expect([plain.oneTime, plain.bundle.pq.kind, plain.bundle.ecOneTime]).toEqual([false, PREKEY_PQ_LAST_RESORT, undefined])
    const ids: number[] = []
    for (let i = 0; i < 3; i++) {
      const { bundle, oneTime } = await store.fetch(ALICE, true)
      expect(oneTime).toBe(true)
      ids.push(bundle.pq.id, bundle.ecOneTime?.id ?? 0)
    }
    expect(ids).toEqual([2, 2, 300, 300, 0x1_0000, 0x1_0000])
    expect((await store.fetch(ALICE, true)).oneTime).toBe(false)
    expect(store.usage.bytes).toBe(EC + PQ)
    await expect(store.fetch(BOB, true)).rejects.toMatchObject({ code: 'not-found' })
  })

  it('rebuilds its counts at open, and drops owners unseen for 30 days (a STATUS counts as seen)', async () => {
    let now = 1_000_000
    const first = await open({}, () => now)
    await first.publish(ALICE, upload(alice, { pq: 2, ec: 1 }))
    await first.publish(BOB, upload(owner(2), { ec: 1 }))
    await first.fetch(ALICE, true)
    await first.close()
    const store = await open({}, () => now)
    expect(store.usage).toEqual({ owners: 2, bytes: 2 * (EC + PQ) + PQ + EC })
    expect(await store.status(ALICE)).toEqual({ signedId: 1, lastResortId: 1, pqOneTime: 1, ecOneTime: 0 })
    now += LIMITS.unseenMs - HOUR
    expect(await store.sweep()).toBe(0)
    await store.status(BOB)
    now += HOUR
    expect(await store.sweep()).toBe(1)
    expect(store.usage.owners).toBe(1)
    await expect(store.fetch(ALICE, true)).rejects.toMatchObject({ code: 'not-found' })
    expect((await store.fetch(BOB, true)).bundle.ecOneTime?.id).toBe(1)
    await store.close()
    // the drop is on disk
    const again = await open({}, () => now)
    expect(again.usage).toEqual({ owners: 1, bytes: EC + PQ })
  })

  it('clears an owner\'s records, and nothing of anyone else\'s', async () => {
    const store = await open()
    await store.publish(ALICE, upload(alice, { ec: 2 }))
    await store.publish(BOB, upload(owner(2), { ec: 2 }))
    expect(await store.clear(ALICE)).toBe(true)
    expect(await store.clear(ALICE)).toBe(false)
    expect(await store.status(ALICE)).toEqual({ signedId: 0, lastResortId: 0, pqOneTime: 0, ecOneTime: 0 })
    expect(await store.status(BOB)).toEqual({ signedId: 1, lastResortId: 1, pqOneTime: 0, ecOneTime: 2 })
    expect(store.usage).toEqual({ owners: 1, bytes: EC + PQ + 2 * EC })
  })

  it('never hands one one-time record out twice, however many FETCHes run at once', async () => {
    const store = await open()
    await store.publish(ALICE, upload(alice, { pq: 20, ec: 20 }))
    const bundles = await Promise.all(Array.from({ length: 25 }, async () => store.fetch(ALICE, true)))
    const pq = bundles.filter(b => b.bundle.pq.kind === PREKEY_PQ_ONE_TIME).map(b => b.bundle.pq.id)
    expect(new Set(pq).size).toBe(20)
    expect(pq).toHaveLength(20)
    expect(bundles.filter(b => b.bundle.ecOneTime != null)).toHaveLength(20)
  })
})

describe('PairLimiter', () => {
  it('allows a pair 3 hand-outs an hour, gives one back on release, and forgets it after the hour', () => {
    let now = 0
    const pairs = new PairLimiter(3, () => now)
    expect([1, 2, 3, 4].map(() => pairs.reserve('bob>alice').allowed)).toEqual([true, true, true, false])
    expect(pairs.reserve('carol>alice').allowed).toBe(true)
    now = 10
    pairs.reserve('bob>dave').release()
    expect(pairs.reserve('bob>dave').allowed).toBe(true)
    now = HOUR + 1
    expect(pairs.reserve('bob>alice').allowed).toBe(true)
  })

  it('stays bounded: a lapsed pair makes room, live pairs fail closed', () => {
    let now = 0
    const pairs = new PairLimiter(3, () => now, 2)
    pairs.reserve('a')
    now = 10
    pairs.reserve('b')
    expect(pairs.reserve('c').allowed).toBe(false)
    expect(pairs.size).toBe(2)
    now = HOUR + 5
    expect(pairs.reserve('c').allowed).toBe(true)
    expect(pairs.size).toBe(2)
    expect(pairs.reserve('b').allowed).toBe(true)
  })
})
