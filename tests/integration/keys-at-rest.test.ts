/**
 * Keys at rest in a running node (issue 57 item 10; src/lib/db/vault.ts,
 * keyring.ts), through a real relay-node: after Alice and Bob talk in a
 * session, none of Alice's secrets (the identity's private key, the session's
 * root, chain and ratchet keys, the KEM seed, every prekey secret) is in her
 * IndexedDB as plain bytes: the raw rows are read with the IndexedDB API
 * itself, as a copy of the database would be. Her node started again on the
 * same database (a reload) opens them: same identity, same session, and the
 * chat goes on both ways without a session reset. On main these were plain
 * rows.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IDBKeyRange } from 'fake-indexeddb'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { openVault } from '../../src/lib/db/keyring.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { holdsBytes, rawRows } from '../support/raw-idb.ts'
import { befriend, startHarness, WAIT } from './harness.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

async function bodies (peer: Peer, contactId: ContactId): Promise<string[]> {
  return (await chatMessages(peer.db, contactId)).map(m => `${m.direction}:${m.body ?? ''}`)
}

/** Every secret byte string of Alice's database, read through the app (the vault opens them). */
async function secretsOf (factory: IDBFactory): Promise<Uint8Array[]> {
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  try {
    await openVault(db)
    const profile = await db.profile.get(1)
    const sessions = await db.sessions.toArray()
    const prekeys = await db.prekeys.toArray()
    const out: Uint8Array[] = []
    if (profile !== undefined) out.push(profile.privateKey)
    for (const { state } of sessions) {
      out.push(state.rootKey, state.dhSecret)
      if (state.sendChainKey !== null) out.push(state.sendChainKey)
      if (state.ourKem !== null) out.push(state.ourKem.seed)
      for (const r of state.receiving) out.push(r.chainKey)
      for (const k of state.skipped) out.push(k.messageKey)
    }
    for (const p of prekeys) out.push(p.secret)
    return out
  } finally {
    db.close()
  }
}

describe('keys at rest', () => {
  it('a node\'s identity, session and prekey secrets are not in its IndexedDB as plain bytes, and its next start opens them and talks on', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'one' })
    await vi.waitFor(async () => { expect(await bodies(bob, bToA)).toContain('in:one') }, WAIT)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'two' })
    await vi.waitFor(async () => { expect(await bodies(alice, aToB)).toContain('in:two') }, WAIT)
    await vi.waitFor(async () => { expect(await alice.db.prekeys.count()).toBeGreaterThan(0) }, WAIT)
    const peerId = alice.node.status.peerId
    const [session] = await alice.db.sessions.toArray()
    await alice.stop()

    const secrets = await secretsOf(alice.factory)
    // a profile, a session (root, DH, chains, KEM seed) and several prekeys
    expect(secrets.length).toBeGreaterThan(6)
    for (const store of ['profile', 'sessions', 'prekeys', 'keyring']) {
      const rows = await rawRows(alice.factory, 'parley', store)
      expect(rows.length).toBeGreaterThan(0)
      for (const secret of secrets) expect(holdsBytes(rows, secret), `a secret of ${secret.byteLength} bytes in ${store}`).toBe(false)
    }

    const again = await harness.startPeer(alice.factory)
    expect(again.node.status.peerId).toBe(peerId)
    await again.node.call('sendMessage', { contactId: aToB, text: 'three' })
    await vi.waitFor(async () => { expect(await bodies(bob, bToA)).toContain('in:three') }, WAIT)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'four' })
    await vi.waitFor(async () => { expect(await bodies(again, aToB)).toContain('in:four') }, WAIT)
    // the same session carried on: no reset, no notice
    expect((await again.db.sessions.toArray()).find(s => s.current)?.id).toBe(session?.id)
    expect((await chatMessages(again.db, aToB)).filter(m => m.kind === 'notice')).toEqual([])
  })
})
