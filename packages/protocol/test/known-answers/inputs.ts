/**
 * The inputs of the published known answers (docs/vectors/): every byte a
 * vector starts from (seeds, secrets, nonces, the randomness a step draws)
 * is named by where it sits in the files, e.g.
 * `keys.json/inputs/alice/identitySeed` or `ratchet.json/events/3/inputs/nonce`.
 *
 * Making the files (scripts/vectors.ts), an input nobody has given is derived
 * from its name: SHA-256("parley-vectors-v1/" · name · u32 block) blocks, so
 * the files are the same on every run. Checking them (known-answers.test.ts),
 * the inputs are read back from the files and every other byte is computed
 * again from them; an input the files lack is an error, and so is one they
 * hold that nothing used.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'

export const hex = bytesToHex
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A JSON value of a vector file. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

export class Inputs {
  readonly #given: Map<string, Uint8Array> | undefined
  readonly #used = new Set<string>()

  /** `given`: the inputs read from the files (checking); none: derive each from its name (making). */
  constructor (given?: Map<string, Uint8Array>) {
    this.#given = given
  }

  /** The input named `name`, `length` bytes. */
  bytes (name: string, length: number): Uint8Array {
    if (this.#used.has(name)) throw new Error(`input ${name} is used twice`)
    this.#used.add(name)
    if (this.#given === undefined) return derive(name, length)
    const given = this.#given.get(name)
    if (given === undefined) throw new Error(`the vectors have no input ${name}`)
    if (given.byteLength !== length) throw new Error(`input ${name} is ${given.byteLength} bytes, not ${length}`)
    return given.slice()
  }

  /** Inputs the files hold that nothing used (none when the files are what the code makes). */
  unused (): string[] {
    return [...(this.#given?.keys() ?? [])].filter(name => !this.#used.has(name))
  }
}

function derive (name: string, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let block = 0; block * 32 < length; block++) {
    const bytes = sha256(concatBytes(utf8(`parley-vectors-v1/${name}`), Uint8Array.of(0, 0, 0, block)))
    out.set(bytes.subarray(0, Math.min(32, length - block * 32)), block * 32)
  }
  return out
}

/**
 * Every input the files hold: the hex strings under a key named `inputs`,
 * named by their path (file, then keys and array indices, joined by `/`).
 */
export function collectInputs (files: Readonly<Record<string, Json>>): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>()
  const walk = (value: Json, path: string, inInputs: boolean): void => {
    if (typeof value === 'string') {
      if (inInputs) found.set(path, hexToBytes(value))
      return
    }
    if (value === null || typeof value !== 'object') return
    const entries: Array<[string, Json]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value)
    for (const [key, child] of entries) walk(child, `${path}/${key}`, inInputs || key === 'inputs')
  }
  for (const [file, content] of Object.entries(files)) walk(content, file, false)
  return found
}

/** Throws when two byte strings differ: the generator checks the code against its own computation as it goes. */
export function same (what: string, a: Uint8Array, b: Uint8Array): void {
  if (hex(a) !== hex(b)) throw new Error(`${what}: the code gives ${hex(a)}, the vector's computation ${hex(b)}`)
}
