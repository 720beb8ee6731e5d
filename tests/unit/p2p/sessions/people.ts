/**
 * Two people's sessions for the Sessions tests: each a database, a prekey
 * keeper and the Sessions service, over prekey relays in memory.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { expect } from 'vitest'
import { sessionTables } from '../../../../src/lib/db/sessions.ts'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../../../src/lib/p2p/sessions/prekey-keeper.ts'
import { Sessions, SessionUnreadableError } from '../../../../src/lib/p2p/sessions/sessions.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { OpenedBox, SessionPeer } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'
import type { MemoryPrekeyDirectory } from '../../../support/prekey-directory.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Libp2pEvents } from '@libp2p/interface'

export const RELAY = '/dns4/r1.example/tcp/443/wss/p2p/12D3KooWR1'
const text = new TextEncoder()
const words = new TextDecoder()

export interface Person {
  name: string
  db: ParleyDb
  keeper: PrekeyKeeper
  ownKeys: OwnKeys
  sessions: Sessions
  directory: MemoryPrekeyDirectory
  me: SessionPeer
  /** the peers the sessions said a session was started with, in order */
  started: string[]
}

let counter = 0

/** A person with a database of their own, whose prekeys go to `relays`. */
export async function person (relays: MemoryPrekeyRelays, name: string): Promise<Person> {
  const key = await generateKeyPair('Ed25519')
  const db = await openTestDb()
  const ownKeys = new OwnKeys({ identity: { privateKey: () => key } })
  const identity = ownKeys.identity()
  const directory = relays.as(identity)
  const keeper = new PrekeyKeeper({ db, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), events: new TypedEventEmitter<ParleyEvents>(), relayList: { active: () => [RELAY] }, ownKeys, prekeyDirectory: directory })
  const started: string[] = []
  const sessions = new Sessions({ db, logger: testLogger(), ownKeys, prekeys: keeper }, { started: (peer) => { started.push(peer) } })
  const me = { peer: peerIdFromPrivateKey(key).toString(), publicKey: identity.publicKey, multihash: identity.multihash }
  return { name, db, keeper, ownKeys, sessions, directory, me, started }
}

/** A new 16-byte item id and its key. */
export function item (): { key: string, id: Uint8Array } {
  counter++
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(12, counter)
  return { key: `item-${counter}`, id }
}

export async function send (from: Person, to: Person, body: string, it = item()): Promise<Uint8Array> {
  return from.sessions.seal(to.me, it.key, it.id, text.encode(body), async () => from.directory.fetch(RELAY, to.me.multihash, AbortSignal.timeout(1000)))
}

/** Opens and commits, as the inbox does in its write. */
export async function receive (by: Person, from: Person, box: Uint8Array): Promise<string> {
  const opened = await by.sessions.open(from.me, box)
  await by.db.transaction('rw', sessionTables(by.db), async () => { await opened.commit() })
  return words.decode(opened.plaintext)
}

export async function refusal (by: Person, from: Person, box: Uint8Array): Promise<string> {
  const err = await by.sessions.open(from.me, box).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(SessionUnreadableError)
  return (err as SessionUnreadableError).reason
}

/** `by`'s node started again: its sessions read from what is stored. */
export function restarted (by: Person): Person {
  return { ...by, sessions: new Sessions({ db: by.db, logger: testLogger(), ownKeys: by.ownKeys, prekeys: by.keeper }) }
}

/** A word each way: the session is answered, and `from`'s boxes carry no init. */
export async function answeredSession (from: Person, to: Person): Promise<void> {
  expect(await receive(to, from, await send(from, to, 'hello'))).toBe('hello')
  expect(await receive(from, to, await send(to, from, 'hi'))).toBe('hi')
}

/** `count` boxes from `from` to `to`, carrying m0, m1, … */
export async function boxesFor (from: Person, to: Person, count: number): Promise<Uint8Array[]> {
  const boxes: Uint8Array[] = []
  for (let i = 0; i < count; i++) boxes.push(await send(from, to, `m${i}`))
  return boxes
}

/** `by` opens each of `boxes` from `from`, in order, before any is committed. */
export async function openAll (by: Person, from: Person, boxes: Uint8Array[]): Promise<OpenedBox[]> {
  const opened: OpenedBox[] = []
  for (const box of boxes) opened.push(await by.sessions.open(from.me, box))
  return opened
}

/** Commits `opened` in one transaction of `by`'s as the mailbox intake commits a batch: every commit called at once. */
export async function commitTogether (by: Person, opened: OpenedBox[]): Promise<void> {
  await by.db.transaction('rw', sessionTables(by.db), async () => { await Promise.all(opened.map(async box => { await box.commit() })) })
}

/** Alice and Bob, their prekeys on relays in memory . */
export async function aliceAndBob (): Promise<{ alice: Person, bob: Person }> {
  const relays = new MemoryPrekeyRelays()
  const alice = await person(relays, 'alice')
  const bob = await person(relays, 'bob')
  await alice.keeper.syncAll()
  await bob.keeper.syncAll()
  return { alice, bob }
}
