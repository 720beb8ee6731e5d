import '../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { getLocale, setLocale } from '../../../src/lib/i18n/index.ts'
import { en } from '../../../src/lib/i18n/messages/errors.ts'
import { ru } from '../../../src/lib/i18n/messages/ru/errors.ts'
import { newPassphrase } from '../../../src/lib/db/backup-envelope.ts'
import { parseRelayAddress, relayAddressProblem } from '../../../src/lib/db/relays.ts'
import { turnServerProblems } from '../../../src/lib/db/turn-servers.ts'
import { formatBytes } from '../../../src/lib/i18n/size.ts'
import { parseAppConfig } from '../../../src/lib/p2p/kernel/app-config.ts'
import { FileTransferError } from '@parley/protocol/file/errors'
import { FILE_ERROR_CODES } from '../../../src/lib/p2p/transfers/errors.ts'
import { safetyNumber } from '../../../src/lib/p2p/contacts/safety-number.ts'
import { errorText, textOfError } from '../../../src/lib/i18n/error-text.ts'
import { rejectionWords, wordsOf } from '../../support/words.ts'
import { RpcTimeoutError } from '../../../src/lib/rpc/errors.ts'
import { validateUsername } from '../../../src/lib/state/node-manager.svelte.ts'

/*
 * The 'errors' string area and the modules that throw with it: every English
 * sentence has a Russian one with the same placeholders, and errors made
 * while the realm is Russian are Russian (English wording is pinned by each
 * module's own tests).
 */

const startLocale = getLocale()
afterEach(() => { setLocale(startLocale) })

// `{name}` and `{name:kind}` (lib/i18n/error-text.ts): Russian must show each value the same way
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+(?::\w+)?)\}/g)].map(m => m[1] ?? '').sort()
const texts = (entry: string | object): string[] => typeof entry === 'string' ? [entry] : Object.values(entry as Record<string, string>)

describe('the errors table', () => {
  it.each(Object.keys(en))('%s: Russian has the same placeholders and is not the English', (key) => {
    const english = en[key as keyof typeof en]
    const russian = ru[key as keyof typeof ru]
    const wanted = placeholders(texts(english)[0] ?? '')
    // an entry made of placeholders only (a library's own message passed through) has no words to translate
    const wordless = texts(english).every(text => /^(\{\w+\})+$/.test(text))
    for (const text of texts(russian)) {
      expect(placeholders(text)).toEqual(wanted)
      expect(texts(english).includes(text)).toBe(wordless)
    }
  })
})

describe('errors made in a Russian realm are Russian', () => {
  it('file transfer defaults, sizes and size errors', () => {
    setLocale('ru')
    // the protocol's reason is English data; the app words its code (transfers/errors.ts FILE_ERROR_CODES)
    expect(errorText(FILE_ERROR_CODES[new FileTransferError('busy').code])).toBe('Отправитель сейчас занят другими передачами файлов.')
    expect(formatBytes(1536)).toBe('1,5 КиБ')
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 ГиБ')
    setLocale('en')
    expect(errorText(FILE_ERROR_CODES[new FileTransferError('busy').code])).toBe('The sender is busy with other file transfers right now.')
    expect(new FileTransferError('busy').message).toBe('The sender is busy with other file transfers right now.')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(1023)).toBe('1023 B')
  })

  it('relay addresses, TURN servers and the app configuration', () => {
    setLocale('ru')
    const plainTcp = relayAddressProblem('/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWabc')
    expect(plainTcp === undefined ? '' : errorText(plainTcp.code, plainTcp.params)).toMatch(/^— это простой TCP, к нему браузер подключиться не может; используйте/)
    expect(wordsOf(() => parseRelayAddress('garbage'))).toBe('Адрес ретранслятора «garbage» не является полным multiaddr, оканчивающимся на /p2p/<PeerID>.')
    const turn = turnServerProblems({ url: 'stun:x.org', username: '', credential: 'c' })
    expect({ url: textOfError(turn.url), username: textOfError(turn.username), credential: turn.credential }).toEqual({
      url: expect.stringMatching(/^Это адрес STUN\./),
      username: expect.stringMatching(/^Введите имя пользователя/),
      credential: undefined
    })
    expect(wordsOf(() => parseAppConfig('{'))).toBe('Настройки приложения — недопустимый JSON.')
  })

  it('backups, safety numbers, usernames and RPC timeouts', async () => {
    setLocale('ru')
    expect(wordsOf(() => newPassphrase('short'))).toBe('Пароль должен быть не короче 12 символов.')
    expect(await rejectionWords(safetyNumber('nonsense', 'nonsense'))).toMatch(/^«nonsense» — недопустимый PeerID/)
    expect(validateUsername(' ')).toBe('Пожалуйста, введите имя.')
    expect(textOfError(new RpcTimeoutError('rpcTimeout'))).toBe('Фоновый узел Parley не ответил вовремя. Попробуйте ещё раз.')
    setLocale('en')
    expect(validateUsername('x'.repeat(65))).toBe('Your name can be at most 64 characters long.')
    expect(textOfError(new RpcTimeoutError('rpcTimeout'))).toBe('Parley’s background node did not answer in time. Please try again.')
  })
})
