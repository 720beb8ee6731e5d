/**
 * The message actions of a chat (state/message-actions.svelte.ts) over a
 * fake node and a fake chat: the menu, replies and edits in the composer,
 * reactions taken back, deletes, and failures in the chat's error line.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { newMessageId } from '../../../src/lib/db/messages.ts'
import type { MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { handleError } from '../../../src/lib/i18n/handle-error.ts'
import { MessageActionsManager, type ActionsChat } from '../../../src/lib/state/message-actions.svelte.ts'
import { fakeCall, type FakeAnswers } from '../../support/fake-node.ts'

const NOW = 1_800_000_000_000

/** The chat's part: a draft, an error line, send and act as ChatManager does them. */
class FakeChat implements ActionsChat {
  draft = ''
  error = ''
  readonly sent: Array<{ text: string, replyTo: MessageId | undefined }> = []
  failSend = false

  async send (replyTo?: MessageId): Promise<void> {
    const text = this.draft
    this.draft = ''
    if (this.failSend) {
      this.error = 'failed'
      this.draft = text
      return
    }
    this.sent.push({ text, replyTo })
  }

  async act (what: string, action: () => Promise<void>): Promise<void> {
    this.error = ''
    try {
      await action()
    } catch (err) {
      this.error = handleError(err, what)
    }
  }
}

function row (fields: Partial<MessageRow> = {}): MessageRow {
  return { id: newMessageId(NOW - 1000), contactId: 1, direction: 'out', fromPeerId: 'me', kind: 'text', body: 'hello', sentAt: NOW - 1000, state: 'delivered', ...fields }
}

/** The node's status: this device's PeerID and its account's (the same on the device holding the account, another on a linked one). */
interface Me { peerId?: string, account?: string }

function setup (answers: FakeAnswers = {}, status: Me = { peerId: 'me', account: 'me' }): { actions: MessageActionsManager, chat: FakeChat, calls: Array<{ method: string, params: unknown }>, revealed: MessageId[] } {
  const fake = fakeCall({ react: () => null, editMessage: () => null, deleteMessage: () => null, ...answers })
  const chat = new FakeChat()
  const revealed: MessageId[] = []
  const node = { call: fake.call, status } as unknown as ConstructorParameters<typeof MessageActionsManager>[0]
  const actions = new MessageActionsManager(node, chat, { theirPeerId: () => 'them', reveal: (id) => { revealed.push(id) }, now: () => NOW })
  return { actions, chat, calls: fake.calls, revealed }
}

beforeEach(() => { vi.spyOn(console, 'error').mockImplementation(() => undefined) })
afterEach(() => { vi.restoreAllMocks() })

describe('MessageActionsManager', () => {
  it('opens the menu with the items the message allows and leads its items to dialogs', async () => {
    const { actions } = setup()
    const message = row()
    actions.openMenu(message, { x: 10, y: 20 })
    expect(actions.menu?.actions).toEqual(['reply', 'react', 'copy', 'edit', 'delete', 'info'])
    expect(actions.menu?.at).toEqual({ x: 10, y: 20 })
    await actions.choose('info')
    expect(actions.menu).toBeUndefined()
    expect(actions.dialog).toEqual({ kind: 'info', message })
    actions.closeDialog()
    expect(actions.dialog).toBeUndefined()
    // no menu open: choosing does nothing
    await actions.choose('delete')
    expect(actions.dialog).toBeUndefined()
  })

  it('sends the draft as a reply; a failed send brings the quote back with the text', async () => {
    const { actions, chat } = setup()
    const original = row({ direction: 'in', fromPeerId: 'them' })
    actions.openMenu(original, { x: 0, y: 0 })
    await actions.choose('reply')
    expect(actions.replyingTo).toBe(original)
    // a blank draft sends nothing and keeps the quote
    await actions.submit()
    expect(chat.sent).toEqual([])
    expect(actions.replyingTo).toBe(original)

    chat.failSend = true
    chat.draft = 'an answer'
    await actions.submit()
    expect(chat.draft).toBe('an answer')
    expect(actions.replyingTo).toBe(original)

    chat.failSend = false
    await actions.submit()
    expect(chat.sent).toEqual([{ text: 'an answer', replyTo: original.id }])
    expect(actions.replyingTo).toBeUndefined()
    chat.draft = 'plain'
    await actions.submit()
    expect(chat.sent.at(-1)).toEqual({ text: 'plain', replyTo: undefined })
  })

  it('edits in the composer: the draft is set aside and comes back; unchanged text sends nothing', async () => {
    const { actions, chat, calls } = setup()
    const message = row({ body: 'see you at 5' })
    chat.draft = 'half-written'
    actions.reply(row({ direction: 'in' }))
    actions.startEdit(message)
    expect(actions.replyingTo).toBeUndefined()
    expect(actions.editing).toBe(message)
    expect(chat.draft).toBe('see you at 5')
    await actions.submit()
    expect(calls).toEqual([])
    expect(actions.editing).toBeUndefined()
    expect(chat.draft).toBe('half-written')

    actions.startEdit(message)
    chat.draft = ' see you at 6 '
    await actions.submit()
    expect(calls).toEqual([{ method: 'editMessage', params: { messageId: message.id, text: 'see you at 6' } }])
    expect(actions.editing).toBeUndefined()
    expect(chat.draft).toBe('half-written')
  })

  it('keeps the edit when saving fails, and says why in words', async () => {
    const tooLate = Object.assign(new Error('editTooLate'), { name: 'ActionNotAllowedError', code: 'editTooLate', params: { hours: 24 } })
    const { actions, chat } = setup({ editMessage: () => { throw tooLate } })
    const message = row()
    actions.startEdit(message)
    chat.draft = 'changed'
    await actions.submit()
    expect(actions.editing).toBe(message)
    expect(chat.draft).toBe('changed')
    expect(chat.error).not.toBe('')
  })

  it('does not edit what may not be edited', () => {
    const { actions, chat } = setup()
    actions.startEdit(row({ direction: 'in' }))
    actions.startEdit(row({ sentAt: NOW - 25 * 3600_000 }))
    expect(actions.editing).toBeUndefined()
    expect(chat.draft).toBe('')
  })

  it('reacts, changes the reaction, and takes it back when chosen again', async () => {
    const { actions, calls } = setup()
    const message = row({ direction: 'in', reactions: [{ from: 'them', emoji: '👍', id: 'r1', sentAt: 1 }] })
    await actions.react(message, '👍')
    const mine = { ...message, reactions: [...(message.reactions ?? []), { from: 'me', emoji: '👍', id: 'r2', sentAt: 2 }] }
    await actions.react(mine, '❤️')
    await actions.react(mine, '👍')
    await actions.react(mine, '   ')
    expect(calls.map(c => c.params)).toEqual([
      { messageId: message.id, emoji: '👍' },
      { messageId: message.id, emoji: '❤️' },
      { messageId: message.id, emoji: '' }
    ])
  })

  it('tells our reactions by our PeerID, or by not being the contact\'s before the node knows it', () => {
    expect(setup({}, { peerId: 'me', account: 'me' }).actions.isMine('me')).toBe(true)
    expect(setup({}, { peerId: 'me', account: 'me' }).actions.isMine('carol')).toBe(false)
    expect(setup({}, {}).actions.isMine('me')).toBe(true)
    expect(setup({}, {}).actions.isMine('them')).toBe(false)
  })

  describe('on a linked device (its PeerID is not the account\'s)', () => {
    const LINKED: Me = { peerId: 'my-phone', account: 'me' }

    it('takes the account\'s reactions for ours, not the device\'s PeerID', () => {
      const { actions } = setup({}, LINKED)
      expect(actions.isMine('me')).toBe(true)
      expect(actions.isMine('my-phone')).toBe(false)
      expect(actions.isMine('them')).toBe(false)
    })

    it('offers editing and deleting our message, which names the account as its author', async () => {
      const { actions, chat, calls } = setup({}, LINKED)
      const message = row({ fromPeerId: 'me' })
      actions.openMenu(message, { x: 0, y: 0 })
      expect(actions.menu?.actions).toEqual(['reply', 'react', 'copy', 'edit', 'delete', 'info'])
      await actions.choose('edit')
      expect(actions.editing).toBe(message)
      chat.draft = 'hello again'
      await actions.submit()
      expect(calls).toEqual([{ method: 'editMessage', params: { messageId: message.id, text: 'hello again' } }])
    })

    it('takes back our reaction given on another device of the account', async () => {
      const { actions, calls } = setup({}, LINKED)
      const message = row({ direction: 'in', fromPeerId: 'them', reactions: [{ from: 'me', emoji: '👍', id: 'r1', sentAt: 1 }] })
      await actions.react(message, '👍')
      expect(calls.map(c => c.params)).toEqual([{ messageId: message.id, emoji: '' }])
    })
  })

  it('shows the worker\'s refusal of a reaction in words', async () => {
    const notEmoji = Object.assign(new Error('reactionNotEmoji'), { name: 'InvalidActionError', code: 'reactionNotEmoji', params: {} })
    const { actions, chat } = setup({ react: () => { throw notEmoji } })
    await actions.react(row(), 'abc')
    expect(chat.error).toBe('A reaction is one emoji.')
  })

  it('deletes for me or for everyone, dropping a reply or edit of that message', async () => {
    const { actions, chat, calls } = setup()
    const message = row()
    actions.startEdit(message)
    await actions.delete(message, true)
    expect(actions.editing).toBeUndefined()
    expect(chat.draft).toBe('')
    actions.reply(message)
    await actions.delete(message, false)
    expect(actions.replyingTo).toBeUndefined()
    expect(calls.map(c => c.params)).toEqual([{ messageId: message.id, forEveryone: true }, { messageId: message.id, forEveryone: false }])
    expect(actions.mayDeleteForEveryone(message)).toBe(true)
    expect(actions.mayDeleteForEveryone(row({ direction: 'in' }))).toBe(false)
  })

  it('hands a quote\'s jump to the screen, and forgets everything on reset', () => {
    const { actions, revealed } = setup()
    const id = newMessageId(NOW)
    actions.jumpTo(id)
    expect(revealed).toEqual([id])
    actions.reply(row())
    actions.openMenu(row(), { x: 0, y: 0 })
    actions.reset()
    expect([actions.menu, actions.dialog, actions.replyingTo, actions.editing]).toEqual([undefined, undefined, undefined, undefined])
  })
})
