import { randomBytes } from '@noble/hashes/utils.js'
import { ratchetEncrypt, reserveSending } from '@parley/protocol/session/ratchet'
import { describe, expect, it } from 'vitest'
import { RESERVED_KEYS, SendReservations } from '../../../../src/lib/p2p/sessions/reservations.ts'
import { sessionRow } from '../../db/session-rows.ts'
import type { SessionRow } from '../../../../src/lib/db/session-types.ts'

/** `row` after `count` boxes sent from memory. */
function sent (row: SessionRow, count: number): SessionRow {
  let state = row.state
  for (let i = 0; i < count; i++) state = ratchetEncrypt(state, Uint8Array.of(i), randomBytes(16)).state
  return { ...row, state }
}

describe('SendReservations', () => {
  it('every write while a reservation stands stores the chain where reserveSending puts it, the boxes sent meanwhile changing nothing of it', () => {
    const reservations = new SendReservations()
    const row = sessionRow('bob')
    const until = row.state.sendN + RESERVED_KEYS
    const expected = reserveSending(row.state, until)
    const { stored } = reservations.reserve(row)
    expect(stored.state).toEqual(expected)
    expect(reservations.left(row)).toBe(RESERVED_KEYS)
    // the writes of an opened box's state (the rest of the state moved on, the sending chain not past the reservation)
    for (const count of [1, 5, RESERVED_KEYS - 1]) {
      const later = sent(row, count)
      const written = reservations.stored(later)
      expect(written.state).toEqual(reserveSending(later.state, until))
      expect(written.state.sendN).toBe(until)
      // what is written is a copy: zeroing it (a later step does) leaves the next write whole
      written.state.sendChainKey?.fill(0)
      written.state.rootKey.fill(0)
      expect(later.state.rootKey).not.toEqual(new Uint8Array(32))
    }
    expect(reservations.stored(sent(row, 2)).state.sendChainKey).toEqual(expected.sendChainKey)
  })

  it('a new reservation on the same chain stores it past the new end; one undone gives back the old', () => {
    const reservations = new SendReservations()
    const row = sessionRow('bob')
    reservations.reserve(row)
    const later = sent(row, 20)
    const { stored, undo } = reservations.reserve(later)
    expect(stored.state.sendN).toBe(later.state.sendN + RESERVED_KEYS)
    const after = sent(later, 3)
    expect(reservations.stored(after).state).toEqual(reserveSending(after.state, later.state.sendN + RESERVED_KEYS))
    undo()
    expect(reservations.stored(after).state).toEqual(reserveSending(after.state, row.state.sendN + RESERVED_KEYS))
  })

  it('a row past its reservation, or on another chain, is stored where it is', () => {
    const reservations = new SendReservations()
    const row = sessionRow('bob')
    reservations.reserve(row)
    const past = sent(row, RESERVED_KEYS + 1)
    expect(reservations.stored(past).state).toBe(past.state)
    expect(reservations.left(past)).toBe(0)
    const other = sessionRow('bob', { id: row.id })
    expect(reservations.stored(other).state).toBe(other.state)
  })
})
