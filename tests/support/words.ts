/**
 * What the user reads for an error: the node and the database throw coded
 * errors (lib/contract/errors.ts) and the tab words them (lib/i18n/error-text.ts).
 * Tests that pin the words of a refusal read them here, in the language the
 * test realm speaks (English unless a test sets another).
 */
import { expect } from 'vitest'
import { textOfError } from '../../src/lib/i18n/error-text.ts'

/** The words of what `fn` throws; fails the test when it throws nothing. */
export function wordsOf (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return textOfError(err) ?? ''
  }
  expect.fail('expected a throw')
}

/** The words of what `promise` rejects with; fails the test when it resolves. */
export async function rejectionWords (promise: Promise<unknown>): Promise<string> {
  return promise.then(() => expect.fail('expected a rejection'), (err: unknown) => textOfError(err) ?? '')
}

/** The error `promise` rejects with (to check its name, code and params); fails the test when it resolves. */
export async function rejection (promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.fail('expected a rejection'), (err: unknown) => err)
}

/** `promise` rejects with an error named `name` whose words are (or match) `words`. */
export async function expectRefusal (promise: Promise<unknown>, name: string, words: string | RegExp): Promise<void> {
  const err = await rejection(promise)
  expect(err).toMatchObject({ name })
  const text = textOfError(err) ?? ''
  if (typeof words === 'string') expect(text).toBe(words)
  else expect(text).toMatch(words)
}

/**
 * An asymmetric matcher for `toThrow`/`rejects.toThrow`: an error named `name`
 * whose words (in the realm's language) match `words`.
 */
export function refusedWith (name: string, words: RegExp | string): { asymmetricMatch: (err: unknown) => boolean, toString: () => string } {
  return {
    asymmetricMatch (err: unknown): boolean {
      if (typeof err !== 'object' || err === null || (err as { name?: unknown }).name !== name) return false
      const text = textOfError(err) ?? ''
      return typeof words === 'string' ? text === words : words.test(text)
    },
    toString: () => `${name} saying ${String(words)}`
  }
}
