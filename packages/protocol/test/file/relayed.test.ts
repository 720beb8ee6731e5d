import { describe, expect, it } from 'vitest'
import { RELAYED_OVERHEAD, RELAYED_RESERVE_BYTES, relayedFileAllowance } from '../../src/file/relayed.ts'

describe('how big a file a relayed connection carries', () => {
  it('the relay\'s remaining bytes, less the reserve for chat and the overhead of the transfer', () => {
    const limit = 32 * 1024 * 1024
    const allowance = relayedFileAllowance({ bytes: BigInt(limit) })
    expect(allowance).toBe(Math.floor((limit - RELAYED_RESERVE_BYTES) / (1 + RELAYED_OVERHEAD)))
    // what the file costs on the wire stays within the limit
    expect(allowance * (1 + RELAYED_OVERHEAD) + RELAYED_RESERVE_BYTES).toBeLessThanOrEqual(limit)
  })

  it('files already moving over the connection count against it; nothing is ever negative', () => {
    const limit = BigInt(8 * 1024 * 1024)
    expect(relayedFileAllowance({ bytes: limit }, 2 * 1024 * 1024)).toBeLessThan(relayedFileAllowance({ bytes: limit }) - 2 * 1024 * 1024 + 1)
    expect(relayedFileAllowance({ bytes: 100n })).toBe(0)
    expect(relayedFileAllowance({ bytes: limit }, 1e9)).toBe(0)
  })

  it('a connection without a data limit carries any size', () => {
    expect(relayedFileAllowance(undefined)).toBe(Number.MAX_SAFE_INTEGER)
    expect(relayedFileAllowance({})).toBe(Number.MAX_SAFE_INTEGER)
  })
})
