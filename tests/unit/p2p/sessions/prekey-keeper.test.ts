/**
 * PrekeyKeeper against relays in memory (tests/support/prekey-directory.ts,
 * which checks signatures as a relay does): stocking, refilling, rotating,
 * clearing what it cannot open, the secrets an init names, and the bounds.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '@parley/protocol/session/constants'
import { PrekeyError } from '@parley/protocol/session/errors'
import { decodeRecord, verifyPrekey } from '@parley/protocol/session/records'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import {
  HANDED_OUT_KEEP_MS, MAX_ONE_TIME_HELD, MAX_PREKEY_RELAYS, ONE_TIME_TARGET, PrekeyKeeper, REFILL_BELOW, RETIRED_KEEP_MS, ROTATE_MS
} from '../../../../src/lib/p2p/sessions/prekey-keeper.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { MemoryPrekeyDirectory } from '../../../support/prekey-directory.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Libp2pEvents } from '@libp2p/interface'

const R1 = '/dns4/r1.example/tcp/443/wss/p2p/12D3KooWR1'
const R2 = '/dns4/r2.example/tcp/443/wss/p2p/12D3KooWR2'

let db: ParleyDb
let keeper: PrekeyKeeper
let relays: MemoryPrekeyRelays
let directory: MemoryPrekeyDirectory
let keeperKeys: OwnKeys
let now: number
let active: string[]
const libp2p = new TypedEventEmitter<Libp2pEvents>()
const events = new TypedEventEmitter<ParleyEvents>()

beforeEach(async () => {
  db = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  const ownKeys = new OwnKeys({ identity: { privateKey: () => key } })
  keeperKeys = ownKeys
  relays = new MemoryPrekeyRelays()
  directory = relays.as(ownKeys.identity())
  now = 1_000_000
  active = [R1, R2]
  keeper = new PrekeyKeeper({ db, logger: testLogger(), libp2p, events, relayList: { active: () => active }, ownKeys, prekeyDirectory: directory }, { now: () => now })
})

afterEach(() => {
  keeper.stop()
  db.close()
})

const held = async (kind: number, relay?: string): Promise<number> =>
  (await db.prekeys.toArray()).filter(k => k.kind === kind && k.dropAt === undefined && (relay === undefined || k.relay === relay)).length
/** One-time secrets kept for `relay`: on it, and handed out and waiting for their first message. */
const kept = async (kind: number, relay: string): Promise<number> =>
  (await db.prekeys.toArray()).filter(k => k.kind === kind && k.relay === relay).length

describe('PrekeyKeeper', () => {
  it('stocks each relay with a signed key, a last-resort key and its own one-time keys, keeping every secret', async () => {
    await keeper.syncAll()
    for (const relay of [R1, R2]) {
      const status = directory.statusOf(relay)
      expect(status).toMatchObject({ pqOneTime: ONE_TIME_TARGET, ecOneTime: ONE_TIME_TARGET })
      expect(status.signedId).not.toBe(0)
      expect(status.lastResortId).not.toBe(0)
    }
    // the same signed and last-resort keys everywhere; one-time keys never shared between relays
    expect(directory.statusOf(R1).signedId).toBe(directory.statusOf(R2).signedId)
    const ids = (relay: string): number[] => [...relays.of(relay, directory.owner.multihash).pq].map(r => r.id)
    expect(ids(R1).filter(id => ids(R2).includes(id))).toEqual([])
    expect(await held(PREKEY_PQ_ONE_TIME, '12D3KooWR1')).toBe(ONE_TIME_TARGET)
    expect(await held(PREKEY_EC_ONE_TIME, '12D3KooWR2')).toBe(ONE_TIME_TARGET)
    expect(await held(PREKEY_SIGNED_EC)).toBe(1)
    expect(await held(PREKEY_PQ_LAST_RESORT)).toBe(1)
    // a relay with nothing of ours that we could open was cleared first
    expect(relays.requests.filter(r => r.op === 'clear').map(r => r.relay).sort()).toEqual([R1, R2])
  })

  it('leaves a stocked relay alone, and refills one that handed out keys once it has fewer than REFILL_BELOW', async () => {
    await keeper.syncAll()
    relays.requests.length = 0
    await keeper.sync(R1)
    expect(relays.requests).toEqual([{ relay: R1, op: 'status' }])

    const bundles = []
    for (let i = 0; i < ONE_TIME_TARGET - REFILL_BELOW; i++) bundles.push(await directory.fetch(R1, directory.owner.multihash, AbortSignal.timeout(1000)))
    await keeper.sync(R1)
    expect(relays.requests.at(-1)).toEqual({ relay: R1, op: 'status' })
    await directory.fetch(R1, directory.owner.multihash, AbortSignal.timeout(1000))
    await keeper.sync(R1)
    expect(relays.requests.at(-1)).toEqual({ relay: R1, op: 'publish' })
    expect(directory.statusOf(R1)).toMatchObject({ pqOneTime: ONE_TIME_TARGET, ecOneTime: ONE_TIME_TARGET })
    // the handed-out keys' secrets are still ours (an init may name them), marked to go HANDED_OUT_KEEP_MS from now
    expect(await kept(PREKEY_PQ_ONE_TIME, '12D3KooWR1')).toBe(2 * ONE_TIME_TARGET - REFILL_BELOW + 1)
    expect(await held(PREKEY_PQ_ONE_TIME, '12D3KooWR1')).toBe(ONE_TIME_TARGET)
    const handedOut = (await db.prekeys.toArray()).filter(k => k.kind === PREKEY_PQ_ONE_TIME && k.dropAt !== undefined)
    expect(handedOut).toHaveLength(ONE_TIME_TARGET - REFILL_BELOW + 1)
    expect(handedOut.map(k => k.id)).toEqual(expect.arrayContaining(bundles.map(b => b.pq.id)))
    expect(new Set(handedOut.map(k => k.dropAt))).toEqual(new Set([now + HANDED_OUT_KEEP_MS]))
  })

  it('answers the secrets an init names, and refuses ids that are not ours', async () => {
    await keeper.syncAll()
    const bundle = await directory.fetch(R1, directory.owner.multihash, AbortSignal.timeout(1000))
    const init = {
      ephemeral: new Uint8Array(32), signedPrekeyId: bundle.signed.id, pqKind: PREKEY_PQ_ONE_TIME as 3, pqPrekeyId: bundle.pq.id,
      oneTimePrekeyId: bundle.ecOneTime?.id ?? 0, kemCiphertext: new Uint8Array(1088)
    }
    const secrets = await keeper.secretsFor(init)
    expect(secrets.signedPrekeySecret).toHaveLength(32)
    expect(secrets.pqPrekeySeed).toHaveLength(64)
    expect(secrets.oneTimePrekeySecret).toHaveLength(32)
    expect(keeper.oneTimeKeys(init)).toEqual([[PREKEY_PQ_ONE_TIME, bundle.pq.id], [PREKEY_EC_ONE_TIME, init.oneTimePrekeyId]])
    expect(PrekeyKeeper.lastResortOnly(init)).toBe(false)
    await db.prekeys.bulkDelete(keeper.oneTimeKeys(init))
    await expect(keeper.secretsFor(init)).rejects.toThrow(PrekeyError)
    await expect(keeper.secretsFor({ ...init, signedPrekeyId: 7, oneTimePrekeyId: 0 })).rejects.toThrow(/signed prekey 7/)
  })

  it('replaces the signed and last-resort keys every ROTATE_MS; the old secrets stay RETIRED_KEEP_MS, then go', async () => {
    await keeper.syncAll()
    const first = directory.statusOf(R1)
    now += ROTATE_MS
    await keeper.syncAll()
    const second = directory.statusOf(R1)
    expect(second.signedId).not.toBe(first.signedId)
    expect(second.lastResortId).not.toBe(first.lastResortId)
    expect(directory.statusOf(R2).signedId).toBe(second.signedId)
    expect((await db.prekeys.get([PREKEY_SIGNED_EC, first.signedId]))?.dropAt).toBe(now + RETIRED_KEEP_MS)
    now += RETIRED_KEEP_MS
    await keeper.syncAll()
    expect(await db.prekeys.get([PREKEY_SIGNED_EC, first.signedId])).toBeUndefined()
    expect(await db.prekeys.get([PREKEY_PQ_LAST_RESORT, first.lastResortId])).toBeUndefined()
  })

  it('publishes the records it keeps, each signed by our identity', async () => {
    await keeper.syncAll()
    const published = relays.of(R1, directory.owner.multihash)
    const rows = await db.prekeys.toArray()
    for (const record of [published.signed!, published.lastResort!, ...published.pq, ...published.ec]) {
      verifyPrekey(record, directory.owner.publicKey, directory.owner.multihash)
      const row = rows.find(r => r.kind === record.kind && r.id === record.id)
      expect(row === undefined ? undefined : decodeRecord(row.record).record).toEqual(record)
    }
  })

  it(`stocks at most ${MAX_PREKEY_RELAYS} relays, and a relay that is down fails alone`, async () => {
    active = Array.from({ length: MAX_PREKEY_RELAYS + 2 }, (_, i) => `/dns4/r${i}.example/tcp/443/wss/p2p/12D3KooWX${i}`)
    relays.down.add(active[0]!)
    await keeper.syncAll()
    expect(new Set(relays.requests.map(r => r.relay)).size).toBe(MAX_PREKEY_RELAYS)
    expect(directory.statusOf(active[1]!).pqOneTime).toBe(ONE_TIME_TARGET)
    expect(directory.statusOf(active[0]!).pqOneTime).toBe(0)
  })

  it('drain-and-refill never drops a handed-out secret whose first message may still come: it expires by age, and past the bound the relay is not restocked (issue 57)', async () => {
    await keeper.syncAll()
    const fetch = async (): Promise<{ pq: number, ec: number | undefined }> => {
      const bundle = await directory.fetch(R1, directory.owner.multihash, AbortSignal.timeout(1000))
      return { pq: bundle.pq.id, ec: bundle.ecOneTime?.id }
    }
    // Bob's bundle: the message made with it waits in a mailbox while we are away
    const bobs = await fetch()
    // an attacker drains the relay, we restock it, again and again
    const rounds = MAX_ONE_TIME_HELD / ONE_TIME_TARGET + 2
    for (let round = 0; round < rounds; round++) {
      while (directory.statusOf(R1).pqOneTime > 0) await fetch()
      await keeper.sync(R1)
      now += 60 * 60_000
    }
    // Bob's secrets are still here
    expect(await db.prekeys.get([PREKEY_PQ_ONE_TIME, bobs.pq])).toBeDefined()
    expect(await db.prekeys.get([PREKEY_EC_ONE_TIME, bobs.ec ?? 0])).toBeDefined()
    // bounded all the same: restocked up to MAX_ONE_TIME_HELD, then no more (bundles carry the last-resort key)
    expect(await kept(PREKEY_PQ_ONE_TIME, '12D3KooWR1')).toBe(MAX_ONE_TIME_HELD)
    expect(await kept(PREKEY_EC_ONE_TIME, '12D3KooWR1')).toBe(MAX_ONE_TIME_HELD)
    expect(directory.statusOf(R1)).toMatchObject({ pqOneTime: 0, ecOneTime: 0 })
    // once HANDED_OUT_KEEP_MS has passed since a check saw them gone, they go, and the relay is stocked again
    now += HANDED_OUT_KEEP_MS
    await keeper.sync(R1)
    expect(await db.prekeys.get([PREKEY_PQ_ONE_TIME, bobs.pq])).toBeUndefined()
    expect(directory.statusOf(R1)).toMatchObject({ pqOneTime: ONE_TIME_TARGET, ecOneTime: ONE_TIME_TARGET })
    expect(await kept(PREKEY_PQ_ONE_TIME, '12D3KooWR1')).toBe(ONE_TIME_TARGET)
  })

  it('stocks its relays once libp2p runs', async () => {
    keeper.start()
    keeper.afterStart()
    await expect.poll(() => [directory.statusOf(R1).pqOneTime, directory.statusOf(R2).ecOneTime], { timeout: 20_000 }).toEqual([ONE_TIME_TARGET, ONE_TIME_TARGET])
  })

  it('checks a relay of ours when it connects', async () => {
    active = []
    keeper.start()
    active = [R1, R2]
    libp2p.safeDispatchEvent('peer:connect', { detail: { toString: () => '12D3KooWR2' } as never })
    await expect.poll(() => directory.statusOf(R2).pqOneTime, { timeout: 20_000 }).toBe(ONE_TIME_TARGET)
    expect(directory.statusOf(R1).pqOneTime).toBe(0)
  })
  it('checks a relay that becomes ours (our reservation there), though it connected before it was ours, and only the new one', async () => {
    active = [R1]
    keeper.start()
    keeper.afterStart()
    await expect.poll(() => directory.statusOf(R1).pqOneTime, { timeout: 20_000 }).toBe(ONE_TIME_TARGET)
    relays.requests.length = 0
    active = [R1, R2]
    events.safeDispatchEvent('relays:active', { detail: { relays: active } })
    await expect.poll(() => directory.statusOf(R2).pqOneTime, { timeout: 20_000 }).toBe(ONE_TIME_TARGET)
    expect(relays.requests.map(r => r.relay)).toEqual([R2, R2])
  })

  it('checks a relay whose check failed again, with back-off, until it is stocked', async () => {
    keeper.stop()
    keeper = new PrekeyKeeper({ db, logger: testLogger(), libp2p, events, relayList: { active: () => active }, ownKeys: keeperKeys, prekeyDirectory: directory }, { now: () => now, retryBackoff: { initialMs: 20, maxMs: 40 } })
    relays.down.add(R1)
    keeper.start()
    keeper.afterStart()
    await expect.poll(() => relays.requests.filter(r => r.relay === R1).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    expect(directory.statusOf(R2).pqOneTime).toBe(ONE_TIME_TARGET)
    relays.down.delete(R1)
    await expect.poll(() => directory.statusOf(R1).pqOneTime, { timeout: 20_000 }).toBe(ONE_TIME_TARGET)
  })
})
