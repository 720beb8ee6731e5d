/** What the message menu offers and how quotes and reactions read (model/message-rules.ts). */
import { describe, expect, it } from 'vitest'
import { newMessageId } from '../../../src/lib/db/messages.ts'
import type { MessageRow, Reaction } from '../../../src/lib/db/types.ts'
import { canDeleteForEveryone, canEdit, firstLine, isDialogAction, isOwnAction, menuActions, menuItem, messageMarks, messageTimes, myReaction, nextReaction, quoteText, reactionChips } from '../../../src/lib/model/message-rules.ts'

const HOUR = 3600_000
const NOW = 1_800_000_000_000

function row (fields: Partial<MessageRow> = {}): MessageRow {
  return { id: newMessageId(NOW - HOUR), contactId: 1, direction: 'out', fromPeerId: 'me', kind: 'text', body: 'hello', sentAt: NOW - HOUR, state: 'delivered', ...fields }
}

const offer = { sha256: 'a'.repeat(64), size: 3, name: 'cat.png', mime: 'image/png', chunkSize: 65_536, listHash: 'b'.repeat(64) }

function reaction (from: string, emoji: string, sentAt: number): Reaction {
  return { from, emoji, sentAt, id: newMessageId(sentAt) }
}

describe('message rules', () => {
  it('edits only our own text messages, not deleted, within 24 hours', () => {
    expect(canEdit(row(), NOW)).toBe(true)
    expect(canEdit(row({ sentAt: NOW - 24 * HOUR }), NOW)).toBe(true)
    expect(canEdit(row({ sentAt: NOW - 24 * HOUR - 1 }), NOW)).toBe(false)
    expect(canEdit(row({ direction: 'in', fromPeerId: 'them' }), NOW)).toBe(false)
    expect(canEdit(row({ kind: 'file', file: offer }), NOW)).toBe(false)
    expect(canEdit(row({ deleted: { id: 'x', sentAt: NOW } }), NOW)).toBe(false)
  })

  it('deletes for everyone only our own messages (files too), not deleted yet, within 24 hours', () => {
    expect(canDeleteForEveryone(row({ kind: 'file', file: offer }), NOW)).toBe(true)
    expect(canDeleteForEveryone(row({ sentAt: NOW - 25 * HOUR }), NOW)).toBe(false)
    expect(canDeleteForEveryone(row({ direction: 'in' }), NOW)).toBe(false)
    expect(canDeleteForEveryone(row({ deleted: { id: 'x', sentAt: NOW } }), NOW)).toBe(false)
    // a call kept in the chat is this device's own
    expect(canDeleteForEveryone(row({ kind: 'call', body: '', call: { video: false, outcome: 'unanswered' } }), NOW)).toBe(false)
    // and so is a notice
    expect(canDeleteForEveryone(row({ kind: 'notice', body: '', notice: 'session-reset' }), NOW)).toBe(false)
  })

  it('offers the items the message allows, in order', () => {
    expect(menuActions(row(), NOW)).toEqual(['reply', 'react', 'copy', 'edit', 'delete', 'info'])
    expect(menuActions(row({ direction: 'in' }), NOW)).toEqual(['reply', 'react', 'copy', 'delete', 'info'])
    // a file without a caption has nothing to copy
    expect(menuActions(row({ kind: 'file', file: offer, body: '' }), NOW)).toEqual(['reply', 'react', 'delete', 'info'])
    expect(menuActions(row({ sentAt: NOW - 30 * HOUR }), NOW)).toEqual(['reply', 'react', 'copy', 'delete', 'info'])
    expect(menuActions(row({ deleted: { id: 'x', sentAt: NOW }, body: '' }), NOW)).toEqual(['delete', 'info'])
    // a call kept in the chat: only deleted here
    expect(menuActions(row({ kind: 'call', body: '', call: { video: true, outcome: 'missed' } }), NOW)).toEqual(['delete'])
    expect(menuActions(row({ kind: 'notice', body: '', notice: 'session-reset', direction: 'in' }), NOW)).toEqual(['delete'])
  })

  it('says what each item does: a dialog, the composer, or at once; only delete is destructive', () => {
    const all = menuActions(row(), NOW)
    expect(all.filter(isDialogAction)).toEqual(['react', 'delete', 'info'])
    expect(all.filter(isOwnAction)).toEqual(['reply', 'copy', 'edit'])
    expect(all.map(action => menuItem(action).does)).toEqual(['composer', 'dialog', 'here', 'composer', 'dialog', 'dialog'])
    expect(all.filter(action => menuItem(action).danger === true)).toEqual(['delete'])
  })

  it('marks an edited message "edited", until it is deleted for everyone', () => {
    expect(messageMarks(row())).toEqual([])
    expect(messageMarks(row({ edit: { id: 'e', sentAt: NOW } }))).toEqual(['edited'])
    expect(messageMarks(row({ edit: { id: 'e', sentAt: NOW }, deleted: { id: 'x', sentAt: NOW }, body: '' }))).toEqual([])
  })

  it('counts reactions per emoji, leaves out taken-back ones and marks ours', () => {
    const mine = (from: string): boolean => from === 'me'
    const reactions = [reaction('them', '👍', 3), reaction('me', '👍', 2), reaction('carol', '', 1), reaction('dave', '🦊', 4)]
    expect(reactionChips(reactions, mine)).toEqual([{ emoji: '👍', count: 2, mine: true }, { emoji: '🦊', count: 1, mine: false }])
    expect(reactionChips(undefined, mine)).toEqual([])
    expect(myReaction(reactions, mine)).toBe('👍')
    expect(myReaction([reaction('me', '', 5)], mine)).toBe('')
    expect(myReaction(undefined, mine)).toBe('')
  })

  it('choosing our current reaction again takes it back', () => {
    expect(nextReaction('', '👍')).toBe('👍')
    expect(nextReaction('👍', '❤️')).toBe('❤️')
    expect(nextReaction('👍', '👍')).toBe('')
  })

  it('quotes the first line, a file name, a voice message or a deletion', () => {
    expect(quoteText(row({ body: '\n  first line  \nsecond' }))).toEqual({ kind: 'text', text: 'first line' })
    expect(quoteText(row({ kind: 'file', file: offer, body: 'caption' }))).toEqual({ kind: 'file', name: 'cat.png', image: false })
    expect(quoteText(row({ kind: 'file', file: { ...offer, thumb: new Uint8Array([1]), thumbMime: 'image/png' } }))).toEqual({ kind: 'file', name: 'cat.png', image: true })
    expect(quoteText(row({ kind: 'file', file: { ...offer, voice: { durationMs: 1000, waveform: new Uint8Array(4) } } }))).toEqual({ kind: 'voice' })
    expect(quoteText(row({ deleted: { id: 'x', sentAt: NOW }, body: '' }))).toEqual({ kind: 'deleted' })
    // a long line is cut whole code points at a time
    const cut = firstLine('🦊'.repeat(200), 10)
    expect([...cut]).toHaveLength(10)
    expect(cut.endsWith('…')).toBe(true)
  })

  it('says which times a message has', () => {
    expect(messageTimes(row({ state: 'sent' }))).toEqual({ sent: NOW - HOUR, delivered: false })
    expect(messageTimes(row({ state: 'read', readAt: NOW }))).toEqual({ sent: NOW - HOUR, read: NOW, delivered: true })
    expect(messageTimes(row({ direction: 'in', receivedAt: NOW - 5 }))).toEqual({ sent: NOW - HOUR, received: NOW - 5, delivered: true })
  })
})
