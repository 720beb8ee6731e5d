import { describe, expect, it } from 'vitest'
import {
  ID_BYTES, MAX_IDS, MAX_ITEM_BYTES, MAX_LIST, MAX_REASON_BYTES, MailboxErrorCode, MailboxFrameError, MailboxRefusedError,
  decodeReply, decodeRequest, encodeError, encodeReply, encodeRequest
} from '../../src/mailbox/codec.ts'
import type { MailboxErrorName, MailboxReply, MailboxRequest, OpName } from '../../src/mailbox/codec.ts'
import { HINT_BYTES } from '../../src/push/hint.ts'

const OPS: OpName[] = ['deposit', 'list', 'fetch', 'delete']
const id = (n: number): Uint8Array => new Uint8Array(ID_BYTES).fill(n)
const bytes = (...parts: Array<number | number[] | Uint8Array>): Uint8Array =>
  Uint8Array.from(parts.flatMap(p => typeof p === 'number' ? [p] : [...p]))
const u16 = (n: number): number[] => [n >> 8, n & 255]
const u32 = (n: number): number[] => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]
const u64 = (n: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(56 - 8 * i)) & 255n))
/** Uint8Arrays as hex, so large items compare fast */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_, x: unknown) => x instanceof Uint8Array ? `bytes:${Buffer.from(x).toString('hex')}` : x))
/** Where to cut a frame: every offset near the start, then a sample through a large item. */
const cuts = (length: number): number[] => Array.from({ length }, (_, i) => i).filter(i => i < 300 || i % 4099 === 0 || i === length - 1)
const recipient = Uint8Array.from({ length: 34 }, (_, i) => i + 1)

/** A MailboxFrameError (its class sets `name`) whose message matches `message`, for `toThrow`. */
const frameError = (message: RegExp): unknown => expect.objectContaining({ name: 'MailboxFrameError', message: expect.stringMatching(message) })
/** The same for an item over MAX_ITEM_BYTES: a MailboxTooLargeError, still a MailboxFrameError. */
const tooLarge = (message: RegExp): unknown => expect.objectContaining({ name: 'MailboxTooLargeError', message: expect.stringMatching(message) })

const REQUESTS: Record<string, MailboxRequest> = {
  deposit: { op: 'deposit', id: id(1), recipient, item: bytes(9, 8, 7) },
  'deposit with a push hint': { op: 'deposit', id: id(3), recipient, item: bytes(9, 8, 7), hint: new Uint8Array(HINT_BYTES).fill(4) },
  'deposit of a 64-byte recipient and the largest item': { op: 'deposit', id: id(2), recipient: new Uint8Array(64).fill(5), item: new Uint8Array(MAX_ITEM_BYTES).fill(3) },
  'list without a cursor': { op: 'list', limit: 1 },
  'list with a cursor': { op: 'list', after: id(3), limit: MAX_LIST },
  'fetch of several ids': { op: 'fetch', ids: [id(1), id(2), id(3)] },
  'delete of one id': { op: 'delete', ids: [id(4)] },
  'delete of MAX_IDS ids': { op: 'delete', ids: Array.from({ length: MAX_IDS }, (_, i) => id(i)) }
}

const REPLIES: Record<string, MailboxReply> = {
  deposit: { op: 'deposit', storedAt: 1_700_000_000_000, expiresAt: Number.MAX_SAFE_INTEGER, duplicate: false },
  'deposit, duplicate': { op: 'deposit', storedAt: 0, expiresAt: 1, duplicate: true },
  'list, empty': { op: 'list', more: false, items: [] },
  'list of two with more': {
    op: 'list',
    more: true,
    items: [{ id: id(1), size: 1, storedAt: 5, expiresAt: 10 }, { id: id(2), size: MAX_ITEM_BYTES, storedAt: 6, expiresAt: 11 }]
  },
  'fetch, empty': { op: 'fetch', items: [] },
  'fetch of several items': {
    op: 'fetch',
    items: [{ id: id(1), storedAt: 5, item: bytes(1) }, { id: id(2), storedAt: 6, item: bytes(2, 3, 4) }, { id: id(3), storedAt: 7, item: new Uint8Array(MAX_ITEM_BYTES) }]
  },
  delete: { op: 'delete', deleted: 65_535 }
}

describe('mailbox codec round trips', () => {
  it.each(Object.entries(REQUESTS))('request: %s', (_, request) => {
    expect(plain(decodeRequest(encodeRequest(request)))).toEqual(plain(request))
  })

  it('a list request without a cursor decodes without an `after` key', () => {
    expect(Object.keys(decodeRequest(encodeRequest({ op: 'list', limit: 3 })))).not.toContain('after')
    expect(encodeRequest({ op: 'list', limit: 3 })).toEqual(bytes(2, 0, u16(3)))
  })

  it.each(Object.entries(REPLIES))('reply: %s', (_, reply) => {
    expect(plain(decodeReply(reply.op, encodeReply(reply)))).toEqual(plain(reply))
  })

  it.each(Object.keys(MailboxErrorCode) as MailboxErrorName[])('error reply %s → MailboxRefusedError, to every op', code => {
    for (const op of OPS) {
      for (const reason of ['', 'the mailbox is full — désolé']) {
        let thrown: unknown
        try { decodeReply(op, encodeError(code, reason)) } catch (err) { thrown = err }
        expect(thrown).toBeInstanceOf(MailboxRefusedError)
        expect(thrown).toMatchObject({ code, reason })
        expect((thrown as Error).message).toBe(`the mailbox refused: ${code}${reason === '' ? '' : ` (${reason})`}`)
      }
    }
  })

  it('encodeError cuts a long reason to MAX_REASON_BYTES', () => {
    const frame = encodeError('storage-full', 'x'.repeat(1000))
    expect(frame.byteLength).toBe(1 + MAX_REASON_BYTES)
    expect(frame[0]).toBe(MailboxErrorCode['storage-full'])
    expect(() => decodeReply('deposit', frame)).toThrow(expect.objectContaining({ code: 'storage-full', reason: 'x'.repeat(MAX_REASON_BYTES) }))
    expect(encodeError('conflict', 'y'.repeat(MAX_REASON_BYTES)).byteLength).toBe(1 + MAX_REASON_BYTES)
  })
})

describe('mailbox codec refusals', () => {
  it('refuses an unknown operation', () => {
    for (const op of [0, 6, 255]) expect(() => decodeRequest(bytes(op, 0, 1))).toThrow(frameError(new RegExp(`unknown operation ${op}$`)))
  })

  it('refuses every truncation of every request', () => {
    expect(() => decodeRequest(new Uint8Array(0))).toThrow(frameError(/ends inside the operation/))
    for (const request of Object.values(REQUESTS)) {
      const frame = encodeRequest(request)
      // a deposit's item is the rest: cut down to the recipient it is empty; cut inside it a shorter (valid) item
      const end = request.op === 'deposit' ? 1 + ID_BYTES + 1 + request.recipient.byteLength + 1 : frame.byteLength
      for (const cut of cuts(end).filter(c => c > 0)) expect(() => decodeRequest(frame.subarray(0, cut))).toThrow(frameError(/ends inside|the item is empty/))
    }
    expect(() => decodeRequest(bytes(1, id(1)))).toThrow(frameError(/ends inside the recipient length$/))
    expect(() => decodeRequest(bytes(1, id(1), 34, recipient.subarray(0, 10)))).toThrow(frameError(/ends inside the recipient$/))
    expect(() => decodeRequest(bytes(2, 16, id(1).subarray(0, 4)))).toThrow(frameError(/ends inside the cursor$/))
    expect(() => decodeRequest(bytes(2, 0, 1))).toThrow(frameError(/ends inside the limit$/))
    expect(() => decodeRequest(bytes(3, 2, id(1), 7))).toThrow(frameError(/ends inside id 2$/))
  })

  it('refuses every truncation of every reply', () => {
    for (const reply of Object.values(REPLIES)) {
      const frame = encodeReply(reply)
      for (const cut of cuts(frame.byteLength)) expect(() => decodeReply(reply.op, frame.subarray(0, cut))).toThrow(frameError(/ends inside/))
    }
  })

  it('refuses trailing bytes', () => {
    for (const request of Object.values(REQUESTS).filter(r => r.op !== 'deposit')) {
      expect(() => decodeRequest(bytes(encodeRequest(request), 0))).toThrow(frameError(/: 1 bytes after the last field$/))
    }
    for (const reply of Object.values(REPLIES)) {
      expect(() => decodeReply(reply.op, bytes(encodeReply(reply), 0, 0))).toThrow(frameError(/: 2 bytes after the last field$/))
    }
  })

  it('refuses a bad deposit: recipient of 0 or 65 bytes, an empty item, an item over MAX_ITEM_BYTES (too-large, not bad-request)', () => {
    expect(() => decodeRequest(bytes(1, id(1), 0, 1, 2, 3))).toThrow(frameError(/the recipient is 1 to 64 bytes, not 0$/))
    expect(() => decodeRequest(bytes(1, id(1), 65, new Uint8Array(70)))).toThrow(frameError(/the recipient is 1 to 64 bytes, not 65$/))
    expect(() => decodeRequest(bytes(1, id(1), 34, recipient))).toThrow(frameError(/the item is empty$/))
    const oversize = bytes(1, id(1), 34, recipient, new Uint8Array(MAX_ITEM_BYTES + 1))
    expect(() => decodeRequest(oversize)).toThrow(tooLarge(new RegExp(`the item is over ${MAX_ITEM_BYTES} bytes$`)))
    expect(() => decodeRequest(oversize)).toThrow(MailboxFrameError)
  })

  it('refuses a bad list: a cursor of the wrong length, a limit of 0 or over MAX_LIST', () => {
    for (const length of [1, 15, 17, 32]) {
      expect(() => decodeRequest(bytes(2, length, new Uint8Array(length), u16(1)))).toThrow(frameError(new RegExp(`the cursor is 0 or 16 bytes, not ${length}$`)))
    }
    expect(() => decodeRequest(bytes(2, 0, u16(0)))).toThrow(frameError(/the limit is 1 to 512, not 0$/))
    expect(() => decodeRequest(bytes(2, 16, id(1), u16(MAX_LIST + 1)))).toThrow(frameError(/the limit is 1 to 512, not 513$/))
    expect(() => decodeRequest(bytes(2, 0, u16(65_535)))).toThrow(frameError(/not 65535$/))
  })

  it('refuses a fetch or delete of 0 ids or over MAX_IDS', () => {
    for (const [op, what] of [[3, 'fetch'], [4, 'delete']] as const) {
      expect(() => decodeRequest(bytes(op))).toThrow(frameError(/ends inside the id count$/))
      expect(() => decodeRequest(bytes(op, 0))).toThrow(frameError(new RegExp(`a mailbox ${what}: between 1 and 64 ids, not 0$`)))
      const many = Array.from({ length: MAX_IDS + 1 }, (_, i) => id(i))
      expect(() => decodeRequest(bytes(op, MAX_IDS + 1, ...many))).toThrow(frameError(new RegExp(`a mailbox ${what}: between 1 and 64 ids, not 65$`)))
    }
  })

  it('refuses a reply with an unknown status or a reason over MAX_REASON_BYTES', () => {
    for (const status of [9, 200, 255]) {
      for (const op of OPS) expect(() => decodeReply(op, bytes(status, 65, 66))).toThrow(frameError(new RegExp(`unknown status ${status}$`)))
    }
    expect(() => decodeReply('list', bytes(1, new Uint8Array(MAX_REASON_BYTES + 1).fill(65)))).toThrow(frameError(/the reason is too long$/))
  })

  it('refuses a time over 2^53 anywhere in a reply, accepts 2^53 - 1', () => {
    const big = 2n ** 53n
    const max = BigInt(Number.MAX_SAFE_INTEGER)
    expect(() => decodeReply('deposit', bytes(0, u64(big), u64(1n), 0))).toThrow(frameError(/a mailbox reply to deposit: storedAt is over 2\^53$/))
    expect(() => decodeReply('deposit', bytes(0, u64(1n), u64(2n ** 64n - 1n), 0))).toThrow(frameError(/expiresAt is over 2\^53$/))
    expect(() => decodeReply('list', bytes(0, 0, u16(1), id(1), u32(1), u64(1n), u64(big)))).toThrow(frameError(/expiresAt is over 2\^53$/))
    expect(() => decodeReply('fetch', bytes(0, 1, id(1), u64(big), u32(1), 7))).toThrow(frameError(/storedAt is over 2\^53$/))
    expect(decodeReply('deposit', bytes(0, u64(max), u64(max), 1))).toEqual({ op: 'deposit', storedAt: Number.MAX_SAFE_INTEGER, expiresAt: Number.MAX_SAFE_INTEGER, duplicate: true })
  })

  it('refuses a fetched item of 0 bytes or over MAX_ITEM_BYTES, and too many entries', () => {
    expect(() => decodeReply('fetch', bytes(0, 1, id(1), u64(1n), u32(0)))).toThrow(frameError(/an item of 0 bytes$/))
    expect(() => decodeReply('fetch', bytes(0, 1, id(1), u64(1n), u32(MAX_ITEM_BYTES + 1), new Uint8Array(MAX_ITEM_BYTES + 1)))).toThrow(frameError(new RegExp(`an item of ${MAX_ITEM_BYTES + 1} bytes$`)))
    expect(() => decodeReply('fetch', bytes(0, 2, id(1), u64(1n), u32(1), 5, id(2), u64(1n), u32(2 ** 32 - 1)))).toThrow(frameError(/an item of 4294967295 bytes$/))
    expect(() => decodeReply('fetch', bytes(0, MAX_IDS + 1))).toThrow(frameError(/more than 64 items$/))
    expect(() => decodeReply('list', bytes(0, 0, u16(MAX_LIST + 1)))).toThrow(frameError(/more than 512 entries$/))
  })

  it('encodeRequest refuses what decodeRequest would', () => {
    const deposit = REQUESTS.deposit as Extract<MailboxRequest, { op: 'deposit' }>
    expect(() => encodeRequest({ ...deposit, id: new Uint8Array(15) })).toThrow(frameError(/an id is 16 bytes/))
    expect(() => encodeRequest({ ...deposit, recipient: new Uint8Array(0) })).toThrow(frameError(/a recipient is 1 to 64 bytes/))
    expect(() => encodeRequest({ ...deposit, recipient: new Uint8Array(65) })).toThrow(frameError(/a recipient is 1 to 64 bytes/))
    expect(() => encodeRequest({ ...deposit, item: new Uint8Array(0) })).toThrow(frameError(/an item is 1 to 163840 bytes/))
    expect(() => encodeRequest({ ...deposit, item: new Uint8Array(MAX_ITEM_BYTES + 1) })).toThrow(tooLarge(/an item is 1 to 163840 bytes/))
    expect(() => encodeRequest({ op: 'list', limit: 0 })).toThrow(frameError(/a list asks for 1 to 512 entries/))
    expect(() => encodeRequest({ op: 'list', limit: MAX_LIST + 1 })).toThrow(frameError(/a list asks for 1 to 512 entries/))
    expect(() => encodeRequest({ op: 'list', limit: 1, after: new Uint8Array(17) })).toThrow(frameError(/an id is 16 bytes/))
    for (const op of ['fetch', 'delete'] as const) {
      expect(() => encodeRequest({ op, ids: [] })).toThrow(frameError(/between 1 and 64 ids, not 0/))
      expect(() => encodeRequest({ op, ids: Array.from({ length: MAX_IDS + 1 }, () => id(1)) })).toThrow(frameError(/between 1 and 64 ids, not 65/))
      expect(() => encodeRequest({ op, ids: [id(1), new Uint8Array(15)] })).toThrow(frameError(/an id is 16 bytes/))
    }
  })
})

/** mulberry32: a small seeded PRNG, so a failure replays. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('mailbox codec on random bytes', () => {
  it('decodes or throws MailboxFrameError/MailboxRefusedError, never anything else, and what decodes re-encodes', () => {
    const random = prng(0x9a71e7)
    const int = (n: number): number => Math.floor(random() * n)
    const counts = { decoded: 0, frame: 0, refused: 0 }
    const expected = (fn: () => void): void => {
      try {
        fn()
        counts.decoded++
      } catch (err) {
        if (err instanceof MailboxFrameError) counts.frame++
        else if (err instanceof MailboxRefusedError) counts.refused++
        else throw err
      }
    }
    for (let n = 0; n < 2000; n++) {
      const frame = Uint8Array.from({ length: int(301) }, () => int(256))
      // half the time a known first byte and a small count, to reach past the first fields
      if (frame.byteLength > 1 && random() < 0.5) frame[0] = 1 + int(4)
      expected(() => {
        const request = decodeRequest(frame)
        expect(encodeRequest(request)).toEqual(frame)
      })
      if (frame.byteLength > 1 && random() < 0.5) { frame[0] = 0; frame[1] = int(4) }
      for (const op of OPS) {
        expected(() => {
          const reply = decodeReply(op, frame)
          expect(decodeReply(op, encodeReply(reply))).toEqual(reply)
        })
      }
    }
    // every outcome happened, so the loop reached each path
    expect(counts.decoded).toBeGreaterThan(0)
    expect(counts.frame).toBeGreaterThan(0)
    expect(counts.refused).toBeGreaterThan(0)
  })
})
