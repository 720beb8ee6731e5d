/** Files. */
import { method, returns } from '../define.ts'
import { contactId, longText, messageId, shortText } from '../ids.ts'
import { v } from '../schema.ts'
import type { MessageId } from '../rows.ts'

/** Largest preview a tab may hand over with an image (files/media.ts makes them far smaller). */
const MAX_THUMB_PARAM_BYTES = 1024 * 1024

/** What a tab hands over with a file it sends (to a contact, or to a group: methods/groups.ts). */
export const OFFERED_FILE = {
  file: v.blob(),
  name: shortText(),
  mime: shortText(),
  caption: longText(),
  thumb: v.nullable(v.object({
    thumb: v.bytes({ max: MAX_THUMB_PARAM_BYTES }),
    thumbMime: v.literal('image/jpeg', 'image/png', 'image/webp'),
    width: v.number({ integer: true, min: 0, max: 1 << 20 }),
    height: v.number({ integer: true, min: 0, max: 1 << 20 })
  })),
  /** a voice message: its length and waveform (the recorder's; docs/protocols.md, "Voice messages") */
  voice: v.optional(v.object({
    durationMs: v.number({ integer: true, min: 1, max: 1 << 30 }),
    waveform: v.bytes({ max: 4096 })
  }))
}

export const transfersMethods = {
  /**
   * offer a file to a contact: stored at once (message + transfer 'preparing'),
   * then hashed and offered; `file` is the user's File (a reference, not a copy)
   */
  sendFile: method({
    params: v.object({
      contactId: contactId(),
      ...OFFERED_FILE
    }),
    result: returns<{ messageId: MessageId }>()
  }),
  /** cancel a transfer, sending or receiving; the peer is told */
  cancelTransfer: method({ params: v.object({ id: messageId() }), result: returns<null>() }),
  /** try a failed transfer again */
  retryTransfer: method({ params: v.object({ id: messageId() }), result: returns<null>() }),
  /** a received (complete) or sent file as a disk-backed Blob, to save or view */
  getFile: method({ params: v.object({ id: messageId() }), result: returns<{ file: Blob }>() })
} as const
