/**
 * The worker side of `NodeApi.setLocale`: the node's errors and status texts
 * are written with lib/i18n's `t()` when they happen, in the language of the
 * worker's realm, and that language follows the tab's (each tab sends it on
 * every (re)connect and on every change: state/node-manager.svelte.ts).
 */
import { setLocale } from '../i18n/index.ts'
import { readLocaleParams } from './guards.ts'

/**
 * Switches the worker's language to the one in `params` (exactly `{ locale }`).
 *
 * @throws InvalidRpcMessageError for anything else ('de', 42, extra keys), changing nothing.
 */
export function handleSetLocale (params: unknown): null {
  setLocale(readLocaleParams(params))
  return null
}
