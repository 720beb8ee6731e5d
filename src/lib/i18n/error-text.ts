/**
 * Words for coded errors (lib/contract/errors.ts): the node and the database
 * report a code and its params, and only the tab says what they mean, in its
 * language, from the 'errors' table (keyed by code). Params are worded by
 * their kind: sizes in the locale's units, nested codes in words of their own
 * (a reason inside a reason: `relayAddressInvalid { address, problem:
 * 'relayProblemTooLong', max }` — the nested code takes its params from the
 * same flat set).
 */
import { ERROR_CATALOG, isErrorCode } from '../contract/errors.ts'
import type { ErrorCode, ParamKind } from '../contract/errors.ts'
import { formatBytes } from '../files/size.ts'
import { t } from './index.ts'
import type { MessageKey, MessageParams } from './index.ts'

/** How deep a reason inside a reason is worded (a nested code's own nested codes are shown as codes). */
const MAX_NESTING = 2

/** The sentence for `code` with `params`, in the current language. */
export function errorText (code: ErrorCode, params: Readonly<Record<string, string | number>> = {}, depth = 0): string {
  const kinds: Readonly<Record<string, ParamKind>> = ERROR_CATALOG[code]
  const worded: Record<string, string | number> = {}
  for (const [name, value] of Object.entries(params)) {
    // a nested code's params ride along in the same set; the kind of one this code does not name is looked up there
    const kind = kinds[name] ?? kindElsewhere(name, params)
    if (kind === 'bytes' && typeof value === 'number') worded[name] = formatBytes(value)
    else if (kind === 'number') worded[name] = String(value)
    else if (kind === 'code' && isErrorCode(value) && depth < MAX_NESTING) worded[name] = errorText(value, params, depth + 1)
    else worded[name] = value
  }
  return t(`errors.${code}` as MessageKey, worded satisfies MessageParams)
}

/** The kind of a param named by a nested code among `params`' code values. */
function kindElsewhere (name: string, params: Readonly<Record<string, string | number>>): ParamKind | undefined {
  for (const value of Object.values(params)) {
    if (isErrorCode(value)) {
      const kind = (ERROR_CATALOG[value] as Readonly<Record<string, ParamKind>>)[name]
      if (kind !== undefined) return kind
    }
  }
  return undefined
}

/**
 * The sentence for anything caught: a coded error (raised here or re-created
 * from a port) in words; otherwise its message, or undefined when it has none.
 */
export function textOfError (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return typeof err === 'string' ? err : undefined
  const { code, params, message } = err as { code?: unknown, params?: unknown, message?: unknown }
  if (isErrorCode(code) && typeof params === 'object' && params !== null) {
    return errorText(code, params as Record<string, string | number>)
  }
  return typeof message === 'string' ? message : undefined
}
