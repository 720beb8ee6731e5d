/**
 * Bundles too old to start a session with (issue 57, item 5): a relay that
 * answers first with a bundle dated 1970, or older than the newest seen of
 * that owner, is skipped for the next source, so no session is started that
 * its owner cannot open, and no reset loop follows.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PREKEY_PQ_LAST_RESORT, PREKEY_SIGNED_EC } from '@parley/protocol/session/constants'
import { makePrekey } from '@parley/protocol/session/keys'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sessionTables } from '../../../../src/lib/db/sessions.ts'
import { fetchBundle } from '../../../../src/lib/p2p/sessions/bundles.ts'
import { FreshPrekeyDirectory, MAX_BUNDLE_AGE_MS, StaleBundleError } from '../../../../src/lib/p2p/sessions/fresh-bundles.ts'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../../../src/lib/p2p/sessions/prekey-keeper.ts'
import { RESET_INTERVAL_MS, Sessions, SessionUnreadableError } from '../../../../src/lib/p2p/sessions/sessions.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { PrekeyDirectory } from '../../../../src/lib/p2p/sessions/directory.ts'
import type { SessionPeer } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Libp2pEvents } from '@libp2p/interface'
import type { Identity } from '@parley/protocol/session/pqxdh'

const GOOD = '/dns4/good.example/tcp/443/wss/p2p/12D3KooWGood'
const HOSTILE = '/dns4/hostile.example/tcp/443/wss/p2p/12D3KooWHostile'
const DAY_MS = 24 * 60 * 60 * 1000

interface Person { db: ParleyDb, keeper: PrekeyKeeper, sessions: Sessions, me: SessionPeer, identity: Identity }

let relays: MemoryPrekeyRelays
let now: number
let people: Person[] = []
let counter = 0

async function person (relay: string): Promise<Person> {
  const key = await generateKeyPair('Ed25519')
  const db = await openTestDb()
  const ownKeys = new OwnKeys({ identity: { privateKey: () => key } })
  const identity = ownKeys.identity()
  const keeper = new PrekeyKeeper({ db, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), events: new TypedEventEmitter<ParleyEvents>(), relayList: { active: () => [relay] }, ownKeys, prekeyDirectory: relays.as(identity) }, { now: () => now })
  const sessions = new Sessions({ db, logger: testLogger(), ownKeys, prekeys: keeper }, { now: () => now })
  const p = { db, keeper, sessions, identity, me: { peer: peerIdFromPrivateKey(key).toString(), publicKey: identity.publicKey, multihash: identity.multihash } }
  people.push(p)
  return p
}

beforeEach(() => {
  relays = new MemoryPrekeyRelays()
  now = Date.UTC(2026, 10, 29)
})

afterEach(() => {
  people.forEach(p => { p.db.close() })
  people = []
})

/** The hostile relay holds a bundle of `owner`'s, signed by it, made at `createdAt`: keys whose secrets the owner no longer has. */
function plant (owner: Person, createdAt: number): void {
  const held = relays.of(HOSTILE, owner.me.multihash)
  held.signed = makePrekey(owner.identity, PREKEY_SIGNED_EC, 900 + counter, createdAt).record
  held.lastResort = makePrekey(owner.identity, PREKEY_PQ_LAST_RESORT, 900 + counter, createdAt).record
  counter++
}

/**
 * Alice writes to Bob as the app does: a new session from a bundle of the
 * relays Bob named (the hostile one first), and when Bob refuses the box, a
 * reset (at most one per RESET_INTERVAL_MS) and again. Resolves the resets.
 */
async function converse (alice: Person, bob: Person, directory: PrekeyDirectory, rounds: number): Promise<{ resets: number, opened: string[] }> {
  const components = { contactBook: { byPeerId: async () => undefined }, relayList: { active: () => [] }, prekeyDirectory: directory }
  let resets = 0
  const opened: string[] = []
  for (let round = 0; round < rounds; round++) {
    const id = new Uint8Array(16)
    id[15] = ++counter
    const box = await alice.sessions.seal(bob.me, `item-${counter}`, id, new TextEncoder().encode(`round ${round}`), async () => fetchBundle(components, bob.me, [HOSTILE, GOOD], {}))
    try {
      const open = await bob.sessions.open(alice.me, box)
      await bob.db.transaction('rw', sessionTables(bob.db), async () => { await open.commit() })
      opened.push(new TextDecoder().decode(open.plaintext))
    } catch (err) {
      expect(err).toBeInstanceOf(SessionUnreadableError)
      expect((err as SessionUnreadableError).reason).toBe('unknown-prekey')
      if (await alice.sessions.reset(bob.me.peer)) resets++
    }
    now += RESET_INTERVAL_MS
  }
  return { resets, opened }
}

describe('FreshPrekeyDirectory', () => {
  it('the attack: a relay answering first with a 1970 bundle makes a reset every 30 s when its bundles are taken as they come', async () => {
    const [alice, bob] = [await person(GOOD), await person(GOOD)]
    await bob.keeper.syncAll()
    plant(bob, 0)
    expect(await converse(alice, bob, relays.as(alice.identity), 3)).toEqual({ resets: 3, opened: [] })
  })

  it('refuses a 1970 bundle and takes the next source\'s: no reset', async () => {
    const [alice, bob] = [await person(GOOD), await person(GOOD)]
    await bob.keeper.syncAll()
    plant(bob, 0)
    const directory = new FreshPrekeyDirectory(relays.as(alice.identity), { now: () => now })
    await expect(directory.fetch(HOSTILE, bob.me.multihash, AbortSignal.timeout(1000))).rejects.toThrow(StaleBundleError)
    expect(await converse(alice, bob, directory, 3)).toEqual({ resets: 0, opened: ['round 0', 'round 1', 'round 2'] })
  })

  it('refuses a bundle older than the newest seen of its owner, though within MAX_BUNDLE_AGE_MS, and takes the next source\'s', async () => {
    const [alice, bob] = [await person(GOOD), await person(GOOD)]
    await bob.keeper.syncAll()
    const directory = new FreshPrekeyDirectory(relays.as(alice.identity), { now: () => now })
    const seen = await directory.fetch(GOOD, bob.me.multihash, AbortSignal.timeout(1000))
    // a retired bundle of Bob's, a day older than the one seen: its secrets are gone from Bob's store
    plant(bob, seen.signed.createdAt - DAY_MS)
    expect(now - (seen.signed.createdAt - DAY_MS)).toBeLessThan(MAX_BUNDLE_AGE_MS)
    const err = await directory.fetch(HOSTILE, bob.me.multihash, AbortSignal.timeout(1000)).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(StaleBundleError)
    expect((err as Error).message).toMatch(/older than one seen before/)
    expect(await converse(alice, bob, directory, 2)).toEqual({ resets: 0, opened: ['round 0', 'round 1'] })
  })

  it('takes a bundle up to MAX_BUNDLE_AGE_MS old (its owner offline that long still has its secrets), and refuses one past it', async () => {
    const [alice, bob] = [await person(GOOD), await person(GOOD)]
    await bob.keeper.syncAll()
    const directory = new FreshPrekeyDirectory(relays.as(alice.identity), { now: () => now })
    const made = (await directory.fetch(GOOD, bob.me.multihash, AbortSignal.timeout(1000))).signed.createdAt
    now = made + MAX_BUNDLE_AGE_MS
    await expect(directory.fetch(GOOD, bob.me.multihash, AbortSignal.timeout(1000))).resolves.toMatchObject({ signed: { createdAt: made } })
    now++
    await expect(directory.fetch(GOOD, bob.me.multihash, AbortSignal.timeout(1000))).rejects.toThrow(StaleBundleError)
  })
})
