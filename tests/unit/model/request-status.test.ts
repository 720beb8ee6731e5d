import { describe, expect, it } from 'vitest'
import { REQUEST_HINT_AFTER_MS, requestStatus } from '../../../src/lib/model/request-status.ts'

/** Where our contact request stands, as the sender's chat shows it (state/request-status.svelte.ts). */
describe('requestStatus', () => {
  const since = 1_000_000
  const asked = { state: 'requested' as const, helloPending: true, helloSince: since, addedAt: 5 }

  it('on its way at first, then not delivered (the hint) after REQUEST_HINT_AFTER_MS; delivered once they answered', () => {
    expect(requestStatus(asked, since)).toBe('sending')
    expect(requestStatus(asked, since + REQUEST_HINT_AFTER_MS - 1)).toBe('sending')
    expect(requestStatus(asked, since + REQUEST_HINT_AFTER_MS)).toBe('undelivered')
    expect(requestStatus({ ...asked, helloPending: false }, since + 10 * REQUEST_HINT_AFTER_MS)).toBe('delivered')
    expect(requestStatus({ ...asked, helloPending: undefined }, since)).toBe('delivered')
  })

  it('left in their mailbox: waiting on a relay, from the first moment; their answer makes it delivered', () => {
    expect(requestStatus({ ...asked, helloStored: true }, since)).toBe('stored')
    expect(requestStatus({ ...asked, helloStored: true }, since + 10 * REQUEST_HINT_AFTER_MS)).toBe('stored')
    expect(requestStatus({ ...asked, helloStored: true, helloPending: false }, since)).toBe('delivered')
  })

  it('rows from before helloSince count from when the contact was added', () => {
    const old = { state: 'requested' as const, helloPending: true, addedAt: since }
    expect(requestStatus(old, since + 1)).toBe('sending')
    expect(requestStatus(old, since + REQUEST_HINT_AFTER_MS)).toBe('undelivered')
  })

  it('nothing for anyone we did not ask', () => {
    for (const state of ['pending', 'accepted', 'declined', 'deleted'] as const) {
      expect(requestStatus({ ...asked, state }, since)).toBeUndefined()
    }
  })
})
