/** The tab's router (state/router.svelte.ts): navigate, and reset() reading the address again. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { router } from '../../../src/lib/state/router.svelte.ts'

let address: { pathname: string, search: string, hash: string }

beforeEach(() => {
  address = { pathname: '/', search: '', hash: '#/settings' }
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

  it("opens an invite link whose route was percent-encoded, in the fragment or (with the '#') in the path", () => {
    address.hash = '#%2Fadd%2FeyJ2IjoxfQ'
    router.reset()
    expect(router.route).toEqual({ name: 'add', invite: 'eyJ2IjoxfQ' })
    address.hash = '#%252Fadd%252FeyJ2IjoxfQ'
    router.reset()
    expect(router.route).toEqual({ name: 'add', invite: 'eyJ2IjoxfQ' })

    // the address is corrected in place, without a history entry
    const replaceState = vi.fn((_state: unknown, _unused: string, url: string) => {
      const at = url.indexOf('#')
      address.pathname = url.slice(0, url.indexOf('?') >= 0 ? url.indexOf('?') : at)
      address.hash = url.slice(at)
    })
    vi.stubGlobal('history', { state: null, replaceState })
    Object.assign(address, { pathname: '/%23%2Fadd%2FeyJ2IjoxfQ', search: '?from=mail', hash: '' })
    router.reset()
    expect(replaceState).toHaveBeenCalledWith(null, '', '/?from=mail#/add/eyJ2IjoxfQ')
    expect(router.route).toEqual({ name: 'add', invite: 'eyJ2IjoxfQ' })
    expect(address.pathname).toBe('/')
  })
})
