/**
 * The UI's one funnel for errors (ignore AbortError, show
 * words, never a stack). Errors from the worker arrive as plain `Error`s whose
 * `name` is the remote class name (structured clone drops prototypes), so
 * everything here matches by `name`, never by `instanceof`.
 */

import { textOfError } from './error-text.ts'
import { t } from './index.ts'

/** Lines of a V8/SpiderMonkey stack trace, in case one leaked into a message. */
const STACK_LINE = /^\s*at\s|^\s*\S*@\S+:\d+:\d+\s*$/

function errorName (err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string') {
    return err.name
  }
  return undefined
}

/** True for a cancelled operation: the user (or a teardown) asked for it, so there is nothing to show. */
export function isAbortError (err: unknown): boolean {
  return errorName(err) === 'AbortError'
}

/** True when `err` (raised here or re-created from a port, where prototypes are lost) is named `name`. */
export function isErrorNamed (err: unknown, name: string): boolean {
  return errorName(err) === name
}

/**
 * The sentence to show for `err`: '' for an AbortError; a coded error (the
 * node's, or the RPC layer's) in words of the current locale; otherwise the
 * error's message (stack lines removed), or a generic sentence when it has none.
 */
export function errorMessage (err: unknown): string {
  if (isAbortError(err)) {
    return ''
  }

  const text = (textOfError(err) ?? '')
    .split('\n')
    .filter((line) => !STACK_LINE.test(line))
    .join('\n')
    .trim()

  return text === '' ? t('common.genericError') : text
}

/**
 * `errorMessage` plus a console log for whoever debugs it (AbortErrors are not
 * logged). Use it in `catch` blocks of components: `error = handleError(err)`.
 */
export function handleError (err: unknown, context?: string): string {
  const message = errorMessage(err)
  if (message !== '') {
    console.error(context === undefined ? 'parley:' : `parley: ${context}:`, err)
  }
  return message
}
