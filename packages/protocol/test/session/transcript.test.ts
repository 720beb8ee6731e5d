/**
 * A frozen, deterministic session (docs/vectors/parley-session-v1.json), so that
 * another client of the suite can be checked byte for byte: PQXDH with a
 * one-time EC and a one-time PQ prekey, three boxes from Alice (carrying the
 * init; the second arrives last, opened with its skipped key), three from Bob,
 * and a fourth from Alice on a new chain.
 *
 * Every step lists the random bytes it drew, in order, so a client that draws
 * differently can still replay it: keys of a person (identity seed 32,
 * signed prekey 32, ML-KEM seed 64, one-time prekey 32); initiate (EK_A 32,
 * ML-KEM encapsulation message 32, first ratchet key 32, ML-KEM seed 64);
 * send (nonce 24); a receive that starts a chain (ML-KEM encapsulation
 * message 32, new ratchet key 32, ML-KEM seed 64). Boxes are complete wire
 * bytes (box.ts); item ids are SHA-256("item " · i)[0..16].
 *
 * The first test plays the session with seeded randomness and compares the
 * result with the file (vitest writes it when it is missing; `-u` rewrites it
 * after a deliberate change of the suite). The second plays it again with
 * only what the file records as randomness.
 */
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { readFile } from 'node:fs/promises'
import { SESSION_SUITE } from '../../src/session/constants.ts'
import { decodeBox, encodeBox } from '../../src/session/box.ts'
import { initiate, respond } from '../../src/session/pqxdh.ts'
import { ratchetDecrypt, ratchetEncrypt } from '../../src/session/ratchet.ts'
import { encodeRecord } from '../../src/session/records.ts'
import { NOW, itemId, person, replayRandom, seededRandom, text } from './helpers.ts'
import type { Init } from '../../src/session/box.ts'
import type { Random, RatchetState } from '../../src/session/ratchet.ts'

const FILE = '../../../../docs/vectors/parley-session-v1.json'

interface StepFields { step: string, [field: string]: unknown }
type Step = StepFields & { random: string[] }
interface Transcript { suite: string, now: number, steps: Step[] }

/** Where the randomness of each step comes from: seeded (recording), or the draws a file recorded. */
interface Source { random: (step: number) => Random, drawn: (step: number) => Uint8Array[] }

function seeded (): Source {
  const random = seededRandom(SESSION_SUITE)
  const marks: number[] = []
  return {
    random: (step) => { marks[step] = random.drawn.length; return random },
    drawn: (step) => random.drawn.slice(marks[step], marks[step + 1] ?? random.drawn.length)
  }
}

function recorded (file: Transcript): Source {
  return {
    random: (step) => replayRandom((file.steps[step]?.random ?? []).map(hexToBytes)),
    drawn: (step) => (file.steps[step]?.random ?? []).map(hexToBytes)
  }
}

/** Plays the session; each step's fields are what another client must reproduce. */
function play (source: Source): Transcript {
  const steps: StepFields[] = []
  const r = (): Random => source.random(steps.length)
  const alice = person('alice', r())
  steps.push({ step: 'alice keys', identityPublic: bytesToHex(alice.publicKey), multihash: bytesToHex(alice.multihash) })
  const bob = person('bob', r())
  steps.push({
    step: 'bob keys',
    identityPublic: bytesToHex(bob.publicKey),
    multihash: bytesToHex(bob.multihash),
    signedPrekey: bytesToHex(encodeRecord(bob.bundle.signedPrekey)),
    pqPrekey: bytesToHex(encodeRecord(bob.bundle.pqPrekey)),
    oneTimePrekey: bytesToHex(encodeRecord(bob.bundle.oneTimePrekey ?? bob.bundle.signedPrekey))
  })
  const started = initiate(alice, bob, bob.bundle, r())
  steps.push({ step: 'alice initiates', sharedKey: bytesToHex(started.sharedKey), ad: bytesToHex(started.ad) })
  const states: Record<'alice' | 'bob', RatchetState | undefined> = { alice: started.state, bob: undefined }
  let init: Init | undefined = started.init
  const boxes = new Map<string, Uint8Array>()

  const send = (from: 'alice' | 'bob', n: number, words: string): void => {
    const state = states[from]
    if (state === undefined) throw new Error(`${from} has no session`)
    const out = ratchetEncrypt(state, text(words), itemId(n), r())
    states[from] = out.state
    const bytes = encodeBox({ itemId: itemId(n), ...(from === 'alice' && init !== undefined ? { init } : {}), header: out.message.header, nonce: out.message.nonce, ciphertext: out.message.ciphertext })
    boxes.set(`${from} ${n}`, bytes)
    steps.push({ step: `${from} sends item ${n}`, plaintext: words, box: bytesToHex(bytes) })
  }
  const receive = (to: 'alice' | 'bob', from: string, n: number): void => {
    const box = decodeBox(boxes.get(`${from} ${n}`) ?? new Uint8Array(0))
    const random = r()
    let state = states[to]
    if (state === undefined) {
      if (box.init === undefined) throw new Error('the first box carries no init')
      state = respond(bob, alice, box.init, bob.prekeys).state
    }
    const out = ratchetDecrypt(state, box, box.itemId, { now: NOW, random })
    states[to] = out.state
    if (to === 'alice') init = undefined
    steps.push({ step: `${to} receives ${from}'s item ${n}`, plaintext: new TextDecoder().decode(out.plaintext) })
  }

  send('alice', 1, 'Hello Bob, this is the first box: it carries the PQXDH init.')
  send('alice', 2, 'A second one, which arrives last.')
  send('alice', 3, 'And a third.')
  receive('bob', 'alice', 1)
  receive('bob', 'alice', 3)
  send('bob', 4, 'Hi Alice! My reply starts a chain with a KEM ciphertext.')
  send('bob', 5, 'Second reply.')
  send('bob', 6, 'Third reply.')
  receive('alice', 'bob', 4)
  receive('alice', 'bob', 5)
  receive('alice', 'bob', 6)
  receive('bob', 'alice', 2)
  send('alice', 7, 'A new chain of mine, without the init.')
  receive('bob', 'alice', 7)
  return { suite: SESSION_SUITE, now: NOW, steps: steps.map((s, i) => ({ ...s, random: source.drawn(i).map(bytesToHex) })) }
}

describe('the frozen transcript parley-session-v1', () => {
  it('is what the session gives with seeded randomness', async () => {
    const transcript = play(seeded())
    expect(transcript.steps.filter(s => s.step.includes('receives')).map(s => s.plaintext)).toEqual([
      'Hello Bob, this is the first box: it carries the PQXDH init.', 'And a third.',
      'Hi Alice! My reply starts a chain with a KEM ciphertext.', 'Second reply.', 'Third reply.',
      'A second one, which arrives last.', 'A new chain of mine, without the init.'
    ])
    await expect(`${JSON.stringify(transcript, null, 1)}\n`).toMatchFileSnapshot(FILE)
  })

  it('replays from the file\'s recorded randomness alone', async () => {
    const file = JSON.parse(await readFile(new URL(FILE, import.meta.url), 'utf8')) as Transcript
    expect(file.suite).toBe(SESSION_SUITE)
    expect(file.steps).toHaveLength(17)
    expect(play(recorded(file))).toEqual(file)
  })
})
