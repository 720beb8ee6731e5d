/**
 * Words for coded errors (lib/contract/errors.ts): the node and the database
 * report a code and its params, and only the tab says what they mean, in its
 * language, from the 'errors' table (keyed by code). The words say how each
 * param is shown — `{name}` as it is, `{size:bytes}` in the locale's units,
 * `{count:count}` in the locale's digits (and choosing the plural form),
 * `{problem:code}` as the words of another code (a reason inside a reason,
 * whose own params ride along in the same flat set) — so the tab needs no
 * catalog at run time (a unit test holds the words to the catalog's kinds).
 */
import { formatBytes } from './size.ts'
import { entryOf, t } from './index.ts'
import type { MessageKey } from './index.ts'

/** How deep a reason inside a reason is worded (a nested code's own nested codes are shown as codes). */
const MAX_NESTING = 2

const TYPED_PLACEHOLDER = /\{(\w+):(\w+)\}/g

export type ErrorParamValues = Readonly<Record<string, string | number>>

/** True when the 'errors' table has words for `code`. */
export function hasErrorWords (code: unknown): code is string {
  return typeof code === 'string' && code !== '' && entryOf(`errors.${code}`) !== undefined
}

/** The kinds the words of `code` give their placeholders (`{size:bytes}` → size: bytes). */
function kindsOf (code: string): Map<string, string> {
  const entry = entryOf(`errors.${code}`)
  const text = typeof entry === 'string' ? entry : Object.values(entry ?? {}).join(' ')
  return new Map([...text.matchAll(TYPED_PLACEHOLDER)].map(m => [m[1] ?? '', m[2] ?? '']))
}

/** The sentence for `code` with `params`, in the current language; the code itself when it has no words. */
export function errorText (code: string, params: ErrorParamValues = {}, depth = 0): string {
  if (!hasErrorWords(code)) return code
  const kinds = kindsOf(code)
  const worded: Record<string, string | number> = {}
  for (const [name, value] of Object.entries(params)) {
    const kind = kinds.get(name)
    if (kind === 'bytes' && typeof value === 'number') worded[name] = formatBytes(value)
    else if (kind === 'code' && typeof value === 'string') worded[name] = depth < MAX_NESTING ? errorText(value, params, depth + 1) : value
    // a count is a number to t(): it picks the plural form and is shown in the locale's digits
    else if (kind === 'count') worded[name] = value
    else worded[name] = String(value)
  }
  return t(`errors.${code}` as MessageKey, worded)
}

/**
 * The sentence for anything caught: a coded error (raised here or re-created
 * from a port) in words; otherwise its message, or undefined when it has none.
 */
export function textOfError (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return typeof err === 'string' ? err : undefined
  const { code, params, message } = err as { code?: unknown, params?: unknown, message?: unknown }
  if (hasErrorWords(code) && typeof params === 'object' && params !== null) {
    return errorText(code, params as ErrorParamValues)
  }
  return typeof message === 'string' ? message : undefined
}
