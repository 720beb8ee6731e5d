import type { RouteName } from '../model/route.ts'

/**
 * The main navigation's four destinations (AppNav.svelte): a bottom tab bar
 * on a phone, a rail on a desktop. My invite is reached from Add contact and
 * Network from Settings, so their screens mark those tabs.
 */
export type Tab = 'chats' | 'search' | 'add' | 'settings'

export const TABS: readonly Tab[] = ['chats', 'search', 'add', 'settings']

export const TAB_HREF: Readonly<Record<Tab, string>> = {
  chats: '#/',
  search: '#/search',
  add: '#/add',
  settings: '#/settings'
}

/** The tab a screen belongs to, to mark it current; none for Share and an unknown address. */
export function tabOf (route: RouteName): Tab | undefined {
  switch (route) {
    case 'chats':
    case 'chat':
    case 'contact':
    case 'group':
    case 'group-info':
    case 'new-group':
      return 'chats'
    case 'search':
      return 'search'
    case 'add':
    case 'invite':
      return 'add'
    case 'settings':
    case 'network':
      return 'settings'
    case 'share':
    case 'not-found':
      return undefined
  }
}
