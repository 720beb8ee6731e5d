/**
 * One box sent, one box received, as the vectors record them: the wire bytes
 * from the code (ratchet.ts, box.ts), and beside them every intermediate value
 * computed again here from the primitives (DH, ML-KEM, KDF_RK, KDF_CK, the
 * AEAD key and associated data), checked against what the code did.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { encodeChatFrame } from '../../src/chat/codec.ts'
import { decodeBox, encodeBox, headerFlags } from '../../src/session/box.ts'
import { KEM_SECRET_BYTES, KEM_SEED_BYTES, KEY_BYTES, NONCE_BYTES } from '../../src/session/constants.ts'
import { aeadKey, kdfCk, kdfRk } from '../../src/session/kdf.ts'
import { messageAd, ratchetDecrypt, ratchetEncrypt, settleStep, stepNeeded } from '../../src/session/ratchet.ts'
import { ulidBytes } from '../../src/ulid.ts'
import { NOW, replayRandom } from '../session/helpers.ts'
import { hex, same } from './inputs.ts'
import type { ChatDialerFrame } from '../../src/chat/codec.ts'
import type { Init } from '../../src/session/box.ts'
import type { Random, RatchetState } from '../../src/session/ratchet.ts'
import type { Inputs, Json } from './inputs.ts'

/** A source that must not be drawn from: a step that draws nothing. */
const noRandom: Random = (length) => { throw new Error(`an unexpected draw of ${length} bytes`) }

function must<T> (value: T | null | undefined, what: string): T {
  if (value == null) throw new Error(`no ${what}`)
  return value
}

export interface Sent { state: RatchetState, box: Uint8Array, json: Record<string, Json> }

/**
 * `frame` sent on `state` (its inputs named under `name`); `kem`: the header
 * carries the chain's KEM fields; `init`: the box carries the PQXDH init.
 */
export function send (inputs: Inputs, name: string, by: string, state: RatchetState, frame: ChatDialerFrame, options: { kem: boolean, init?: Init }): Sent {
  const plaintext = encodeChatFrame(frame, '2.0.0')
  const itemId = ulidBytes(frame.id)
  let s = state
  let step: Json | undefined
  const pending = state.pending
  if (pending != null) {
    // the sending half of the DH step taken when the last chain came in: its randomness was drawn then
    s = settleStep(state)
    const dh = x25519.getSharedSecret(pending.dhSecret, pending.theirDh)
    const encapsulated = mlKem768.encapsulate(must(state.theirKem, 'KEM key of the peer'), pending.kemRandom)
    const root = kdfRk(state.rootKey, dh, encapsulated.sharedSecret)
    same('the root key', s.rootKey, root.rootKey)
    same('the sending chain key', must(s.sendChainKey, 'sending chain'), root.chainKey)
    same('the KEM ciphertext', must(s.sendKemCiphertext, 'KEM ciphertext'), encapsulated.cipherText)
    step = {
      note: 'the sending half of the DH step taken on receiving the peer\'s last new chain (its randomness was drawn then, see that receive event): DH(ourRatchetSecret, theirRatchetKey), KEM.Encaps(the peer\'s last KEM public key, kemEncapsulationRandom), KDF_RK',
      theirRatchetKey: hex(pending.theirDh),
      ourRatchetSecret: hex(pending.dhSecret),
      ourRatchetPublic: hex(s.dhPublic),
      dh: hex(dh),
      kemEncapsulationRandom: hex(pending.kemRandom),
      kemCiphertext: hex(encapsulated.cipherText),
      kemSecret: hex(encapsulated.sharedSecret),
      rootKeyBefore: hex(state.rootKey),
      rootKey: hex(root.rootKey),
      chainKey: hex(root.chainKey),
      ourNextKemSeed: hex(pending.kemSeed)
    }
  }
  const chainKey = must(s.sendChainKey, 'sending chain')
  const keys = kdfCk(chainKey)
  const key = aeadKey(keys.messageKey)
  const nonce = inputs.bytes(`${name}/inputs/nonce`, NONCE_BYTES)
  const out = ratchetEncrypt(s, plaintext, itemId, replayRandom([nonce]), { kem: options.kem })
  same('the next chain key', must(out.state.sendChainKey, 'sending chain'), keys.chainKey)
  const { header, ciphertext } = out.message
  const ad = messageAd(s.ad, itemId, header)
  same('the ciphertext', ciphertext, xchacha20poly1305(key, nonce, ad).encrypt(plaintext))
  const box = encodeBox({ itemId, ...(options.init === undefined ? {} : { init: options.init }), header, nonce, ciphertext })
  return {
    state: out.state,
    box,
    json: {
      inputs: { nonce: hex(nonce) },
      event: 'send',
      by,
      frame: new TextDecoder().decode(plaintext),
      itemId: hex(itemId),
      kemFields: options.kem,
      init: options.init !== undefined,
      flags: (options.init === undefined ? 0 : 1) | headerFlags(header),
      header: { dh: hex(header.dh), pn: header.pn, n: header.n, kemPublic: header.kemPublic === undefined ? null : hex(header.kemPublic), kemCiphertext: header.kemCiphertext === undefined ? null : hex(header.kemCiphertext) },
      ...(step === undefined ? {} : { step }),
      chainKey: hex(chainKey),
      messageKey: hex(keys.messageKey),
      nextChainKey: hex(keys.chainKey),
      aeadKey: hex(key),
      messageAd: hex(ad),
      box: hex(box)
    }
  }
}

export interface Received { state: RatchetState, json: Record<string, Json> }

/** `box` opened on `state` (the randomness a DH step draws named under `name`). */
export function receive (inputs: Inputs, name: string, by: string, state: RatchetState, box: Uint8Array): Received {
  const decoded = decodeBox(box)
  const { header } = decoded
  let random = noRandom
  let step: Record<string, Json> | undefined
  let drawn: Record<string, Json> | undefined
  let rootKey: Uint8Array | undefined
  if (stepNeeded(state, header)) {
    if (state.pending != null) throw new Error('the vectors take no step with another pending')
    const dh = x25519.getSharedSecret(state.dhSecret, header.dh)
    const kemSecret = state.ourKem === null
      ? new Uint8Array(0)
      : mlKem768.decapsulate(must(header.kemCiphertext, 'KEM ciphertext'), mlKem768.keygen(state.ourKem.seed).secretKey)
    const root = kdfRk(state.rootKey, dh, kemSecret)
    rootKey = root.rootKey
    const kemRandom = inputs.bytes(`${name}/inputs/kemEncapsulationRandom`, KEM_SECRET_BYTES)
    const ratchetSecret = inputs.bytes(`${name}/inputs/ratchetSecret`, KEY_BYTES)
    const kemSeed = inputs.bytes(`${name}/inputs/kemSeed`, KEM_SEED_BYTES)
    random = replayRandom([kemRandom, ratchetSecret, kemSeed])
    drawn = { kemEncapsulationRandom: hex(kemRandom), ratchetSecret: hex(ratchetSecret), kemSeed: hex(kemSeed) }
    step = {
      note: state.ourKem === null
        ? 'the receiving half of the DH step: DH(ourRatchetSecret, the header\'s dh); no KEM key announced yet, so kemSecret is empty (zero bytes) and KDF_RK\'s ikm is the DH output alone'
        : 'the receiving half of the DH step: DH(ourRatchetSecret, the header\'s dh), KEM.Decaps(the header\'s KEM ciphertext, our last KEM key), KDF_RK',
      ourRatchetSecret: hex(state.dhSecret),
      theirRatchetKey: hex(header.dh),
      dh: hex(dh),
      kemSecret: hex(kemSecret),
      rootKeyBefore: hex(state.rootKey),
      rootKey: hex(root.rootKey),
      chainKey: hex(root.chainKey)
    }
  }
  const out = ratchetDecrypt(state, decoded, decoded.itemId, { now: NOW, random })
  if (rootKey !== undefined) same('the root key after the receiving half', out.state.rootKey, rootKey)
  return {
    state: out.state,
    json: {
      ...(drawn === undefined ? {} : { inputs: drawn }),
      event: 'receive',
      by,
      itemId: hex(decoded.itemId),
      ...(step === undefined ? { step: null } : { step }),
      frame: new TextDecoder().decode(out.plaintext)
    }
  }
}
