/**
 * The known answers published in docs/vectors/ are what the code computes:
 * every file is made again from the inputs it records (seeds, secrets,
 * nonces, the randomness each step draws) and compared byte for byte with
 * the file. A change of the code that changes a byte fails here; after a
 * deliberate one, `npx tsx scripts/vectors.ts` writes them anew.
 *
 * The second half reads the files alone, as a second client's author would,
 * and checks the answers docs/protocols.md gives to what such an author had
 * to guess: the identity keys' form in AD, KDF_RK's empty KEM secret, HMAC's
 * argument order, a chain begun by a `typing` box, the box's size bounds.
 */
import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { openDeviceList } from '../../src/devices/list.ts'
import { checkMessageDevice } from '../../src/group/device.ts'
import { GroupLog } from '../../src/group/log.ts'
import { decodeGroupMessage } from '../../src/group/message.ts'
import { decodeGroupOp, ed25519KeyOf } from '../../src/group/op.ts'
import { MAX_BOX_BYTES, MIN_BOX_BYTES } from '../../src/session/constants.ts'
import { Inputs, collectInputs } from './inputs.ts'
import { VECTOR_FILES, makeVectors, vectorText } from './index.ts'
import type { GroupDeviceError } from '../../src/group/device.ts'
import type { GroupOp } from '../../src/group/op.ts'
import type { GroupState } from '../../src/group/state.ts'
import type { Json } from './inputs.ts'

const DIR = new URL('../../../../docs/vectors/', import.meta.url)

async function readVectors (): Promise<{ texts: Record<string, string>, files: Record<string, Json> }> {
  const texts: Record<string, string> = {}
  const files: Record<string, Json> = {}
  for (const name of VECTOR_FILES) {
    texts[name] = await readFile(new URL(name, DIR), 'utf8')
    files[name] = JSON.parse(texts[name]) as Json
  }
  return { texts, files }
}

/** A field of a parsed file, by path; the test fails with the path when it is missing. */
function at (value: Json | undefined, ...path: Array<string | number>): Json {
  let here = value
  for (const key of path) {
    here = here !== null && typeof here === 'object' ? (here as Record<string, Json>)[key] : undefined
    if (here === undefined) throw new Error(`no ${path.join('/')} in the vectors`)
  }
  return here as Json
}
const bytes = (value: Json): Uint8Array => hexToBytes(String(value))
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('docs/vectors', () => {
  it('are what the code computes from their inputs, byte for byte', async () => {
    const { texts, files } = await readVectors()
    const inputs = new Inputs(collectInputs(files))
    const made = await makeVectors(inputs)
    for (const name of VECTOR_FILES) expect({ name, text: vectorText(made[name]) }).toEqual({ name, text: texts[name] })
    expect(inputs.unused()).toEqual([])
  }, 60_000)

  it('change when an input does (the inputs are read, not ignored)', async () => {
    const { files } = await readVectors()
    const given = collectInputs(files)
    const nonce = given.get('seal.json/inputs/nonce') ?? new Uint8Array(0)
    given.set('seal.json/inputs/nonce', nonce.map((b, i) => i === 0 ? b ^ 1 : b))
    const made = await makeVectors(new Inputs(given))
    expect(at(made['seal.json'], 'sealed')).not.toBe(at(files['seal.json'], 'sealed'))
    expect(at(made['ratchet.json'], 'events', 1, 'box')).toBe(at(files['ratchet.json'], 'events', 1, 'box'))
  }, 60_000)

  it('link.json changes with its secret: proofs, code and state key', async () => {
    const { files } = await readVectors()
    const given = collectInputs(files)
    const secret = given.get('link.json/inputs/secret') ?? new Uint8Array(0)
    given.set('link.json/inputs/secret', secret.map((b, i) => i === 15 ? b ^ 0x80 : b))
    const made = await makeVectors(new Inputs(given))
    for (const key of ['proofA', 'proofN', 'codeSource', 'stateKey']) expect(at(made['link.json'], key)).not.toBe(at(files['link.json'], key))
    expect(at(made['link.json'], 'transcripts', 'code')).toBe(at(files['link.json'], 'transcripts', 'code'))
  }, 60_000)
})

describe('what docs/protocols.md answers, seen in the vectors alone', () => {
  it('AD holds the identity keys in their X25519 form, then the multihashes: 142 bytes', async () => {
    const { files } = await readVectors()
    const keys = files['keys.json']
    const ad = bytes(at(files['pqxdh.json'], 'ad'))
    const expected = concatBytes(Uint8Array.of(1), bytes(at(keys, 'alice', 'x25519Public')), Uint8Array.of(1), bytes(at(keys, 'bob', 'x25519Public')),
      bytes(at(keys, 'alice', 'multihash')), bytes(at(keys, 'bob', 'multihash')))
    expect(bytesToHex(ad)).toBe(bytesToHex(expected))
    expect(ad).toHaveLength(142)
    // the Ed25519 keys appear only inside the multihashes
    expect(bytesToHex(ad.subarray(1, 33))).not.toBe(at(keys, 'alice', 'ed25519Public'))
    expect(bytesToHex(ad.subarray(34, 66))).not.toBe(at(keys, 'bob', 'ed25519Public'))
  })

  it('KDF_RK with an empty KEM secret takes the DH output alone as ikm', async () => {
    const { files } = await readVectors()
    const pqxdh = files['pqxdh.json']
    const out = hkdf(sha256, bytes(at(pqxdh, 'aliceStart', 'dh')), bytes(at(pqxdh, 'sharedKey')), utf8('Parley_Ratchet_v1'), 64)
    expect(bytesToHex(out)).toBe(`${String(at(pqxdh, 'aliceStart', 'rootKey'))}${String(at(pqxdh, 'aliceStart', 'chainKey'))}`)
    const padded = hkdf(sha256, concatBytes(bytes(at(pqxdh, 'aliceStart', 'dh')), new Uint8Array(32)), bytes(at(pqxdh, 'sharedKey')), utf8('Parley_Ratchet_v1'), 64)
    expect(bytesToHex(padded)).not.toBe(bytesToHex(out))
    // Bob's first step is the other empty one
    expect(at(files['ratchet.json'], 'events', 0, 'step', 'kemSecret')).toBe('')
  })

  it('KDF_CK is HMAC-SHA256 keyed by the chain key over the one byte 01 or 02', async () => {
    const { files } = await readVectors()
    const events = at(files['ratchet.json'], 'events') as Json[]
    const sends = [at(files['pqxdh.json'], 'firstMessage'), ...events.filter(e => at(e, 'event') === 'send')]
    expect(sends).toHaveLength(12)
    for (const send of sends) {
      const chainKey = bytes(at(send, 'chainKey'))
      expect(bytesToHex(hmac(sha256, chainKey, Uint8Array.of(1)))).toBe(at(send, 'messageKey'))
      expect(bytesToHex(hmac(sha256, chainKey, Uint8Array.of(2)))).toBe(at(send, 'nextChainKey'))
    }
  })

  it('a chain begun by a typing box: it carries the KEM fields (flags 0x06), the message after it none', async () => {
    const { files } = await readVectors()
    const events = at(files['ratchet.json'], 'events') as Json[]
    const bobsFirst = events.filter(e => at(e, 'event') === 'send' && at(e, 'by') === 'bob').slice(0, 2)
    expect(JSON.parse(String(at(bobsFirst[0], 'frame')))).toMatchObject({ type: 'typing', typing: true })
    expect(at(bobsFirst[0], 'flags')).toBe(0x06)
    expect(at(bobsFirst[1], 'flags')).toBe(0x00)
    expect(at(bobsFirst[1], 'header', 'dh')).toBe(at(bobsFirst[0], 'header', 'dh'))
    expect(at(files['pqxdh.json'], 'firstMessage', 'flags')).toBe(0x03)
  })

  it('every box lies within the bounds, and the item id is bytes 2–17', async () => {
    const { files } = await readVectors()
    const boxes = [at(files['pqxdh.json'], 'firstMessage'), ...(at(files['ratchet.json'], 'events') as Json[]).filter(e => at(e, 'event') === 'send')]
    for (const box of boxes) {
      const b = bytes(at(box, 'box'))
      expect(b.byteLength).toBeGreaterThanOrEqual(MIN_BOX_BYTES)
      expect(b.byteLength).toBeLessThanOrEqual(MAX_BOX_BYTES)
      expect(bytesToHex(b.subarray(1, 17))).toBe(at(box, 'itemId'))
    }
  })

  it('a device list: the signature is Ed25519 by the account key over "parley/devices/v1\\n" · body, the sig its base64url without padding, and the wire opens', async () => {
    const { files } = await readVectors()
    const list = files['device-list.json']
    const keys = files['keys.json']
    const body = String(at(list, 'body'))
    const signed = bytes(at(list, 'signedBytes'))
    expect(bytesToHex(signed)).toBe(bytesToHex(utf8(`parley/devices/v1\n${body}`)))
    expect(ed25519.verify(bytes(at(list, 'signature')), signed, bytes(at(keys, 'alice', 'ed25519Public')))).toBe(true)
    expect(Buffer.from(bytes(at(list, 'signature'))).toString('base64url')).toBe(at(list, 'sig'))
    expect(utf8(body)).toHaveLength(Number(at(list, 'bodyBytes')))
    const opened = openDeviceList(utf8(String(at(list, 'wire'))), { account: String(at(keys, 'alice', 'peerId')) })
    expect(opened.devices.map(d => d.peer)).toEqual([at(list, 'account'), at(list, 'secondDevice')])
    expect(opened.devices[1]?.name).toBe('Телефон "Алисы" \\ 2')
  })
})

describe('group items made on a linked device, seen in group-device.json alone', () => {
  it('name the account as author and the device, which signs; the list travels in the log and the fold follows it', async () => {
    const { files } = await readVectors()
    const group = files['group-device.json']
    const account = String(at(group, 'account'))
    const device = String(at(group, 'device'))
    const keyOf = (peer: string): Uint8Array => {
      const key = ed25519KeyOf(peer)
      expect(key).toBeDefined()
      return key as Uint8Array
    }
    const items = [['devices', 'op', device], ['rename', 'op', device], ['message', 'message', device], ['removal', 'op', account], ['late', 'op', device]] as const
    for (const [name, kind, signer] of items) {
      const body = String(at(group, name, 'body'))
      const context = kind === 'op' ? 'parley/group/op/v1\n' : 'parley/group/message/v1\n'
      expect(JSON.parse(body)).toMatchObject(signer === account ? { author: account } : { author: account, device })
      expect(at(group, name, 'signedBytes')).toBe(bytesToHex(utf8(context + body)))
      expect(ed25519.verify(bytes(at(group, name, 'signature')), utf8(context + body), keyOf(signer))).toBe(true)
      expect(Buffer.from(bytes(at(group, name, 'signature'))).toString('base64')).toBe(at(group, name, 'sig'))
    }
    for (const name of ['devices', 'rename', 'removal', 'late']) expect(at(group, name, 'id')).toBe(bytesToHex(sha256(utf8(String(at(group, name, 'body'))))))
    // the devices operation carries device-list.json's list as the wire has it
    expect(JSON.parse(String(at(group, 'devices', 'body'))).list).toEqual(JSON.parse(String(at(files['device-list.json'], 'wire'))))
    const op = (name: string): GroupOp => decodeGroupOp(JSON.parse(String(at(group, name, 'wire'))))
    const log = new GroupLog(op('create'))
    const message = decodeGroupMessage(JSON.parse(String(at(group, 'message', 'wire'))))
    const verdict = (state: GroupState): Json => {
      let taken = 'taken'
      try {
        checkMessageDevice(state, message)
      } catch (err) {
        taken = (err as GroupDeviceError).code
      }
      return {
        name: state.name,
        devices: Object.fromEntries([...state.devices].map(([peer, set]) => [peer, { version: set.version, peers: [...set.peers] }])),
        void: Object.fromEntries(state.void),
        message: taken
      }
    }
    for (const name of ['devices', 'rename']) log.add(op(name))
    expect(verdict(log.state())).toEqual(at(group, 'verdicts', 'beforeRemoval'))
    for (const name of ['removal', 'late']) log.add(op(name))
    expect(verdict(log.state())).toEqual(at(group, 'verdicts', 'afterRemoval'))
    expect(at(group, 'verdicts', 'afterRemoval', 'void')).toEqual({ [String(at(group, 'late', 'id'))]: 'not-a-device' })
  })
})

describe('the link protocol, seen in link.json alone', () => {
  const field = (label: string): Uint8Array => Uint8Array.of(label.length, ...utf8(label))

  it('a transcript is length-prefixed fields: protocol, label, account, A, new device, nonce A, nonce N', async () => {
    const { files } = await readVectors()
    const link = files['link.json']
    const nonceA = bytes(at(link, 'inputs', 'nonceA'))
    const nonceN = bytes(at(link, 'inputs', 'nonceN'))
    const ids = concatBytes(field(String(at(link, 'account'))), field(String(at(link, 'existing'))), field(String(at(link, 'device'))))
    const expected = (label: string, last: Uint8Array[]): string => bytesToHex(concatBytes(field('/parley/link/1.0.0'), field(label), ids, ...last.map(n => Uint8Array.of(n.byteLength, ...n))))
    expect(at(link, 'transcripts', 'hello A')).toBe(expected('hello A', [nonceA]))
    for (const label of ['hello N', 'code', 'state key']) expect(at(link, 'transcripts', label)).toBe(expected(label, [nonceA, nonceN]))
  })

  it('the proofs are HMAC-SHA-256 keyed by the secret; the code is HKDF bytes as a big-endian integer mod 10^6', async () => {
    const { files } = await readVectors()
    const link = files['link.json']
    const secret = bytes(at(link, 'inputs', 'secret'))
    expect(bytesToHex(hmac(sha256, secret, bytes(at(link, 'transcripts', 'hello A'))))).toBe(at(link, 'proofA'))
    expect(bytesToHex(hmac(sha256, secret, bytes(at(link, 'transcripts', 'hello N'))))).toBe(at(link, 'proofN'))
    // no salt is HKDF's 32 zero bytes
    expect(bytesToHex(hkdf(sha256, secret, new Uint8Array(32), bytes(at(link, 'transcripts', 'code')), 8))).toBe(at(link, 'codeSource'))
    expect(String(BigInt(`0x${String(at(link, 'codeSource'))}`) % 1_000_000n).padStart(6, '0')).toBe(at(link, 'code'))
    expect(bytesToHex(hkdf(sha256, secret, undefined, bytes(at(link, 'transcripts', 'state key')), 32))).toBe(at(link, 'stateKey'))
  })

  it('the frames carry the nonces and proofs as base64url without padding', async () => {
    const { files } = await readVectors()
    const link = files['link.json']
    const b64url = (hexText: Json): string => Buffer.from(bytes(hexText)).toString('base64url')
    expect(JSON.parse(String(at(link, 'frames', 'helloA')))).toMatchObject({ nonce: b64url(at(link, 'inputs', 'nonceA')), proof: b64url(at(link, 'proofA')) })
    expect(JSON.parse(String(at(link, 'frames', 'helloN')))).toEqual({ type: 'hello', nonce: b64url(at(link, 'inputs', 'nonceN')), proof: b64url(at(link, 'proofN')) })
    expect(String(at(link, 'qr', 'text'))).toBe(`parley-link:${Buffer.from(String(at(link, 'qr', 'json'))).toString('base64url')}`)
    expect(JSON.parse(String(at(link, 'qr', 'json')))).toMatchObject({ v: 1, id: at(link, 'device'), k: b64url(at(link, 'inputs', 'secret')) })
  })
})
