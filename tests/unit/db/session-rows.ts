/** Session rows for the db tests: real field shapes, made-up key bytes. */
import type { RatchetState } from '@parley/protocol/session/ratchet'
import type { SessionRow } from '../../../src/lib/db/session-types.ts'

let next = 0

/** A ratchet state whose every key is `fill` repeated. */
export function fakeState (fill: number): RatchetState {
  const key = (): Uint8Array => new Uint8Array(32).fill(fill)
  return {
    ad: new Uint8Array(66).fill(fill),
    rootKey: key(),
    dhSecret: key(),
    dhPublic: key(),
    sendChainKey: key(),
    sendN: 3,
    previousN: 1,
    sendKemCiphertext: null,
    ourKem: { seed: new Uint8Array(64).fill(fill), publicKey: new Uint8Array(1184).fill(fill) },
    theirKem: null,
    receiving: [{ dh: key(), chainKey: key(), n: 2 }],
    skipped: [{ dh: key(), n: 0, messageKey: key(), expiresAt: 10_000 }]
  }
}

/** A session with `peer`, a new id each call; `usedAt` orders them. */
export function sessionRow (peer: string, extra: Partial<SessionRow> = {}): SessionRow {
  next++
  return {
    id: next.toString(16).padStart(32, '0'),
    peer,
    initiator: true,
    current: false,
    createdAt: next,
    usedAt: next,
    state: fakeState(next % 256),
    ...extra
  }
}
