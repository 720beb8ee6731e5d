import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import type { MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import MessageBubble from '../../../src/lib/ui/MessageBubble.svelte'

/**
 * "Waiting for <name>'s keys" (issue 57, item 1): our message to a contact
 * that speaks sessions, while no relay (nor the contact) hands out its keys,
 * says in words why it has not gone, in English and Russian, until it is on
 * a relay or with them; other messages keep their state's words.
 */

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()

function ours (state: MessageRow['state']): MessageRow {
  return { id: '01J0000000000000000000000A' as MessageId, contactId: 9, direction: 'out', fromPeerId: '12D3KooWMe', kind: 'text', body: 'the vault code', sentAt: Date.UTC(2026, 0, 5, 9), state }
}

describe('a message waiting for the contact\'s keys', () => {
  it('queued or sent: says it waits for Bob\'s keys; once stored or delivered, its state as before', () => {
    for (const state of ['queued', 'sent'] as const) {
      const body = render(MessageBubble, { props: { message: ours(state), sender: 'Bob', waitingFor: 'Bob' } }).body
      expect(body).toContain('data-testid="waiting-keys"')
      expect(text(body)).toMatch(/waiting for Bob ?'s keys/)
    }
    expect(text(render(MessageBubble, { props: { message: ours('delivered'), sender: 'Bob', waitingFor: 'Bob' } }).body)).toContain('delivered')
    expect(text(render(MessageBubble, { props: { message: ours('queued'), sender: 'Bob' } }).body)).toContain('queued')
  })

  it('in Russian too', () => {
    setLocale('ru')
    const body = render(MessageBubble, { props: { message: ours('queued'), sender: 'Bob', waitingFor: 'Bob' } }).body
    expect(text(body)).toMatch(/ждёт ключей собеседника \( ?Bob ?\)/)
  })
})
