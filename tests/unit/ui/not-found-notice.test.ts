import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import type { ContactRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { requestStatus } from '../../../src/lib/model/request-status.ts'
import AddContactCard from '../../../src/lib/ui/AddContactCard.svelte'
import ChatHeader from '../../../src/lib/ui/ChatHeader.svelte'
import ChatRow from '../../../src/lib/ui/ChatRow.svelte'
import MessageBubble from '../../../src/lib/ui/MessageBubble.svelte'

/**
 * A contact no one with whose ID was found (ContactRow.problem 'notFound',
 * docs/protocols.md "Nobody with this ID"), as the widgets show it from
 * props alone: the chat says so in words (English and Russian) instead of
 * "waits on a relay", offers to check the full ID or delete; the list row and
 * a failed message say why.
 */

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const GHOST = '12D3KooWGhostGhostGhostGhostGhostGhostGhostGhostGh'

function ghost (over: Partial<ContactRow> = {}): ContactRow {
  return {
    id: 9, peerId: GHOST, username: 'Alice', addresses: [], status: 'offline', notes: '', blocked: false, state: 'requested',
    helloPending: true, helloStored: true, helloSince: 1, unchecked: true, problem: 'notFound', verified: false, addedAt: 1, updatedAt: 1, ...over
  }
}

function header (row: ContactRow): string {
  const chat = { kind: 'contact' as const, contact: row, name: 'Alice', path: 'offline' as const, request: requestStatus(row, 1_000_000), infoHref: '#/contact/9', inCall: false, oncall: () => {}, ondelete: () => {} }
  return render(ChatHeader, { props: { chat, loaded: true, status: { phase: 'online' as const } } }).body
}

describe('a contact not found', () => {
  it('the chat says no one with this ID was found, offers to check the invite and to delete, and not that the request waits on a relay', () => {
    const body = header(ghost())
    expect(body).toContain('data-testid="not-found-notice"')
    // (the name is a span of its own: the text has a space where a tag was)
    expect(text(body)).toMatch(/No one with this ID was found: check the invite with Alice ?\./)
    expect(text(body)).toContain('Check the invite')
    expect(text(body)).toContain('Delete this contact')
    expect(body).not.toContain('data-testid="request-note"')
    expect(text(body)).not.toMatch(/waits on a relay/)
  })

  it('in Russian too', () => {
    setLocale('ru')
    const body = header(ghost())
    expect(text(body)).toMatch(/Никого с таким PeerID не нашлось: сверьте приглашение с собеседником \( ?Alice ?\)\./)
    expect(text(body)).toContain('Сверить приглашение')
    expect(text(body)).toContain('Удалить контакт')
  })

  it('the same contact before the mark: where the request stands, no notice', () => {
    const body = header(ghost({ problem: undefined }))
    expect(body).not.toContain('data-testid="not-found-notice"')
    expect(body).toContain('data-request="stored"')
  })

  it('the chats list and a failed message say why', () => {
    const row = render(ChatRow, { props: { chat: { kind: 'contact', contact: ghost(), lastMessage: undefined, unread: 0 }, href: '#/chat/9' } }).body
    expect(text(row)).toContain('No one with this ID was found')
    const message: MessageRow = {
      id: '01J0000000000000000000000A' as MessageId, contactId: 9, direction: 'out', fromPeerId: '12D3KooWMe', kind: 'text', body: 'Hi Alice?',
      sentAt: Date.UTC(2026, 0, 5, 9), state: 'failed', failure: 'contactNotFound'
    }
    const bubble = render(MessageBubble, { props: { message, sender: 'You' } }).body
    expect(text(bubble)).toContain('not delivered: no one with this ID')
  })
})

describe('"Add this contact?" from an invite without a check', () => {
  const props = { peerId: GHOST, name: undefined, action: 'request' as const, busy: false, error: '', infoHref: undefined, onconfirm: () => {}, oncancel: () => {} }

  it('shows the whole ID and says to compare it; a checked invite shows it cut short', () => {
    const unchecked = render(AddContactCard, { props: { ...props, unchecked: true } }).body
    expect(text(unchecked)).toContain(GHOST)
    expect(text(unchecked)).toContain('This invite has no check, so a mistyped character would not show')
    const checked = render(AddContactCard, { props }).body
    expect(text(checked)).not.toContain(GHOST)
    expect(text(checked)).toContain(`${GHOST.slice(0, 12)}…${GHOST.slice(-6)}`)
    expect(checked).not.toContain('data-testid="add-card-unchecked"')
  })
})
