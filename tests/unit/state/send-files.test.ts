/** The one way Chat and Share send files (state/send-files.ts), over a fake node and a fake thumbnailer. */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ContactId, MessageId } from '../../../src/lib/db/types.ts'
import { makeThumbnail, type Thumbnail } from '../../../src/lib/files/media.ts'
import { sendFiles, type FileSender } from '../../../src/lib/state/send-files.ts'
import type { NodeParams } from '../../../src/lib/contract/index.ts'
import { fakeCall } from '../../support/fake-node.ts'

// A real thumbnail needs createImageBitmap and a canvas (a browser); here a
// ".png" file gets a made-up one, recorded in the order the calls happen.
const events: string[] = []
vi.mock(import('../../../src/lib/files/media.ts'), async (importOriginal) => ({
  ...await importOriginal(),
  makeThumbnail: vi.fn(async (blob: Blob): Promise<Thumbnail | null> => {
    const name = blob instanceof File ? blob.name : ''
    events.push(`thumb ${name}`)
    return name.endsWith('.png') ? { bytes: new Uint8Array([1, 2, 3]), mime: 'image/webp', width: 640, height: 480 } : null
  })
}))

const ALICE: ContactId = 7

type SendFileParams = NodeParams<'sendFile'>

/** A node that records each sendFile call and fails for the file named `failOn`. */
function fakeNode (failOn?: string): FileSender & { calls: SendFileParams[] } {
  const calls: SendFileParams[] = []
  const { call } = fakeCall({
    sendFile: async (params) => {
      calls.push(params)
      events.push(`send ${params.name}`)
      if (params.name === failOn) throw Object.assign(new Error(`no room for ${params.name}`), { name: 'QuotaExceededError' })
      return { messageId: `id-${params.name}` as MessageId }
    }
  })
  return { calls, call: call as FileSender['call'] }
}

const file = (name: string): File => new File([new Uint8Array([0])], name, { type: 'application/octet-stream' })

beforeEach(() => {
  events.length = 0
  vi.mocked(makeThumbnail).mockClear()
})

describe('sendFiles', () => {
  it('offers each file in order, an image with its thumbnail made just before it is sent, no caption', async () => {
    const node = fakeNode()
    const ids = await sendFiles(node, ALICE, [file('a.png'), file('b.txt')])
    expect(ids).toEqual(['id-a.png', 'id-b.txt'])
    expect(events).toEqual(['thumb a.png', 'send a.png', 'thumb b.txt', 'send b.txt'])
    expect(node.calls.map(({ contactId, file: f, name, mime, caption }) => [contactId, (f as File).name, name, mime, caption])).toEqual([
      [ALICE, 'a.png', 'a.png', 'application/octet-stream', ''], [ALICE, 'b.txt', 'b.txt', 'application/octet-stream', '']
    ])
    expect(node.calls[0]?.thumb).toEqual({ thumb: new Uint8Array([1, 2, 3]), thumbMime: 'image/webp', width: 640, height: 480 })
    expect(node.calls[1]?.thumb).toBeNull()
  })

  it('sends the caption once, with the first file', async () => {
    const node = fakeNode()
    await sendFiles(node, ALICE, [file('a.txt'), file('b.txt')], ' for you ')
    expect(node.calls.map(({ caption }) => caption)).toEqual(['for you', ''])
  })

  it('stops at the first failure and rejects with it: earlier files are sent, later ones are not tried', async () => {
    const node = fakeNode('b.txt')
    await expect(sendFiles(node, ALICE, [file('a.txt'), file('b.txt'), file('c.png')])).rejects.toMatchObject({ name: 'QuotaExceededError', message: 'no room for b.txt' })
    expect(events).toEqual(['thumb a.txt', 'send a.txt', 'thumb b.txt', 'send b.txt'])
    expect(makeThumbnail).toHaveBeenCalledTimes(2)
  })

  it('sends nothing for no files', async () => {
    const node = fakeNode()
    await expect(sendFiles(node, ALICE, [])).resolves.toEqual([])
    expect(node.calls).toEqual([])
  })
})
