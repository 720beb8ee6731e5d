import '../../support/russian.ts'
import { render } from 'svelte/server'
import { afterEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import SendFilesDialog from '../../../src/lib/ui/SendFilesDialog.svelte'

/**
 * The preview of files about to be sent (issue 56, point 7), rendered with
 * props alone: what it says of each file and what it offers. Pasting,
 * Cancel, Escape, Enter and the caption reaching the contact: e2e
 * media.spec.ts.
 */

afterEach(() => { setLocale('en') })

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const noop = (): void => {}

describe('the files about to be sent', () => {
  it('names each file with its size, asks for a caption, offers Cancel and Send', () => {
    const files = [new File(['x'.repeat(2048)], 'plan.pdf', { type: 'application/pdf' }), new File(['notes'], 'notes.txt', { type: 'text/plain' })]
    const { body } = render(SendFilesDialog, { props: { files, notice: '', onsend: noop, oncancel: noop } })
    expect(text(body)).toContain('Send 2 files')
    expect(text(body)).toContain('plan.pdf 2 KiB')
    expect(text(body)).toContain('notes.txt 5 B')
    expect(body).toMatch(/<input[^>]*placeholder="Add a caption…"/)
    expect(text(body)).toMatch(/Caption .*Cancel Send$/)
  })

  it('says what was left out, in Russian too', () => {
    setLocale('ru')
    const { body } = render(SendFilesDialog, { props: { files: [new File(['a'], 'a.txt')], notice: 'Папки отправлять нельзя: 1 папка не добавлена.', onsend: noop, oncancel: noop } })
    expect(text(body)).toContain('Отправить 1 файл')
    expect(text(body)).toContain('Папки отправлять нельзя')
    expect(text(body)).toMatch(/Отмена Отправить$/)
  })
})
