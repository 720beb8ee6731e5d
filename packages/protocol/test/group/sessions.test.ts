/**
 * A member's word that its app speaks sessions (docs/protocols.md, "Groups",
 * `profile`; "Sessions are mandatory"): the `profile` operation's optional
 * `"sessions": true`, signed with the operation. Any other value is refused;
 * the fold keeps the word for good, for members and former members alike.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { toBase64 } from '../../src/base64.ts'
import { OP_SIGN_CONTEXT } from '../../src/group/constants.ts'
import { GroupLog } from '../../src/group/log.ts'
import { decodeGroupOp, signGroupOp } from '../../src/group/op.ts'
import type { GroupOp, GroupOpChange, SignedGroupOp } from '../../src/group/op.ts'

interface Person { peer: string, secret: Uint8Array }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519')
  return { peer: peerIdFromPrivateKey(key).toString(), secret: key.raw.subarray(0, 32) }
}

const [alice, bob, carol] = await Promise.all([person(), person(), person()]) as [Person, Person, Person]
const AT = 1_700_000_000_000

function create (by: Person, members: Person[]): GroupOp {
  return signGroupOp({ kind: 'create', name: 'Crew', members: [by, ...members].map((p) => ({ peer: p.peer, name: p.peer.slice(-4) })) }, { author: by.peer, lamport: 1, deps: [], at: AT }, by.secret)
}

function op (log: GroupLog, by: Person, change: GroupOpChange): GroupOp {
  const deps = log.heads()
  const lamport = 1 + Math.max(...deps.map((d) => log.get(d)?.lamport ?? 0))
  return signGroupOp(change, { group: log.id, author: by.peer, lamport, deps, at: AT + lamport }, by.secret)
}

/** `fields` as a body, validly signed by `by`: what a peer could send, whatever the signer allows. */
function signed (fields: Record<string, unknown>, by: Person): SignedGroupOp {
  const body = JSON.stringify(fields)
  return { body, sig: toBase64(ed25519.sign(new TextEncoder().encode(OP_SIGN_CONTEXT + body), by.secret)) }
}

describe('the profile operation\'s "sessions"', () => {
  it('is signed into the body as `true`, round-trips, and is absent when not given', () => {
    const log = new GroupLog(create(alice, [bob]))
    const said = op(log, bob, { kind: 'profile', name: 'Bob', mailboxes: ['/ip4/127.0.0.1/tcp/4001/ws'], sessions: true })
    expect(JSON.parse(said.signed.body)).toMatchObject({ kind: 'profile', sessions: true })
    expect(decodeGroupOp(JSON.parse(JSON.stringify(said.signed)))).toEqual(said)
    expect(said).toMatchObject({ kind: 'profile', sessions: true })
    const silent = op(log, bob, { kind: 'profile', name: 'Bob', mailboxes: [] })
    expect(JSON.parse(silent.signed.body)).not.toHaveProperty('sessions')
    expect(silent).not.toHaveProperty('sessions')
  })

  it('refuses any value but true, and on any kind but profile', () => {
    const log = new GroupLog(create(alice, [bob]))
    const base = { v: 1, kind: 'profile', author: bob.peer, lamport: 2, deps: log.heads(), at: AT, group: log.id, name: 'Bob', mailboxes: [] }
    for (const value of [false, 1, 'true', null, {}, [true]]) {
      expect(() => decodeGroupOp(signed({ ...base, sessions: value }, bob))).toThrow(/"sessions" must be true when present/)
    }
    expect(decodeGroupOp(signed({ ...base, sessions: true }, bob))).toMatchObject({ kind: 'profile', sessions: true })
    // only a profile carries it: on another kind it is an unknown field
    expect(() => decodeGroupOp(signed({ ...base, kind: 'rename', name: 'Crew', mailboxes: undefined, sessions: true }, bob))).toThrow(/unknown field/)
    expect(() => decodeGroupOp(signed({ ...base, kind: 'leave', name: undefined, mailboxes: undefined, sessions: true }, bob))).toThrow(/unknown field/)
  })

  it('cannot be stripped or added on the way: the signature covers it', () => {
    const log = new GroupLog(create(alice, [bob]))
    const said = op(log, bob, { kind: 'profile', name: 'Bob', mailboxes: [], sessions: true })
    const stripped = { body: said.signed.body.replace(',"sessions":true', ''), sig: said.signed.sig }
    expect(stripped.body).not.toBe(said.signed.body)
    expect(() => decodeGroupOp(stripped)).toThrow(/signature is not the author's/)
  })
})

describe('the fold\'s sessions', () => {
  it('keeps a member\'s word for good: a later profile without it, a removal and a re-add change nothing', () => {
    const log = new GroupLog(create(alice, [bob, carol]))
    expect([...log.state().sessions]).toEqual([])
    expect(log.state().members.map((m) => m.sessions)).toEqual([false, false, false])
    log.add(op(log, bob, { kind: 'profile', name: 'Bob', mailboxes: [], sessions: true }))
    expect([...log.state().sessions]).toEqual([bob.peer])
    expect(log.state().members.find((m) => m.peer === bob.peer)?.sessions).toBe(true)
    // a later profile of his without it (an older app of his, or a replay): still held to boxes
    log.add(op(log, bob, { kind: 'profile', name: 'Bobby', mailboxes: ['/ip4/127.0.0.1/tcp/4001/ws'] }))
    expect(log.state().members.find((m) => m.peer === bob.peer)).toMatchObject({ name: 'Bobby', sessions: true })
    // removed: a former member is still held to boxes
    log.add(op(log, alice, { kind: 'remove', peer: bob.peer }))
    expect(log.state().former.get(bob.peer)).toBe('removed')
    expect([...log.state().sessions]).toEqual([bob.peer])
    // added again: his word stands
    log.add(op(log, alice, { kind: 'add', peer: bob.peer, name: 'Bob' }))
    expect(log.state().members.find((m) => m.peer === bob.peer)?.sessions).toBe(true)
    expect(log.state().members.find((m) => m.peer === carol.peer)?.sessions).toBe(false)
  })

  it('counts only applied profiles: a void one (its author not a member) says nothing', () => {
    const log = new GroupLog(create(alice, [bob]))
    const stranger = op(log, carol, { kind: 'profile', name: 'Carol', mailboxes: [], sessions: true })
    log.add(stranger)
    expect(log.state().void.get(stranger.id)).toBe('not-a-member')
    expect(log.state().sessions.has(carol.peer)).toBe(false)
  })

  it('is the same on every member, whatever order the operations came in', () => {
    const source = new GroupLog(create(alice, [bob, carol]))
    source.add(op(source, bob, { kind: 'profile', name: 'Bob', mailboxes: [], sessions: true }))
    source.add(op(source, carol, { kind: 'profile', name: 'Carol', mailboxes: [] }))
    source.add(op(source, carol, { kind: 'leave' }))
    source.add(op(source, bob, { kind: 'profile', name: 'B', mailboxes: [] }))
    const [first, ...rest] = source.ops()
    const other = new GroupLog(first as GroupOp)
    for (const held of rest.reverse()) other.add(held)
    expect([...other.state().sessions]).toEqual([...source.state().sessions])
    expect(other.state().members).toEqual(source.state().members)
  })
})

describe('the adder\'s word: an add\'s and a created member\'s "sessions"', () => {
  it('holds a member to boxes from the add or create that named it so, before any profile of its own', () => {
    const made = signGroupOp({ kind: 'create', name: 'Crew', members: [{ peer: alice.peer, name: 'Alice' }, { peer: bob.peer, name: 'Bob', sessions: true }] }, { author: alice.peer, lamport: 1, deps: [], at: AT }, alice.secret)
    expect(JSON.parse(made.signed.body).members[1]).toEqual({ peer: bob.peer, name: 'Bob', sessions: true })
    const log = new GroupLog(made)
    expect([...log.state().sessions]).toEqual([bob.peer])
    const added = op(log, alice, { kind: 'add', peer: carol.peer, name: 'Carol', sessions: true })
    expect(JSON.parse(added.signed.body)).toMatchObject({ kind: 'add', sessions: true })
    log.add(added)
    expect(log.state().members.map((m) => m.sessions)).toEqual([false, true, true])
    // a later add without it (Carol removed, then added by someone whose row of hers has no mark) changes nothing
    log.add(op(log, alice, { kind: 'remove', peer: carol.peer }))
    log.add(op(log, bob, { kind: 'add', peer: carol.peer, name: 'Carol' }))
    expect(log.state().void.size).toBe(1) // Bob is no admin: his add is void, and says nothing either way
    expect(log.state().sessions.has(carol.peer)).toBe(true)
  })

  it('counts only applied adds: a void one (the adder not entitled) says nothing', () => {
    const log = new GroupLog(create(alice, [bob]))
    const add = op(log, bob, { kind: 'add', peer: carol.peer, name: 'Carol', sessions: true })
    log.add(add)
    expect(log.state().void.get(add.id)).toBe('not-entitled')
    expect(log.state().sessions.has(carol.peer)).toBe(false)
  })

  it('refuses any value but true, on an add and on a created member', () => {
    const base = { v: 1, kind: 'add', author: alice.peer, lamport: 2, deps: ['0'.repeat(64)], at: AT, group: '0'.repeat(32), peer: bob.peer, name: 'Bob' }
    for (const value of [false, 1, 'true', null, [true]]) {
      expect(() => decodeGroupOp(signed({ ...base, sessions: value }, alice))).toThrow(/"sessions" must be true when present/)
      expect(() => decodeGroupOp(signed({ v: 1, kind: 'create', author: alice.peer, lamport: 1, deps: [], at: AT, name: 'Crew', members: [{ peer: alice.peer, name: 'A' }, { peer: bob.peer, name: 'B', sessions: value }] }, alice))).toThrow(/"sessions" must be true when present/)
    }
  })
})
