/**
 * mulberry32: a small seeded pseudo-random generator, so that a run that made
 * random choices (the NAT lab's soak, the large group, its benchmark) can be
 * replayed from its seed. Not for anything secret.
 */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
