/** The tab's router (state/router.svelte.ts): navigate, and reset() reading the address again. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { router } from '../../../src/lib/state/router.svelte.ts'

let address: { hash: string }

beforeEach(() => {
  address = { hash: '#/settings' }
  vi.stubGlobal('location', address)
  router.reset()
})

afterEach(() => {
  vi.unstubAllGlobals()
  router.reset()
})

describe('router', () => {
  it('reads the route from the address, and navigates', () => {
    expect(router.route).toEqual({ name: 'settings' })
    router.navigate('/chat/3')
    expect(router.route).toEqual({ name: 'chat', contactId: 3 })
    expect(address.hash).toBe('#/chat/3')
  })

  it('reset() reads the address again', () => {
    router.navigate('#/network')
    // changed behind the router's back (no hashchange here)
    address.hash = '#/search'
    expect(router.route).toEqual({ name: 'network' })
    router.reset()
    expect(router.route).toEqual({ name: 'search' })
  })
})
