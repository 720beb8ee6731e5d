/**
 * An incremental SHA-256 for whole files, which WebCrypto cannot do (it has
 * no streaming digest). hash-wasm's WebAssembly build when this context runs
 * WebAssembly, else @noble/hashes in plain JavaScript.
 *
 * Why not noble alone: in Chromium it hashed 64 MiB in 3.1–4.4 s here, and
 * hash-wasm in 0.5–0.7 s. The receiver of a file keeps this hash on the node
 * worker's thread while the chunks arrive, so noble's cost was most of that
 * thread's time during a direct transfer (issue 21).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { createSHA256 } from 'hash-wasm'

export interface Sha256Stream {
  /** Adds bytes to the hash (they are read at once, not kept). */
  update(data: Uint8Array): void
  /** The SHA-256 of everything added, 32 bytes; the stream is finished then. */
  digest(): Uint8Array
}

/** Makes a WebAssembly hasher; throws (or rejects) where WebAssembly cannot run. */
export type WasmSha256Loader = () => Promise<Sha256Stream>

const loadHashWasm: WasmSha256Loader = async () => {
  const hasher = await createSHA256()
  hasher.init()
  return {
    update: (data) => { hasher.update(data) },
    digest: () => hasher.digest('binary')
  }
}

/** Whether the WebAssembly hasher failed to load once: then noble is used from then on. */
let wasmUnusable = false

/**
 * A fresh incremental SHA-256: the WebAssembly one, or noble's where
 * WebAssembly is missing or refused (a Content-Security-Policy without
 * `wasm-unsafe-eval`, Safari's Lockdown Mode). After one failure the
 * WebAssembly hasher is not tried again. `load` is for tests.
 */
export async function createSha256 (load: WasmSha256Loader = loadHashWasm): Promise<Sha256Stream> {
  if (!wasmUnusable) {
    try {
      return await load()
    } catch (err) {
      // not an error for the user: the JavaScript hasher gives the same digest, only slower. Said once.
      wasmUnusable = true
      console.warn('parley: WebAssembly SHA-256 is unusable here, hashing files in JavaScript', err)
    }
  }
  return nobleSha256()
}

/** @internal The JavaScript hasher (the fallback), for tests that compare the two. */
export function nobleSha256 (): Sha256Stream {
  const hash = sha256.create()
  return {
    update: (data) => { hash.update(data) },
    digest: () => hash.digest()
  }
}

/** @internal Forgets a failed WebAssembly load (tests). */
export function resetSha256Fallback (): void {
  wasmUnusable = false
}
