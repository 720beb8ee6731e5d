/**
 * Argon2id (RFC 9106, version 0x13) for the backup's key, loaded on demand
 * by backup-kdf.ts (a chunk of its own: only a backup's export or restore
 * needs it). hash-wasm's WebAssembly build where this context runs
 * WebAssembly, else @noble/hashes in plain JavaScript, which gives the same
 * bytes.
 *
 * Why hash-wasm first: at the backup's parameters (64 MiB, 3 passes) it took
 * 194 ms in Chromium here and noble 691 ms (the bench's `backup_kdf_ms` and
 * `backup_kdf_js_ms`): 3.6 times as long, 2–3 s on a phone. Noble stays as
 * the fallback for a context without WebAssembly (a Content-Security-Policy
 * without `wasm-unsafe-eval`, Safari's Lockdown Mode), in its async form so
 * that the node's worker keeps answering while it runs.
 *
 * hash-wasm's call is synchronous WebAssembly behind a promise: it holds the
 * node worker's thread for the whole derivation (about 0.2 s here, up to a
 * second on a phone). The tab's UI never waits on it; only the worker's other
 * work does, once per backup made or restored.
 */
import { argon2idAsync } from '@noble/hashes/argon2.js'
// the Argon2-only build, not the package's index: see hash-wasm-argon2.d.ts
import hashWasmArgon2 from 'hash-wasm/dist/argon2.umd.min.js'

export interface Argon2idInput {
  /** the passphrase's bytes (NFC, UTF-8) */
  password: Uint8Array
  salt: Uint8Array
  memoryKiB: number
  iterations: number
  parallelism: number
  /** bytes of output */
  length: number
}

/** One Argon2id derivation; throws (or rejects) where it cannot run. */
export type Argon2id = (input: Argon2idInput) => Promise<Uint8Array>

/** hash-wasm's WebAssembly Argon2id. */
export const wasmArgon2id: Argon2id = async ({ password, salt, memoryKiB, iterations, parallelism, length }) => {
  return hashWasmArgon2.argon2id({ password, salt, memorySize: memoryKiB, iterations, parallelism, hashLength: length, outputType: 'binary' })
}

/** Noble's asynchronous pass yields to the event loop every this many ms. */
const NOBLE_TICK_MS = 10

/** @noble/hashes' Argon2id in JavaScript: the same bytes, 3.6 times as long in Chromium here. */
export const nobleArgon2id: Argon2id = async ({ password, salt, memoryKiB, iterations, parallelism, length }) => {
  return argon2idAsync(password, salt, { m: memoryKiB, t: iterations, p: parallelism, dkLen: length, asyncTick: NOBLE_TICK_MS })
}

/** Whether the WebAssembly build failed once: then noble is used from then on. */
let wasmUnusable = false

/**
 * Argon2id by hash-wasm, or by noble where WebAssembly is missing or refused
 * (said once, then noble from then on). `wasm` is for tests.
 */
export async function deriveArgon2id (input: Argon2idInput, wasm: Argon2id = wasmArgon2id): Promise<Uint8Array> {
  if (!wasmUnusable) {
    try {
      return await wasm(input)
    } catch (err) {
      // a RangeError is memory this context could not have: noble needs the same memory, so it is no way out
      if (err instanceof RangeError) throw err
      wasmUnusable = true
      console.warn('parley: WebAssembly Argon2id is unusable here, deriving the backup key in JavaScript', err)
    }
  }
  return nobleArgon2id(input)
}

/** @internal Forgets a failed WebAssembly load (tests). */
export function resetArgon2Fallback (): void {
  wasmUnusable = false
}
