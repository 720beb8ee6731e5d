/**
 * Reads a body of bytes up to a limit, for what a server answers whose size
 * nothing bounds before it comes (a release's manifest and files): the bytes
 * when they fit, undefined as soon as they pass `max` (the rest is not read).
 */
import { concatBytes } from '@noble/hashes/utils.js'

export async function readBounded (body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return concatBytes(...chunks)
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
}
