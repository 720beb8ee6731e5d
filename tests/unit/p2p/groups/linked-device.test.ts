/**
 * Groups on a linked device, and the holder's lists in its groups (issue 58,
 * increment 6; src/lib/p2p/groups): on Alice's phone the group's "me" is her
 * account; what the phone makes names the account as author and the phone as
 * `device`, signed by the phone's key, after a `devices` operation carrying
 * the account's list when the group's set lacks the phone; it goes to every
 * other device (Carol, and Alice's laptop, the account's own PeerID). The
 * laptop (the holder) gives each of its groups a new list of its own (a
 * device linked, then removed), once per version.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { signDeviceList } from '@parley/protocol/devices/list'
import { GroupLog } from '@parley/protocol/group/log'
import { decodeGroupMessage } from '@parley/protocol/group/message'
import { decodeGroupOp, signGroupOp } from '@parley/protocol/group/op'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { upsertContact } from '../../../../src/lib/db/contacts.ts'
import { GroupBook } from '../../../../src/lib/p2p/groups/book.ts'
import { Groups } from '../../../../src/lib/p2p/groups/groups.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { DeviceList } from '@parley/protocol/devices/list'
import type { GroupOp } from '@parley/protocol/group/op'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ProfileRow } from '../../../../src/lib/db/types.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'

interface Person { id: PeerId, peer: string, key: Ed25519PrivateKey, secret: Uint8Array }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key)
  return { id, peer: id.toString(), key, secret: key.raw.subarray(0, 32) }
}

const [alice, phone, carol] = await Promise.all([person(), person(), person()]) as [Person, Person, Person]

/** Alice's list, signed by her account key: the laptop (her PeerID) and, unless left out, the phone. */
function listOf (version: number, withPhone: boolean): DeviceList {
  const devices = [{ peer: alice.peer, name: 'Laptop', added: 1 }, ...withPhone ? [{ peer: phone.peer, name: 'Phone', added: 2 }] : []]
  return signDeviceList(alice.secret, { account: alice.peer, version, at: version, devices })
}

let db: ParleyDb
beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

interface Pushed { peers: string[], ops?: string[] }

/** Alice's groups on `device` (the phone or the laptop), her account's list `list()`. */
function aliceOn (device: Person, list: () => DeviceList): { book: GroupBook, groups: Groups, pushed: Pushed[], kicked: string[], events: TypedEventEmitter<ParleyEvents> } {
  const events = new TypedEventEmitter<ParleyEvents>()
  const book = new GroupBook({
    db,
    logger: testLogger(),
    contactBook: { isAccepted: async () => false, byPeerId: async () => undefined },
    libp2p: { peerId: device.id },
    devices: { account: alice.peer, ownList: list },
    transfers: { receive: async () => 'stored', forget: async () => {} },
    events
  })
  const pushed: Pushed[] = []
  const kicked: string[] = []
  const groups = new Groups({
    db,
    logger: testLogger(),
    identity: { privateKey: () => device.key, require: () => ({ username: 'Alice' }) as ProfileRow },
    devices: { ownList: list },
    events,
    groupBook: book,
    groupCourier: { pushOps: (_group, peers, ops) => { pushed.push({ peers: [...peers].sort(), ...(ops === undefined ? {} : { ops: [...ops] }) }) }, kick: (peer) => { kicked.push(peer) } },
    libp2p: { getMultiaddrs: () => [] },
    transfers: { sendFile: async () => { throw new Error('no files here') } }
  })
  return { book, groups, pushed, kicked, events }
}

/** The laptop's group with Carol (both members), held by `book`. */
async function groupWithCarol (book: GroupBook): Promise<GroupLog> {
  const create = signGroupOp({ kind: 'create', name: 'Trip', members: [{ peer: alice.peer, name: 'Alice' }, { peer: carol.peer, name: 'Carol' }] }, { author: alice.peer, lamport: 1, deps: [], at: Date.now() }, alice.secret)
  const profile = signGroupOp({ kind: 'profile', name: 'Carol', mailboxes: [], sessions: true }, { group: create.group, author: carol.peer, lamport: 2, deps: [create.id], at: Date.now() }, carol.secret)
  const log = new GroupLog(create)
  await book.hold(log, [create, profile], 'member')
  return log
}

const ofKind = (log: GroupLog, kind: GroupOp['kind']): GroupOp[] => log.ops().filter((op) => op.kind === kind)

describe('a group on a linked device', () => {
  it('is Alice\'s: the phone lists itself once, then writes as Alice with its own key, to Carol and to the laptop', async () => {
    const list = listOf(5, true)
    const { book, groups, pushed, kicked } = aliceOn(phone, () => list)
    expect(book.me()).toBe(alice.peer)
    const log = await groupWithCarol(book)

    const id = await groups.send(log.id, 'from the phone')
    const [listed] = ofKind(log, 'devices')
    expect(listed).toMatchObject({ author: alice.peer, device: phone.peer })
    expect(log.state().void.has(listed?.id ?? '')).toBe(false)
    expect(log.state().devices.get(alice.peer)?.peers).toEqual([alice.peer, phone.peer])
    // the operation goes to every other device: Carol and the laptop
    expect(pushed).toEqual([{ peers: [alice.peer, carol.peer].sort(), ops: [listed?.id] }])
    // the message: Alice's, signed by the phone, shown here as ours, owed to both
    const row = await db.messages.get(id)
    expect(row).toMatchObject({ fromPeerId: alice.peer, direction: 'out', body: 'from the phone' })
    const message = decodeGroupMessage(row?.groupSigned)
    expect(message).toMatchObject({ author: alice.peer, device: phone.peer })
    expect(message.ops).toContain(listed?.id)
    expect((await db.groupDeliveries.where('message').equals(id).toArray()).map((d) => d.peer).sort()).toEqual([alice.peer, carol.peer].sort())
    expect(kicked.sort()).toEqual([alice.peer, carol.peer].sort())

    // the group names the phone now: no second `devices` operation; a change is the phone's too
    await groups.send(log.id, 'again')
    await groups.rename(log.id, 'Trip 2')
    expect(ofKind(log, 'devices')).toHaveLength(1)
    expect(ofKind(log, 'rename')[0]).toMatchObject({ author: alice.peer, device: phone.peer })
    expect(log.state().name).toBe('Trip 2')
  })

  it('makes a group that speaks for the phone from its create (the list in it)', async () => {
    const list = listOf(5, true)
    const { book, groups } = aliceOn(phone, () => list)
    const contactId = await upsertContact(db, { peerId: carol.peer, username: 'Carol', addresses: [], state: 'accepted' })
    const groupId = await groups.create('Ours', [contactId])
    const log = await book.log(groupId)
    expect(log?.state().creator).toBe(alice.peer)
    expect(log?.state().void.size).toBe(0)
    expect(log?.state().members.map((m) => m.peer)).toEqual([alice.peer, carol.peer])
    const stored = await db.groupOps.where('group').equals(groupId).toArray()
    expect(stored.map((r) => decodeGroupOp(r.signed, { verified: true }).device)).toEqual([phone.peer, phone.peer])
  })
})

describe('the holder\'s list in its groups', () => {
  it('goes into each group once per version: the phone linked, then removed (then void for what the phone makes)', async () => {
    let list = listOf(5, false)
    const laptop = aliceOn(alice, () => list)
    laptop.groups.start()
    const log = await groupWithCarol(laptop.book)
    // one device only, and the group never heard of any: nothing to say
    expect(await laptop.groups.shareDeviceList()).toEqual([])

    list = listOf(6, true)
    expect(await laptop.groups.shareDeviceList()).toEqual([log.id])
    expect(await laptop.groups.shareDeviceList()).toEqual([])
    expect(log.state().devices.get(alice.peer)).toEqual({ version: 6, peers: [alice.peer, phone.peer] })
    expect(ofKind(log, 'devices')[0]).toMatchObject({ author: alice.peer })
    expect(ofKind(log, 'devices')[0]?.device).toBeUndefined()
    // to Carol and to the phone
    expect(laptop.pushed.find((p) => p.ops !== undefined)?.peers).toEqual([carol.peer, phone.peer].sort())

    // a message owed to the phone while it is listed
    const owed = await laptop.groups.send(log.id, 'while listed')
    const peersOwed = async (): Promise<string[]> => (await db.groupDeliveries.where('message').equals(owed).toArray()).map((d) => d.peer).sort()
    expect(await peersOwed()).toEqual([carol.peer, phone.peer].sort())

    list = listOf(7, false)
    laptop.events.safeDispatchEvent('devices:changed', { detail: { version: 7 } })
    await laptop.groups.stop()
    expect(log.state().devices.get(alice.peer)).toEqual({ version: 7, peers: [alice.peer] })
    expect((await db.groups.get(log.id))?.devices).toBeUndefined()
    // and the phone is owed nothing more
    expect(await peersOwed()).toEqual([carol.peer])
    // to Carol only: the phone is none of ours now
    expect(laptop.pushed.filter((p) => p.ops !== undefined).at(-1)?.peers).toEqual([carol.peer])
    // a rename the phone makes after the removal is void
    const heads = log.heads()
    const late = signGroupOp({ kind: 'rename', name: 'Hijacked' }, { group: log.id, author: alice.peer, device: phone.peer, lamport: 1 + Math.max(...heads.map((h) => log.get(h)?.lamport ?? 0)), deps: heads, at: Date.now() }, phone.secret)
    await laptop.book.hold(log, [late])
    expect(log.state().void.get(late.id)).toBeDefined()
    expect(log.state().name).toBe('Trip')
  })
})

describe('a group Carol made, on Alice\'s two devices', () => {
  it('comes to the phone from the laptop (not a contact of the phone) and is a member there once the laptop accepted', async () => {
    const list = listOf(5, true)
    const { book } = aliceOn(phone, () => list)
    const create = signGroupOp({ kind: 'create', name: 'Carol\'s', members: [{ peer: carol.peer, name: 'Carol' }, { peer: alice.peer, name: 'Alice' }] }, { author: carol.peer, lamport: 1, deps: [], at: Date.now() }, carol.secret)
    const accepted = signGroupOp({ kind: 'profile', name: 'Alice', mailboxes: [], sessions: true }, { group: create.group, author: alice.peer, lamport: 2, deps: [create.id], at: Date.now() }, alice.secret)
    // the phone's contact book knows nobody here: only our own list lets the laptop hand it over
    expect(await book.receive(alice.id, { type: 'ops', group: create.group, ops: [create.signed, accepted.signed] }, {})).toMatchObject({ type: 'reply', status: 'ok' })
    expect((await db.groups.get(create.group))?.state).toBe('member')
    // a stranger cannot hand over a group
    const other = signGroupOp({ kind: 'create', name: 'Other', members: [{ peer: carol.peer, name: 'Carol' }, { peer: alice.peer, name: 'Alice' }] }, { author: carol.peer, lamport: 1, deps: [], at: Date.now() + 1 }, carol.secret)
    const stranger = await person()
    expect(await book.receive(stranger.id, { type: 'ops', group: other.group, ops: [other.signed] }, {})).toEqual({ type: 'reject', reason: 'not-a-member' })
  })
})
