/**
 * Gzip sizes of the built app (dist/), split the way a visitor pays for them:
 * the shell (index.html and what it loads), the node worker, the tab's channel
 * pump worker, the chunks loaded on demand (QR code, QR decoder + wasm, the
 * lazy screens, the worker's link and backup code), and the service worker.
 * A worker is its entry file and every chunk that file imports statically,
 * directly or through another (the chunks a worker shares with its own lazy
 * code are split off by the bundler, but load with the worker all the same).
 * `npm run bench` prints them; `npm test` holds them to their budgets.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { init, parse } from 'es-module-lexer'

export interface BundleSizes {
  /** bytes, gzip level 9 */
  shell: number
  worker: number
  pump: number
  lazy: number
  /** the service worker (dist/sw.js, its precache list included): what a push or a share wakes */
  serviceWorker: number
}

/** The files of assets/ that `entries` import statically (`import … from './x.js'`), the entries included; not `import()`. */
async function staticClosure (assets: string, entries: readonly string[]): Promise<Set<string>> {
  await init
  const seen = new Set<string>()
  const todo = [...entries]
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue
    seen.add(file)
    if (!file.endsWith('.js')) continue
    const [imports] = parse(await readFile(join(assets, file), 'utf8'), file)
    for (const { n: name, d: dynamic } of imports) {
      // d is -1 for a static import, -2 for import.meta, the position of its argument for import()
      if (dynamic !== -1 || name === undefined) continue
      if (!name.startsWith('./')) throw new Error(`${file} imports ${name}: the bundle sizes know only sibling chunks`)
      todo.push(name.slice(2))
    }
  }
  return seen
}

export async function bundleSizes (dist: string): Promise<BundleSizes> {
  const assetsDir = join(dist, 'assets')
  const assets = await readdir(assetsDir)
  const gz = async (path: string): Promise<number> => gzipSync(await readFile(path), { level: 9 }).length
  const html = await readFile(join(dist, 'index.html'), 'utf8')
  const entry = (prefix: string): string[] => assets.filter(file => file.startsWith(prefix) && file.endsWith('.js'))
  // the shell is what index.html loads (its module preloads list the entry's static imports) and what that imports
  const shell = await staticClosure(assetsDir, assets.filter(file => html.includes(`/assets/${file}`)))
  const worker = await staticClosure(assetsDir, entry('node.worker'))
  const pump = await staticClosure(assetsDir, entry('channel-pump.worker'))
  const sizes: BundleSizes = { shell: await gz(join(dist, 'index.html')), worker: 0, pump: 0, lazy: 0, serviceWorker: await gz(join(dist, 'sw.js')) }
  for (const file of assets) {
    if (!shell.has(file) && !/\.(js|css|wasm)$/.test(file)) continue
    const size = await gz(join(assetsDir, file))
    // a chunk the shell and a worker share counts in each: each loads it
    if (shell.has(file)) sizes.shell += size
    if (worker.has(file)) sizes.worker += size
    if (pump.has(file)) sizes.pump += size
    if (!shell.has(file) && !worker.has(file) && !pump.has(file)) sizes.lazy += size
  }
  return sizes
}
