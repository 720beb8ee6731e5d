/**
 * "Link this browser instead" (issue 58, increment 9), in the tab: a copy
 * restored from a backup while the account runs elsewhere asks the node to
 * give way (`linkInstead`: the copy is erased and the worker starts again
 * with no identity). This tab remembers, for its session only, that the
 * welcome screen it comes back to should start linking at once
 * (routes/onboarding/LinkSection.svelte takes it); other tabs just show the
 * welcome screen.
 */
import { handleError } from '../i18n/handle-error.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** The session storage key of "start linking when the welcome screen shows". */
export const LINK_NEXT_KEY = 'parley-link-next'

/** What of the browser's session storage it uses (tests pass a map). */
export type LinkNextStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** Asks the node to erase this restored copy so that this browser links instead; '' when it did, else why not, in words (nothing erased). */
export async function linkInstead (node: Pick<NodeManager, 'call'>, store: LinkNextStore = sessionStorage): Promise<string> {
  store.setItem(LINK_NEXT_KEY, '1')
  try {
    await node.call('linkInstead')
    return ''
  } catch (err) {
    store.removeItem(LINK_NEXT_KEY)
    return handleError(err, 'linkInstead')
  }
}

/** Whether this tab asked to link instead before its worker started again; asked once (it forgets). */
export function takeLinkNext (store: LinkNextStore = sessionStorage): boolean {
  const next = store.getItem(LINK_NEXT_KEY) === '1'
  store.removeItem(LINK_NEXT_KEY)
  return next
}
