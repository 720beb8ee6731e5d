import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import type { ContactRow, FileOffer, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { chatPreview } from '../../../src/lib/model/chat-preview.ts'
import ChatRow from '../../../src/lib/ui/ChatRow.svelte'

/**
 * How a chat's last message reads in the chats list (issue 56, point 6): the
 * rule (model/chat-preview.ts), then the row's words in English and Russian,
 * for both sides of one message.
 */

afterEach(() => { setLocale('en') })

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'

const offer = (over: Partial<FileOffer> = {}): FileOffer => ({ sha256: 'a'.repeat(64), size: 2048, name: 'voice-20261129-062643.webm', mime: 'audio/webm', chunkSize: 1024, listHash: 'b'.repeat(64), ...over })
const VOICE = offer({ voice: { durationMs: 3_400, waveform: new Uint8Array([1, 2, 3]) } })
const PHOTO = offer({ name: 'IMG_2041.jpg', mime: 'image/jpeg', thumb: new Uint8Array([0xff, 0xd8]), thumbMime: 'image/jpeg', width: 800, height: 600 })
const PDF = offer({ name: 'plan.pdf', mime: 'application/pdf' })

function message (over: Partial<MessageRow> = {}): MessageRow {
  return { id: '01J0000000000000000000000A' as MessageId, contactId: 7, direction: 'in', fromPeerId: BOB, kind: 'text', body: 'see you at nine', sentAt: Date.UTC(2026, 0, 5, 9), state: 'delivered', ...over }
}
const fileMessage = (file: FileOffer, over: Partial<MessageRow> = {}): MessageRow => message({ kind: 'file', body: '', file, ...over })
const deleted = (over: Partial<MessageRow> = {}): MessageRow => message({ body: '', deleted: { id: 'e1', sentAt: 2 }, ...over })

describe('chatPreview', () => {
  it('a voice message: its length, not its file name', () => {
    expect(chatPreview(fileMessage(VOICE))).toEqual({ preview: { kind: 'voice', durationMs: 3_400 }, byline: true })
  })

  it('an image with a preview is a photo, with its caption if any; any other file keeps its name', () => {
    expect(chatPreview(fileMessage(PHOTO)).preview).toEqual({ kind: 'photo', caption: '' })
    expect(chatPreview(fileMessage(PHOTO, { body: '  the harbour  ' })).preview).toEqual({ kind: 'photo', caption: 'the harbour' })
    expect(chatPreview(fileMessage(PDF)).preview).toEqual({ kind: 'file', name: 'plan.pdf', caption: '' })
    // an image without a preview (an SVG) shows as the file it is
    expect(chatPreview(fileMessage(offer({ name: 'drawing.svg', mime: 'image/svg+xml' }))).preview.kind).toBe('file')
  })

  it('a message deleted for everyone: whose it was, and no "You:" before it; whatever kind it was', () => {
    expect(chatPreview(deleted({ direction: 'out', fromPeerId: ALICE }))).toEqual({ preview: { kind: 'deleted', mine: true }, byline: false })
    expect(chatPreview(deleted())).toEqual({ preview: { kind: 'deleted', mine: false }, byline: false })
    expect(chatPreview(deleted({ kind: 'file', file: VOICE })).preview.kind).toBe('deleted')
    // ours in a group may be stored 'in' (a copy from another member): the caller says it is ours
    expect(chatPreview(deleted(), true).preview).toEqual({ kind: 'deleted', mine: true })
  })

  it('text keeps its author; calls and notices say who on their own', () => {
    expect(chatPreview(message())).toEqual({ preview: { kind: 'text', body: 'see you at nine' }, byline: true })
    expect(chatPreview(message({ kind: 'call', body: '', call: { video: false, outcome: 'missed' } })).byline).toBe(false)
    expect(chatPreview(message({ kind: 'notice', body: '', notice: 'session-reset' })).byline).toBe(false)
  })
})

const uncommented = (html: string): string => html.replace(/<!--[^]*?-->/g, '')
/** The row's text, tags and comments dropped. */
const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim()

function contact (): ContactRow {
  return { id: 7, peerId: BOB, username: 'Bob', addresses: [], status: 'online', notes: '', blocked: false, state: 'accepted', verified: false, addedAt: 1, updatedAt: 1 }
}

function group (): GroupRow {
  return {
    id: 'a'.repeat(32),
    name: 'Hikers',
    picture: '',
    state: 'member',
    members: [{ peer: ALICE, role: 'owner', name: 'Alice', mailboxes: [] }, { peer: BOB, role: 'member', name: 'Bob', mailboxes: [] }],
    lamport: 3,
    heads: [],
    createdAt: 1,
    updatedAt: 1
  }
}

/** The preview line of a contact's row whose last message is `last`. */
function contactPreview (last: MessageRow): string {
  const { body } = render(ChatRow, { props: { chat: { kind: 'contact', contact: contact(), lastMessage: last, unread: 0 }, href: '#/chat/7' } })
  return text(/<span class="preview[^"]*"[^>]*>([^]*?)<\/span>\s*<span class="presence/.exec(uncommented(body))?.[1] ?? '')
}

/** The preview line of a group's row whose last message is `last`, seen by Alice. */
function groupPreview (last: MessageRow): string {
  const summary = { group: group(), lastMessage: last, unread: 0 }
  const { body } = render(ChatRow, { props: { chat: { kind: 'group', summary, me: ALICE }, href: '#/group/a' } })
  return text(/<span class="preview[^"]*"[^>]*>([^]*?)<\/span>\s*<\/span>\s*<\/span>/.exec(uncommented(body))?.[1] ?? '')
}

describe('the chats list\'s preview line', () => {
  it('reads like Signal\'s in English, on both sides of a message', () => {
    expect(contactPreview(fileMessage(VOICE, { direction: 'out', fromPeerId: ALICE }))).toBe('You: 🎤 Voice message 0:03')
    expect(contactPreview(fileMessage(VOICE))).toBe('🎤 Voice message 0:03')
    expect(contactPreview(fileMessage(PHOTO))).toBe('📷 Photo')
    expect(contactPreview(fileMessage(PHOTO, { body: 'the harbour' }))).toBe('📷 the harbour')
    expect(contactPreview(fileMessage(PDF, { direction: 'out', fromPeerId: ALICE }))).toBe('You: 📎 plan.pdf')
    expect(contactPreview(deleted({ direction: 'out', fromPeerId: ALICE }))).toBe('You deleted a message')
    expect(contactPreview(deleted())).toBe('This message was deleted')
    expect(groupPreview(deleted({ contactId: 0, fromPeerId: ALICE }))).toBe('You deleted a message')
    expect(groupPreview(deleted({ contactId: 0 }))).toBe('This message was deleted')
    expect(groupPreview(fileMessage(VOICE, { contactId: 0 }))).toBe('Bob: 🎤 Voice message 0:03')
  })

  it('and in Russian', () => {
    setLocale('ru')
    expect(contactPreview(fileMessage(VOICE, { direction: 'out', fromPeerId: ALICE }))).toBe('Вы: 🎤 Голосовое сообщение 0:03')
    expect(contactPreview(fileMessage(PHOTO))).toBe('📷 Фото')
    expect(contactPreview(deleted({ direction: 'out', fromPeerId: ALICE }))).toBe('Вы удалили сообщение')
    expect(contactPreview(deleted())).toBe('Это сообщение удалено')
  })
})
