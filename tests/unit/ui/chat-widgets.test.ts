import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ContactRow, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { setLocale, t } from '../../../src/lib/i18n/index.ts'
import ChatHeader from '../../../src/lib/ui/ChatHeader.svelte'
import ChatRow from '../../../src/lib/ui/ChatRow.svelte'
import MessageInfo from '../../../src/lib/ui/MessageInfo.svelte'

/**
 * The chat's widgets a contact's chat and a group's share (one ChatRow, one
 * ChatHeader, one MessageInfo), rendered with props alone: no database, no
 * node, no state manager. What each kind shows, and the names and test ids
 * the end-to-end tests find them by.
 */

afterEach(() => { setLocale('en') })

/** The page's text, tags and comments dropped. */
const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'
const CAROL = '12D3KooWCarolCarolCarolCarolCarolCarolCarolCaro'

function contact (over: Partial<ContactRow> = {}): ContactRow {
  return { id: 7, peerId: BOB, username: 'Bob', addresses: [], status: 'online', notes: '', blocked: false, state: 'accepted', verified: false, addedAt: 1, updatedAt: 1, ...over }
}

function group (over: Partial<GroupRow> = {}): GroupRow {
  return {
    id: 'a'.repeat(32),
    name: 'Hikers',
    picture: '',
    state: 'member',
    members: [
      { peer: ALICE, role: 'owner', name: 'Alice', mailboxes: [] },
      { peer: BOB, role: 'member', name: 'Bob', mailboxes: [] },
      { peer: CAROL, role: 'member', name: 'Carol', mailboxes: [] }
    ],
    lamport: 3,
    heads: [],
    createdAt: 1,
    updatedAt: 1,
    ...over
  }
}

function message (over: Partial<MessageRow> = {}): MessageRow {
  return { id: '01J0000000000000000000000A' as MessageId, contactId: 7, direction: 'in', fromPeerId: BOB, kind: 'text', body: 'see you at nine', sentAt: Date.UTC(2026, 0, 5, 9), state: 'delivered', ...over }
}

describe('a row of the chats list', () => {
  it('a contact: a link to their chat, their last message, connected and unread in words', () => {
    const { body } = render(ChatRow, { props: { chat: { kind: 'contact', contact: contact(), lastMessage: message(), unread: 2 }, href: '#/chat/7' } })
    expect(body).toContain('href="#/chat/7"')
    expect(body).toContain('data-contact-id="7"')
    expect(body).toContain('data-testid="unread"')
    expect(text(body)).toContain('Bob')
    expect(text(body)).toContain('see you at nine')
    expect(text(body)).toContain(', connected, 2 unread messages')
  })

  it('a contact we asked: where our request stands while there is no message', () => {
    const { body } = render(ChatRow, { props: { chat: { kind: 'contact', contact: contact({ state: 'requested', helloPending: true, helloStored: true }), unread: 0 }, href: '#/chat/7' } })
    expect(text(body)).toContain('Your request waits on a relay for them')
    expect(body).not.toContain('data-testid="unread"')
  })

  it('a group: said to be a group, its last message under its author, marked open beside the list', () => {
    const summary = { group: group(), lastMessage: message({ groupId: 'a'.repeat(32), fromPeerId: CAROL }), unread: 0 }
    const { body } = render(ChatRow, { props: { chat: { kind: 'group', summary, me: ALICE }, href: '#/group/aaa', current: true } })
    expect(body).toContain('aria-current="page"')
    expect(body).toContain(`data-group-id="${'a'.repeat(32)}"`)
    expect(body).toContain('data-state="member"')
    expect(text(body)).toContain('Hikers')
    expect(text(body)).toContain('Carol')
    expect(text(body)).toContain('see you at nine')
  })

  it('a group on a linked device: our last message, sent by another device of the account, shows as ours ("You:")', () => {
    // `me` is the status's account (ALICE), not this device's own PeerID; the row names the account as its author
    const summary = { group: group(), lastMessage: message({ groupId: 'a'.repeat(32), fromPeerId: ALICE }), unread: 0 }
    const ours = text(render(ChatRow, { props: { chat: { kind: 'group', summary, me: ALICE }, href: '#/group/aaa' } }).body)
    expect(ours).toContain('You: see you at nine')
    expect(ours).not.toContain('Alice')
    const taken = text(render(ChatRow, { props: { chat: { kind: 'group', summary, me: 'a-device-of-alice' }, href: '#/group/aaa' } }).body)
    expect(taken).not.toContain('You:')
  })

  it('a group we left: says so while it has no message', () => {
    const { body } = render(ChatRow, { props: { chat: { kind: 'group', summary: { group: group({ state: 'left' }), unread: 0 }, me: ALICE }, href: '#/group/aaa' } })
    expect(body).toContain('data-state="left"')
    expect(text(body)).toContain('You left this group.')
  })
})

describe('a chat\'s header', () => {
  const status = { phase: 'online' as const }

  it('a contact: their name as the one heading, the path, Contact info, and the call buttons once accepted', () => {
    const chat = { kind: 'contact' as const, contact: contact(), name: 'Bob', path: 'direct' as const, request: undefined, infoHref: '#/contact/7', inCall: false, oncall: () => {} }
    const { body } = render(ChatHeader, { props: { chat, loaded: true, status } })
    expect(body).toMatch(/<h1[^>]*>Bob<\/h1>/)
    expect(body).toContain('data-testid="connection-path"')
    expect(body).toContain('data-path="direct"')
    expect(body).toContain('aria-label="Contact info for Bob"')
    expect(body).toContain('aria-label="Voice call with Bob"')
    expect(body).not.toContain('data-testid="member-count"')
  })

  it('a browser that cannot make calls: the call buttons stay, marked unavailable, and say why', () => {
    const chat = { kind: 'contact' as const, contact: contact(), name: 'Bob', path: 'relayed' as const, request: undefined, infoHref: '#/contact/7', inCall: false, callsHere: false, oncall: () => {} }
    const { body } = render(ChatHeader, { props: { chat, loaded: true, status } })
    expect(body).toContain('aria-label="Voice call with Bob"')
    expect(body).toContain('aria-label="Video call with Bob"')
    expect(body.match(/aria-disabled="true"/g)).toHaveLength(2)
    expect(body.match(/title="This browser cannot make calls"/g)).toHaveLength(2)
    const why = /<span id="([^"]+)"[^>]*data-testid="cannot-call"[^>]*>This browser cannot make calls<\/span>/.exec(body)
    expect(why).not.toBeNull()
    expect(body.match(new RegExp(`aria-describedby="${why?.[1] ?? '-'}"`, 'g'))).toHaveLength(2)

    const able = render(ChatHeader, { props: { chat: { ...chat, callsHere: true }, loaded: true, status } }).body
    expect(able).not.toContain('aria-disabled')
    expect(able).not.toContain('cannot-call')
  })

  it('an offline contact: when they were last seen, in words relative to now, the moment in the tooltip', () => {
    vi.useFakeTimers({ now: new Date(2026, 10, 29, 12, 15) })
    try {
      const lastSeen = new Date(2026, 10, 29, 12, 10).getTime()
      const chat = { kind: 'contact' as const, contact: contact({ status: 'offline', lastSeen }), name: 'Bob', path: 'offline' as const, request: undefined, infoHref: '#/contact/7', inCall: false, oncall: () => {} }
      const { body } = render(ChatHeader, { props: { chat, loaded: true, status } })
      expect(text(body)).toContain('Last seen 5 minutes ago')
      expect(body).toContain(`datetime="${new Date(lastSeen).toISOString()}"`)
      setLocale('ru')
      expect(text(render(ChatHeader, { props: { chat, loaded: true, status } }).body)).toContain('Был(а) в сети 5 минут назад')
    } finally {
      vi.useRealTimers()
    }
  })

  it('one status (issue 56, item 10): the contact\'s while the app is online, no "online" of our own beside it', () => {
    const chat = { kind: 'contact' as const, contact: contact(), name: 'Bob', path: 'direct' as const, request: undefined, infoHref: '#/contact/7', inCall: false, oncall: () => {} }
    const { body } = render(ChatHeader, { props: { chat, loaded: true, status } })
    expect(body).not.toContain('aria-label="Connection status"')
    expect(text(body)).toContain('Connected')
    expect(text(body)).not.toContain('online')
  })

  it('while the app is not online: its own status, which a phone shows in place of the contact\'s', () => {
    const chat = { kind: 'contact' as const, contact: contact(), name: 'Bob', path: 'offline' as const, request: undefined, infoHref: '#/contact/7', inCall: false, oncall: () => {} }
    const { body } = render(ChatHeader, { props: { chat, loaded: true, status: { phase: 'starting' as const } } })
    expect(body).toContain('aria-label="Connection status"')
    expect(text(body)).toContain('connecting')
    expect(body).toMatch(/class="presence[^"]*app-down/)
  })

  it('a contact we asked: no call buttons, and where the request stands', () => {
    const chat = { kind: 'contact' as const, contact: contact({ state: 'requested' }), name: 'Bob', path: 'relayed' as const, request: 'stored' as const, infoHref: '#/contact/7', inCall: false, oncall: () => {} }
    const { body } = render(ChatHeader, { props: { chat, loaded: true, status } })
    expect(body).not.toContain('aria-label="Voice call with Bob"')
    expect(body).toContain('data-testid="request-note"')
    expect(body).toContain('data-request="stored"')
  })

  it('a group: its name as the one heading, how many members, who is online, Group info', () => {
    const row = group()
    const chat = { kind: 'group' as const, group: row, online: [row.members[1]!], timerSetBy: undefined, infoHref: '#/group/aaa/info' }
    const { body } = render(ChatHeader, { props: { chat, loaded: true, status } })
    expect(body).toMatch(/<h1[^>]*>Hikers<\/h1>/)
    expect(body).toContain('data-testid="member-count"')
    expect(text(body)).toContain('3 members')
    expect(body).toContain('data-testid="online-members"')
    expect(text(body)).toContain('Bob')
    expect(body).toContain('href="#/group/aaa/info"')
    expect(body).not.toContain('data-testid="connection-path"')
  })

  it('says it is loading, then that there is no such chat, in the same heading', () => {
    const chat = { kind: 'group' as const, group: undefined, online: [], timerSetBy: undefined, infoHref: '#/group/aaa/info' }
    const loading = render(ChatHeader, { props: { chat, loaded: false, status } }).body
    const missing = render(ChatHeader, { props: { chat, loaded: true, status } }).body
    expect(loading).toContain('aria-busy="true"')
    expect(missing).not.toContain('aria-busy')
    expect(text(loading)).not.toBe(text(missing))
  })
})

describe('a message\'s Info', () => {
  it('a contact\'s message: when it was sent and received', () => {
    const { body } = render(MessageInfo, { props: { message: message({ receivedAt: Date.UTC(2026, 0, 5, 9, 1) }), onclose: () => {} } })
    expect(text(body)).toContain('Received')
    expect(body).not.toContain('data-testid="group-deliveries"')
  })

  it('our group message: where it stands with each member, by name', () => {
    const deliveries = {
      loaded: true,
      rows: [
        { peer: BOB, name: 'Bob', state: 'read' as const, at: 2 },
        { peer: CAROL, name: 'Carol', state: 'stored' as const, at: 3 }
      ]
    }
    const { body } = render(MessageInfo, { props: { message: message({ direction: 'out', fromPeerId: ALICE, groupId: 'a'.repeat(32) }), deliveries, onclose: () => {} } })
    expect(body).toContain('data-testid="group-deliveries"')
    expect(body).toContain(`data-peer="${BOB}" data-state="read"`)
    expect(body).toContain(`data-peer="${CAROL}" data-state="stored"`)
    expect(text(body).indexOf('Bob')).toBeLessThan(text(body).indexOf('Carol'))
  })

  it('our group message no member has yet: says so once read', () => {
    const { body } = render(MessageInfo, { props: { message: message({ direction: 'out', groupId: 'a'.repeat(32) }), deliveries: { loaded: true, rows: [] }, onclose: () => {} } })
    expect(body).not.toContain('data-testid="group-deliveries"')
    expect(text(body)).toContain(t('groups.notYetMembers'))
  })
})
