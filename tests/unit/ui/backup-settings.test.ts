/**
 * The backup section of Settings (ui/BackupSettings.svelte; issue 57, item 4)
 * from props alone: it says in words, in English and Russian, that the file
 * is the identity; it offers the generated words first, with their count and
 * bits; the own path shows the meter at the estimate's level and whether it
 * is over the floor.
 */
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import BackupSettings, { type BackupSettingsOf } from '../../../src/lib/ui/BackupSettings.svelte'

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const WORDS = 'wagon-ripple-absurd-mesh-visit-elder-tone'

function backup (over: Partial<BackupSettingsOf> = {}): BackupSettingsOf {
  return {
    words: 7, bits: 77, generated: WORDS, own: false, saved: false, passphrase: '', repeat: '', strength: undefined, checking: false,
    includeHistory: true, busy: false, error: '', done: '',
    otherWords: () => {}, chooseOwn: async () => {}, useGenerated: () => {}, create: async () => undefined,
    ...over
  }
}

const html = (over: Partial<BackupSettingsOf> = {}): string => render(BackupSettings, { props: { backup: backup(over) } }).body

describe('the backup section', () => {
  it('says the file is the identity, and offers the generated words first', () => {
    const body = html()
    expect(text(body)).toContain('This file is your identity. Whoever has the file and its passphrase can be you')
    expect(text(body)).toContain('Keep both safe, and not in the same place.')
    expect(body).toContain(`value="${WORDS}"`)
    expect(text(body)).toContain('This browser chose these 7 words at random from a list of 2,048: 77 bits')
    expect(text(body)).toContain('I have written down or saved this passphrase')
    expect(text(body)).toContain('Choose my own passphrase')
    expect(body).not.toContain('<meter')
  })

  it('in Russian too', () => {
    setLocale('ru')
    const body = text(html())
    expect(body).toContain('Этот файл — ваш профиль. Тот, у кого есть файл и его пароль, может стать вами')
    expect(body).toContain('(их 7, это 77 бит)')
    expect(body).toContain('Придумать свой пароль')
  })

  it('the own path: the meter at the estimate\'s level, and whether it is over the floor', () => {
    const weak = html({ own: true, passphrase: 'qwerty', strength: { level: 1, guessesLog10: 4, enough: false } })
    expect(weak).toMatch(/<meter[^>]*value="1"/)
    expect(text(weak)).toContain('Weak. Too easy to guess for a file that is your identity')
    const strong = html({ own: true, passphrase: 'x', strength: { level: 4, guessesLog10: 19, enough: true } })
    expect(strong).toMatch(/<meter[^>]*value="4"/)
    expect(text(strong)).toContain('Strong. Strong enough for a backup.')
    expect(text(html({ own: true, checking: true }))).toContain('Checking the strength…')
    expect(text(strong)).toContain('Use random words instead')
  })
})
