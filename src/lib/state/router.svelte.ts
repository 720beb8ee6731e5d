/**
 * A tiny hash router. Hash routes need no server rewrites, so the app works
 * from any static host and offline from the service worker.
 *
 *   #/                   chats list (also an empty hash)
 *   #/chat/<contactId>   one chat
 *   #/chat/<contactId>/<messageId>  one chat, opened at that message (search results)
 *   #/search             search across all chats
 *   #/contact/<contactId> a contact's details (nickname, notes, block)
 *   #/add                add a contact
 *   #/add/<invite>       add a contact, invite prefilled (the invite link, docs/protocols.md "Invites")
 *   #/c/<PeerID>[/<name>][.<check>] add a contact from a short link (the route itself is the invite)
 *   #/invite             my invite
 *   #/settings           settings (identity backup)
 *   #/network            network panel (relays, own addresses, reachability, DHT, connections)
 *   #/share              what another app shared (the share target lands here), to send to a contact
 *   #/group/<groupId>    one group's chat (the id: 32 hex digits)
 *   #/group/<groupId>/<messageId>  a group's chat, opened at that message
 *   #/group/<groupId>/info  a group's members, name and the way out
 *   #/new-group          make a group (pick contacts, name it)
 */
import { encodedHashLocation, undoPercentEncoding } from '../contract/invite-link.ts'
import type { ContactId, MessageId } from '../db/types.ts'
import type { Route, RouteName } from '../model/route.ts'

export type { Route, RouteName }

const CHAT_PATH = /^\/chat\/([1-9]\d{0,15})(?:\/([0-9A-HJKMNP-TV-Z]{26}))?$/
const CONTACT_PATH = /^\/contact\/([1-9]\d{0,15})$/
const GROUP_PATH = /^\/group\/([0-9a-f]{32})(?:\/(info|[0-9A-HJKMNP-TV-Z]{26}))?$/
const ADD_PATH = /^\/add\/(.+)$/
const SHORT_LINK_ROUTE = /^\/c\/[^/]/
/** A route whose first '/' was percent-encoded, once (%2F) or twice (%252F). */
const ENCODED_ROUTE = /^%(?:25)?2F/i

function decode (text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    // malformed %-escape: treat the route as unknown rather than throw from a getter
    return undefined
  }
}

/** Parses `location.hash` (with or without the leading '#'); a route percent-encoded once or twice (`#%2Fadd%2F…`) too. */
export function parseHash (hash: string): Route {
  const raw = hash.replace(/^#/, '')
  const path = (ENCODED_ROUTE.test(raw) ? undoPercentEncoding(raw) : raw) || '/'

  if (path === '/') return { name: 'chats' }
  if (path === '/add') return { name: 'add' }
  if (path === '/invite') return { name: 'invite' }
  if (path === '/settings') return { name: 'settings' }
  if (path === '/network') return { name: 'network' }
  if (path === '/share') return { name: 'share' }
  if (path === '/search') return { name: 'search' }
  if (path === '/new-group') return { name: 'new-group' }

  const chat = CHAT_PATH.exec(path)
  if (chat?.[1] !== undefined) {
    const contactId = Number(chat[1])
    const messageId = chat[2] as MessageId | undefined
    if (Number.isSafeInteger(contactId)) return messageId === undefined ? { name: 'chat', contactId } : { name: 'chat', contactId, messageId }
  }

  const group = GROUP_PATH.exec(path)
  if (group?.[1] !== undefined) {
    const groupId = group[1]
    if (group[2] === 'info') return { name: 'group-info', groupId }
    return group[2] === undefined ? { name: 'group', groupId } : { name: 'group', groupId, messageId: group[2] as MessageId }
  }

  const info = CONTACT_PATH.exec(path)
  if (info?.[1] !== undefined) {
    const contactId = Number(info[1])
    if (Number.isSafeInteger(contactId)) return { name: 'contact', contactId }
  }

  // the short link is read whole by the node, which says what is wrong with it
  if (SHORT_LINK_ROUTE.test(path)) return { name: 'add', invite: `#${path}` }

  const add = ADD_PATH.exec(path)
  if (add?.[1] !== undefined) {
    const invite = decode(add[1])
    if (invite !== undefined) return { name: 'add', invite }
  }

  return { name: 'not-found', path }
}

/** The href of a contact's details page, for links. */
export function contactHref (contactId: ContactId): string {
  return `#/contact/${contactId}`
}

/** The href of a chat, for links; with `messageId`, the chat opened at that message. */
export function chatHref (contactId: ContactId, messageId?: MessageId): string {
  return messageId === undefined ? `#/chat/${contactId}` : `#/chat/${contactId}/${messageId}`
}

/** The href of a group's chat; with `messageId`, opened at that message. */
export function groupHref (groupId: string, messageId?: MessageId): string {
  return messageId === undefined ? `#/group/${groupId}` : `#/group/${groupId}/${messageId}`
}

/** The href of a group's info (members, rename, leave). */
export function groupInfoHref (groupId: string): string {
  return `#/group/${groupId}/info`
}

/**
 * `location.hash`; first, a link whose '#' a mail or chat app percent-encoded
 * into the path (`/%23%2Fadd%2F…`, which the server and the service worker
 * answer with the app) is put back where it belongs, in place, without a new
 * history entry.
 */
function currentHash (): string {
  if (typeof location === 'undefined') return ''
  const fixed = encodedHashLocation(location.pathname)
  if (fixed !== undefined) history.replaceState(history.state, '', fixed.path + location.search + fixed.hash)
  return location.hash
}

class Router {
  #hash = $state(currentHash())
  readonly #route: Route = $derived(parseHash(this.#hash))

  constructor () {
    if (typeof window !== 'undefined') {
      // lives as long as the page: there is one router per tab
      window.addEventListener('hashchange', () => {
        this.#hash = location.hash
      })
    }
  }

  /** The route the hash names now. */
  get route (): Route {
    return this.#route
  }

  /** Goes to `path` ('/chat/3' or '#/chat/3'), adding a history entry. */
  navigate (path: string): void {
    const hash = path.startsWith('#') ? path : `#${path}`
    this.#hash = hash
    if (location.hash !== hash) location.hash = hash
  }

  /** Reads the route from the address again (tests); the hashchange listener stays, as long as the page. */
  reset (): void {
    this.#hash = currentHash()
  }
}

/** The tab's router: read `router.route`, call `navigate(path)`. */
export const router = new Router()

export function navigate (path: string): void {
  router.navigate(path)
}
