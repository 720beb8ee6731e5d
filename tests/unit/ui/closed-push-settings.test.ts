/**
 * "When Parley is closed" (ui/ClosedPushSettings.svelte) from props alone, in
 * English and Russian: the switch and what the push service learns; the
 * status in words (on, N of M relays, with those of another key; off; not
 * supported here, with what to do instead; blocked), each relay while on;
 * the problem of the last try (relays with push off, no relay, a failure
 * with its reason).
 */
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import ClosedPushSettings from '../../../src/lib/ui/ClosedPushSettings.svelte'
import type { ClosedPushView } from '../../../src/lib/ui/closed-push-view.ts'

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const html = (view: Partial<ClosedPushView>): string =>
  render(ClosedPushSettings, { props: { view: { state: { kind: 'off' }, relays: [], error: '', busy: false, names: false, ...view }, ontoggle: () => {}, onnames: () => {} } }).body

describe('"When Parley is closed"', () => {
  it('on: the switch checked, what the push service learns, and N of M relays', () => {
    const body = html({ state: { kind: 'on', covered: 1, total: 2, otherKey: 1 } })
    expect(body).toMatch(/<input type="checkbox"[^>]* checked/)
    expect(text(body)).toContain('When Parley is closed')
    expect(text(body)).toContain('learns when a relay wakes this browser, never who wrote or what')
    expect(text(body)).toContain('On: your relays wake this browser (1 of 2).')
    expect(text(body)).toContain('1 relay uses another push key: its messages arrive when you open Parley.')
    expect(text(html({ state: { kind: 'on', covered: 0, total: 2, otherKey: 0 } }))).toContain('On. Your relays have not confirmed yet')
  })

  it('on: each relay, by a short PeerID, with what it holds', () => {
    const relays = [
      { relay: '12D3KooWRtC7CKYeDLREpYZeT7FCUWw1VS3JNMqM6ib6F8Qb17oi', state: 'registered' as const },
      { relay: '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ', state: 'other-key' as const },
      { relay: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', state: 'refused' as const, code: 'full' }
    ]
    const body = html({ state: { kind: 'on', covered: 1, total: 3, otherKey: 1 }, relays })
    expect(text(body)).toContain('12D3KooW…Qb17oi wakes this browser')
    expect(text(body)).toContain('12D3KooW…kkrDRZ another push key: no wake-ups from it')
    expect(text(body)).toContain('12D3KooW…CVe2Xo refused (full)')
    expect(text(html({ relays }))).not.toContain('Qb17oi')
    setLocale('ru')
    expect(text(html({ state: { kind: 'on', covered: 1, total: 3, otherKey: 1 }, relays }))).toContain('12D3KooW…Qb17oi будит этот браузер')
  })

  it('off, blocked, unsupported, and the problems of the last try', () => {
    const off = html({})
    expect(off).not.toMatch(/<input type="checkbox"[^>]* checked/)
    expect(text(off)).toContain('Off. Messages wait on your relays until you open Parley.')
    expect(text(html({ state: { kind: 'denied' } }))).toContain('Notifications are blocked for this site, so Parley cannot wake this browser.')
    const unsupported = html({ state: { kind: 'unsupported' } })
    expect(unsupported).not.toContain('type="checkbox"')
    expect(text(unsupported)).toContain('This browser cannot wake Parley when it is closed. On iPhone or iPad, add Parley to the Home Screen')
    expect(text(html({ problem: 'relays-off' }))).toContain('Your relays do not send push notifications')
    expect(text(html({ problem: 'no-relays' }))).toContain('Parley is not connected to a relay yet.')
    expect(text(html({ problem: 'failed', error: 'the browser said no' }))).toContain('Could not turn it on: the browser said no')
    expect(html({ busy: true })).toMatch(/<input type="checkbox"[^>]* disabled/)
  })

  it('on: "Show names in notifications", checked as the view says; not shown while off', () => {
    const on = { state: { kind: 'on' as const, covered: 1, total: 1, otherKey: 0 } }
    const unnamed = html(on)
    expect(text(unnamed)).toContain('Show names in notifications')
    expect(text(unnamed)).toContain('Off, it says only how many messages wait.')
    expect(unnamed.match(/<input type="checkbox"[^>]*>/g)?.map(i => i.includes(' checked'))).toEqual([true, false])
    expect(html({ ...on, names: true }).match(/<input type="checkbox"[^>]*>/g)?.map(i => i.includes(' checked'))).toEqual([true, true])
    expect(text(html({}))).not.toContain('Show names in notifications')
    expect(text(html({ ...on, problem: 'names-failed', error: 'the node stopped' }))).toContain('Could not change names in notifications: the node stopped')
    setLocale('ru')
    expect(text(html(on))).toContain('Показывать имена в уведомлениях')
    expect(text(html({ ...on, problem: 'names-failed', error: 'x' }))).toContain('Не удалось изменить имена в уведомлениях: x')
  })

  it('in Russian', () => {
    setLocale('ru')
    expect(text(html({ state: { kind: 'on', covered: 2, total: 2, otherKey: 0 } }))).toContain('Включено: этот браузер будят ваши ретрансляторы (2 из 2).')
    expect(text(html({ state: { kind: 'on', covered: 1, total: 3, otherKey: 2 } }))).toContain('2 ретранслятора используют другой ключ для пуш-уведомлений')
    expect(text(html({}))).toContain('Когда Parley закрыт')
    expect(text(html({}))).toContain('Выключено. Сообщения ждут на ретрансляторах, пока вы не откроете Parley.')
    expect(text(html({ state: { kind: 'unsupported' } }))).toContain('На iPhone или iPad добавьте Parley на экран «Домой»')
    expect(text(html({ state: { kind: 'denied' } }))).toContain('Уведомления для этого сайта запрещены')
    expect(text(html({ problem: 'relays-off' }))).toContain('Ваши ретрансляторы не отправляют пуш-уведомления')
  })
})
