import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import * as copies from '../../../src/lib/i18n/messages/copies.ts'
import * as copiesRu from '../../../src/lib/i18n/messages/ru/copies.ts'
import ElsewhereBanner from '../../../src/lib/ui/ElsewhereBanner.svelte'
import { formatShortDate } from '../../../src/lib/ui/format.ts'
import type { Entry } from '../../../src/lib/i18n/table.ts'

/**
 * The warning shown while this identity runs in another place too: nothing
 * without other copies, one sentence for one other copy, a counted one for
 * more, since when, in English and Russian.
 */

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const forms = (entry: Entry): string[] => typeof entry === 'string' ? [entry] : Object.values(entry)
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map(m => m[1] ?? '').sort()

describe('the other-copies warning', () => {
  it('says nothing while there is no other copy, but keeps its live region so the warning is announced when it comes', () => {
    const { body } = render(ElsewhereBanner, { props: { elsewhere: undefined } })
    expect(text(body)).toBe('')
    expect(body).toContain('role="status"')
  })

  it('names one other copy and since when, and asks to close it', () => {
    const since = new Date(2026, 10, 23, 14, 5).getTime()
    const { body } = render(ElsewhereBanner, { props: { elsewhere: { count: 1, since } } })
    expect(text(body)).toBe(`Parley is open in more than one place Parley with your identity is also open in another browser or on another device (since ${formatShortDate(since)}). Only one copy can receive messages: close the other one.`)
  })

  it('counts two or more, in the right Russian form', () => {
    const since = Date.now()
    expect(text(render(ElsewhereBanner, { props: { elsewhere: { count: 2, since } } }).body)).toContain('also open in 2 other browsers or devices (the first since')
    setLocale('ru')
    expect(text(render(ElsewhereBanner, { props: { elsewhere: { count: 1, since } } }).body)).toContain('Parley с вашим профилем открыт ещё в другом браузере или на другом устройстве')
    expect(text(render(ElsewhereBanner, { props: { elsewhere: { count: 3, since } } }).body)).toContain('открыт ещё в 3 других браузерах или на других устройствах (первый — с')
    expect(text(render(ElsewhereBanner, { props: { elsewhere: { count: 21, since } } }).body)).toContain('открыт ещё в 21 другом браузере или на другом устройстве')
  })

  it('on a copy restored from a backup here: says the account is open on another device, and offers to link this browser instead or keep this copy', () => {
    const since = new Date(2026, 10, 23, 14, 5).getTime()
    const linkInstead = async (): Promise<string> => ''
    const body = render(ElsewhereBanner, { props: { elsewhere: { count: 1, since, restored: true }, linkInstead } }).body
    expect(text(body)).toContain('This account is open on another device')
    expect(text(body)).toContain(`Your account is also open on another device or browser (since ${formatShortDate(since)}), and this copy was restored from a backup.`)
    expect([...body.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map(m => m[1])).toEqual(['Link this browser instead', 'Keep this copy'])
    // a copy not restored here, or a tab that cannot ask, gets the warning only
    expect(text(render(ElsewhereBanner, { props: { elsewhere: { count: 1, since }, linkInstead } }).body)).toContain('close the other one')
    expect(render(ElsewhereBanner, { props: { elsewhere: { count: 1, since, restored: true } } }).body).not.toContain('<button')
    setLocale('ru')
    const ru = render(ElsewhereBanner, { props: { elsewhere: { count: 1, since, restored: true }, linkInstead } }).body
    expect(text(ru)).toContain('Этот аккаунт открыт на другом устройстве')
    expect(text(ru)).toContain('а эта копия восстановлена из резервной копии')
    expect([...ru.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map(m => m[1])).toEqual(['Связать этот браузер', 'Оставить эту копию'])
  })

  it('has Russian for every English string, with the same placeholders', () => {
    const en: Readonly<Record<string, Entry>> = copies.en
    const ru: Readonly<Record<string, Entry>> = copiesRu.ru
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort())
    for (const [key, entry] of Object.entries(en)) {
      const expected = placeholders(forms(entry)[0] ?? '')
      for (const s of [...forms(entry), ...forms(ru[key] ?? '')]) expect(placeholders(s), `${key}: ${s}`).toEqual(expected)
    }
  })
})
