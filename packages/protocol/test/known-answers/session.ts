/**
 * pqxdh.json and ratchet.json: Alice starts a session from Bob's bundle
 * (PQXDH with a one-time EC and a one-time PQ prekey) and sends her first
 * box; then three chains each way, each opened by a box with the chain's KEM
 * fields and followed by one without (as a sender does once the receiver
 * has answered a box of the chain). Bob's first chain begins with a `typing`
 * box, as most chains do (docs/protocols.md, chat 2.0.0).
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { encodeInit } from '../../src/session/box.ts'
import { KEM_SECRET_BYTES, KEM_SEED_BYTES, KEY_BYTES, PQXDH_INFO } from '../../src/session/constants.ts'
import { kdf, kdfRk } from '../../src/session/kdf.ts'
import { initiate, respond, sessionAd } from '../../src/session/pqxdh.ts'
import { NOW, replayRandom } from '../session/helpers.ts'
import { hex, same } from './inputs.ts'
import { receive, send } from './steps.ts'
import type { ChatDialerFrame } from '../../src/chat/codec.ts'
import type { RatchetState } from '../../src/session/ratchet.ts'
import type { Inputs, Json } from './inputs.ts'
import type { Keys } from './keys.ts'

/** The time of every frame (ms), and the first 19 characters' stand-in of their ULIDs. */
const SENT_AT = 1_790_000_050_000
const ulid = (n: number): string => `01JDV3TFW0${String(n).padStart(16, '0')}`
const message = (n: number, text: string): ChatDialerFrame => ({ type: 'message', id: ulid(n), text, sentAt: SENT_AT + n })
const typing = (n: number): ChatDialerFrame => ({ type: 'typing', id: ulid(n), typing: true })

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

export interface Session { files: { 'pqxdh.json': Json, 'ratchet.json': Json }, /** a box kept for a mailbox: carries its KEM fields */ mailboxBox: Uint8Array }

export function makeSession (inputs: Inputs, { alice, bob }: Keys): Session {
  const n = (name: string): string => `pqxdh.json/inputs/${name}`
  const ephemeral = inputs.bytes(n('ephemeralSecret'), KEY_BYTES)
  const encapsulationRandom = inputs.bytes(n('kemEncapsulationRandom'), KEM_SECRET_BYTES)
  const ratchetSecret = inputs.bytes(n('ratchetSecret'), KEY_BYTES)
  const kemSeed = inputs.bytes(n('kemSeed'), KEM_SEED_BYTES)

  // PQXDH, computed here from the primitives
  const { signedPrekey: spk, pqPrekey: pq, oneTimePrekey: opk } = bob.bundle
  const ikA = ed25519.utils.toMontgomerySecret(alice.secret)
  const ikB = ed25519.utils.toMontgomery(bob.publicKey)
  const dhs = [x25519.getSharedSecret(ikA, spk.publicKey), x25519.getSharedSecret(ephemeral, ikB), x25519.getSharedSecret(ephemeral, spk.publicKey), x25519.getSharedSecret(ephemeral, opk.publicKey)]
  const { cipherText, sharedSecret } = mlKem768.encapsulate(pq.publicKey, encapsulationRandom)
  const ikm = cat(new Uint8Array(32).fill(0xff), ...dhs, sharedSecret)
  const sk = kdf(ikm, PQXDH_INFO, KEY_BYTES)
  const ad = sessionAd(x25519.getPublicKey(ikA), ikB, alice.multihash, bob.multihash)
  const start = kdfRk(sk, x25519.getSharedSecret(ratchetSecret, spk.publicKey), new Uint8Array(0))

  // and by the code, on both sides
  const started = initiate(alice, bob, bob.bundle, replayRandom([ephemeral, encapsulationRandom, ratchetSecret, kemSeed]))
  same('SK', started.sharedKey, sk)
  same('AD', started.ad, ad)
  same('CT', started.init.kemCiphertext, cipherText)
  same('Alice\'s first root key', started.state.rootKey, start.rootKey)
  same('Alice\'s first chain key', started.state.sendChainKey ?? new Uint8Array(0), start.chainKey)
  const answered = respond(bob, alice, started.init, bob.prekeys)
  same('Bob\'s SK', answered.sharedKey, sk)
  same('Bob\'s AD', answered.ad, ad)

  const init = started.init
  const first = send(inputs, 'pqxdh.json/firstMessage', 'alice', started.state, message(1, 'Hello Bob: this box carries the PQXDH init.'), { kem: true, init })
  const pqxdh: Json = {
    what: 'PQXDH from Alice to Bob with the bundle of bundle.json (fromRelay), then Alice\'s start of the ratchet and her first box. Keys are those of keys.json',
    inputs: { ephemeralSecret: hex(ephemeral), kemEncapsulationRandom: hex(encapsulationRandom), ratchetSecret: hex(ratchetSecret), kemSeed: hex(kemSeed) },
    drawOrder: 'initiate draws ephemeralSecret (32), kemEncapsulationRandom (32: ML-KEM-768 Encaps\' message m), then the ratchet start draws ratchetSecret (32) and kemSeed (64: ML-KEM-768 KeyGen\'s d ‖ z)',
    ephemeralPublic: hex(x25519.getPublicKey(ephemeral)),
    identityX25519: { alice: hex(x25519.getPublicKey(ikA)), bob: hex(ikB) },
    dh1: hex(dhs[0] ?? new Uint8Array(0)),
    dh2: hex(dhs[1] ?? new Uint8Array(0)),
    dh3: hex(dhs[2] ?? new Uint8Array(0)),
    dh4: hex(dhs[3] ?? new Uint8Array(0)),
    kemCiphertext: hex(cipherText),
    kemSecret: hex(sharedSecret),
    ikm: hex(ikm),
    sharedKey: hex(sk),
    ad: hex(ad),
    init: hex(encodeInit(init)),
    aliceStart: {
      note: 'KDF_RK(SK, DH(ratchetSecret, SPK), empty): the KEM secret is the empty string, so HKDF\'s ikm is the 32-byte DH output alone',
      ratchetPublic: hex(x25519.getPublicKey(ratchetSecret)),
      dh: hex(x25519.getSharedSecret(ratchetSecret, spk.publicKey)),
      rootKey: hex(start.rootKey),
      chainKey: hex(start.chainKey),
      kemPublic: hex(mlKem768.keygen(kemSeed).publicKey)
    },
    firstMessage: first.json
  }

  // the ratchet: three chains each way, with and without KEM fields
  const events: Json[] = []
  const states: { alice: RatchetState, bob: RatchetState } = { alice: first.state, bob: answered.state }
  const boxes: Uint8Array[] = []
  const name = (): string => `ratchet.json/events/${events.length}`
  // Alice's boxes carry the init until a box of Bob's has opened on the session
  let aliceHeard = false
  const out = (by: 'alice' | 'bob', frame: ChatDialerFrame, kem: boolean): Uint8Array => {
    const sent = send(inputs, name(), by, states[by], frame, { kem, ...(by === 'alice' && !aliceHeard ? { init } : {}) })
    states[by] = sent.state
    boxes.push(sent.box)
    events.push(sent.json)
    return sent.box
  }
  const into = (by: 'alice' | 'bob', box: Uint8Array | undefined): void => {
    const got = receive(inputs, name(), by, states[by], box ?? new Uint8Array(0))
    states[by] = got.state
    events.push(got.json)
    if (by === 'alice') aliceHeard = true
  }
  into('bob', first.box)
  out('alice', message(2, 'A second box on my first chain, without its KEM fields (Bob holds the chain).'), false)
  into('bob', boxes.shift())
  out('bob', typing(3), true)
  out('bob', message(4, 'Hi Alice! My typing box started this chain; this one goes without its KEM fields.'), false)
  into('alice', boxes.shift())
  into('alice', boxes.shift())
  let mailboxBox: Uint8Array = new Uint8Array(0)
  for (const [i, by] of (['alice', 'bob', 'alice', 'bob'] as const).entries()) {
    const to = by === 'alice' ? 'bob' : 'alice'
    const opening = out(by, message(5 + 2 * i, `Chain ${2 + Math.floor(i / 2)} of ${by}: this box carries its KEM fields.`), true)
    if (i === 0) mailboxBox = opening
    out(by, message(6 + 2 * i, `Chain ${2 + Math.floor(i / 2)} of ${by}: and this one does not.`), false)
    into(to, boxes.shift())
    into(to, boxes.shift())
  }
  const ratchet: Json = {
    what: 'The session of pqxdh.json going on: Bob opens Alice\'s first box, then three chains each way (counting Alice\'s first), each begun by a box with the chain\'s KEM fields and followed by one without. Events in the order they happen; a send lists the chain and message keys it used, a receive that starts a chain the DH step it took and the randomness it drew for its own next chain (used by its next send)',
    now: NOW,
    drawOrder: 'a send draws its nonce (24); a receive that starts a chain draws kemEncapsulationRandom (32), ratchetSecret (32), kemSeed (64), in that order',
    events
  }
  return { files: { 'pqxdh.json': pqxdh, 'ratchet.json': ratchet }, mailboxBox }
}
