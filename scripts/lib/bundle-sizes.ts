/**
 * Gzip sizes of the built app (dist/), split the way a visitor pays for them:
 * the shell (index.html and what it loads), the node worker, the tab's channel
 * pump worker, the chunks loaded on demand (QR code, QR decoder + wasm), and
 * the service worker.
 * `npm run bench` prints them; `npm test` holds them to their budgets.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

export interface BundleSizes {
  /** bytes, gzip level 9 */
  shell: number
  worker: number
  pump: number
  lazy: number
  /** the service worker (dist/sw.js, its precache list included): what a push or a share wakes */
  serviceWorker: number
}

export async function bundleSizes (dist: string): Promise<BundleSizes> {
  const assets = await readdir(join(dist, 'assets'))
  const gz = async (path: string): Promise<number> => gzipSync(await readFile(path), { level: 9 }).length
  const html = await readFile(join(dist, 'index.html'), 'utf8')
  const sizes: BundleSizes = { shell: await gz(join(dist, 'index.html')), worker: 0, pump: 0, lazy: 0, serviceWorker: await gz(join(dist, 'sw.js')) }
  for (const file of assets) {
    const size = await gz(join(dist, 'assets', file))
    if (file.startsWith('node.worker')) sizes.worker += size
    else if (file.startsWith('channel-pump.worker')) sizes.pump += size
    // the shell is what index.html loads; everything else loads on demand (QR scanning, …)
    else if (html.includes(`/assets/${file}`)) sizes.shell += size
    else if (/\.(js|css|wasm)$/.test(file)) sizes.lazy += size
  }
  return sizes
}
