/**
 * link.json: a run of `/parley/link/1.0.0` (docs/protocols.md, "Linking a
 * device") with fixed PeerIDs, secret and nonces: the QR text, every
 * transcript, both proofs, the confirmation code with the bytes it is taken
 * from, the state key, and every frame each side writes. The run is played
 * by both state machines, which must write exactly these frames.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { DeviceLink } from '../../src/link/device.ts'
import { ExistingLink } from '../../src/link/existing.ts'
import { encodeFrameFromDevice, encodeFrameFromExisting } from '../../src/link/frames.ts'
import { encodeLinkQr, parseLinkQr } from '../../src/link/qr.ts'
import { LINK_QR_PREFIX } from '../../src/link/constants.ts'
import { fromBase64Url } from '../../src/base64.ts'
import { confirmationCode, linkTranscript, proofOfDevice, proofOfExisting, stateKey } from '../../src/link/transcript.ts'
import { replayRandom } from '../session/helpers.ts'
import { hex, same } from './inputs.ts'
import type { Granted } from '../../src/link/frames.ts'
import type { LinkParties, TranscriptLabel } from '../../src/link/transcript.ts'
import type { Inputs, Json } from './inputs.ts'
import type { Keys } from './keys.ts'

/** The clock of the run: when the QR code was made, and each step a second later. */
const MADE_AT = 1_790_000_000_000
const NAME = 'Alice ✨'
const LIST = { body: '{"v":1,"account":"…","devices":[…]}', sig: 'c2lnbmF0dXJlIG9mIHRoZSBib2R5' }
const STATE = { id: '01JDZQ3W7T8N6V5X4B2C1K0M9P', size: 1_234_567, chunkSize: 524_288, sha256: 'ab'.repeat(32), listHash: 'cd'.repeat(32) }
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

function peerOf (seed: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(ed25519.getPublicKey(seed))).toString()
}

export function makeLink (inputs: Inputs, { alice, bob }: Keys): Json {
  const existingSeed = inputs.bytes('link.json/inputs/existingSeed', 32)
  const deviceSeed = inputs.bytes('link.json/inputs/deviceSeed', 32)
  const secret = inputs.bytes('link.json/inputs/secret', 16)
  const nonceA = inputs.bytes('link.json/inputs/nonceA', 16)
  const nonceN = inputs.bytes('link.json/inputs/nonceN', 16)
  const parties: LinkParties = { account: alice.peerId, existing: peerOf(existingSeed), device: peerOf(deviceSeed) }
  // Bob's PeerID stands for a relay's
  const qr = { peerId: parties.device, secret, addresses: [`/dns4/relay.example/tcp/443/wss/p2p/${bob.peerId}/p2p-circuit/p2p/${parties.device}`] }
  const qrText = encodeLinkQr(qr)

  const transcripts: Record<string, Json> = {}
  const labels: TranscriptLabel[] = ['hello A', 'hello N', 'code', 'state key']
  for (const label of labels) transcripts[label] = hex(linkTranscript(label, parties, nonceA, label === 'hello A' ? undefined : nonceN))
  const proofA = proofOfExisting(secret, parties, nonceA)
  const proofN = proofOfDevice(secret, parties, nonceA, nonceN)
  same('proof A', proofA, hmac(sha256, secret, linkTranscript('hello A', parties, nonceA)))
  same('proof N', proofN, hmac(sha256, secret, linkTranscript('hello N', parties, nonceA, nonceN)))
  const codeSource = hkdf(sha256, secret, new Uint8Array(32), linkTranscript('code', parties, nonceA, nonceN), 8)
  const code = confirmationCode(secret, parties, nonceA, nonceN)
  const key = stateKey(secret, parties, nonceA, nonceN)
  same('the state key', key, hkdf(sha256, secret, undefined, linkTranscript('state key', parties, nonceA, nonceN), 32))

  const granted: Granted = { type: 'granted', list: LIST, state: STATE }
  const frames = {
    helloA: encodeFrameFromExisting({ type: 'hello', v: 1, account: parties.account, name: NAME, nonce: nonceA, proof: proofA }),
    helloN: encodeFrameFromDevice({ type: 'hello', nonce: nonceN, proof: proofN }),
    granted: encodeFrameFromExisting(granted),
    done: encodeFrameFromDevice({ type: 'done' }),
    cancel: encodeFrameFromExisting({ type: 'cancel', reason: 'mismatch' })
  }
  playRun(qrText, parties, NAME, { nonceA, nonceN, code, frames })

  return {
    what: 'A link run (/parley/link/1.0.0): the new device\'s QR text, the transcripts (each field one length byte then its bytes), both hello proofs (HMAC-SHA-256 keyed by the secret), the confirmation code (HKDF-SHA-256 of the secret, 8 bytes as an unsigned big-endian integer mod 10^6) and the state key (HKDF-SHA-256, 32 bytes), and every frame body as UTF-8 JSON. The account is keys.json\'s Alice; A\'s and the new device\'s PeerIDs come from their Ed25519 seeds',
    inputs: { existingSeed: hex(existingSeed), deviceSeed: hex(deviceSeed), secret: hex(secret), nonceA: hex(nonceA), nonceN: hex(nonceN) },
    account: parties.account,
    existing: parties.existing,
    device: parties.device,
    qr: { json: text(fromBase64Url(qrText.slice(LINK_QR_PREFIX.length))), text: qrText },
    transcripts,
    proofA: hex(proofA),
    proofN: hex(proofN),
    codeSource: hex(codeSource),
    code,
    stateKey: hex(key),
    frames: {
      helloA: text(frames.helloA),
      helloN: text(frames.helloN),
      granted: text(frames.granted),
      done: text(frames.done),
      cancelMismatch: text(frames.cancel)
    }
  }
}

/** Both state machines, given the vector's nonces, write exactly its frames and reach its code. */
function playRun (qrText: string, parties: LinkParties, name: string, run: { nonceA: Uint8Array, nonceN: Uint8Array, code: string, frames: Record<'helloA' | 'helloN' | 'granted' | 'done', Uint8Array> }): void {
  let now = MADE_AT
  const clock = (): number => now
  const parsed = parseLinkQr(qrText)
  const device = new DeviceLink({ qr: parsed, now: clock, random: replayRandom([run.nonceN]) })
  const existing = new ExistingLink({ qr: parsed, account: parties.account, name, self: parties.existing, now: clock, random: replayRandom([run.nonceA]) })
  const helloA = existing.start(parties.device).send
  same('A\'s hello', helloA ?? new Uint8Array(0), run.frames.helloA)
  now += 1000
  const helloN = device.hello(parties.existing, run.frames.helloA).send
  same('the new device\'s hello', helloN ?? new Uint8Array(0), run.frames.helloN)
  existing.receive(run.frames.helloN)
  for (const state of [device.state, existing.state]) {
    if (state.phase !== 'confirming' || state.agreement.code !== run.code) throw new Error(`the run did not reach the code ${run.code}`)
  }
  now += 1000
  same('granted', existing.grant({ body: LIST.body, sig: LIST.sig }, STATE).send ?? new Uint8Array(0), run.frames.granted)
  device.receive(run.frames.granted)
  same('done', device.finish().send ?? new Uint8Array(0), run.frames.done)
  existing.receive(run.frames.done)
  if (existing.state.phase !== 'done' || device.state.phase !== 'done') throw new Error('the run did not end done')
}
