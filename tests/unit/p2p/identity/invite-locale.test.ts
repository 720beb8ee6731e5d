import '../../../support/russian.ts'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { getLocale, setLocale } from '../../../../src/lib/i18n/index.ts'
import type { Locale } from '../../../../src/lib/i18n/index.ts'
import { refusedWith } from '../../../support/words.ts'
import { textOfError } from '../../../../src/lib/i18n/error-text.ts'
import { INVITE_LINK_PATH, MAX_INVITE_CHARS, parseInvite, validateName } from '../../../../src/lib/p2p/identity/invite.ts'

/*
 * "A bad invite says what is wrong" in the tab's language: parseInvite throws
 * a code with its params, and the tab words it (textOfError) in the language
 * it speaks. English wording is pinned by invite.test.ts; here each reason
 * must come out in Russian with 'ru', and back in English with 'en'.
 */

const ORIGIN = 'https://parley.example'
const startLocale = getLocale()

let id: string
let rsaLike: string

beforeAll(async () => {
  id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  rsaLike = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
})

afterEach(() => { setLocale(startLocale) })

const payload = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
const link = (value: unknown): string => `${ORIGIN}/${INVITE_LINK_PATH}${payload(value)}`

/** The message parseInvite throws for `text` in `locale`. */
function reason (locale: Locale, text: string): string {
  setLocale(locale)
  try {
    parseInvite(text)
  } catch (err) {
    expect((err as Error).name).toBe('InvalidInviteError')
    return textOfError(err) ?? ''
  }
  throw new Error(`expected ${text.slice(0, 40)} to be refused`)
}

/** Bad invites, each with its English sentence and a Russian one (regexps: user data is quoted inside). */
const CASES: Array<[string, () => string, RegExp, RegExp]> = [
  ['empty', () => '   ', /^The invite is empty\. Paste the invite your contact sent you\.$/, /^Приглашение пустое\. Вставьте приглашение/],
  ['too long', () => 'x'.repeat(MAX_INVITE_CHARS + 1), /^The invite is too long \(more than 4096 characters\)\.$/, /^Приглашение слишком длинное \(больше 4096 символов\)\.$/],
  ['a web site', () => 'https://example.org/page', /^This is not a Parley invite: it looks like a link to the web site "example\.org"\.$/, /^Это не приглашение Parley: похоже на ссылку на сайт «example\.org»\.$/],
  ['an e-mail address', () => 'alice@example.org', /it looks like an e-mail address\.$/, /похоже на адрес электронной почты\.$/],
  ['a cut-off link', () => link({ v: 1, id, n: 'A', a: ['/dns4/r.example/tcp/443/wss'] }).slice(0, -7), /^The invite is incomplete or damaged/, /^Приглашение неполное или повреждено/],
  ['a newer version', () => link({ v: 2, id, a: [] }), /^This invite has version 2, .* probably made by a newer Parley\.$/, /^У этого приглашения версия 2, .*более новая версия Parley\.$/],
  ['an unknown field', () => link({ v: 1, id, a: ['/dns4/r.example/tcp/443/wss'], x: 1 }), /^The invite is damaged: unknown field "x"\.$/, /^Приглашение повреждено: неизвестное поле «x»\.$/],
  ['a bad PeerID', () => link({ v: 1, id: 'hello', a: ['/dns4/r.example/tcp/443/wss'] }), /^"hello" is not a valid PeerID: Parley PeerIDs start with "12D3KooW"\.$/, /^«hello» — недопустимый PeerID: PeerID в Parley начинаются с «12D3KooW»\.$/],
  ['a secp256k1 PeerID', () => `${rsaLike}@/dns4/r.example/tcp/443/wss`, /is a secp256k1 identity, not an Ed25519 identity/, /идентификатор secp256k1, а не Ed25519/],
  ['an address without "/"', () => `${id}@dns4/r.example`, /^"dns4\/r\.example" is not a valid address: an address starts with "\/"/, /^«dns4\/r\.example» — недопустимый адрес: адрес начинается с «\/»/],
  ['no address', () => link({ v: 1, id, a: [] }), /^The invite has no address to reach the contact at\.$/, /^В приглашении нет адреса/]
]

describe('parseInvite follows the realm\'s language', () => {
  it.each(CASES)('%s: Russian with ru, English with en', (_name, text, english, russian) => {
    const ru = reason('ru', text())
    expect(ru).toMatch(russian)
    // no English sentence left: only user data, PeerID and the word Parley are Latin
    expect(ru).not.toMatch(/\b(the|invite|is|not|an?)\b/i)
    expect(reason('en', text())).toMatch(english)
  })

  it('also for the name checks of createProfile and nicknames', () => {
    setLocale('ru')
    expect(() => validateName(' ')).toThrow(refusedWith('InvalidInviteError', 'Имя не указано.'))
    expect(() => validateName('x'.repeat(65))).toThrow(refusedWith('InvalidInviteError', 'Имя длиннее 64 символов.'))
    setLocale('en')
    expect(() => validateName(' ')).toThrow(refusedWith('InvalidInviteError', 'The name is empty.'))
  })
})
