import '../../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_TEXT_BYTES } from '@parley/protocol/chat/constants'
import { getLocale, setLocale } from '../../../../src/lib/i18n/index.ts'
import { checkText } from '../../../../src/lib/p2p/messaging/text.ts'
import { wordsOf } from '../../../support/words.ts'

/*
 * A text the user sends, checked by the chat protocol's rules and refused
 * with a coded error: the sentences the user reads, in English and Russian.
 */

const startLocale = getLocale()
afterEach(() => { setLocale(startLocale) })

describe('checkText', () => {
  it('lets a text up to the limit through', () => {
    expect(() => { checkText('hello') }).not.toThrow()
    expect(() => { checkText('x'.repeat(MAX_TEXT_BYTES)) }).not.toThrow()
  })

  it('refuses a text over the limit with its size and the limit, in words', () => {
    const tooLong = '😀'.repeat(MAX_TEXT_BYTES / 4 + 1)
    expect(() => { checkText(tooLong) }).toThrow(expect.objectContaining({ name: 'MessageTooLargeError', code: 'messageTooLong', params: { bytes: 16_388, limit: MAX_TEXT_BYTES } }))
    setLocale('en')
    expect(wordsOf(() => { checkText(tooLong) })).toBe('This message is too long to send: it is 16388 bytes and the limit is 16384 bytes. Shorten it or send it as a file.')
    setLocale('ru')
    expect(wordsOf(() => { checkText(tooLong) })).toBe('Сообщение слишком длинное для отправки: его размер — 16388 Б, а ограничение — 16384 Б. Сократите его или отправьте как файл.')
  })

  it('refuses an empty text and broken characters, in words', () => {
    setLocale('en')
    expect(() => { checkText('') }).toThrow(expect.objectContaining({ name: 'EmptyMessageError', code: 'messageEmpty' }))
    expect(wordsOf(() => { checkText('') })).toBe('This message is empty, so there is nothing to send.')
    expect(() => { checkText('a\udc00') }).toThrow(expect.objectContaining({ name: 'BrokenTextError', code: 'messageBrokenChars' }))
    expect(wordsOf(() => { checkText('a\udc00') })).toBe('This message contains broken characters (unpaired UTF-16 surrogates) and cannot be sent.')
  })
})
