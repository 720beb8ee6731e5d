/**
 * Page-side seeding for the history benches (tests/bench/history.ts,
 * chat-open.ts) and e2e specs: writes contacts and many messages into the
 * page's own 'parley' IndexedDB through the app's ParleyDb (its schema, and
 * the middleware that keeps the search index), fast.
 *
 * Not part of the app: `seedScript()` in history.ts bundles this file with
 * Vite into one IIFE that a test evaluates in the page, which then exposes
 * `window.parleySeed`.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { upsertContact } from '../../src/lib/db/contacts.ts'
import { DEFAULT_DB_NAME, ParleyDb } from '../../src/lib/db/db.ts'
import { newMessageId } from '../../src/lib/db/messages.ts'
import type { ContactId, FileOffer, MessageId, MessageRow, TransferRow } from '../../src/lib/db/types.ts'

/** Words the generated bodies are made of (English and Russian). */
const VOCABULARY = [
  'hello', 'meeting', 'tomorrow', 'coffee', 'project', 'deadline', 'weekend', 'train', 'photo', 'garden',
  'привет', 'встреча', 'завтра', 'кофе', 'проект', 'выходные', 'поезд', 'фото', 'сад', 'работа',
  'the', 'and', 'we', 'can', 'see', 'later', 'maybe', 'today', 'call', 'me'
]

const BATCH = 2_000

export interface SeedChatInput {
  /** an existing contact, by PeerID; else a new contact named `name` is made */
  peerId?: string
  name?: string
  count: number
  /** sentAt of the first message; each next one is `stepMs` later */
  firstAt: number
  stepMs: number
  /** the body of message i is `${prefix} ${i} ` + a few generated words */
  prefix: string
  /** bodies to use instead of the generated ones, by index */
  special?: Record<number, string>
  /** incoming messages written as received and not read (a chat that came in while its reader was away); all read by default */
  unread?: boolean
}

export interface SeededChat {
  contactId: ContactId
  peerId: string
  /** ids by index, for the indexes of `special` */
  specialIds: Record<number, MessageId>
}

/** A small deterministic PRNG, so that runs write the same text. */
function wordsFor (i: number): string {
  let x = (i * 2654435761) >>> 0
  const out: string[] = []
  for (let k = 0; k < 6; k++) {
    x = (x * 1103515245 + 12345) >>> 0
    out.push(VOCABULARY[x % VOCABULARY.length] ?? 'hello')
  }
  return out.join(' ')
}

async function seedChat (input: SeedChatInput): Promise<SeededChat> {
  const db = new ParleyDb(DEFAULT_DB_NAME)
  try {
    const profile = await db.profile.get(1)
    if (profile === undefined) throw new Error('no profile yet: onboard first')
    let peerId = input.peerId
    if (peerId === undefined) {
      peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      await upsertContact(db, { peerId, username: input.name ?? 'Seed', addresses: [] })
    }
    const contact = await db.contacts.where('peerId').equals(peerId).first()
    if (contact === undefined) throw new Error(`no contact ${peerId}`)
    const specialIds: Record<number, MessageId> = {}
    for (let start = 0; start < input.count; start += BATCH) {
      const rows: MessageRow[] = []
      for (let i = start; i < Math.min(input.count, start + BATCH); i++) {
        const sentAt = input.firstAt + i * input.stepMs
        const incoming = i % 3 !== 0
        const id = newMessageId(sentAt)
        const body = input.special?.[i] ?? `${input.prefix} ${i} ${wordsFor(i)}`
        if (input.special?.[i] !== undefined) specialIds[i] = id
        rows.push({
          id,
          contactId: contact.id,
          direction: incoming ? 'in' : 'out',
          fromPeerId: incoming ? peerId : profile.peerId,
          kind: 'text',
          body,
          sentAt,
          ...(incoming ? { receivedAt: sentAt + 50 } : {}),
          ...(incoming && input.unread === true ? { state: 'delivered' as const } : { state: 'read' as const, readAt: sentAt + 1000 })
        })
      }
      await db.messages.bulkAdd(rows)
    }
    return { contactId: contact.id, peerId, specialIds }
  } finally {
    db.close()
  }
}

export interface SeedImageInput {
  /** the contact who sent it */
  peerId: string
  sentAt: number
  name: string
  /** the full image's size, as its offer states it */
  width: number
  height: number
}

/** The transfer row of file message `message` (incoming), received whole: every chunk its offer counts held. */
function completeTransfer (message: MessageRow & { file: FileOffer }, where: Pick<TransferRow, 'store'>): TransferRow {
  const { file, sentAt } = message
  const chunkCount = Math.ceil(file.size / file.chunkSize)
  return {
    id: message.id,
    contactId: message.contactId as ContactId,
    direction: 'in',
    name: file.name,
    size: file.size,
    mime: file.mime,
    sha256: file.sha256,
    chunkSize: file.chunkSize,
    chunkCount,
    state: 'complete',
    have: new Uint8Array(Math.ceil(chunkCount / 8)).fill(0xff),
    chunksDone: chunkCount,
    bytesDone: file.size,
    requests: new Uint8Array(chunkCount).fill(1),
    resumes: 0,
    store: where.store,
    createdAt: sentAt,
    updatedAt: sentAt + 1000,
    completedAt: sentAt + 1000
  }
}

/**
 * An image received in full from contact `peerId`: a file message whose
 * offer has a preview (a WebP drawn here, as a sender's tab makes one) and
 * a complete transfer row. Its bytes are not stored: the chat shows the
 * preview only, as it does for any received image until it is opened.
 */
async function seedImage (input: SeedImageInput): Promise<MessageId> {
  const db = new ParleyDb(DEFAULT_DB_NAME)
  try {
    const contact = await db.contacts.where('peerId').equals(input.peerId).first()
    if (contact === undefined) throw new Error(`no contact ${input.peerId}`)
    const scale = 320 / Math.max(input.width, input.height)
    const canvas = new OffscreenCanvas(Math.round(input.width * scale), Math.round(input.height * scale))
    const context = canvas.getContext('2d')
    if (context === null) throw new Error('no 2D canvas here')
    const gradient = context.createLinearGradient(0, 0, canvas.width, canvas.height)
    gradient.addColorStop(0, '#0f766e')
    gradient.addColorStop(1, '#f59e0b')
    context.fillStyle = gradient
    context.fillRect(0, 0, canvas.width, canvas.height)
    const thumb = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 })).arrayBuffer())
    const id = newMessageId(input.sentAt)
    const size = input.width * input.height
    const chunkSize = 256 * 1024
    const hex = '0'.repeat(63) + '1'
    const file: FileOffer = { sha256: hex, size, name: input.name, mime: 'image/png', chunkSize, listHash: hex, thumb, thumbMime: 'image/webp', width: input.width, height: input.height }
    const message: MessageRow & { file: FileOffer } = {
      id, contactId: contact.id, direction: 'in', fromPeerId: input.peerId, kind: 'file', body: '', sentAt: input.sentAt, receivedAt: input.sentAt + 50, state: 'read', file
    }
    const transfer = completeTransfer(message, { store: 'idb' })
    await db.transaction('rw', db.messages, db.transfers, async () => {
      await db.messages.add(message)
      await db.transfers.add(transfer)
    })
    return id
  } finally {
    db.close()
  }
}

export interface SeedFileInput {
  /** the contact who sent it */
  peerId: string
  sentAt: number
  name: string
  /** its size: parts of `partBytes`, the last one maybe shorter */
  size: number
  partBytes: number
}

/**
 * A file received in full from contact `peerId`, its bytes in the node's
 * chunk store in OPFS (files/chunk-store.ts: `parley-files/<id>/<index>`),
 * written in parts of `partBytes` (the transfer row says so in its
 * `chunkSize`), each byte its offset's low 8 bits. No hash is checked when
 * a stored file is read, so its offer names none that is real.
 */
async function seedFile (input: SeedFileInput): Promise<MessageId> {
  const db = new ParleyDb(DEFAULT_DB_NAME)
  try {
    const contact = await db.contacts.where('peerId').equals(input.peerId).first()
    if (contact === undefined) throw new Error(`no contact ${input.peerId}`)
    const id = newMessageId(input.sentAt)
    const chunkCount = Math.ceil(input.size / input.partBytes)
    const part = Uint8Array.from({ length: input.partBytes }, (_, i) => i & 0xff)
    const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle('parley-files', { create: true })).getDirectoryHandle(id, { create: true })
    for (let index = 0; index < chunkCount; index++) {
      const writable = await (await dir.getFileHandle(String(index), { create: true })).createWritable()
      await writable.write(part.subarray(0, Math.min(input.partBytes, input.size - index * input.partBytes)))
      await writable.close()
    }
    const hex = '0'.repeat(63) + '1'
    const file: FileOffer = { sha256: hex, size: input.size, name: input.name, mime: 'application/octet-stream', chunkSize: input.partBytes, listHash: hex }
    const message: MessageRow & { file: FileOffer } = {
      id, contactId: contact.id, direction: 'in', fromPeerId: input.peerId, kind: 'file', body: '', sentAt: input.sentAt, receivedAt: input.sentAt + 50, state: 'read', file
    }
    const transfer = completeTransfer(message, { store: 'opfs' })
    await db.transaction('rw', db.messages, db.transfers, async () => {
      await db.messages.add(message)
      await db.transfers.add(transfer)
    })
    return id
  } finally {
    db.close()
  }
}

declare global {
  interface Window {
    parleySeed?: { seedChat: typeof seedChat, seedImage: typeof seedImage, seedFile: typeof seedFile }
  }
}

window.parleySeed = { seedChat, seedImage, seedFile }
