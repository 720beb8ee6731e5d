/**
 * GroupLog.decode (src/group/log.ts): an operation a member holds already,
 * or holds waiting for its predecessors, comes back without its signature
 * being checked again; anything else is decoded and checked.
 */
import { describe, expect, it } from 'vitest'
import { InvalidMessageError } from '@libp2p/interface'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toBase64 } from '../../src/base64.ts'
import { GroupLog } from '../../src/group/log.ts'
import { signGroupOp } from '../../src/group/op.ts'
import type { GroupOp, GroupOpChange } from '../../src/group/op.ts'

interface Person { peer: string, secret: Uint8Array }

async function person (): Promise<Person> {
  const key: Ed25519PrivateKey = await generateKeyPair('Ed25519')
  return { peer: peerIdFromPrivateKey(key).toString(), secret: key.raw.subarray(0, 32) }
}

const [alice, bob] = await Promise.all([person(), person()]) as [Person, Person]

function create (by: Person, members: Person[]): GroupOp {
  return signGroupOp({ kind: 'create', name: 'Family', members: [by, ...members].map((p) => ({ peer: p.peer, name: p.peer.slice(-4) })) }, { author: by.peer, lamport: 1, deps: [], at: 1_700_000_000_000 }, by.secret)
}

/** An operation by `by` following the log's heads. */
function op (log: GroupLog, by: Person, change: GroupOpChange): GroupOp {
  const deps = log.heads()
  const lamport = 1 + Math.max(...deps.map((d) => log.get(d)?.lamport ?? 0))
  return signGroupOp(change, { group: log.id, author: by.peer, lamport, deps, at: 1_700_000_000_000 + lamport }, by.secret)
}

describe('GroupLog.decode', () => {
  it('gives back a held or waiting operation without checking it again, and checks anything else', () => {
    const start = create(alice, [bob])
    const log = new GroupLog(start)
    const rename = op(log, alice, { kind: 'rename', name: 'Kin' })
    log.add(rename)
    const later = signGroupOp({ kind: 'rename', name: 'Later' }, { group: log.id, author: alice.peer, lamport: 5, deps: ['ab'.repeat(32)], at: 1_700_000_000_005 }, alice.secret)
    expect(log.add(later).status).toBe('pending')
    // the same body and signature: the object held (no signature check)
    expect(log.decode(JSON.parse(JSON.stringify(rename.signed)))).toBe(rename)
    expect(log.decode({ ...later.signed })).toBe(later)
    // a new one is decoded and checked
    const fresh = op(log, bob, { kind: 'rename', name: 'Fresh' })
    expect(log.decode(fresh.signed)).toEqual(fresh)
    // a held body with another signature is checked, and a forged one refused
    const forged = { body: rename.signed.body, sig: toBase64(new Uint8Array(64).fill(1)) }
    expect(() => log.decode(forged)).toThrow(InvalidMessageError)
  })
})
