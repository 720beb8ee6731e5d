import '../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { CodedError, errorClass, errorFromShape, isErrorShape, MAX_ERROR_PARAM_CHARS, toErrorShape } from '../../../src/lib/contract/errors.ts'
import { ERROR_CATALOG } from '../../../src/lib/contract/error-codes/index.ts'
import { en } from '../../../src/lib/i18n/messages/errors.ts'
import { ru } from '../../../src/lib/i18n/messages/ru/errors.ts'
import { errorText, textOfError } from '../../../src/lib/i18n/error-text.ts'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'

const startLocale = getLocale()
afterEach(() => { setLocale(startLocale) })

const ProbeError = errorClass('ProbeError')

describe('coded errors', () => {
  it('errorClass makes a class whose instances carry the name, the code and the params', () => {
    const err = new ProbeError('rpcTooManyCalls', { pending: 4 })
    expect(err).toBeInstanceOf(ProbeError)
    expect(err).toBeInstanceOf(CodedError)
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('ProbeError')
    expect(Object.hasOwn(err, 'name')).toBe(true)
    expect(ProbeError.NAME).toBe('ProbeError')
    expect(err.code).toBe('rpcTooManyCalls')
    expect(err.params).toEqual({ pending: 4 })
    // the message is for developers: the code and its params, never words
    expect(err.message).toBe('rpcTooManyCalls (pending: 4)')
    expect(new ProbeError('rpcTimeout').message).toBe('rpcTimeout')
    expect(new ProbeError('rpcTimeout', {}, { cause: 'why' }).cause).toBe('why')
  })

  it('cross a port as { name, code, params, message } and come back the same', () => {
    const shape = toErrorShape(new ProbeError('invalidParams', { method: 'm', problem: 'p' }))
    expect(shape).toEqual({ name: 'ProbeError', code: 'invalidParams', params: { method: 'm', problem: 'p' }, message: 'invalidParams (method: m, problem: p)' })
    expect(isErrorShape(structuredClone(shape))).toBe(true)
    const back = errorFromShape(structuredClone(shape))
    expect(back).toMatchObject(shape)
    expect(toErrorShape(back)).toEqual(shape)
  })

  it('anything else crosses as `unexpected` with its message; every field is bounded', () => {
    expect(toErrorShape(new TypeError('boom'))).toEqual({ name: 'TypeError', code: 'unexpected', params: { message: 'boom' }, message: 'boom' })
    expect(toErrorShape('just text')).toEqual({ name: 'Error', code: 'unexpected', params: { message: 'just text' }, message: 'just text' })
    const long = toErrorShape(new Error('x'.repeat(100_000)))
    expect(isErrorShape(long)).toBe(true)
    expect(String(long.params['message']).length).toBe(MAX_ERROR_PARAM_CHARS)
    const hostile = { toString () { throw new Error('no') } }
    expect(toErrorShape(hostile).params).toEqual({ message: 'Unprintable error' })
    // a code is not checked at run time (the compiler did): one the tab has no words for is shown by its message
    const unknown = toErrorShape({ name: 'X', code: 'notACode', params: {}, message: 'm' })
    expect(unknown.code).toBe('notACode')
    expect(textOfError(errorFromShape(unknown))).toBe('m')
  })

  it('the guard refuses shapes with extra keys, bad params or unbounded fields', () => {
    const ok = { name: 'E', code: 'rpcTimeout', params: {}, message: '' }
    expect(isErrorShape(ok)).toBe(true)
    for (const bad of [
      { ...ok, stack: '' }, { ...ok, name: '' }, { ...ok, code: '' }, { ...ok, params: [] }, { ...ok, params: { a: {} } },
      { ...ok, params: { a: NaN } }, { ...ok, params: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) },
      { ...ok, message: 'm'.repeat(5000) }, { name: 'E', message: '' }, null, 'E'
    ]) expect(isErrorShape(bad)).toBe(false)
  })
})

describe('the tab words codes', () => {
  it('every code in the catalog has words in English and Russian, which show each param as its kind says', () => {
    const texts = (entry: unknown): string[] => typeof entry === 'string' ? [entry] : Object.values(entry as Record<string, string>)
    const catalog: Readonly<Record<string, Readonly<Record<string, string>>>> = ERROR_CATALOG
    /** The kind of a param of `code` or of a code it nests (their params ride in the same set). */
    const kindOf = (code: string, name: string): string | undefined => {
      const own = catalog[code]?.[name]
      if (own !== undefined) return own
      const nested = Object.entries(catalog[code] ?? {}).filter(([, kind]) => kind === 'code')
      return nested.length > 0 ? Object.values(catalog).map(params => params[name]).find(kind => kind !== undefined) : undefined
    }
    for (const code of Object.keys(catalog)) {
      const english = en[code as keyof typeof en]
      const russian = ru[code as keyof typeof ru]
      expect({ code, english: english === undefined, russian: russian === undefined }).toEqual({ code, english: false, russian: false })
      for (const text of [...texts(english), ...texts(russian)]) {
        for (const [, name = '', shown] of text.matchAll(/\{(\w+)(?::(\w+))?\}/g)) {
          const kind = kindOf(code, name)
          // bytes, nested codes and counts must say so; text and plain numbers are shown as they are
          const expected = kind === 'bytes' || kind === 'code' || kind === 'count' ? kind : undefined
          expect({ code, name, known: kind !== undefined, shown }).toEqual({ code, name, known: true, shown: expected })
        }
      }
    }
  })

  it('words params by their kind: sizes in units, counts in the locale\'s digits, text as it is', () => {
    setLocale('en')
    expect(errorText('rpcResultTooLarge', { max: 1536 })).toBe('The node’s answer is larger than 1.5 KiB.')
    expect(errorText('noNodeOwner', { seconds: 10 })).toMatch(/^No Parley tab answered as the node's owner within 10 s\./)
    expect(errorText('unexpected', { message: 'Boom <b>' })).toBe('Boom <b>')
    setLocale('ru')
    expect(errorText('rpcResultTooLarge', { max: 1536 })).toBe('Ответ узла больше 1,5 КиБ.')
  })

  it('textOfError: coded errors in words, others by their message', () => {
    setLocale('en')
    expect(textOfError(new ProbeError('rpcClosed'))).toBe('The connection to Parley’s background node was lost. Please try again.')
    expect(textOfError(errorFromShape(toErrorShape(new ProbeError('rpcTimeout'))))).toBe('Parley’s background node did not answer in time. Please try again.')
    expect(textOfError(new Error('plain'))).toBe('plain')
    expect(textOfError('text')).toBe('text')
    expect(textOfError(42)).toBeUndefined()
  })
})
