import { once } from 'node:events'
import { createServer, connect } from 'node:net'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { coalesceWrites } from '../src/coalesce-writes.ts'
import type { Socket } from 'node:net'

/** A Writable that records each batch the stream machinery hands it (what a socket turns into one writev). */
function recorder (): { sink: Writable, batches: string[][] } {
  const batches: string[][] = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, done) { batches.push([chunk.toString()]); done() },
    writev (chunks, done) { batches.push(chunks.map(c => (c.chunk as Buffer).toString())); done() }
  })
  return { sink, batches }
}

/** A schedule the test runs by hand: flushes wait until `run()`. */
function manual (): { schedule(flush: () => void): void, run(): void, readonly pending: number } {
  let flushes: Array<() => void> = []
  return {
    schedule (flush) { flushes.push(flush) },
    run () {
      const now = flushes
      flushes = []
      for (const flush of now) flush()
    },
    get pending () { return flushes.length }
  }
}

describe('coalesceWrites', () => {
  it('holds the writes of one turn and hands them on together, in order, when the turn ends', () => {
    const { sink, batches } = recorder()
    const turn = manual()
    coalesceWrites(sink, turn.schedule)
    sink.write('a')
    sink.write('b')
    sink.write('c')
    expect(batches).toEqual([])
    expect(turn.pending).toBe(1)
    turn.run()
    expect(batches).toEqual([['a', 'b', 'c']])
    expect(sink.writableCorked).toBe(0)
  })

  it('starts a new batch in the next turn', () => {
    const { sink, batches } = recorder()
    const turn = manual()
    coalesceWrites(sink, turn.schedule)
    sink.write('a')
    turn.run()
    sink.write('b')
    sink.write('c')
    turn.run()
    expect(batches).toEqual([['a'], ['b', 'c']])
    expect(turn.pending).toBe(0)
  })

  it('keeps a nested cork (ws corks around a frame header and body) inside the batch', () => {
    const { sink, batches } = recorder()
    const turn = manual()
    coalesceWrites(sink, turn.schedule)
    sink.write('ping')
    sink.cork()
    sink.write('header')
    sink.write('body')
    sink.uncork()
    expect(batches).toEqual([])
    turn.run()
    expect(batches).toEqual([['ping', 'header', 'body']])
  })

  it('lets end() flush what it holds, and the later flush does not uncork again', () => {
    const { sink, batches } = recorder()
    const turn = manual()
    coalesceWrites(sink, turn.schedule)
    sink.write('last')
    sink.end()
    expect(batches).toEqual([['last']])
    turn.run()
    expect(sink.writableCorked).toBe(0)
  })

  it('does nothing for a destroyed socket', () => {
    const { sink, batches } = recorder()
    const turn = manual()
    coalesceWrites(sink, turn.schedule)
    sink.write('x')
    sink.destroy()
    expect(() => { turn.run() }).not.toThrow()
    sink.on('error', () => {})
    sink.write('after')
    expect(turn.pending).toBe(0)
    expect(batches).toEqual([])
  })

  it('sends one turn\'s writes on a TCP socket as one writev, and the peer reads them in order', async () => {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    if (address == null || typeof address === 'string') throw new Error('no port')
    const accepted = once(server, 'connection') as Promise<[Socket]>
    const client = connect(address.port, '127.0.0.1')
    await once(client, 'connect')
    const [peer] = await accepted
    try {
      const internals = client as unknown as { _writev(chunks: unknown[], cb: () => void): void, _write(chunk: unknown, encoding: string, cb: () => void): void }
      const calls: number[] = []
      const writev = internals._writev.bind(client)
      const write = internals._write.bind(client)
      internals._writev = (chunks, cb) => { calls.push(chunks.length); writev(chunks, cb) }
      internals._write = (chunk, encoding, cb) => { calls.push(1); write(chunk, encoding, cb) }
      coalesceWrites(client)
      const received: Buffer[] = []
      peer.on('data', (chunk: Buffer) => { received.push(chunk) })
      const expected = 'frame-1|frame-2|frame-3|'
      const all = new Promise<void>((resolve) => {
        peer.on('data', () => { if (Buffer.concat(received).length >= expected.length) resolve() })
      })
      client.write('frame-1|')
      client.write('frame-2|')
      client.write('frame-3|')
      await all
      expect(calls).toEqual([3])
      expect(Buffer.concat(received).toString()).toBe(expected)
    } finally {
      client.destroy()
      peer.destroy()
      server.close()
    }
  })
})
