/**
 * Group operations (src/group/op.ts), the log (log.ts) and the fold
 * (state.ts): verification refuses forged, tampered and malformed
 * operations; a replayed operation is a duplicate; out-of-order operations
 * wait for their predecessors; concurrent conflicting changes end the same
 * way on every member, whatever order they arrive in.
 */
import { describe, expect, it, vi } from 'vitest'
import { InvalidMessageError } from '@libp2p/interface'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { fromBase64, toBase64 } from '../../src/base64.ts'
import { MAX_MEMBERS } from '../../src/group/constants.ts'
import { GroupLog } from '../../src/group/log.ts'
import { compareGroupMessages, decodeGroupMessage, signGroupMessage } from '../../src/group/message.ts'
import { decodeGroupOp, signGroupOp } from '../../src/group/op.ts'
import type { GroupOp, GroupOpChange } from '../../src/group/op.ts'
import { shuffled } from './device-support.ts'

/** The longest text handed to peerIdFromString (base58 decoding takes time quadratic in it). */
const parsed = vi.hoisted(() => ({ longest: 0 }))
vi.mock('@libp2p/peer-id', async (importOriginal) => {
  const real = await importOriginal<typeof import('@libp2p/peer-id')>()
  return {
    ...real,
    peerIdFromString: (...args: Parameters<typeof real.peerIdFromString>) => {
      parsed.longest = Math.max(parsed.longest, args[0].length)
      return real.peerIdFromString(...args)
    }
  }
})

interface Person { peer: string, secret: Uint8Array, key: Ed25519PrivateKey }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519')
  return { peer: peerIdFromPrivateKey(key).toString(), secret: key.raw.subarray(0, 32), key }
}

const [alice, bob, carol, dave] = await Promise.all([person(), person(), person(), person()]) as [Person, Person, Person, Person]

function create (by: Person, members: Person[], name = 'Family'): GroupOp {
  return signGroupOp({ kind: 'create', name, members: [by, ...members].map((p) => ({ peer: p.peer, name: p.peer.slice(-4) })) }, { author: by.peer, lamport: 1, deps: [], at: 1_700_000_000_000 }, by.secret)
}

/** An operation by `by` following `deps` (all held by `log`). */
function op (log: GroupLog, by: Person, change: GroupOpChange, deps: string[] = log.heads()): GroupOp {
  const lamport = 1 + Math.max(...deps.map((d) => log.get(d)?.lamport ?? 0))
  return signGroupOp(change, { group: log.id, author: by.peer, lamport, deps, at: 1_700_000_000_000 + lamport }, by.secret)
}

function roles (log: GroupLog): Record<string, string> {
  return Object.fromEntries(log.state().members.map((m) => [m.peer.slice(-4), m.role]))
}

describe('group operations', () => {
  it('round-trip through their wire form, and the group id is the create operation\'s', () => {
    const made = create(alice, [bob, carol])
    expect(made.group).toBe(made.id.slice(0, 32))
    const again = decodeGroupOp(JSON.parse(JSON.stringify(made.signed)))
    expect(again).toEqual(made)
    // read back from our own database: the same operation, without checking the signature again
    expect(decodeGroupOp(made.signed, { verified: true })).toEqual(made)
  })

  it('refuse a forged signature, a changed body, unknown fields and broken limits, saying what is wrong', () => {
    // signed by Bob's key in Alice's name
    expect(() => signGroupOp({ kind: 'create', name: 'Family', members: [{ peer: alice.peer, name: 'a' }] }, { author: alice.peer, lamport: 1, deps: [], at: 1 }, bob.secret))
      .toThrow(/signature is not the author's/)
    const made = create(alice, [bob])
    const tampered = { body: made.signed.body.replace('Family', 'Famine'), sig: made.signed.sig }
    expect(() => decodeGroupOp(tampered)).toThrow(InvalidMessageError)
    expect(() => decodeGroupOp({ ...made.signed, extra: 1 })).toThrow(/only|unknown field/)
    expect(() => decodeGroupOp({ body: made.signed.body, sig: 'AAAA' })).toThrow(/64 bytes/)
    expect(() => decodeGroupOp('x')).toThrow(/not an object/)
    const log = new GroupLog(made)
    expect(() => op(log, alice, { kind: 'rename', name: ' padded ' })).toThrow(/trimmed/)
    expect(() => op(log, alice, { kind: 'rename', name: 'x'.repeat(65) })).toThrow(/64 characters/)
    expect(() => op(log, alice, { kind: 'add', peer: 'not-a-peer', name: 'x' })).toThrow(/PeerID/)
    expect(() => op(log, alice, { kind: 'picture', picture: 'https://example.com/a.png' })).toThrow(/data: URL/)
    const tooMany = Array.from({ length: MAX_MEMBERS + 1 }, () => ({ peer: alice.peer, name: 'x' }))
    expect(() => signGroupOp({ kind: 'create', name: 'Big', members: tooMany }, { author: alice.peer, lamport: 1, deps: [], at: 1 }, alice.secret)).toThrow(/1 to 64 members/)
    expect(() => signGroupOp({ kind: 'create', name: 'Dup', members: [{ peer: alice.peer, name: 'a' }, { peer: alice.peer, name: 'b' }] }, { author: alice.peer, lamport: 1, deps: [], at: 1 }, alice.secret)).toThrow(/twice/)
    expect(() => signGroupOp({ kind: 'create', name: 'Not mine', members: [{ peer: bob.peer, name: 'b' }] }, { author: alice.peer, lamport: 1, deps: [], at: 1 }, alice.secret)).toThrow(/creator must be the first/)
  })

  it('take a PeerID only in its canonical form: another text of a member\'s key is no second member', () => {
    const log = new GroupLog(create(alice, [bob]))
    const bobId = peerIdFromPrivateKey(bob.key)
    for (const other of [bobId.toCID().toString(), bobId.toCID().toString(base36)]) {
      expect(() => op(log, alice, { kind: 'add', peer: other, name: 'Bob again' })).toThrow(/"peer" must be an Ed25519 PeerID/)
      // signed by Bob's key, in the other text of his PeerID
      expect(() => signGroupOp({ kind: 'leave' }, { group: log.id, author: other, lamport: 2, deps: log.heads(), at: 1 }, bob.secret)).toThrow(/"author" must be an Ed25519 PeerID/)
      expect(() => signGroupMessage({ group: log.id, author: other, lamport: 2, ops: log.heads() }, { type: 'message', id: '01JB0000000000000000000000', text: 'hi', sentAt: 1 }, bob.secret))
        .toThrow(/"author" must be an Ed25519 PeerID/)
    }
    expect(log.state().members.map((m) => m.peer)).toEqual([alice.peer, bob.peer])
  })

  it('refuse an over-long PeerID without parsing it (base58 decoding takes time quadratic in the length)', () => {
    const log = new GroupLog(create(alice, [bob]))
    const long = `1${'2'.repeat(4096)}`
    parsed.longest = 0
    const body = JSON.stringify({ v: 1, kind: 'leave', author: long, lamport: 2, deps: log.heads(), at: 1, group: log.id })
    expect(() => decodeGroupOp({ body, sig: toBase64(new Uint8Array(64)) })).toThrow(/"author" must be an Ed25519 PeerID/)
    expect(() => op(log, alice, { kind: 'remove', peer: long })).toThrow(/"peer" must be an Ed25519 PeerID/)
    const message = JSON.stringify({ v: 1, group: log.id, author: long, lamport: 2, ops: log.heads(), frame: {} })
    expect(() => decodeGroupMessage({ body: message, sig: toBase64(new Uint8Array(64)) })).toThrow(/"author" must be an Ed25519 PeerID/)
    expect(parsed.longest).toBeLessThanOrEqual(52)
  })

  it('refuse a name with an unpaired surrogate, which the JSON body can carry as an escape but UTF-8 cannot', () => {
    const log = new GroupLog(create(alice, [bob]))
    expect(() => op(log, alice, { kind: 'rename', name: 'Fam\uD83Dily' })).toThrow(/unpaired surrogates/)
    expect(() => op(log, alice, { kind: 'add', peer: carol.peer, name: '\uDE00' })).toThrow(/unpaired surrogates/)
    expect(() => op(log, bob, { kind: 'profile', name: 'Bob\uD800', mailboxes: [] })).toThrow(/unpaired surrogates/)
    expect(op(log, alice, { kind: 'rename', name: 'Family 😀' }).kind).toBe('rename')
  })

  it('refuse the other base64 texts of a signature\'s bytes, so a signed operation or message has one wire form', () => {
    const made = create(alice, [bob])
    const message = signGroupMessage({ group: made.group, author: bob.peer, lamport: 2, ops: [made.id] }, { type: 'message', id: '01JB0000000000000000000000', text: 'hi', sentAt: 1 }, bob.secret)
    for (const signed of [made.signed, message.signed]) {
      // 64 bytes are 88 digits ending in '==': the last digit's four low bits are padding
      const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
      const last = digits.indexOf(signed.sig.charAt(85))
      const other = `${signed.sig.slice(0, 85)}${digits.charAt(last ^ 1)}==`
      expect(fromBase64(other)).toEqual(fromBase64(signed.sig))
      const decode = signed === made.signed ? decodeGroupOp : decodeGroupMessage
      expect(() => decode({ body: signed.body, sig: other })).toThrow(/"sig" must be 64 bytes of base64/)
      expect(() => decode({ body: signed.body, sig: ` ${signed.sig}` })).toThrow(/"sig" must be 64 bytes of base64/)
      expect(decode(signed).signed).toEqual(signed)
    }
  })
})

describe('a group log', () => {
  it('folds create, add, role, rename, profile, remove and leave into members and roles', () => {
    const log = new GroupLog(create(alice, [bob]))
    expect(roles(log)).toEqual({ [alice.peer.slice(-4)]: 'owner', [bob.peer.slice(-4)]: 'member' })
    log.add(op(log, alice, { kind: 'add', peer: carol.peer, name: 'Carol' }))
    log.add(op(log, alice, { kind: 'role', peer: bob.peer, role: 'admin' }))
    log.add(op(log, bob, { kind: 'rename', name: 'Family and friends' }))
    log.add(op(log, carol, { kind: 'profile', name: 'Caroline', mailboxes: ['/ip4/127.0.0.1/tcp/4001/ws'] }))
    const state = log.state()
    expect(state.name).toBe('Family and friends')
    expect(state.members.map((m) => m.name)).toEqual([alice.peer.slice(-4), bob.peer.slice(-4), 'Caroline'])
    expect(state.members[2]?.mailboxes).toEqual(['/ip4/127.0.0.1/tcp/4001/ws'])
    expect(state.void.size).toBe(0)

    log.add(op(log, bob, { kind: 'remove', peer: carol.peer }))
    expect(log.state().former.get(carol.peer)).toBe('removed')
    // the owner leaves: the admin becomes owner
    log.add(op(log, alice, { kind: 'leave' }))
    expect(log.state().owner).toBe(bob.peer)
    expect(roles(log)).toEqual({ [bob.peer.slice(-4)]: 'owner' })
  })

  it('makes void what its author may not do, and says why', () => {
    const log = new GroupLog(create(alice, [bob]))
    const byMember = op(log, bob, { kind: 'add', peer: carol.peer, name: 'Carol' })
    log.add(byMember)
    const byStranger = op(log, dave, { kind: 'rename', name: 'Mine now' })
    log.add(byStranger)
    const removeOwner = op(log, alice, { kind: 'remove', peer: alice.peer })
    log.add(removeOwner)
    const state = log.state()
    expect(state.void.get(byMember.id)).toBe('not-entitled')
    expect(state.void.get(byStranger.id)).toBe('not-a-member')
    expect(state.void.get(removeOwner.id)).toBe('owner')
    expect(state.name).toBe('Family')
    expect(state.members).toHaveLength(2)
  })

  it('takes a replayed operation as a duplicate and changes nothing', () => {
    const log = new GroupLog(create(alice, [bob]))
    const add = op(log, alice, { kind: 'add', peer: carol.peer, name: 'Carol' })
    expect(log.add(add).status).toBe('added')
    const remove = op(log, alice, { kind: 'remove', peer: carol.peer })
    log.add(remove)
    // the old add again, as a replay: Carol stays out
    expect(log.add(decodeGroupOp(add.signed))).toEqual({ status: 'duplicate' })
    expect(log.state().members.map((m) => m.peer)).toEqual([alice.peer, bob.peer])
    expect(log.size).toBe(3)
  })

  it('holds an operation whose predecessor has not arrived, and applies it when it does', () => {
    const source = new GroupLog(create(alice, [bob]))
    const first = op(source, alice, { kind: 'add', peer: carol.peer, name: 'Carol' })
    source.add(first)
    const second = op(source, carol, { kind: 'profile', name: 'Caroline', mailboxes: [] })
    source.add(second)

    const late = new GroupLog(create(alice, [bob]))
    expect(late.add(second)).toEqual({ status: 'pending', missing: [first.id] })
    expect(late.missing()).toEqual([first.id])
    expect(late.state().members).toHaveLength(2)
    const result = late.add(first)
    expect(result).toEqual({ status: 'added', released: [second] })
    expect(late.state().members.map((m) => m.name)).toEqual(source.state().members.map((m) => m.name))
    expect(late.heads()).toEqual(source.heads())
  })

  it('refuses an operation of another group, or whose lamport does not follow its deps', () => {
    const log = new GroupLog(create(alice, [bob]))
    const other = new GroupLog(create(alice, [bob], 'Other'))
    expect(() => log.add(op(other, alice, { kind: 'rename', name: 'X' }))).toThrow(/belongs to group/)
    const wrong = signGroupOp({ kind: 'rename', name: 'X' }, { group: log.id, author: alice.peer, lamport: 7, deps: log.heads(), at: 1 }, alice.secret)
    expect(() => log.add(wrong)).toThrow(/lamport 7 is not 1 \+/)
    expect(log.size).toBe(1)
  })

  it('answers a peer with the operations it lacks', () => {
    const log = new GroupLog(create(alice, [bob]))
    const theirs = log.heads()
    const a = op(log, alice, { kind: 'add', peer: carol.peer, name: 'Carol' })
    log.add(a)
    const b = op(log, alice, { kind: 'rename', name: 'New' })
    log.add(b)
    expect(log.since(theirs).map((o) => o.id)).toEqual([a.id, b.id])
    expect(log.since([a.id]).map((o) => o.id)).toEqual([b.id])
    // heads we do not know say nothing: everything
    expect(log.since(['f'.repeat(64)])).toHaveLength(3)
  })
})

describe('concurrent conflicting changes', () => {
  /** Builds every member's log from the same operations, delivered in different orders. */
  function converge (ops: GroupOp[], start: GroupOp): GroupLog[] {
    return [1, 2, 3, 4, 5, 6].map((seed) => {
      const log = new GroupLog(start)
      for (const o of shuffled(ops, seed)) log.add(o)
      return log
    })
  }

  it('removal wins over a concurrent add or promotion of the same member', () => {
    const base = new GroupLog(create(alice, [bob, carol]))
    base.add(op(base, alice, { kind: 'role', peer: bob.peer, role: 'admin' }))
    const fork = base.heads()
    // Alice removes Carol while Bob, not knowing, promotes her; and removes Dave while Bob adds him
    const addDave = op(base, alice, { kind: 'add', peer: dave.peer, name: 'Dave' }, fork)
    base.add(addDave)
    const removeCarol = op(base, alice, { kind: 'remove', peer: carol.peer }, [addDave.id])
    const removeDave = op(base, alice, { kind: 'remove', peer: dave.peer }, [addDave.id])
    base.add(removeCarol)
    base.add(removeDave)
    const promoteCarol = op(base, bob, { kind: 'role', peer: carol.peer, role: 'admin' }, [addDave.id])
    base.add(promoteCarol)
    // Bob re-adds Dave without having seen his removal: Dave stays out
    const readdDave = signGroupOp({ kind: 'add', peer: dave.peer, name: 'Dave' }, { group: base.id, author: bob.peer, lamport: promoteCarol.lamport + 1, deps: [promoteCarol.id], at: 2 }, bob.secret)
    base.add(readdDave)
    const logs = converge(base.ops().slice(1), base.ops()[0] as GroupOp)
    for (const log of logs) {
      expect(log.state().members.map((m) => m.peer)).toEqual([alice.peer, bob.peer])
      expect(log.state().void.get(readdDave.id)).toBe('unseen-removal')
    }
    // having seen the removal, a re-add holds
    const seen = op(base, bob, { kind: 'add', peer: dave.peer, name: 'Dave' })
    base.add(seen)
    expect(base.state().members.map((m) => m.peer)).toEqual([alice.peer, bob.peer, dave.peer])
  })

  it('two admins removing the same member at once: a re-add must have seen both removals', () => {
    const base = new GroupLog(create(alice, [bob, dave]))
    base.add(op(base, alice, { kind: 'role', peer: bob.peer, role: 'admin' }))
    const fork = base.heads()
    const byAlice = op(base, alice, { kind: 'remove', peer: dave.peer }, fork)
    const byBob = op(base, bob, { kind: 'remove', peer: dave.peer }, fork)
    base.add(byAlice)
    base.add(byBob)
    const [first, second] = [byAlice, byBob].sort((a, b) => (a.id < b.id ? -1 : 1)) as [GroupOp, GroupOp]
    expect(base.state().void.get(second.id)).toBe('not-in-group')
    // an add that saw only the removal first in the order does not bring Dave back
    const author = first === byAlice ? alice : bob
    const partial = signGroupOp({ kind: 'add', peer: dave.peer, name: 'Dave' }, { group: base.id, author: author.peer, lamport: first.lamport + 1, deps: [first.id], at: 3 }, author.secret)
    base.add(partial)
    expect(base.state().void.get(partial.id)).toBe('unseen-removal')
    expect(base.state().members.map((m) => m.peer)).not.toContain(dave.peer)
    // one that saw both does
    const full = op(base, alice, { kind: 'add', peer: dave.peer, name: 'Dave' }, [byAlice.id, byBob.id].sort())
    base.add(full)
    expect(base.state().members.map((m) => m.peer)).toContain(dave.peer)
  })

  it('two admins removing each other at once: the first in the order stays, on every member', () => {
    const base = new GroupLog(create(alice, [bob, carol, dave]))
    base.add(op(base, alice, { kind: 'role', peer: bob.peer, role: 'admin' }))
    base.add(op(base, alice, { kind: 'role', peer: carol.peer, role: 'admin' }))
    const fork = base.heads()
    const bobRemovesCarol = op(base, bob, { kind: 'remove', peer: carol.peer }, fork)
    const carolRemovesBob = op(base, carol, { kind: 'remove', peer: bob.peer }, fork)
    base.add(bobRemovesCarol)
    base.add(carolRemovesBob)
    const first = [bobRemovesCarol, carolRemovesBob].sort((a, b) => (a.id < b.id ? -1 : 1))[0] as GroupOp
    const staying = first === bobRemovesCarol ? bob.peer : carol.peer
    const states = converge(base.ops().slice(1), base.ops()[0] as GroupOp).map((log) => JSON.stringify({
      members: log.state().members, former: [...log.state().former], void: [...log.state().void]
    }))
    expect(new Set(states).size).toBe(1)
    expect(base.state().members.map((m) => m.peer)).toContain(staying)
    expect(base.state().members).toHaveLength(3)
  })

  it('a removed member\'s operations made without knowing of the removal are void', () => {
    const base = new GroupLog(create(alice, [bob, carol]))
    base.add(op(base, alice, { kind: 'role', peer: carol.peer, role: 'admin' }))
    const fork = base.heads()
    const removeCarol = op(base, alice, { kind: 'remove', peer: carol.peer }, fork)
    base.add(removeCarol)
    // Carol, offline, renames and then adds Dave: later in the order than her removal
    const rename = op(base, carol, { kind: 'rename', name: 'Carol\'s' }, fork)
    base.add(rename)
    const addDave = op(base, carol, { kind: 'add', peer: dave.peer, name: 'Dave' }, [rename.id])
    base.add(addDave)
    for (const log of converge(base.ops().slice(1), base.ops()[0] as GroupOp)) {
      expect(log.state().members.map((m) => m.peer)).toEqual([alice.peer, bob.peer])
      // the rename is concurrent with the removal, at the same lamport: the order by id decides it
      expect(log.state().name).toBe(rename.id < removeCarol.id ? 'Carol\'s' : 'Family')
      expect(log.state().void.get(addDave.id)).toBe('not-a-member')
    }
  })

  it('two members setting the timer at once: the later in the order wins on every member; a removed member\'s is void', () => {
    const base = new GroupLog(create(alice, [bob, carol, dave]))
    const fork = base.heads()
    const byBob = op(base, bob, { kind: 'timer', ttl: 300 }, fork)
    const byCarol = op(base, carol, { kind: 'timer', ttl: 604_800 }, fork)
    base.add(byBob)
    base.add(byCarol)
    const last = [byBob, byCarol].sort((a, b) => (a.id < b.id ? -1 : 1))[1] as GroupOp
    // Alice removes Dave while Dave, not knowing, sets his profile and then turns the timer off (later in the order than his removal)
    const seen = base.heads()
    const removeDave = op(base, alice, { kind: 'remove', peer: dave.peer }, seen)
    const profile = op(base, dave, { kind: 'profile', name: 'Dave', mailboxes: [] }, seen)
    base.add(removeDave)
    base.add(profile)
    const daveOff = op(base, dave, { kind: 'timer', ttl: 0 }, [profile.id])
    base.add(daveOff)
    for (const log of converge(base.ops().slice(1), base.ops()[0] as GroupOp)) {
      expect(log.state().void.get(daveOff.id)).toBe('not-a-member')
      expect(log.state().timer).toEqual({ ttl: last.kind === 'timer' ? last.ttl : -1, by: last.author, at: last.at })
    }
  })
})

describe('the disappearing-messages timer', () => {
  it('is set by any member; off until someone sets it; a ttl outside the timers is refused', () => {
    const log = new GroupLog(create(alice, [bob, carol]))
    expect(log.state().timer).toBeUndefined()
    const byCarol = op(log, carol, { kind: 'timer', ttl: 3600 })
    log.add(byCarol)
    expect(log.state().timer).toEqual({ ttl: 3600, by: carol.peer, at: byCarol.at })
    log.add(op(log, bob, { kind: 'timer', ttl: 0 }))
    expect(log.state().timer).toMatchObject({ ttl: 0, by: bob.peer })
    for (const ttl of [1, 299, 86_401, -300, 3600.5]) expect(() => op(log, alice, { kind: 'timer', ttl })).toThrow(/"ttl" must be 0 or one of 300, 3600, 86400, 604800/)
    expect(() => decodeGroupOp(signGroupOp({ kind: 'timer', ttl: 300 }, { group: log.id, author: alice.peer, lamport: 9, deps: log.heads(), at: 1 }, alice.secret).signed)).not.toThrow()
  })
})

describe('group messages', () => {
  it('are signed by their author, carry a chat frame, and refuse tampering', () => {
    const log = new GroupLog(create(alice, [bob]))
    const message = signGroupMessage({ group: log.id, author: bob.peer, lamport: 3, ops: log.heads() }, { type: 'message', id: '01JB0000000000000000000000', text: 'hello group', sentAt: 1_700_000_000_000 }, bob.secret)
    expect(decodeGroupMessage(JSON.parse(JSON.stringify(message.signed)))).toEqual(message)
    expect(message.frame).toMatchObject({ type: 'message', text: 'hello group' })
    expect(() => decodeGroupMessage({ body: message.signed.body.replace('hello', 'HELLO'), sig: message.signed.sig })).toThrow(/signature/)
    expect(() => signGroupMessage({ group: log.id, author: alice.peer, lamport: 3, ops: log.heads() }, { type: 'message', id: '01JB0000000000000000000001', text: 'x', sentAt: 1 }, bob.secret)).toThrow(/signature/)
    // the envelope's operation heads are sorted and unique, as deps are
    const twice = JSON.parse(message.signed.body) as Record<string, unknown>
    twice['ops'] = [...log.heads(), ...log.heads()]
    expect(() => decodeGroupMessage({ body: JSON.stringify(twice), sig: message.signed.sig })).toThrow(/sorted and unique/)
    expect(() => signGroupMessage({ group: log.id, author: bob.peer, lamport: 3, ops: [] }, { type: 'message', id: '01JB0000000000000000000001', text: 'x', sentAt: 1 }, bob.secret)).toThrow(/"ops"/)
    expect(() => signGroupMessage({ group: log.id, author: bob.peer, lamport: 3, ops: log.heads() }, { type: 'message', id: '01JB0000000000000000000001', text: '', sentAt: 1 }, bob.secret)).toThrow(InvalidMessageError)
  })

  it('sort by lamport, then author, then id', () => {
    const list = [
      { lamport: 2, author: 'b', id: '2' }, { lamport: 1, author: 'z', id: '9' }, { lamport: 2, author: 'a', id: '5' }, { lamport: 2, author: 'a', id: '1' }
    ].sort(compareGroupMessages)
    expect(list.map((m) => m.id)).toEqual(['9', '1', '5', '2'])
  })
})
