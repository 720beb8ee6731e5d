/**
 * Vite plugin: kad-dht's routing-table refresh gets its key prefixes from
 * src/lib/p2p/root/kad-prefixes.ts, which finds an entry when asked, instead of
 * kad-dht's table of them (48 KiB of the node worker's gzip; the module says why).
 * If kad-dht's table is ever loaded anyway (its files moved in an upgrade), the
 * build fails rather than ship it quietly.
 */
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

const REPLACEMENT = fileURLToPath(new URL('../../src/lib/p2p/root/kad-prefixes.ts', import.meta.url))
const REFRESH = /[\\/]@libp2p[\\/]kad-dht[\\/]dist[\\/]src[\\/]routing-table[\\/]refresh\.js$/
const TABLE = /[\\/]@libp2p[\\/]kad-dht[\\/]dist[\\/]src[\\/]routing-table[\\/]generated-prefix-list(-browser)?\.js$/

export function kadPrefixes (): Plugin {
  return {
    name: 'parley:kad-prefixes',
    enforce: 'pre',
    resolveId: (source, importer) => source === './generated-prefix-list.js' && importer != null && REFRESH.test(importer) ? REPLACEMENT : undefined,
    load: (id) => {
      if (TABLE.test(id)) throw new Error(`kad-dht's prefix table reached the bundle (${id}): scripts/lib/kad-prefixes-plugin.ts no longer matches kad-dht's files`)
      return undefined
    }
  }
}
