import { describe, expect, it } from 'vitest'
import { verifyBundle } from '../../src/prekeys/client.ts'
import {
  MAX_PUBLISH_ONE_TIME, MAX_REASON_BYTES, MAX_REPLY_BYTES, MAX_REQUEST_BYTES, PrekeysErrorCode, PrekeysFrameError, PrekeysRefusedError,
  decodeBundle, decodeReply, decodeRequest, encodeError, encodeReply, encodeRequest
} from '../../src/prekeys/codec.ts'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { PrekeyError } from '../../src/session/errors.ts'
import { EC_RECORD_BYTES, PQ_RECORD_BYTES, encodeRecord } from '../../src/session/records.ts'
import { owner, record, upload } from './helpers.ts'
import type { FetchedBundle, OpName, PrekeysErrorName, PrekeysReply, PrekeysRequest } from '../../src/prekeys/codec.ts'
import type { PrekeyRecord } from '../../src/session/records.ts'

const OPS: OpName[] = ['publish', 'status', 'fetch', 'clear']
const alice = owner(1)
const mallory = owner(2)
const bytes = (...parts: Array<number | number[] | Uint8Array>): Uint8Array =>
  Uint8Array.from(parts.flatMap(p => typeof p === 'number' ? [p] : [...p]))
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_, x: unknown) => x instanceof Uint8Array ? `bytes:${Buffer.from(x).toString('hex')}` : x))
const frameError = (message: RegExp): unknown => expect.objectContaining({ name: 'PrekeysFrameError', message: expect.stringMatching(message) })
const full = upload(alice, { pq: 100, ec: 100 })
const bundle: Required<FetchedBundle> = {
  signed: record(alice, PREKEY_SIGNED_EC, 7),
  pq: record(alice, PREKEY_PQ_ONE_TIME, 8),
  ecOneTime: record(alice, PREKEY_EC_ONE_TIME, 9)
}

const REQUESTS: Record<string, PrekeysRequest> = {
  'publish without one-time records': { op: 'publish', ...upload(alice) },
  'publish of 100 PQ and 100 EC one-time records (the largest a relay takes)': { op: 'publish', ...full },
  'publish of EC one-time records only': { op: 'publish', ...upload(alice, { ec: 3, firstId: 40 }) },
  status: { op: 'status' },
  fetch: { op: 'fetch', owner: alice.multihash },
  'fetch of a 64-byte owner': { op: 'fetch', owner: new Uint8Array(64).fill(9) },
  clear: { op: 'clear' }
}

const REPLIES: Record<string, PrekeysReply> = {
  publish: { op: 'publish', status: { signedId: 0xffff_ffff, lastResortId: 1, pqOneTime: 100, ecOneTime: 0 } },
  'status, nothing held': { op: 'status', status: { signedId: 0, lastResortId: 0, pqOneTime: 0, ecOneTime: 0 } },
  'status, largest counts': { op: 'status', status: { signedId: 5, lastResortId: 6, pqOneTime: 0xffff, ecOneTime: 0xffff } },
  'fetch, PQ one-time and EC one-time': { op: 'fetch', bundle },
  'fetch, last-resort and no EC one-time': { op: 'fetch', bundle: { signed: bundle.signed, pq: record(alice, PREKEY_PQ_LAST_RESORT, 3) } },
  clear: { op: 'clear' }
}

describe('prekeys codec round trips', () => {
  it.each(Object.entries(REQUESTS))('request: %s', (_, request) => {
    expect(plain(decodeRequest(encodeRequest(request)))).toEqual(plain(request))
  })

  it.each(Object.entries(REPLIES))('reply: %s', (_, reply) => {
    expect(plain(decodeReply(reply.op, encodeReply(reply)))).toEqual(plain(reply))
  })

  it('lays the frames out byte by byte as docs/protocols.md says', () => {
    expect(encodeRequest({ op: 'status' })).toEqual(bytes(2))
    expect(encodeRequest({ op: 'clear' })).toEqual(bytes(4))
    expect(encodeRequest({ op: 'fetch', owner: bytes(0xaa, 0xbb) })).toEqual(bytes(3, 2, 0xaa, 0xbb))
    const small = upload(alice, { ec: 1, firstId: 5 })
    expect(encodeRequest({ op: 'publish', ...small })).toEqual(bytes(1, encodeRecord(small.signed), encodeRecord(small.lastResort), 0, 1, encodeRecord(small.oneTime[0] as PrekeyRecord)))
    expect(encodeReply({ op: 'status', status: { signedId: 0x01020304, lastResortId: 5, pqOneTime: 0x0102, ecOneTime: 3 } }))
      .toEqual(bytes(0, 1, 2, 3, 4, 0, 0, 0, 5, 1, 2, 0, 3))
    expect(encodeReply({ op: 'fetch', bundle })).toEqual(bytes(0, encodeRecord(bundle.signed), encodeRecord(bundle.pq), 1, encodeRecord(bundle.ecOneTime)))
    expect(encodeReply({ op: 'clear' })).toEqual(bytes(0))
  })

  it('keeps its size limits: the largest PUBLISH a relay takes and the largest bundle fit, with the arithmetic of the comments', () => {
    expect(encodeRequest({ op: 'publish', ...full }).byteLength).toBe(1 + EC_RECORD_BYTES + PQ_RECORD_BYTES + 2 + 100 * PQ_RECORD_BYTES + 100 * EC_RECORD_BYTES)
    expect(encodeRequest({ op: 'publish', ...full }).byteLength).toBe(138_373)
    expect(MAX_REQUEST_BYTES).toBe(1 + 16 + 1 + 64 + 160 * 1024)
    expect(encodeReply({ op: 'fetch', bundle }).byteLength).toBe(1481)
    expect(encodeError('unavailable', 'x'.repeat(1000)).byteLength).toBe(1 + MAX_REASON_BYTES)
    expect(MAX_REPLY_BYTES).toBe(4096)
  })

  it.each(Object.keys(PrekeysErrorCode) as PrekeysErrorName[])('error reply %s → PrekeysRefusedError, to every op', code => {
    for (const op of OPS) {
      for (const reason of ['', 'no prekeys here — désolé']) {
        let thrown: unknown
        try { decodeReply(op, encodeError(code, reason)) } catch (err) { thrown = err }
        expect(thrown).toBeInstanceOf(PrekeysRefusedError)
        expect(thrown).toMatchObject({ name: 'PrekeysRefusedError', code, reason, message: `the prekey store refused: ${code}${reason === '' ? '' : ` (${reason})`}` })
      }
    }
  })
})

describe('prekeys codec refusals', () => {
  const publish = encodeRequest({ op: 'publish', ...upload(alice, { pq: 1, ec: 1 }) })

  it('refuses every truncation of every request and reply, and a byte more', () => {
    for (const frame of [publish, encodeRequest({ op: 'fetch', owner: alice.multihash })]) {
      for (let cut = 0; cut < frame.byteLength; cut++) expect(() => decodeRequest(frame.subarray(0, cut))).toThrow(PrekeysFrameError)
      expect(() => decodeRequest(bytes(frame, 0))).toThrow(frameError(/1 bytes after the last field|record/))
    }
    for (const op of ['status', 'clear'] as const) expect(() => decodeRequest(bytes(encodeRequest({ op }), 0))).toThrow(frameError(/1 bytes after the last field/))
    for (const reply of Object.values(REPLIES)) {
      const frame = encodeReply(reply)
      for (let cut = 0; cut < frame.byteLength; cut++) expect(() => decodeReply(reply.op, frame.subarray(0, cut))).toThrow(PrekeysFrameError)
      expect(() => decodeReply(reply.op, bytes(frame, 0))).toThrow(PrekeysFrameError)
    }
  })

  it('refuses unknown operations and statuses, a long reason, a bad owner length, a bad EC flag', () => {
    expect(() => decodeRequest(bytes(9))).toThrow(frameError(/^a prekeys request: unknown operation 9$/))
    expect(() => decodeRequest(bytes())).toThrow(frameError(/ends inside the operation/))
    expect(() => decodeReply('status', bytes(0x7f))).toThrow(frameError(/unknown status 127/))
    expect(() => decodeReply('status', bytes(1, new Uint8Array(MAX_REASON_BYTES + 1).fill(65)))).toThrow(frameError(/the reason is too long/))
    expect(() => decodeRequest(bytes(3, 0))).toThrow(frameError(/the owner is 1 to 64 bytes, not 0/))
    expect(() => decodeRequest(bytes(3, 65, new Uint8Array(65)))).toThrow(frameError(/the owner is 1 to 64 bytes, not 65/))
    expect(() => encodeRequest({ op: 'fetch', owner: new Uint8Array(0) })).toThrow(frameError(/an owner is 1 to 64 bytes/))
    const reply = encodeReply({ op: 'fetch', bundle: { signed: bundle.signed, pq: bundle.pq } })
    reply[1 + EC_RECORD_BYTES + PQ_RECORD_BYTES] = 2
    expect(() => decodeReply('fetch', reply)).toThrow(frameError(/the EC flag is 0 or 1, not 2/))
    expect(() => decodeReply('fetch', new Uint8Array(MAX_REPLY_BYTES + 1))).toThrow(frameError(/at most 4096 bytes/))
  })

  it('refuses a record of the wrong kind in each place, coming and going', () => {
    const good = upload(alice, { pq: 1 })
    const cases: Array<[Partial<PrekeysRequest & { op: 'publish' }>, RegExp]> = [
      [{ signed: record(alice, PREKEY_EC_ONE_TIME, 1) }, /the signed record is a signed EC record \(kind 1\), not kind 4/],
      [{ lastResort: record(alice, PREKEY_PQ_ONE_TIME, 1) }, /the last-resort record is a PQ last-resort record \(kind 2\), not kind 3/],
      [{ oneTime: [record(alice, PREKEY_SIGNED_EC, 2)] }, /one-time record 1 is a PQ one-time or EC one-time record \(kind 3 or 4\), not kind 1/]
    ]
    for (const [change, message] of cases) {
      const request = { op: 'publish' as const, ...good, ...change }
      expect(() => encodeRequest(request)).toThrow(frameError(message))
      // the same frame written by hand: the decoder refuses it too
      const frame = bytes(1, encodeRecord(request.signed), encodeRecord(request.lastResort), 0, request.oneTime.length, ...request.oneTime.map(encodeRecord))
      expect(() => decodeRequest(frame)).toThrow(frameError(message))
    }
    const wrongPq = bytes(0, encodeRecord(bundle.signed), encodeRecord(bundle.ecOneTime), 0)
    expect(() => decodeReply('fetch', wrongPq)).toThrow(frameError(/the PQ record is a PQ one-time or PQ last-resort record \(kind 3 or 2\), not kind 4/))
    expect(() => encodeReply({ op: 'fetch', bundle: { ...bundle, ecOneTime: bundle.signed } })).toThrow(frameError(/EC one-time record \(kind 4\), not kind 1/))
    expect(() => decodeBundle(bytes(encodeRecord(bundle.signed), encodeRecord(bundle.pq), 1, encodeRecord(bundle.signed)))).toThrow(frameError(/^a bundle: the EC one-time record is/))
  })

  it('refuses more than 200 one-time records, an id twice in one kind, and a frame over the limit', () => {
    const many = upload(alice, { ec: MAX_PUBLISH_ONE_TIME + 1 })
    expect(() => encodeRequest({ op: 'publish', ...many })).toThrow(frameError(/at most 200 one-time records, not 201/))
    const head = bytes(1, encodeRecord(many.signed), encodeRecord(many.lastResort))
    expect(() => decodeRequest(bytes(head, 0, 201, ...many.oneTime.map(encodeRecord)))).toThrow(frameError(/at most 200 one-time records, not 201/))
    // a declared count with nothing behind it is refused against the bytes present
    expect(() => decodeRequest(bytes(head, 0, 200))).toThrow(frameError(/one-time record 1: a prekey record is at least/))
    const twice = [record(alice, PREKEY_EC_ONE_TIME, 3), record(alice, PREKEY_PQ_ONE_TIME, 3), record(alice, PREKEY_EC_ONE_TIME, 3)]
    expect(() => encodeRequest({ op: 'publish', ...upload(alice), oneTime: twice })).toThrow(frameError(/the EC one-time id 3 is there twice/))
    expect(() => decodeRequest(bytes(head, 0, 3, ...twice.map(encodeRecord)))).toThrow(frameError(/the EC one-time id 3 is there twice/))
    const tooBig = upload(alice, { pq: 130 })
    expect(() => encodeRequest({ op: 'publish', ...tooBig })).toThrow(frameError(/^a prekeys publish is 165303 bytes; a request is at most 163922$/))
    expect(() => decodeRequest(new Uint8Array(MAX_REQUEST_BYTES + 1))).toThrow(frameError(/at most 163922 bytes/))
  })

  it('refuses a record it cannot encode: a public key of the wrong length, id 0', () => {
    const bad = { ...upload(alice), signed: { ...bundle.signed, publicKey: new Uint8Array(31) } }
    expect(() => encodeRequest({ op: 'publish', ...bad })).toThrow(frameError(/the signed record: a kind 1 prekey is 32 bytes, not 31/))
    expect(() => encodeReply({ op: 'fetch', bundle: { ...bundle, pq: { ...bundle.pq, id: 0 } } })).toThrow(frameError(/the PQ record: a prekey id is an integer from 1/))
    expect(() => encodeReply({ op: 'status', status: { signedId: -1, lastResortId: 0, pqOneTime: 0, ecOneTime: 0x10000 } })).toThrow(frameError(/u32 ids and u16 counts/))
  })
})

describe('verifyBundle', () => {
  it('takes a bundle signed by its owner, with or without the EC one-time record', () => {
    expect(() => { verifyBundle(bundle, alice.publicKey, alice.multihash) }).not.toThrow()
    expect(() => { verifyBundle({ signed: bundle.signed, pq: record(alice, PREKEY_PQ_LAST_RESORT, 1) }, alice.publicKey, alice.multihash) }).not.toThrow()
  })

  it('refuses a record signed by someone else, for someone else, or altered, and a record in the wrong place', () => {
    const refused = (b: FetchedBundle, message: RegExp, who = alice): void => {
      let thrown: unknown
      try { verifyBundle(b, who.publicKey, who.multihash) } catch (err) { thrown = err }
      expect(thrown).toBeInstanceOf(PrekeyError)
      expect((thrown as Error).message).toMatch(message)
    }
    refused({ ...bundle, ecOneTime: record(mallory, PREKEY_EC_ONE_TIME, 9) }, /signature on prekey 4\/9 does not hold/)
    // Mallory's bundle is not Alice's, even though every record is well signed by Mallory
    refused({ signed: record(mallory, PREKEY_SIGNED_EC, 1), pq: record(mallory, PREKEY_PQ_ONE_TIME, 1) }, /prekey 1\/1 does not hold/)
    // Alice's records moved to another owner's name
    refused(bundle, /prekey 1\/7 does not hold/, { ...alice, multihash: mallory.multihash })
    const altered = { ...bundle.pq, publicKey: bundle.pq.publicKey.slice() }
    altered.publicKey[100] = (altered.publicKey[100] ?? 0) ^ 1
    refused({ ...bundle, pq: altered }, /prekey 3\/8 does not hold/)
    refused({ ...bundle, pq: { ...bundle.pq, id: 9 } }, /prekey 3\/9 does not hold/)
    refused({ ...bundle, signed: bundle.ecOneTime }, /signed prekey is of kind 1, not 4/)
    refused({ ...bundle, pq: bundle.signed }, /PQ prekey is of kind 3 or 2, not 1/)
    refused({ ...bundle, ecOneTime: bundle.signed }, /one-time prekey is of kind 4, not 1/)
  })
})
