import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { kadDHT } from '@libp2p/kad-dht'
import { isStartable } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import GENERATED_PREFIXES, { PREFIX_COUNT, prefixEntry } from '../../../../src/lib/p2p/root/kad-prefixes.ts'
import { kadPrefixes } from '../../../../scripts/lib/kad-prefixes-plugin.ts'

// kad-dht's own files, by path: its package exports do not name them
const KAD_DIR = dirname(createRequire(import.meta.url).resolve('@libp2p/kad-dht'))
const REFRESH = join(KAD_DIR, 'routing-table', 'refresh.js')
const NODE_TABLE = join(KAD_DIR, 'routing-table', 'generated-prefix-list.js')

async function kadNodeTable (): Promise<number[]> {
  const module = await import(pathToFileURL(NODE_TABLE).href) as { default: number[] }
  return module.default
}

describe('kad-dht key prefixes found when asked (src/lib/p2p/root/kad-prefixes.ts)', () => {
  it('finds the entries of kad-dht\'s own 65,536-entry table', async () => {
    const table = await kadNodeTable()
    expect(table).toHaveLength(PREFIX_COUNT)
    const prefixes = [0, 1, 2, 255, 256, 4095, 16383, 16384, 40000, 65534, 65535]
    expect(prefixes.map(p => GENERATED_PREFIXES[p])).toEqual(prefixes.map(p => table[p]))
  })

  it('reads as the array kad-dht indexes, and refuses a prefix outside 16 bits', () => {
    expect(GENERATED_PREFIXES.length).toBe(PREFIX_COUNT)
    expect(GENERATED_PREFIXES[PREFIX_COUNT]).toBeUndefined()
    expect(() => prefixEntry(PREFIX_COUNT)).toThrow(new RangeError('no kad prefix entry 65536'))
    expect(() => prefixEntry(-1)).toThrow(RangeError)
    expect(() => prefixEntry(1.5)).toThrow(RangeError)
  })
})

describe('kad-dht\'s routing-table refresh, which reads the table', () => {
  it('is never started by kad-dht 16.4.5: a kad-dht that starts it would find its first keys at start, 65 ms each', () => {
    // the routing-table refresh is an object libp2p's start() passes by unless it has start and stop
    const components = { logger: defaultLogger() } as unknown as Parameters<ReturnType<typeof kadDHT>>[0]
    const refresh: unknown = Reflect.get(kadDHT({ clientMode: true })(components) as object, 'routingTableRefresh')
    expect(refresh).toBeTypeOf('object')
    expect(isStartable(refresh)).toBe(false)
  })
})

describe('the build plugin (scripts/lib/kad-prefixes-plugin.ts)', () => {
  const plugin = kadPrefixes()
  const resolveId = plugin.resolveId as (source: string, importer: string | undefined) => string | undefined
  const load = plugin.load as (id: string) => undefined

  it('gives kad-dht\'s refresh this module for its table, and nobody else', async () => {
    // the import the plugin replaces is still there in the kad-dht this app installs
    expect(await readFile(REFRESH, 'utf8')).toContain('from "./generated-prefix-list.js"')
    expect(resolveId('./generated-prefix-list.js', REFRESH)).toMatch(/src[\\/]lib[\\/]p2p[\\/]root[\\/]kad-prefixes\.ts$/)
    expect(resolveId('./generated-prefix-list.js', join(KAD_DIR, 'kad-dht.js'))).toBeUndefined()
    expect(resolveId('./refresh.js', REFRESH)).toBeUndefined()
    expect(resolveId('./generated-prefix-list.js', undefined)).toBeUndefined()
  })

  it('fails the build if kad-dht\'s table is loaded anyway', () => {
    expect(() => load(NODE_TABLE)).toThrow(/kad-dht's prefix table reached the bundle/)
    expect(() => load(NODE_TABLE.replace(/\.js$/, '-browser.js'))).toThrow(/kad-dht's prefix table reached the bundle/)
    expect(load(REFRESH)).toBeUndefined()
  })
})
