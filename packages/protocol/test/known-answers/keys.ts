/**
 * keys.json and bundle.json: Alice's and Bob's identities from fixed seeds,
 * Bob's prekeys (signed EC, PQ one-time, PQ last-resort, EC one-time) with
 * their signed bytes and records, and the bundle a relay hands out for Bob
 * (the FETCH reply of `/parley/prekeys/1.0.0`).
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { encodeReply } from '../../src/prekeys/codec.ts'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { encodeRecord, prekeySignedBytes, signPrekey } from '../../src/session/records.ts'
import { CREATED_AT, multihashOf } from '../session/helpers.ts'
import { hex } from './inputs.ts'
import type { Identity, PrekeyBundle, ResponderPrekeys } from '../../src/session/pqxdh.ts'
import type { PrekeyKind, PrekeyRecord } from '../../src/session/records.ts'
import type { Inputs, Json } from './inputs.ts'

/** The prekey ids the vectors use (chosen by the owner; any 1 … 2^32 − 1). */
export const PREKEY_IDS = { signedPrekey: 7, pqOneTimePrekey: 11, pqLastResortPrekey: 3, ecOneTimePrekey: 13 } as const

export interface Person extends Identity { peerId: string }

export interface Bob extends Person {
  bundle: Required<PrekeyBundle>
  lastResort: PrekeyRecord
  prekeys: Required<ResponderPrekeys>
  pqLastResortSeed: Uint8Array
}

export interface Keys { alice: Person, bob: Bob, files: { 'keys.json': Json, 'bundle.json': Json } }

function person (inputs: Inputs, name: string): Person {
  const secret = inputs.bytes(`keys.json/inputs/${name}/identitySeed`, 32)
  const publicKey = ed25519.getPublicKey(secret)
  return { secret, publicKey, multihash: multihashOf(publicKey), peerId: peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString() }
}

function identityJson (p: Person): Json {
  return {
    ed25519Public: hex(p.publicKey),
    x25519Public: hex(ed25519.utils.toMontgomery(p.publicKey)),
    x25519Secret: hex(ed25519.utils.toMontgomerySecret(p.secret)),
    multihash: hex(p.multihash),
    peerId: p.peerId
  }
}

function recordJson (owner: Person, record: PrekeyRecord): Json {
  return {
    kind: record.kind,
    id: record.id,
    createdAt: record.createdAt,
    public: hex(record.publicKey),
    signedBytes: hex(prekeySignedBytes(owner.multihash, record.kind, record.id, record.createdAt, record.publicKey)),
    signature: hex(record.signature),
    record: hex(encodeRecord(record))
  }
}

export function makeKeys (inputs: Inputs): Keys {
  const alice = person(inputs, 'alice')
  const bob = person(inputs, 'bob')
  const spkSecret = inputs.bytes('keys.json/inputs/bob/signedPrekeySecret', 32)
  const pqSeed = inputs.bytes('keys.json/inputs/bob/pqOneTimePrekeySeed', 64)
  const lastResortSeed = inputs.bytes('keys.json/inputs/bob/pqLastResortPrekeySeed', 64)
  const opkSecret = inputs.bytes('keys.json/inputs/bob/ecOneTimePrekeySecret', 32)
  const sign = (kind: PrekeyKind, id: number, publicKey: Uint8Array): PrekeyRecord => signPrekey(bob.secret, bob.multihash, kind, id, CREATED_AT, publicKey)
  const bundle = {
    signedPrekey: sign(PREKEY_SIGNED_EC, PREKEY_IDS.signedPrekey, x25519.getPublicKey(spkSecret)),
    pqPrekey: sign(PREKEY_PQ_ONE_TIME, PREKEY_IDS.pqOneTimePrekey, mlKem768.keygen(pqSeed).publicKey),
    oneTimePrekey: sign(PREKEY_EC_ONE_TIME, PREKEY_IDS.ecOneTimePrekey, x25519.getPublicKey(opkSecret))
  }
  const lastResort = sign(PREKEY_PQ_LAST_RESORT, PREKEY_IDS.pqLastResortPrekey, mlKem768.keygen(lastResortSeed).publicKey)
  const prekeys = { signedPrekeySecret: spkSecret, pqPrekeySeed: pqSeed, oneTimePrekeySecret: opkSecret }
  const keysJson: Json = {
    what: 'Alice\'s and Bob\'s identities (Ed25519 from a 32-byte seed; the X25519 form used in DH and in the session AD; the PeerID multihash) and Bob\'s prekey records, each signed by his identity key',
    inputs: {
      alice: { identitySeed: hex(alice.secret) },
      bob: {
        identitySeed: hex(bob.secret),
        signedPrekeySecret: hex(spkSecret),
        pqOneTimePrekeySeed: hex(pqSeed),
        pqLastResortPrekeySeed: hex(lastResortSeed),
        ecOneTimePrekeySecret: hex(opkSecret)
      }
    },
    createdAt: CREATED_AT,
    alice: identityJson(alice),
    bob: {
      ...identityJson(bob) as Record<string, Json>,
      prekeys: {
        signedPrekey: recordJson(bob, bundle.signedPrekey),
        pqOneTimePrekey: recordJson(bob, bundle.pqPrekey),
        pqLastResortPrekey: recordJson(bob, lastResort),
        ecOneTimePrekey: recordJson(bob, bundle.oneTimePrekey)
      }
    }
  }
  const reply = encodeReply({ op: 'fetch', bundle: { signed: bundle.signedPrekey, pq: bundle.pqPrekey, ecOneTime: bundle.oneTimePrekey } })
  const ownerReply = encodeReply({ op: 'fetch', bundle: { signed: bundle.signedPrekey, pq: lastResort } })
  const bundleJson: Json = {
    what: 'Bob\'s bundle as /parley/prekeys/1.0.0 FETCH replies: 0x00 · signed record · PQ record · has EC (u8) · [EC one-time record]. The records are those of keys.json',
    owner: hex(bob.multihash),
    fromRelay: { note: 'a relay within the requester\'s share: PQ one-time record, EC one-time record', reply: hex(reply), bytes: reply.byteLength },
    fromOwner: { note: 'the app itself ("From the owner itself"): last-resort PQ record, no EC one-time record', reply: hex(ownerReply), bytes: ownerReply.byteLength }
  }
  return {
    alice,
    bob: { ...bob, bundle, lastResort, prekeys, pqLastResortSeed: lastResortSeed },
    files: { 'keys.json': keysJson, 'bundle.json': bundleJson }
  }
}
