import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { Lifecycle } from '../src/lifecycle.ts'
import { createLogger } from '../src/log.ts'
import { config, relay, useRelayTestDir } from './helpers.ts'
import type { Part } from '../src/lifecycle.ts'
import type { Logger } from '../src/log.ts'
import type { Server } from 'node:net'

/** Parts that write what is done to them into `calls`; `failing` throws from its start. */
function recordingParts (names: string[], calls: string[], failing?: string): Part[] {
  return names.map(name => ({
    name,
    part: {
      start: () => {
        if (name === failing) throw new Error(`${name} cannot start`)
        calls.push(`start ${name}`)
      },
      beforeStop: () => { calls.push(`beforeStop ${name}`) },
      stop: () => { calls.push(`stop ${name}`) },
      afterStop: () => { calls.push(`afterStop ${name}`) }
    }
  }))
}

/** A debug logger that keeps its lines. */
function recordingLogger (): { log: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  return { lines, log: createLogger('debug', (line) => { lines.push(JSON.parse(line) as Record<string, unknown>) }) }
}

const partsIn = (lines: Array<Record<string, unknown>>, msg: string): unknown[] => lines.filter(l => l.msg === msg).map(l => l.part)

describe('Lifecycle', () => {
  it('a start that fails part-way stops exactly what had started, last first, and throws the failure', async () => {
    const calls: string[] = []
    const lifecycle = new Lifecycle(recordingParts(['a', 'b', 'c', 'd'], calls, 'c'), recordingLogger().log)
    await expect(lifecycle.start()).rejects.toThrow('c cannot start')
    expect(calls).toEqual(['start a', 'start b', 'beforeStop b', 'beforeStop a', 'stop b', 'stop a', 'afterStop b', 'afterStop a'])
    // nothing is left to stop
    await lifecycle.stop()
    expect(calls).toHaveLength(8)
  })

  it('stop() goes through the same order as a failed start', async () => {
    const failed: string[] = []
    await new Lifecycle(recordingParts(['a', 'b', 'c', 'd'], failed, 'd'), recordingLogger().log).start().catch(() => {})
    const stopped: string[] = []
    const lifecycle = new Lifecycle(recordingParts(['a', 'b', 'c'], stopped), recordingLogger().log)
    await lifecycle.start()
    await lifecycle.stop()
    expect(stopped).toEqual(failed)
  })

  it('a part that fails to stop does not keep the others running; its error comes after', async () => {
    const calls: string[] = []
    const parts = recordingParts(['a', 'b', 'c'], calls)
    const b = parts[1]?.part
    if (b != null) b.stop = () => { throw new Error('b is stuck') }
    const lifecycle = new Lifecycle(parts, recordingLogger().log)
    await lifecycle.start()
    await expect(lifecycle.stop()).rejects.toThrow('b is stuck')
    expect(calls.filter(c => c.startsWith('stop') || c.startsWith('afterStop'))).toEqual(['stop c', 'stop a', 'afterStop c', 'afterStop b', 'afterStop a'])
  })

  it('a failed start whose teardown fails too still throws why the start failed', async () => {
    const calls: string[] = []
    const parts = recordingParts(['a', 'b'], calls, 'b')
    const a = parts[0]?.part
    if (a != null) a.stop = () => { throw new Error('a is stuck') }
    const { log, lines } = recordingLogger()
    await expect(new Lifecycle(parts, log).start()).rejects.toThrow('b cannot start')
    expect(lines.find(l => l.level === 'error')?.msg).toBe('could not stop everything after a failed start')
  })
})

describe('the relay\'s parts', () => {
  useRelayTestDir()

  it('a relay whose start fails part-way stops what it had started, in reverse; a relay\'s stop() goes the same way', async () => {
    // the operations server cannot listen: its port is taken
    const taken: Server = createServer()
    await new Promise<void>((resolve) => { taken.listen(0, config().host, resolve) })
    const address = taken.address()
    const port = typeof address === 'object' && address != null ? address.port : 0
    const failed = recordingLogger()
    try {
      await expect(relay({ metricsPort: port }, { log: failed.log })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await new Promise((resolve) => { taken.close(resolve) })
    }
    const started = partsIn(failed.lines, 'started')
    expect(started).toContain('libp2p')
    expect(started).not.toContain('ops server')
    expect(partsIn(failed.lines, 'stopped')).toEqual([...started].reverse())

    // the same data directory: the failed start closed its databases
    const ran = recordingLogger()
    const r = await relay({ metricsPort: 0 }, { log: ran.log })
    const all = partsIn(ran.lines, 'started')
    expect(all.slice(0, started.length)).toEqual(started)
    expect(all.at(-2)).toBe('ops server')
    await r.stop()
    expect(partsIn(ran.lines, 'stopped')).toEqual([...all].reverse())
    // the operations server closes last, after every part has stopped
    expect(ran.lines.findIndex(l => l.msg === 'afterStop' && l.part === 'ops server')).toBeGreaterThan(ran.lines.findLastIndex(l => l.msg === 'stopped'))
  })
})
