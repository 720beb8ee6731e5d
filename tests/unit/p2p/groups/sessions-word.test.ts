/**
 * A member's signed word that its app speaks sessions (issue 57, item 1, for
 * members who are not contacts): the group book keeps who said so in a group
 * we hold (GroupBook.saidSessions, asked by the sessions for every item), and
 * our own profiles say so — the one a create comes with, and, once after a
 * start, a new one in each group whose newest profile of ours does not
 * (Groups.saySessions).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { GroupLog } from '@parley/protocol/group/log'
import { decodeGroupOp, signGroupOp } from '@parley/protocol/group/op'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { upsertContact } from '../../../../src/lib/db/contacts.ts'
import { GroupBook } from '../../../../src/lib/p2p/groups/book.ts'
import { Groups } from '../../../../src/lib/p2p/groups/groups.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { GroupOp, GroupOpChange } from '@parley/protocol/group/op'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, ProfileRow } from '../../../../src/lib/db/types.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'

interface Person { id: PeerId, peer: string, key: Ed25519PrivateKey, secret: Uint8Array }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key)
  return { id, peer: id.toString(), key, secret: key.raw.subarray(0, 32) }
}

const [me, bob, carol] = await Promise.all([person(), person(), person()]) as [Person, Person, Person]
const MAILBOX = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWLC9oXkGta7tEZ88spsQMcEibFGXn7az3fCWC4GbM9sds'

let db: ParleyDb
beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

function book (): GroupBook {
  return new GroupBook({
    db,
    logger: testLogger(),
    contactBook: { isAccepted: async () => true, byPeerId: async () => undefined },
    libp2p: { peerId: me.id },
    devices: { account: undefined, ownList: () => undefined },
    transfers: { receive: async () => 'stored', forget: async () => {} },
    events: new TypedEventEmitter<ParleyEvents>()
  })
}

/** What the groups pushed to whom. */
interface Pushed { groupId: string, peers: string[], ops?: string[] }

function groups (groupBook: GroupBook, pushed: Pushed[] = []): Groups {
  return new Groups({
    db,
    logger: testLogger(),
    identity: { privateKey: () => me.key, require: () => ({ username: 'Me' }) as ProfileRow },
    devices: { ownList: () => undefined },
    events: new TypedEventEmitter<ParleyEvents>(),
    groupBook,
    groupCourier: { pushOps: (groupId, peers, ops) => { pushed.push({ groupId, peers: [...peers], ...(ops === undefined ? {} : { ops: [...ops] }) }) }, kick: () => {} },
    libp2p: { getMultiaddrs: () => [] },
    transfers: { sendFile: async () => { throw new Error('no files here') } }
  })
}

function create (by: Person, members: Person[], name: string): GroupOp {
  return signGroupOp({ kind: 'create', name, members: [by, ...members].map((p) => ({ peer: p.peer, name: p === me ? 'Me' : p.peer.slice(-4) })) }, { author: by.peer, lamport: 1, deps: [], at: Date.now() }, by.secret)
}

function next (log: GroupLog, by: Person, change: GroupOpChange): GroupOp {
  const deps = log.heads()
  return signGroupOp(change, { group: log.id, author: by.peer, lamport: 1 + Math.max(...deps.map((d) => log.get(d)?.lamport ?? 0)), deps, at: Date.now() }, by.secret)
}

/** Holds `ops` (after the create) in a new log through `groupBook`, with our answer `decided`. */
async function hold (groupBook: GroupBook, first: GroupOp, changes: Array<[Person, GroupOpChange]>, decided: 'member' | 'invited' = 'member'): Promise<GroupLog> {
  const log = new GroupLog(first)
  const ops = [first]
  for (const [by, change] of changes) {
    const op = next(log, by, change)
    log.add(op)
    ops.push(op)
  }
  await groupBook.hold(new GroupLog(first), ops, decided)
  return log
}

/** Our profiles in a group, in fold order, as stored. */
async function ourProfiles (groupId: string): Promise<Array<GroupOp & { kind: 'profile' }>> {
  const rows = await db.groupOps.where('group').equals(groupId).toArray()
  return rows.map((r) => decodeGroupOp(r.signed, { verified: true }))
    .filter((op): op is GroupOp & { kind: 'profile' } => op.kind === 'profile' && op.author === me.peer)
    .sort((a, b) => a.lamport - b.lamport)
}

describe('GroupBook.saidSessions', () => {
  it('is true for a member or former member whose applied profile said so, kept in the group row, and read back after a restart', async () => {
    const first = book()
    expect(await first.saidSessions(bob.peer)).toBe(false)
    const log = await hold(first, create(me, [bob, carol], 'Crew'), [
      [bob, { kind: 'profile', name: 'Bob', mailboxes: [], sessions: true }],
      [carol, { kind: 'profile', name: 'Carol', mailboxes: [] }]
    ])
    expect(await first.saidSessions(bob.peer)).toBe(true)
    expect(await first.saidSessions(carol.peer)).toBe(false)
    expect((await db.groups.get(log.id))?.sessions).toEqual([bob.peer])
    // Bob leaves: his word stands
    await first.hold(log, [next(log, bob, { kind: 'leave' })])
    expect(await first.saidSessions(bob.peer)).toBe(true)
    // a new book (a restarted node) reads it from the rows
    const again = book()
    expect(await again.saidSessions(bob.peer)).toBe(true)
    expect(await again.saidSessions(carol.peer)).toBe(false)
    // and grows as rows are written: Carol says so later
    await again.hold(log, [next(log, carol, { kind: 'profile', name: 'Carol', mailboxes: [], sessions: true })])
    expect(await again.saidSessions(carol.peer)).toBe(true)
  })

  it('takes it from any group we hold, whatever our own part in it (here: invited)', async () => {
    const groupBook = book()
    await upsertContact(db, { peerId: bob.peer, username: 'Bob', addresses: [] })
    await hold(groupBook, create(bob, [me, carol], 'Theirs'), [[carol, { kind: 'profile', name: 'Carol', mailboxes: [], sessions: true }]], 'invited')
    expect(await groupBook.saidSessions(carol.peer)).toBe(true)
  })
})

describe('Groups: our profiles say we speak sessions', () => {
  it('a create comes with our profile saying so', async () => {
    const groupBook = book()
    const pushed: Pushed[] = []
    const contactId: ContactId = await upsertContact(db, { peerId: bob.peer, username: 'Bob', addresses: [], state: 'accepted' })
    const groupId = await groups(groupBook, pushed).create('Crew', [contactId])
    const profiles = await ourProfiles(groupId)
    expect(profiles).toHaveLength(1)
    expect(profiles[0]).toMatchObject({ kind: 'profile', name: 'Me', mailboxes: [], sessions: true, lamport: 2 })
    expect((await db.groups.get(groupId))?.sessions).toEqual([me.peer])
    // Bob gets the whole log: the create and our profile
    expect(pushed).toEqual([{ groupId, peers: [bob.peer] }])
  })

  it('after a start, once: a new profile in each group we are a member of whose newest profile of ours lacks it, with the same name and mailboxes', async () => {
    const groupBook = book()
    const pushed: Pushed[] = []
    // made by us with an app from before: a create, no profile
    const made = await hold(groupBook, create(me, [bob], 'Made before'), [])
    // joined with an app from before: a profile without sessions, then a later one without either
    const joined = await hold(groupBook, create(bob, [me, carol], 'Joined before'), [
      [me, { kind: 'profile', name: 'Me', mailboxes: [MAILBOX] }],
      [me, { kind: 'profile', name: 'Me again', mailboxes: [MAILBOX] }]
    ])
    // joined with this app: nothing to say
    const current = await hold(groupBook, create(bob, [me], 'Joined now'), [[me, { kind: 'profile', name: 'Me', mailboxes: [], sessions: true }]])
    // still invited (our accept will say it), and one we left: not ours to speak in
    await hold(groupBook, create(bob, [me], 'Invited'), [], 'invited')
    await hold(groupBook, create(bob, [me], 'Left'), [[me, { kind: 'leave' }]])

    const told = await groups(groupBook, pushed).saySessions()
    expect(told.sort()).toEqual([made.id, joined.id].sort())
    expect((await ourProfiles(made.id)).map((p) => [p.name, p.mailboxes, p.sessions])).toEqual([['', [], true]])
    expect((await ourProfiles(joined.id)).map((p) => [p.name, p.mailboxes, p.sessions])).toEqual([['Me', [MAILBOX], undefined], ['Me again', [MAILBOX], undefined], ['Me again', [MAILBOX], true]])
    expect(await ourProfiles(current.id)).toHaveLength(1)
    // the names shown do not change; the members are told
    expect((await db.groups.get(made.id))?.members.find((m) => m.peer === me.peer)?.name).toBe('Me')
    expect((await db.groups.get(joined.id))?.sessions).toEqual([me.peer])
    const toldTo = (groupId: string): string[] => pushed.filter((p) => p.groupId === groupId && p.ops !== undefined).flatMap((p) => p.peers).filter((peer) => peer !== me.peer).sort()
    expect(toldTo(made.id)).toEqual([bob.peer])
    expect(toldTo(joined.id)).toEqual([bob.peer, carol.peer].sort())
    // once: a second start says nothing more
    expect(await groups(book(), pushed).saySessions()).toEqual([])
  })
})
