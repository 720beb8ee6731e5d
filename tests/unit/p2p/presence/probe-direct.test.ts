import { describe, expect, it, vi } from 'vitest'
import { PROBE_PROTOCOL, probeDirect } from '../../../../src/lib/p2p/presence/probe-direct.ts'
import type { Connection, Stream } from '@libp2p/interface'

type NewStream = Connection['newStream']

function connectionWith (newStream: (protocol: string, options: { signal: AbortSignal }) => Promise<Partial<Stream>>): Pick<Connection, 'newStream'> {
  return { newStream: newStream as unknown as NewStream }
}

/** A stream negotiation that waits until its signal aborts, like one over a data channel that never opens. */
async function hangs (_protocol: string, options: { signal: AbortSignal }): Promise<never> {
  return await new Promise<never>((_resolve, reject) => {
    options.signal.addEventListener('abort', () => { reject(options.signal.reason) })
  })
}

describe('probeDirect (a new direct connection must carry a stream)', () => {
  it('is true when the ping protocol negotiates, and closes the probe stream', async () => {
    const close = vi.fn(async () => {})
    const requested: string[] = []
    const works = await probeDirect(connectionWith(async (protocol) => {
      requested.push(protocol)
      return { close, abort: vi.fn() }
    }), 1000)
    expect(works).toBe(true)
    expect(requested).toEqual([PROBE_PROTOCOL])
    expect(close).toHaveBeenCalledOnce()
  })

  it('is false when the negotiation never finishes within the time (a connection whose ICE never connected)', async () => {
    const started = Date.now()
    expect(await probeDirect(connectionWith(hangs), 50)).toBe(false)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('is false at the time limit even when opening the stream ignores the signal (waits for a data channel that never opens)', async () => {
    const never = async (): Promise<never> => await new Promise<never>(() => {})
    const started = Date.now()
    expect(await probeDirect(connectionWith(never), 50)).toBe(false)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('aborts a stream that opens only after the time limit', async () => {
    const abort = vi.fn()
    let open: (stream: Partial<Stream>) => void = () => {}
    const late = async (): Promise<Partial<Stream>> => await new Promise(resolve => { open = resolve })
    expect(await probeDirect(connectionWith(late), 20)).toBe(false)
    open({ close: vi.fn(async () => {}), abort })
    await vi.waitFor(() => { expect(abort).toHaveBeenCalledOnce() })
  })

  it('is false when the stream is refused', async () => {
    expect(await probeDirect(connectionWith(async () => { throw new Error('protocol selection failed') }), 1000)).toBe(false)
  })

  it('is still true when closing the probe stream fails (the stream is aborted instead)', async () => {
    const abort = vi.fn()
    const works = await probeDirect(connectionWith(async () => ({ close: async () => { throw new Error('already reset') }, abort })), 1000)
    expect(works).toBe(true)
    expect(abort).toHaveBeenCalledOnce()
  })
})
