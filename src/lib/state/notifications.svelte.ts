/**
 * Notifications and unread counts (issue 9, "Notifications").
 *
 * - While the page is hidden, each new incoming message shows a notification
 *   (title: the contact's name; body: the text or "Sent a file"; one tag per
 *   chat; click opens the chat, see src/sw.ts), and so does each new contact
 *   request. Shown through the service worker's `showNotification` (the only
 *   way on Android).
 * - Only once the user said yes: the app asks at a sensible moment (a card
 *   once there is an accepted contact, or the Settings toggle), never on load.
 *   The choice is kept in localStorage.
 * - Several tabs: every hidden tab hears the same message, and each shows it
 *   under the chat's tag. A notification with the same tag replaces the
 *   earlier one (silently: no `renotify`), so the user sees one notification
 *   per chat however many tabs are open: no election between tabs is needed.
 * - Unread counts (lib/pwa/unread.ts) and waiting contact requests give the
 *   title "(3) Parley" and the app badge (`navigator.setAppBadge`, where
 *   present); `unread` has the counts per chat, `waiting` the sum the Chats
 *   link shows.
 * - Groups alike (group-notices.ts): a group's new message shows a
 *   notification under the group's tag (title: the group's name; body: the
 *   author and the text), a new invitation one under 'group-invitations';
 *   their unread messages (the database's: db/group-reads.ts) and the
 *   invitations count in what waits.
 * - Calls: an incoming call that rings while the page is hidden shows "Alice
 *   is calling you" under the call's tag (click: the chat, where the call
 *   rings); unanswered, it becomes "Missed call from Alice"; answered or
 *   otherwise ended, it is closed.
 * - A relay's push notification (lib/pwa/push-notice.ts, shown by the service
 *   worker while no page is on screen) is closed when a page comes on screen:
 *   its count starts again from the next push.
 */
import { liveQuery } from 'dexie'
import { displayName } from '../model/names.ts'
import { groupSummaries, type GroupSummary } from '../db/group-reads.ts'
import { chatSummaries, type ChatSummary } from '../db/messages.ts'
import type { CallEvent } from '../contract/index.ts'
import type { ContactId, MessageRow } from '../db/types.ts'
import { t } from '../i18n/index.ts'
import { PUSH_TAG, type NotificationData } from '../pwa/protocol.ts'
import { markOf, NOTHING_SEEN, readSeenMarks, titleWithCount, unreadAfter, writeSeenMarks, type SeenMark } from '../pwa/unread.ts'
import { getDb } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { chatHref, groupHref, parseHash } from './router.svelte.ts'
import { groupNews, type GroupsSeen } from './group-notices.ts'
import { memberName } from '../model/group-rules.ts'
import { readLocal, writeLocal } from './local-store.ts'

const CHOICE_KEY = 'parley.notifications'
const PROMPT_KEY = 'parley.notifications.prompt'
/** Longest message text shown in a notification, in characters. */
const MAX_BODY_CHARS = 200

export type NotificationChoice = 'on' | 'off' | 'unset'
export type PermissionState = NotificationPermission | 'unsupported'

function parseChoice (value: string | null): NotificationChoice {
  return value === 'on' || value === 'off' ? value : 'unset'
}

function currentPermission (): PermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

function pageHidden (): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden'
}

/** The chat on screen, if any: `hash` is a chat's route and the page is visible. */
function chatOnScreen (hash: string | undefined): ContactId | undefined {
  if (hash === undefined || pageHidden()) return undefined
  const route = parseHash(hash)
  return route.name === 'chat' ? route.contactId : undefined
}

function currentHash (): string | undefined {
  return typeof location === 'undefined' ? undefined : location.hash
}

/** The notification text of an incoming message. */
export function messageBody (message: Pick<MessageRow, 'kind' | 'body'>): string {
  const text = message.body.trim()
  if (message.kind === 'file' && text === '') return t('pwa.sentFile')
  return [...text].length > MAX_BODY_CHARS ? `${[...text].slice(0, MAX_BODY_CHARS).join('')}…` : text
}

/** No chat has unread messages. */
const NO_UNREAD: ReadonlyMap<ContactId, number> = new Map()

interface Snapshot {
  summaries: ChatSummary[]
  groups: GroupSummary[]
  unread: Map<ContactId, number>
  marks: Map<ContactId, SeenMark>
}

class Notifications {
  #permission = $state<PermissionState>(currentPermission())
  #choice = $state<NotificationChoice>(parseChoice(readLocal(CHOICE_KEY)))
  #promptDismissed = $state(readLocal(PROMPT_KEY) === 'dismissed')
  #hasAcceptedContact = $state(false)
  #unread = $state.raw<ReadonlyMap<ContactId, number>>(NO_UNREAD)
  readonly #totalUnread: number = $derived([...this.#unread.values()].reduce((sum, n) => sum + n, 0))
  /** Contact requests waiting for the user's answer (not blocked). */
  #pendingRequests = $state(0)
  /** Unread group messages, and group invitations waiting for an answer. */
  #groupsWaiting = $state(0)
  /** What the last reading of the groups held (undefined before the first: nothing is news then). */
  #groupsSeen: GroupsSeen | undefined

  /** Contact requests already known (a new id is a new request); replaced by each result, so bounded. */
  #knownRequests: Set<ContactId> | undefined
  /** Stops what `start` started (undefined while stopped). */
  #stop: (() => void) | undefined
  /**
   * The route as of the last hashchange handled here, not location.hash:
   * the hash changes a task before its hashchange event, and a count read
   * in between would mark a chat seen before the chat has read its mark
   * (it opens at the first unread message: ChatManager.open).
   */
  #hash: string | undefined

  /** The browser's notification permission ('unsupported' without the Notification API). */
  get permission (): PermissionState {
    return this.#permission
  }

  /** What the user chose here ('unset' until asked). */
  get choice (): NotificationChoice {
    return this.#choice
  }

  /** The user said "Not now" to the offer card. */
  get promptDismissed (): boolean {
    return this.#promptDismissed
  }

  /** Whether the user has at least one accepted contact (the moment to offer notifications). */
  get hasAcceptedContact (): boolean {
    return this.#hasAcceptedContact
  }

  /** Unread incoming messages per chat. */
  get unread (): ReadonlyMap<ContactId, number> {
    return this.#unread
  }

  get totalUnread (): number {
    return this.#totalUnread
  }

  /** What waits for the user: unread messages (chats' and groups') plus contact requests and group invitations, which count like them (the title, the badge, the Chats link). */
  get waiting (): number {
    return this.#totalUnread + this.#pendingRequests + this.#groupsWaiting
  }

  get supported (): boolean {
    return this.#permission !== 'unsupported'
  }

  /** Notifications are shown (when the page is hidden). */
  get enabled (): boolean {
    return this.#choice === 'on' && this.#permission === 'granted'
  }

  /** Whether to offer the "Get notified" card. */
  get offer (): boolean {
    return this.supported && this.#permission !== 'denied' && this.#choice === 'unset' && !this.#promptDismissed && this.#hasAcceptedContact
  }

  /** Asks the browser's permission (call from a click) and turns notifications on; '' or why not, in words. */
  async turnOn (): Promise<string> {
    if (typeof Notification === 'undefined') return t('pwa.notificationsUnsupported')
    const permission = await Notification.requestPermission()
    this.#permission = permission
    if (permission !== 'granted') {
      this.#setChoice('off')
      return t('pwa.notificationsBlocked')
    }
    this.#setChoice('on')
    return ''
  }

  turnOff (): void {
    this.#setChoice('off')
  }

  dismissOffer (): void {
    this.#promptDismissed = true
    writeLocal(PROMPT_KEY, 'dismissed')
  }

  #setChoice (choice: NotificationChoice): void {
    this.#choice = choice
    writeLocal(CHOICE_KEY, choice)
  }

  /**
   * Listens for messages and contact requests, keeps the unread counts, the
   * title and the badge. Returns the function that stops it all.
   */
  start (node: Pick<NodeManager, 'onMessage' | 'onCall'>): () => void {
    let subscription: { unsubscribe: () => void } | undefined
    const subscribe = (): void => {
      subscription?.unsubscribe()
      subscription = liveQuery(async () => this.#snapshot()).subscribe({
        next: (snapshot) => { this.#apply(snapshot) },
        error: (err: unknown) => { console.error('parley: unread counts failed', err) }
      })
    }
    const onChange = (): void => {
      this.#permission = currentPermission()
      this.#hash = currentHash()
      subscribe()
      // on screen, the page tells of what came: a relay's push notification has said its part
      if (!pageHidden()) void this.#close(PUSH_TAG)
    }
    const offMessage = node.onMessage((event) => {
      if (event.kind === 'received' && event.message.direction === 'in') void this.#notifyMessage(event.message)
      if (event.kind === 'stored') {
        // the newest of each chat in a batch stored at once (a mailbox drain): one notification per chat
        for (const message of event.messages) {
          if (message.direction === 'in') void this.#notifyMessage(message)
        }
      }
    })
    const offCall = node.onCall((event) => { void this.#notifyCall(event) })
    this.#hash = currentHash()
    subscribe()
    if (!pageHidden()) void this.#close(PUSH_TAG)
    // the chat on screen changes what is seen: read again
    window.addEventListener('hashchange', onChange)
    document.addEventListener('visibilitychange', onChange)
    const stop = (): void => {
      offMessage()
      offCall()
      subscription?.unsubscribe()
      window.removeEventListener('hashchange', onChange)
      document.removeEventListener('visibilitychange', onChange)
      this.#knownRequests = undefined
      this.#groupsSeen = undefined
      if (this.#stop === stop) this.#stop = undefined
    }
    this.#stop = stop
    return stop
  }

  /** Stops what `start` started and goes back to what localStorage and the browser say (tests, teardown). */
  reset (): void {
    this.#stop?.()
    this.#permission = currentPermission()
    this.#choice = parseChoice(readLocal(CHOICE_KEY))
    this.#promptDismissed = readLocal(PROMPT_KEY) === 'dismissed'
    this.#hasAcceptedContact = false
    this.#unread = NO_UNREAD
    this.#pendingRequests = 0
    this.#groupsWaiting = 0
  }

  async #snapshot (): Promise<Snapshot> {
    const db = getDb()
    const summaries = await chatSummaries(db)
    const groups = await groupSummaries(db)
    const marks = readSeenMarks()
    const viewing = chatOnScreen(this.#hash)
    // a plain value handed to `unread` whole ($state.raw), never mutated after
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const unread = new Map<ContactId, number>()
    for (const { contact, lastMessage } of summaries) {
      const mark = marks.get(contact.id)
      if (contact.state !== 'accepted') {
        // a request on its way: whatever it brings counts once it is accepted
        if (mark === undefined) marks.set(contact.id, NOTHING_SEEN)
        continue
      }
      if (mark === undefined || contact.id === viewing) {
        // on screen: everything in it is seen. Unmarked and accepted: a chat
        // from before unread counts (or a restored backup), seen up to now.
        marks.set(contact.id, lastMessage === undefined ? NOTHING_SEEN : markOf(lastMessage))
        continue
      }
      if (lastMessage === undefined) continue
      const count = contact.blocked ? 0 : await unreadAfter(db, contact.id, mark)
      if (count > 0) unread.set(contact.id, count)
    }
    return { summaries, groups, unread, marks }
  }

  #apply ({ summaries, groups, unread, marks }: Snapshot): void {
    writeSeenMarks(marks, new Set(summaries.map(s => s.contact.id)))
    const requests = summaries.filter(s => s.contact.state === 'pending' && !s.contact.blocked).map(s => s.contact)
    this.#unread = unread
    this.#pendingRequests = requests.length
    this.#hasAcceptedContact = summaries.some(s => s.contact.state === 'accepted')
    this.#groupsWaiting = groups.reduce((sum, g) => sum + g.unread + (g.group.state === 'invited' ? 1 : 0), 0)
    this.#notifyGroups(groups)
    const total = this.waiting
    document.title = titleWithCount(total, t('common.appName'))
    const nav = navigator as Navigator & { setAppBadge?: (n?: number) => Promise<void>, clearAppBadge?: () => Promise<void> }
    const badge = total > 0 ? nav.setAppBadge?.(total) : nav.clearAppBadge?.()
    void badge?.catch(() => { /* no badge here (not installed, or not allowed): the title still counts */ })

    const known = this.#knownRequests
    this.#knownRequests = new Set(requests.map(c => c.id))
    // the first result is what was already there: only later arrivals are news
    if (known === undefined) return
    for (const contact of requests) {
      if (!known.has(contact.id)) void this.#show(t('pwa.requestTitle'), t('pwa.requestBody', { name: displayName(contact) }), 'contact-requests', '#/')
    }
  }

  #notifyGroups (groups: readonly GroupSummary[]): void {
    const { news, seen } = groupNews(this.#groupsSeen, groups)
    this.#groupsSeen = seen
    for (const { group, message } of news.messages) {
      const body = t('groups.messageBody', { name: memberName(group, message.fromPeerId), text: messageBody(message) })
      void this.#show(group.name, body, `group-${group.id}`, groupHref(group.id))
    }
    for (const group of news.invitations) {
      const body = t('groups.inviteBody', { name: group.invitedBy === undefined ? '' : memberName(group, group.invitedBy), group: group.name })
      void this.#show(t('groups.inviteTitle'), body, 'group-invitations', '#/')
    }
  }

  async #notifyMessage (message: MessageRow): Promise<void> {
    if (!this.enabled || !pageHidden()) return
    const contact = await getDb().contacts.get(message.contactId)
    if (contact === undefined || contact.blocked || contact.state !== 'accepted') return
    await this.#show(displayName(contact), messageBody(message), `chat-${contact.id}`, chatHref(contact.id))
  }

  /**
   * A call rings while the page is hidden: "Alice is calling you" under the
   * call's tag, replaced by "Missed call from Alice" if it ends unanswered,
   * and closed once it is answered or ends otherwise.
   */
  async #notifyCall (call: CallEvent): Promise<void> {
    if (call.direction !== 'in') return
    const tag = `call-${call.callId}`
    const contact = await getDb().contacts.get(call.contactId)
    if (contact === undefined) return
    const name = displayName(contact)
    const missed = call.phase === 'ended' && call.answeredAt === undefined && (call.reason === 'cancelled' || call.reason === 'no-answer')
    if (call.phase === 'ringing') await this.#show(name, t(call.video ? 'calls.incomingVideo' : 'calls.incomingVoice', { name }), tag, chatHref(contact.id))
    else if (missed) await this.#show(name, t('calls.endedMissed', { name }), tag, chatHref(contact.id))
    else await this.#close(tag)
  }

  async #close (tag: string): Promise<void> {
    try {
      const registration = await navigator.serviceWorker?.getRegistration()
      for (const shown of await registration?.getNotifications({ tag }) ?? []) shown.close()
    } catch (err) {
      console.error('parley: could not close a notification', err)
    }
  }

  async #show (title: string, body: string, tag: string, href: string): Promise<void> {
    if (!this.enabled || !pageHidden()) return
    try {
      const registration = await navigator.serviceWorker?.getRegistration()
      if (registration === undefined) return
      const data: NotificationData = { href }
      await registration.showNotification(title, { body, tag, data, icon: '/icon-192.png', badge: '/icon-96.png', lang: document.documentElement.lang })
    } catch (err) {
      console.error('parley: could not show a notification', err)
    }
  }
}

/** The tab's notifications and unread counts: read its fields, call `start(node)` once the node is up. */
export const notifications = new Notifications()
