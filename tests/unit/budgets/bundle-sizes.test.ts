/**
 * bundleSizes (scripts/lib/bundle-sizes.ts) on a small dist/ of its own: a
 * worker is its entry and every chunk it imports statically, through other
 * chunks too; a chunk it imports with import() is lazy; a chunk the shell and
 * the worker share counts in both.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleSizes } from '../../../scripts/lib/bundle-sizes.ts'

const FILES: Record<string, string> = {
  'index.html': '<script type="module" src="/assets/index-a.js"></script><link rel="stylesheet" href="/assets/index-b.css">',
  'sw.js': 'self.addEventListener("push", () => {})',
  'assets/index-a.js': 'import{x as e}from"./shared-c.js";const t=()=>import("./Settings-d.js");export{e,t}',
  'assets/index-b.css': 'body{margin:0}',
  'assets/node.worker-e.js': 'import{x as e}from"./shared-c.js";import"./deep-f.js";const n=async()=>(await import("./new-device-g.js")).run;export{e,n}',
  'assets/deep-f.js': 'import{y}from"./deeper-h.js";export const z=y',
  'assets/deeper-h.js': 'export const y=1',
  'assets/shared-c.js': 'export const x=2',
  'assets/Settings-d.js': 'export default 3',
  'assets/new-device-g.js': 'import{x}from"./shared-c.js";import{y}from"./deeper-h.js";export const run=x+y',
  'assets/channel-pump.worker-i.js': 'onmessage=()=>{}',
  'assets/reader-j.wasm': '\0asm',
  'assets/notes-k.txt': 'not code'
}

const gz = (name: string): number => gzipSync(FILES[name] ?? '', { level: 9 }).length
const sum = (...names: string[]): number => names.reduce((total, name) => total + gz(name), 0)

describe('bundleSizes', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('counts a worker\'s static imports, through other chunks, as the worker, its import()s as lazy, and shared chunks in each that loads them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-bundle-sizes-'))
    await mkdir(join(dir, 'assets'))
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text)
    expect(await bundleSizes(dir)).toEqual({
      shell: sum('index.html', 'assets/index-a.js', 'assets/index-b.css', 'assets/shared-c.js'),
      worker: sum('assets/node.worker-e.js', 'assets/shared-c.js', 'assets/deep-f.js', 'assets/deeper-h.js'),
      pump: sum('assets/channel-pump.worker-i.js'),
      lazy: sum('assets/Settings-d.js', 'assets/new-device-g.js', 'assets/reader-j.wasm'),
      serviceWorker: sum('sw.js')
    })
  })

  it('says so when a chunk imports something other than a sibling chunk', async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-bundle-sizes-'))
    await mkdir(join(dir, 'assets'))
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text)
    await writeFile(join(dir, 'assets/deep-f.js'), 'import{y}from"/elsewhere/y.js";export const z=y')
    await expect(bundleSizes(dir)).rejects.toThrow('deep-f.js imports /elsewhere/y.js: the bundle sizes know only sibling chunks')
  })
})
