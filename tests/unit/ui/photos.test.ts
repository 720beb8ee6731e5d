import { render } from 'svelte/server'
import { describe, expect, it } from 'vitest'
import type { FileOffer, MessageId, MessageRow, TransferRow } from '../../../src/lib/db/types.ts'
import FileCard from '../../../src/lib/ui/FileCard.svelte'
import { isPhoto, neighbours, SWIPE_MIN_PX, swipeStep } from '../../../src/lib/ui/gallery.ts'
import ImageViewer from '../../../src/lib/ui/ImageViewer.svelte'

/**
 * Photos shown as photos (issue 56, point 8): the bubble has the picture and
 * its caption and nothing else once it is here; the viewer has the details,
 * Save, and the chat's photo before and after it.
 */

const id = (n: number): MessageId => `01J000000000000000000000${String(n).padStart(2, '0')}` as MessageId
const PHOTO: FileOffer = { sha256: 'a'.repeat(64), size: 48_213, name: 'IMG_2041.jpg', mime: 'image/jpeg', chunkSize: 1024, listHash: 'b'.repeat(64), thumb: new Uint8Array([0xff, 0xd8]), thumbMime: 'image/jpeg', width: 800, height: 600 }
const PDF: FileOffer = { ...PHOTO, name: 'plan.pdf', mime: 'application/pdf', thumb: undefined, thumbMime: undefined, width: undefined, height: undefined }

function message (n: number, over: Partial<MessageRow> = {}): MessageRow {
  return { id: id(n), contactId: 7, direction: 'in', fromPeerId: 'bob', kind: 'file', body: '', file: PHOTO, sentAt: Date.UTC(2026, 0, 5, 9), state: 'delivered', ...over }
}

function transfer (n: number, state: TransferRow['state']): TransferRow {
  return { id: id(n), contactId: 7, direction: 'in', name: 'IMG_2041.jpg', size: 48_213, mime: 'image/jpeg', sha256: 'a'.repeat(64), chunkSize: 1024, chunkCount: 48, state, have: new Uint8Array(6), chunksDone: 0, bytesDone: 0, requests: new Uint8Array(48), resumes: 0, store: 'idb', createdAt: 1, updatedAt: 1 }
}

const text = (html: string): string => html.replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
const noop = (): void => {}

function card (row: MessageRow, state: TransferRow['state']): string {
  return render(FileCard, { props: { message: row, transfer: transfer(1, state), contactName: 'Bob', path: 'direct', oncancel: noop, onretry: noop, onsave: noop, onopen: noop } }).body
}

describe('a photo in the chat', () => {
  it('once here, is the picture and its caption: no name, size, "Received" or Save', () => {
    const body = card(message(1, { body: 'the harbour' }), 'complete')
    expect(body).toContain('data-testid="file-thumb-frame"')
    expect(text(body)).toBe('the harbour')
    expect(body).not.toContain('file-save')
    expect(body).not.toContain('data-testid="file-state"')
  })

  it('the sender\'s own photo too', () => {
    const body = card(message(1, { direction: 'out', fromPeerId: 'alice' }), 'complete')
    expect(text(body)).toBe('')
    expect(body).not.toContain('file-save')
  })

  it('while it is on its way, says where it stands, with Cancel; still without its name', () => {
    const body = card(message(1), 'active')
    expect(body).toContain('data-testid="file-state"')
    expect(body).toContain('data-testid="file-cancel"')
    expect(text(body)).not.toContain('IMG_2041.jpg')
  })

  it('ours, sent from another of our devices, comes in like a contact\'s: Cancel stops its download', () => {
    const body = card(message(1, { direction: 'out', fromPeerId: 'alice', state: 'sent' }), 'active')
    expect(body).toContain('data-testid="file-cancel"')
    expect(body).toContain('aria-label="Cancel downloading IMG_2041.jpg"')
  })

  it('any other file keeps its name, size, state and Save', () => {
    const body = card(message(1, { file: PDF }), 'complete')
    expect(text(body)).toContain('plan.pdf')
    expect(text(body)).toContain('Received')
    expect(body).toContain('data-testid="file-save"')
  })
})

describe('the viewer\'s photos', () => {
  const photos = [message(1), message(2), message(3)]

  it('a photo is an image sent with a preview, not a voice message, another file or a deleted one', () => {
    expect(isPhoto(message(1))).toBe(true)
    expect(isPhoto(message(1, { file: PDF }))).toBe(false)
    expect(isPhoto(message(1, { deleted: { id: 'e', sentAt: 2 }, body: '' }))).toBe(false)
    expect(isPhoto(message(1, { kind: 'text', file: undefined, body: 'hi' }))).toBe(false)
  })

  it('next and previous follow the log\'s order and stop at either end', () => {
    expect(neighbours(photos, id(1))).toEqual({ previous: undefined, next: id(2) })
    expect(neighbours(photos, id(2))).toEqual({ previous: id(1), next: id(3) })
    expect(neighbours(photos, id(3))).toEqual({ previous: id(2), next: undefined })
    // a photo no longer in the chat (deleted while shown) has no neighbours
    expect(neighbours(photos, id(9))).toEqual({ previous: undefined, next: undefined })
  })

  it('a swipe to the left is next, to the right previous; a short or vertical move is none', () => {
    expect(swipeStep(300, 200, 300 - SWIPE_MIN_PX, 210)).toBe(1)
    expect(swipeStep(100, 200, 100 + SWIPE_MIN_PX + 20, 190)).toBe(-1)
    expect(swipeStep(100, 200, 100 + SWIPE_MIN_PX - 1, 200)).toBe(0)
    expect(swipeStep(100, 200, 160, 400)).toBe(0)
  })

  it('the viewer has the details, Save under the file\'s name, and Previous and Next only where there is one', () => {
    const first = render(ImageViewer, { props: { src: 'blob:x', alt: 'IMG_2041.jpg', details: { size: 48_213, at: Date.UTC(2026, 0, 5, 9) }, onnext: noop, onclose: noop } }).body
    expect(text(first)).toContain('IMG_2041.jpg')
    expect(text(first)).toContain('47 KiB')
    expect(first).toMatch(/<a [^>]*href="blob:x"[^>]*download="IMG_2041.jpg"|<a [^>]*download="IMG_2041.jpg"[^>]*href="blob:x"/)
    expect(first).toMatch(/aria-label="Previous photo"[^>]*disabled/)
    expect(first).not.toMatch(/aria-label="Next photo"[^>]*disabled/)
  })
})
