/** Long messages shown folded (ui/long-text.ts, MessageBubble.svelte). */
import { readFileSync } from 'node:fs'
import { render } from 'svelte/server'
import { describe, expect, it } from 'vitest'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { FOLD_OVER_CHARS, FOLDED_LINES, isLongText } from '../../../src/lib/ui/long-text.ts'
import MessageBubble from '../../../src/lib/ui/MessageBubble.svelte'

function message (body: string): MessageRow {
  return { id: '01JB0000000000000000000000' as MessageId, contactId: 1 as ContactId, direction: 'in', fromPeerId: 'p', kind: 'text', body, sentAt: 0, state: 'delivered' }
}

describe('isLongText', () => {
  it('folds over FOLD_OVER_CHARS characters or over FOLDED_LINES lines, and nothing shorter', () => {
    expect(isLongText('x'.repeat(FOLD_OVER_CHARS))).toBe(false)
    expect(isLongText('x'.repeat(FOLD_OVER_CHARS + 1))).toBe(true)
    expect(isLongText(Array.from({ length: FOLDED_LINES }, () => 'line').join('\n'))).toBe(false)
    expect(isLongText(Array.from({ length: FOLDED_LINES + 1 }, () => 'line').join('\n'))).toBe(true)
    expect(isLongText('')).toBe(false)
  })
})

describe('MessageBubble folding', () => {
  it('shows a 4,000-character message folded, whole in the page, with a Show more button that controls it', () => {
    const body = `${'word '.repeat(799)}end.`
    const { body: html } = render(MessageBubble, { props: { message: message(body), sender: 'Bob' } })
    // (svelte adds its scoping class to each)
    const id = /<p class="body [^"]*\bfolded\b[^"]*" id="([^"]+)"/.exec(html)?.[1]
    expect(id).toBeDefined()
    expect(html).toContain('end.')
    expect(html).toMatch(new RegExp(`<button type="button" class="fold [^"]*" aria-expanded="false" aria-controls="${id ?? ''}">Show more</button>`))
  })

  it('shows a short message as it is, with no button', () => {
    const { body: html } = render(MessageBubble, { props: { message: message('Hi Bob'), sender: 'Bob' } })
    expect(html).not.toContain('folded')
    expect(html).not.toContain('<button')
  })

  it('folds to FOLDED_LINES lines in its style', () => {
    const source = readFileSync(new URL('../../../src/lib/ui/MessageBubble.svelte', import.meta.url), 'utf8')
    expect(source).toContain(`-webkit-line-clamp: ${FOLDED_LINES};`)
    expect(source).toContain(`line-clamp: ${FOLDED_LINES};`)
  })
})
