/**
 * hash-wasm's Argon2-only build (its UMD bundle: its own copy of the
 * WebAssembly loader and BLAKE2b). Imported by path so that the bundler puts
 * it in backup-argon2.ts's chunk: the package's index, which the worker
 * imports for SHA-256, would carry argon2's WebAssembly into the worker.
 */
declare module 'hash-wasm/dist/argon2.umd.min.js' {
  import type { argon2id } from 'hash-wasm'
  const build: { argon2id: typeof argon2id }
  export default build
}
