import { describe, expect, it } from 'vitest'
import { nextExpiry, unexpired } from '../../../src/lib/state/expiry-clock.svelte.ts'

/** Disappearing messages hidden by the tab as their time comes (state/expiry-clock.svelte.ts). */
describe('unexpired / nextExpiry', () => {
  const rows = [{ id: 'a' }, { id: 'b', expiresAt: 100 }, { id: 'c', expiresAt: 200 }]

  it('hides a message from its expiresAt on, and returns the same array when none is due', () => {
    expect(unexpired(rows, 99)).toBe(rows)
    expect(unexpired(rows, 100).map(r => r.id)).toEqual(['a', 'c'])
    expect(unexpired(rows, 250).map(r => r.id)).toEqual(['a'])
  })

  it('the next expiry is the soonest one still ahead', () => {
    expect(nextExpiry(rows, 0)).toBe(100)
    expect(nextExpiry(rows, 100)).toBe(200)
    expect(nextExpiry(rows, 200)).toBeUndefined()
    expect(nextExpiry([{}], 0)).toBeUndefined()
  })
})
