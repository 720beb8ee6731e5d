/**
 * The cache of ML-KEM secret keys (session/kem-keys.ts) keeps current keys
 * only (issue 57 item 10): a DH step that replaces a session's KEM key pair
 * forgets the old secret, so memory holds no retired key however many steps
 * two sessions take. On main the cache kept the last 64 keys made, retired or
 * not.
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { keptKemSeeds } from '../../src/session/kem-keys.ts'
import { ratchetDecrypt } from '../../src/session/ratchet.ts'
import { NOW, pair, sendMany } from './helpers.ts'
import type { RatchetState } from '../../src/session/ratchet.ts'

/** Sends `count` messages from `from` to `to` and opens them all; both new states. */
function turn (from: RatchetState, to: RatchetState, count: number, first: number, random: Parameters<typeof sendMany>[3]): [RatchetState, RatchetState] {
  const { state, sent } = sendMany(from, count, first, random)
  let receiver = to
  for (const m of sent) receiver = ratchetDecrypt(receiver, m.message, m.id, { now: NOW }).state
  return [state, receiver]
}

describe('the KEM secret-key cache', () => {
  it('holds only the current KEM keys of live sessions after many ratchet steps', () => {
    const start = pair('kem cache')
    const random = start.random
    let { alice, bob } = start
    const retired = new Set<string>()
    const note = (s: RatchetState): void => { if (s.ourKem !== null) retired.add(hex(s.ourKem.seed)) }
    for (let i = 0; i < 12; i++) {
      note(alice)
      note(bob);
      [alice, bob] = turn(alice, bob, 2, i * 4, random);
      [bob, alice] = turn(bob, alice, 2, i * 4 + 2, random)
    }
    const current = new Set([alice, bob].flatMap(s => s.ourKem === null ? [] : [hex(s.ourKem.seed)]))
    for (const seed of current) retired.delete(seed)
    // 24 steps each way: far more keys than either side uses now
    expect(retired.size).toBeGreaterThan(20)
    const kept = keptKemSeeds()
    expect(kept.filter(seed => retired.has(seed))).toEqual([])
    expect(kept.every(seed => current.has(seed))).toBe(true)
  })
})
