/**
 * The hybrid Double Ratchet (session/ratchet.ts), as properties: messages
 * delivered out of order or lost within MAX_SKIP all open; a replayed
 * message is refused; a jump beyond MAX_SKIP is refused with the state byte
 * for byte as it was; altered headers, ciphertexts and KEM fields fail;
 * skipped keys expire and stay bounded; a step without its KEM ciphertext is
 * refused. Every refusal leaves the state given unchanged, and the message
 * that was refused in altered form still opens afterwards.
 *
 * The properties use fewer runs than the fuzzers: each DH ratchet step costs
 * an ML-KEM key generation, encapsulation and decapsulation and three X25519
 * operations (milliseconds in JS), and each run takes several.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_SKIP, MAX_SKIPPED_KEYS, SKIPPED_KEY_TTL_MS } from '../../src/session/constants.ts'
import { DuplicateMessageError, SessionDecryptError, SessionStateError, TooManySkippedError } from '../../src/session/errors.ts'
import { initiate, respond } from '../../src/session/pqxdh.ts'
import { ratchetDecrypt, ratchetEncrypt, settleStep, stepNeeded } from '../../src/session/ratchet.ts'
import { webStepAhead, webX25519 } from '../../src/session/web-x25519.ts'
import { x25519 } from '@noble/curves/ed25519.js'
import { NOW, itemId, pair, person, seededRandom, sendMany, stateBytes, text } from './helpers.ts'
import type { RatchetMessage, RatchetState } from '../../src/session/ratchet.ts'
import { FUZZ_SEED } from '../../../../tests/unit/fuzz/runs.ts'

const RUNS = { numRuns: 100, seed: FUZZ_SEED }
const SESSION_ERRORS = [DuplicateMessageError, SessionDecryptError, TooManySkippedError]

/** Decrypts expecting a refusal of one of `errors`; checks the state given is unchanged. */
function refused (state: RatchetState, message: RatchetMessage, id: Uint8Array, errors: Array<abstract new (...args: never[]) => Error>, now = NOW, stepDh?: Uint8Array): Error {
  const before = stateBytes(state)
  let caught: unknown
  try {
    ratchetDecrypt(state, message, id, { now, ...(stepDh === undefined ? {} : { stepDh }) })
  } catch (err) {
    caught = err
  }
  expect(stateBytes(state)).toBe(before)
  expect(errors.some(e => caught instanceof e), `refused with ${String(caught)}`).toBe(true)
  return caught as Error
}

describe('the hybrid double ratchet', () => {
  it('opens messages delivered out of order, late (after later turns) or never (within MAX_SKIP), over several turns', () => {
    const { alice: a0, bob: b0 } = pair('reorder')
    const fate = fc.constantFrom('now', 'now', 'late', 'lost')
    const turn = fc.record({
      count: fc.integer({ min: 1, max: 6 }),
      order: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      fates: fc.array(fate, { minLength: 6, maxLength: 6 })
    })
    fc.assert(fc.property(fc.array(turn, { minLength: 1, maxLength: 4 }), fc.integer(), (turns, seed) => {
      const random = seededRandom(`reorder ${seed}`)
      const states = [a0, b0]
      const late: Array<{ to: number, m: ReturnType<typeof sendMany>['sent'][number] }> = []
      let next = 1
      const receive = (to: number, m: ReturnType<typeof sendMany>['sent'][number]): void => {
        const state = states[to]
        if (state === undefined) throw new Error('no such side')
        const before = stateBytes(state)
        const out = ratchetDecrypt(state, m.message, m.id, { now: NOW, random })
        expect(out.plaintext).toEqual(m.plaintext)
        expect(stateBytes(state)).toBe(before)
        states[to] = out.state
      }
      turns.forEach((t, i) => {
        const from = i % 2
        const to = 1 - from
        const sender = states[from]
        if (sender === undefined) throw new Error('no such side')
        const sent = sendMany(sender, t.count, next, random)
        next += t.count
        states[from] = sent.state
        // a permutation of the turn's messages; its last one always arrives now, so the turn can be answered
        const shuffled = sent.sent.map((m, j) => ({ m, key: t.order[j] ?? 0, fate: j === t.count - 1 ? 'now' : t.fates[j] ?? 'now' }))
          .sort((x, y) => x.key - y.key)
        for (const { m, fate } of shuffled) {
          if (fate === 'now') receive(to, m)
          if (fate === 'late') late.push({ to, m })
        }
      })
      for (const { to, m } of late.reverse()) receive(to, m)
    }), RUNS)
  })

  it('refuses a replayed message, however late, leaving the state as it was', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.nat({ max: 4 }), (count, pick) => {
      const { alice, bob, random } = pair(`replay ${count} ${pick}`)
      const sent = sendMany(alice, count, 1, random)
      let b = bob
      for (const m of sent.sent) b = ratchetDecrypt(b, m.message, m.id, { now: NOW, random }).state
      const replayed = sent.sent[Math.min(pick, count - 1)]
      if (replayed === undefined) throw new Error('no message')
      refused(b, replayed.message, replayed.id, [DuplicateMessageError])
      // after Bob's reply and Alice's next turn, an old message is still refused
      const reply = ratchetEncrypt(b, text('reply'), itemId(100), random)
      const a = ratchetDecrypt(sent.state, reply.message, itemId(100), { now: NOW, random }).state
      const later = ratchetEncrypt(a, text('later'), itemId(101), random)
      b = ratchetDecrypt(reply.state, later.message, itemId(101), { now: NOW, random }).state
      refused(b, replayed.message, replayed.id, [DuplicateMessageError])
    }), { numRuns: 10, seed: FUZZ_SEED })
  })

  it('refuses a jump beyond MAX_SKIP with TooManySkippedError and the state byte-identical, and opens one of exactly MAX_SKIP', () => {
    const { alice, bob, random } = pair('jump')
    const sent = sendMany(alice, MAX_SKIP + 2, 1, random)
    const beyond = sent.sent[MAX_SKIP + 1]
    const edge = sent.sent[MAX_SKIP]
    if (beyond === undefined || edge === undefined) throw new Error('not enough messages')
    const err = refused(bob, beyond.message, beyond.id, [TooManySkippedError])
    expect(err).toEqual(new TooManySkippedError(MAX_SKIP + 1, MAX_SKIP))
    expect(err.message).toBe(`the message would skip ${MAX_SKIP + 1} message keys; at most ${MAX_SKIP} may be skipped at once`)
    const out = ratchetDecrypt(bob, edge.message, edge.id, { now: NOW, random })
    expect(out.plaintext).toEqual(edge.plaintext)
    expect(out.state.skipped).toHaveLength(MAX_SKIP)
    // the message before the edge opens with its skipped key, once
    const first = sent.sent[0]
    if (first === undefined) throw new Error('no message')
    const again = ratchetDecrypt(out.state, first.message, first.id, { now: NOW, random })
    expect(again.plaintext).toEqual(first.plaintext)
    expect(again.state.skipped).toHaveLength(MAX_SKIP - 1)
    refused(again.state, first.message, first.id, [DuplicateMessageError])
  })

  it('counts the rest of the old chain (pn) in the jump of a new chain', () => {
    const { alice, bob, random } = pair('jump pn')
    // Alice's chain continues for MAX_SKIP messages Bob never sees; Bob answers an earlier one
    const reply = ratchetEncrypt(bob, text('reply'), itemId(1), random)
    const lost = sendMany(alice, MAX_SKIP, 2, random)
    const a = ratchetDecrypt(lost.state, reply.message, itemId(1), { now: NOW, random }).state
    const next = sendMany(a, 2, 5000, random)
    const [zero, one] = next.sent
    if (zero === undefined || one === undefined) throw new Error('no message')
    refused(reply.state, one.message, one.id, [TooManySkippedError])
    const out = ratchetDecrypt(reply.state, zero.message, zero.id, { now: NOW, random })
    expect(out.plaintext).toEqual(zero.plaintext)
    expect(out.state.skipped).toHaveLength(MAX_SKIP)
  })

  it('fails altered headers, ciphertexts, nonces and KEM fields, then opens the original', () => {
    const { alice, bob, random } = pair('tamper')
    const reply = ratchetEncrypt(bob, text('reply with a KEM step'), itemId(7), random)
    const original = reply.message
    const { header } = original
    if (header.kemPublic === undefined || header.kemCiphertext === undefined) throw new Error('the reply starts a chain with both KEM fields')
    const flip = (b: Uint8Array, at: number): Uint8Array => { const c = b.slice(); c[at % c.length] = (c[at % c.length] ?? 0) ^ 1; return c }
    fc.assert(fc.property(fc.constantFrom('dh', 'pn', 'n', 'kemPublic', 'kemCiphertext', 'nonce', 'ciphertext', 'itemId', 'dropCt'), fc.nat(), (field, at) => {
      let message: RatchetMessage = original
      let id = itemId(7)
      if (field === 'dh') message = { ...original, header: { ...header, dh: flip(header.dh, at) } }
      if (field === 'pn') message = { ...original, header: { ...header, pn: header.pn + 1 + (at % 5) } }
      if (field === 'n') message = { ...original, header: { ...header, n: header.n + 1 + (at % 5) } }
      if (field === 'kemPublic') message = { ...original, header: { ...header, kemPublic: flip(header.kemPublic ?? new Uint8Array(0), at) } }
      if (field === 'kemCiphertext') message = { ...original, header: { ...header, kemCiphertext: flip(header.kemCiphertext ?? new Uint8Array(0), at) } }
      if (field === 'dropCt') message = { ...original, header: { dh: header.dh, pn: header.pn, n: header.n, kemPublic: header.kemPublic } }
      if (field === 'nonce') message = { ...original, nonce: flip(original.nonce, at) }
      if (field === 'ciphertext') message = { ...original, ciphertext: flip(original.ciphertext, at) }
      if (field === 'itemId') id = flip(id, at)
      refused(alice, message, id, SESSION_ERRORS)
    }), { numRuns: 40, seed: FUZZ_SEED })
    expect(ratchetDecrypt(alice, original, itemId(7), { now: NOW, random }).plaintext).toEqual(text('reply with a KEM step'))
  })

  it('refuses a new chain without its KEM ciphertext (no downgrade once both sides have KEM keys)', () => {
    const { alice, bob, random } = pair('downgrade')
    const reply = ratchetEncrypt(bob, text('reply'), itemId(3), random)
    const { kemCiphertext: _ct, ...stripped } = reply.message.header
    const err = refused(alice, { ...reply.message, header: stripped }, itemId(3), [SessionDecryptError])
    expect(err.message).toBe('the message starts a chain without a KEM ciphertext')
    const { kemPublic: _pk, ...noKey } = reply.message.header
    expect(refused(alice, { ...reply.message, header: noKey }, itemId(3), [SessionDecryptError]).message).toBe('the message carries no KEM public key for the next step')
  })

  it('kem: false leaves the KEM fields out: such a message opens on a chain the receiver holds, in or out of order, and cannot start one', () => {
    const { alice, bob, random } = pair('without KEM fields')
    const first = ratchetEncrypt(bob, text('starts the chain'), itemId(1), random)
    const second = ratchetEncrypt(first.state, text('without'), itemId(2), random, { kem: false })
    const third = ratchetEncrypt(second.state, text('without, late'), itemId(3), random, { kem: false })
    expect([second.message.header.kemPublic, second.message.header.kemCiphertext]).toEqual([undefined, undefined])
    // the first of a chain, without its fields, starts nothing (a lost chain: the session is reset)
    const bare = ratchetEncrypt(bob, text('starts the chain'), itemId(1), random, { kem: false })
    refused(alice, bare.message, itemId(1), [SessionDecryptError])
    const a1 = ratchetDecrypt(alice, first.message, itemId(1), { now: NOW, random })
    const a3 = ratchetDecrypt(a1.state, third.message, itemId(3), { now: NOW, random })
    const a2 = ratchetDecrypt(a3.state, second.message, itemId(2), { now: NOW, random })
    expect([a1, a3, a2].map(o => new TextDecoder().decode(o.plaintext))).toEqual(['starts the chain', 'without, late', 'without'])
    // the fields are authenticated by their absence too: put back, the message does not open
    refused(a1.state, { ...second.message, header: { ...second.message.header, kemPublic: first.message.header.kemPublic } }, itemId(2), [SessionDecryptError])
  })

  it('expires skipped keys after SKIPPED_KEY_TTL_MS and keeps at most MAX_SKIPPED_KEYS', () => {
    const { alice, bob, random } = pair('expiry')
    const sent = sendMany(alice, 3, 1, random)
    const [m1, m2, m3] = sent.sent
    if (m1 === undefined || m2 === undefined || m3 === undefined) throw new Error('no message')
    const b = ratchetDecrypt(bob, m3.message, m3.id, { now: NOW, random }).state
    expect(b.skipped.map(k => k.expiresAt)).toEqual([NOW + SKIPPED_KEY_TTL_MS, NOW + SKIPPED_KEY_TTL_MS])
    expect(ratchetDecrypt(b, m1.message, m1.id, { now: NOW + SKIPPED_KEY_TTL_MS - 1, random }).plaintext).toEqual(m1.plaintext)
    refused(b, m2.message, m2.id, [DuplicateMessageError], NOW + SKIPPED_KEY_TTL_MS)

    // two bursts of MAX_SKIP whose last message arrives first: 2 + 2 × 1999 keys skipped, the newest 2000 kept
    let a = sent.state
    let bb = b
    for (const round of [0, 1]) {
      const burst = sendMany(a, MAX_SKIP, 10_000 * (round + 1), random)
      const last = burst.sent.at(-1)
      if (last === undefined) throw new Error('no message')
      bb = ratchetDecrypt(bb, last.message, last.id, { now: NOW, random }).state
      expect(bb.skipped.length).toBeLessThanOrEqual(MAX_SKIPPED_KEYS)
      a = burst.state
    }
    expect(bb.skipped).toHaveLength(MAX_SKIPPED_KEYS)
    expect(bb.skipped.map(k => k.n)).toEqual([...Array.from({ length: MAX_SKIP - 1 }, (_, i) => i + 2004), 2002].sort((x, y) => x - y))
    expect(bb.skipped[0]?.n).toBe(2002)
  })

  it('does not let a responder send before it has received, and keeps a state given to encrypt unchanged', () => {
    const random = seededRandom('responder')
    const alice = person('alice', random)
    const bob = person('bob', random)
    const started = initiate(alice, bob, bob.bundle, random)
    const answered = respond(bob, alice, started.init, bob.prekeys)
    expect(() => ratchetEncrypt(answered.state, text('too early'), itemId(1), random)).toThrow(SessionStateError)
    const before = stateBytes(started.state)
    const out = ratchetEncrypt(started.state, text('x'), itemId(1), random)
    expect(stateBytes(started.state)).toBe(before)
    expect(out.state.sendN).toBe(1)
    expect(out.message.header.kemCiphertext).toBeUndefined()
    expect(out.message.header.kemPublic).toHaveLength(1184)
  })

  it('uses a new KEM key and ciphertext at every step, and never reuses a nonce or a ratchet key', () => {
    const { alice, bob, random } = pair('steps')
    let a = alice
    let b = bob
    const kemKeys = new Set<string>()
    const dhKeys = new Set<string>()
    const nonces = new Set<string>()
    for (let i = 0; i < 4; i++) {
      const fromB = ratchetEncrypt(b, text(`b${i}`), itemId(i), random)
      a = ratchetDecrypt(a, fromB.message, itemId(i), { now: NOW, random }).state
      const fromA = ratchetEncrypt(a, text(`a${i}`), itemId(i), random)
      b = ratchetDecrypt(fromB.state, fromA.message, itemId(i), { now: NOW, random }).state
      for (const m of [fromA.message, fromB.message]) {
        kemKeys.add(Buffer.from(m.header.kemPublic ?? []).toString('hex'))
        dhKeys.add(Buffer.from(m.header.dh).toString('hex'))
        nonces.add(Buffer.from(m.nonce).toString('hex'))
        expect(m.header.kemCiphertext).toHaveLength(1088)
      }
    }
    expect(kemKeys.size).toBe(8)
    expect(dhKeys.size).toBe(8)
    expect(nonces.size).toBe(8)
  })

  it('a step\'s sending half waits for the next send (or settleStep): opening a chain\'s first message makes no key of ours, and the send that follows is the same either way', () => {
    const { alice, bob, random } = pair('pending')
    const fromB = ratchetEncrypt(bob, text('b'), itemId(1), random)
    const opened = ratchetDecrypt(alice, fromB.message, itemId(1), { now: NOW, random })
    // the receiving half is done; our next ratchet key and KEM key pair are drawn, not made yet
    expect(opened.state.pending).not.toBeNull()
    expect(opened.state.dhPublic).toEqual(alice.dhPublic)
    expect(opened.state.ourKem?.publicKey).toEqual(alice.ourKem?.publicKey)
    // a later message of the same chain opens without finishing it
    const again = ratchetEncrypt(fromB.state, text('b2'), itemId(2), random)
    const second = ratchetDecrypt(opened.state, again.message, itemId(2), { now: NOW, random })
    expect(second.state.pending).not.toBeNull()
    // settled ahead, or finished by the send itself: the same state and the same box (one nonce for both)
    const before = stateBytes(second.state)
    const settled = settleStep(second.state)
    expect(stateBytes(second.state)).toBe(before)
    expect(settled.pending).toBeNull()
    expect(settleStep(settled)).toBe(settled)
    const nonce = random(24)
    const direct = ratchetEncrypt(second.state, text('a'), itemId(3), () => nonce)
    const ahead = ratchetEncrypt(settled, text('a'), itemId(3), () => nonce)
    expect(stateBytes(direct.state)).toBe(stateBytes(ahead.state))
    expect(direct.message).toEqual(ahead.message)
    expect(direct.message.header.dh).not.toEqual(alice.dhPublic)
    // and Bob opens it on the step it starts
    expect(ratchetDecrypt(again.state, direct.message, itemId(3), { now: NOW, random }).plaintext).toEqual(text('a'))
  })

  it('a step\'s DH computed ahead (WebCrypto) gives the same state as the step computing it; a wrong one opens nothing', async () => {
    const { alice, bob, random } = pair('ahead')
    const fromB = ratchetEncrypt(bob, text('b'), itemId(1), random)
    expect(stepNeeded(alice, fromB.message.header)).toBe(true)
    const stepDh = await webX25519(alice.dhSecret, fromB.message.header.dh)
    expect(stepDh).toEqual(x25519.getSharedSecret(alice.dhSecret, fromB.message.header.dh))
    const draws = seededRandom('ahead draws')
    const again = seededRandom('ahead draws')
    const plain = ratchetDecrypt(alice, fromB.message, itemId(1), { now: NOW, random: draws })
    const ahead = ratchetDecrypt(alice, fromB.message, itemId(1), { now: NOW, random: again, ...(stepDh === undefined ? {} : { stepDh }) })
    expect(stateBytes(ahead.state)).toBe(stateBytes(plain.state))
    expect(stepNeeded(plain.state, fromB.message.header)).toBe(false)
    refused(alice, fromB.message, itemId(1), [SessionDecryptError], NOW, new Uint8Array(32).fill(9))
  })

  it('a step\'s sending half with its X25519 half computed ahead (WebCrypto) is the step noble computes; one computed for another step is not used', async () => {
    const { alice, bob, random } = pair('send ahead')
    const fromB = ratchetEncrypt(bob, text('b'), itemId(1), random)
    const opened = ratchetDecrypt(alice, fromB.message, itemId(1), { now: NOW, random }).state
    const pending = opened.pending
    if (pending == null) throw new Error('no pending step')
    const ahead = await webStepAhead(pending)
    expect(ahead?.dhPublic).toEqual(x25519.getPublicKey(pending.dhSecret))
    expect(ahead?.dh).toEqual(x25519.getSharedSecret(pending.dhSecret, pending.theirDh))
    const plain = settleStep(opened)
    expect(stateBytes(settleStep(opened, ahead))).toBe(stateBytes(plain))
    const nonce = random(24)
    const sent = ratchetEncrypt(opened, text('a'), itemId(2), () => nonce, { step: ahead })
    expect(sent.message).toEqual(ratchetEncrypt(plain, text('a'), itemId(2), () => nonce).message)
    // the X25519 half of another step (another secret, or another peer key) is ignored, not mixed in
    const other = await webStepAhead({ ...pending, dhSecret: random(32) })
    const otherPeer = await webStepAhead({ ...pending, theirDh: x25519.getPublicKey(random(32)) })
    for (const wrong of [other, otherPeer]) {
      expect(wrong).toBeDefined()
      expect(stateBytes(settleStep(opened, wrong))).toBe(stateBytes(plain))
    }
    expect(ratchetDecrypt(fromB.state, sent.message, itemId(2), { now: NOW, random }).plaintext).toEqual(text('a'))
  })

  it('webX25519 agrees with noble, and gives nothing for a key WebCrypto refuses (a small-order point)', async () => {
    const secret = seededRandom('web x25519')(32)
    const theirs = x25519.getPublicKey(seededRandom('web x25519 theirs')(32))
    expect(await webX25519(secret, theirs)).toEqual(x25519.getSharedSecret(secret, theirs))
    expect(await webX25519(secret, new Uint8Array(32))).toBeUndefined()
  })
})
