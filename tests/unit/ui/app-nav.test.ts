import '../../support/russian.ts'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import type { RouteName } from '../../../src/lib/state/router.svelte.ts'
import AppNav from '../../../src/lib/ui/AppNav.svelte'
import { TAB_HREF, TABS, tabOf } from '../../../src/lib/ui/nav.ts'

/**
 * The main navigation (issue 22 item 5): four tabs, the current screen's
 * marked, what waits on Chats said in words; and one layout breakpoint for
 * every component that changes with the width.
 */

afterEach(() => { setLocale('en') })

/** Each tab link of the rendered nav: its href, aria-current, aria-label and visible text. */
function tabs (html: string): Array<{ href: string, current: boolean, label: string | undefined, text: string }> {
  return [...html.matchAll(/<a ([^>]*)>([\s\S]*?)<\/a>/g)].map(([, attributes = '', inner = '']) => ({
    href: /href="([^"]*)"/.exec(attributes)?.[1] ?? '',
    current: attributes.includes('aria-current="page"'),
    label: /aria-label="([^"]*)"/.exec(attributes)?.[1],
    text: inner.replace(/<svg[\s\S]*?<\/svg>/g, '').replace(/<span class="count-badge[^>]*>[^<]*<\/span>/g, '').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim()
  }))
}

describe('the main navigation', () => {
  it('has four tabs, icons over short labels; Add is named in full', () => {
    const { body } = render(AppNav, { props: { current: 'chats' } })
    expect(body).toContain('aria-label="Main"')
    expect(tabs(body)).toEqual([
      { href: '#/', current: true, label: undefined, text: 'Chats' },
      { href: '#/search', current: false, label: undefined, text: 'Search' },
      { href: '#/add', current: false, label: 'Add contact', text: 'Add' },
      { href: '#/settings', current: false, label: undefined, text: 'Settings' }
    ])
    expect(body.match(/<svg/g)).toHaveLength(4)
  })

  it('marks the tab a screen belongs to: a chat, contact info and the group screens under Chats, My invite under Add, Network under Settings', () => {
    const expected: Record<RouteName, string | undefined> = {
      chats: '#/', chat: '#/', contact: '#/', group: '#/', 'group-info': '#/', 'new-group': '#/', search: '#/search', add: '#/add', invite: '#/add', settings: '#/settings', network: '#/settings', share: undefined, 'not-found': undefined
    }
    const marked = Object.keys(expected).map((route) => {
      const tab = tabOf(route as RouteName)
      const rendered = tabs(render(AppNav, { props: { current: route as RouteName } }).body).filter(link => link.current)
      return [route, { rendered: rendered.map(link => link.href)[0], tab: tab === undefined ? undefined : TAB_HREF[tab], count: rendered.length }] as const
    })
    expect(Object.fromEntries(marked)).toEqual(Object.fromEntries(Object.entries(expected).map(([route, href]) =>
      [route, { rendered: href, tab: href, count: href === undefined ? 0 : 1 }])))
    expect(TABS).toEqual(['chats', 'search', 'add', 'settings'])
  })

  it('shows what waits on Chats, and names the tab with the count, in English and Russian', () => {
    const english = render(AppNav, { props: { current: 'settings', waiting: 3 } }).body
    expect(tabs(english)[0]?.label).toBe('Chats, 3 new')
    expect(english).toMatch(/data-testid="chats-waiting"[^>]*>3</)

    setLocale('ru')
    const russian = tabs(render(AppNav, { props: { current: 'settings', waiting: 2 } }).body)
    expect(russian.map(tab => tab.text)).toEqual(['Чаты', 'Поиск', 'Добавить', 'Настройки'])
    expect(russian[0]?.label).toBe('Чаты, новых: 2')
    expect(russian[2]?.label).toBe('Добавить контакт')
  })

  it('has no count and no extra name on Chats when nothing waits', () => {
    const { body } = render(AppNav, { props: { current: 'search', waiting: 0 } })
    expect(body).not.toContain('chats-waiting')
    expect(tabs(body)[0]?.label).toBeUndefined()
  })
})

describe('the layout\'s breakpoint', () => {
  const SRC = resolve(import.meta.dirname, '../../../src')

  function svelteFiles (dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
      entry.isDirectory() ? svelteFiles(join(dir, entry.name)) : entry.name.endsWith('.svelte') ? [join(dir, entry.name)] : [])
  }

  it('is one width, 900px, wherever a component changes with the width', () => {
    const widths = new Map<string, string[]>()
    for (const file of [...svelteFiles(SRC), join(SRC, 'app.css')]) {
      for (const [, query = ''] of readFileSync(file, 'utf8').matchAll(/@media\s*([^{]*)\{/g)) {
        for (const [width = ''] of query.matchAll(/\d+(?:\.\d+)?(?:px|rem|em)/g)) {
          widths.set(width, [...(widths.get(width) ?? []), file.slice(SRC.length + 1)])
        }
      }
    }
    expect([...widths.keys()]).toEqual(['900px'])
    expect(widths.get('900px')).toEqual(expect.arrayContaining(['App.svelte', 'lib/ui/AppHeader.svelte', 'lib/ui/AppNav.svelte', 'lib/ui/ChatHeader.svelte']))
  })
})
