/**
 * "Link this browser instead", in the tab (state/link-instead.ts; issue 58,
 * increment 9): the node is asked to give way; this tab remembers, for the
 * welcome screen it comes back to, to start linking at once (taken once);
 * a refusal is said in words and nothing is remembered.
 */
import '../../support/russian.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { LINK_NEXT_KEY, linkInstead, takeLinkNext, type LinkNextStore } from '../../../src/lib/state/link-instead.ts'
import { fakeCall } from '../../support/fake-node.ts'
import type { NodeManager } from '../../../src/lib/state/node-manager.svelte.ts'

afterEach(() => {
  vi.restoreAllMocks()
  setLocale('en')
})

function store (): LinkNextStore & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => { map.set(k, v) }, removeItem: (k) => { map.delete(k) } }
}

describe('linking instead of keeping a restored copy', () => {
  it('asks the node, and the welcome screen starts linking once', async () => {
    const fake = fakeCall({ linkInstead: () => null })
    const session = store()
    expect(await linkInstead({ call: fake.call as NodeManager['call'] }, session)).toBe('')
    expect(fake.calls).toEqual([{ method: 'linkInstead', params: undefined }])
    expect(session.map.get(LINK_NEXT_KEY)).toBe('1')
    expect(takeLinkNext(session)).toBe(true)
    expect(takeLinkNext(session)).toBe(false)
  })

  it('a refusal is said in words, in each language, and nothing is remembered', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const refuse = (): never => { throw Object.assign(new Error('refused'), { name: 'LinkInsteadError', code: 'notRestoredCopy', params: {} }) }
    const session = store()
    expect(await linkInstead({ call: fakeCall({ linkInstead: refuse }).call as NodeManager['call'] }, session)).toBe('Only a copy restored from a backup while your account is open on another device can be linked instead. Nothing was erased.')
    expect(takeLinkNext(session)).toBe(false)
    setLocale('ru')
    expect(await linkInstead({ call: fakeCall({ linkInstead: refuse }).call as NodeManager['call'] }, session)).toContain('Ничего не удалено.')
  })
})
