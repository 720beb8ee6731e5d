import { svelte } from '@sveltejs/vite-plugin-svelte'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { MANIFEST } from './scripts/lib/pwa-manifest.ts'
import { cspMeta } from './scripts/lib/csp.ts'
import { contractTimeouts } from './scripts/lib/contract-timeouts.ts'
import { PROTOCOL_ALIAS } from './scripts/lib/protocol-alias.ts'
import { kadPrefixes } from './scripts/lib/kad-prefixes-plugin.ts'
import { buildTimeMs } from './scripts/lib/build-time.ts'
import { precacheHashes } from './scripts/lib/precache-hashes.ts'

/**
 * The libp2p worker bundle is the largest asset (the QR reader's .wasm, about
 * 0.9 MiB, is next); workbox silently skips files over its 2 MiB default,
 * which would break the installed app offline.
 */
const MAX_PRECACHE_FILE_BYTES = 4 * 1024 * 1024

/**
 * This build's time: the node's worker compares it with other running nodes'
 * so that an older worker steps down for a newer one (p2p/kernel/writer-lock.ts).
 * Read from the source, so that a build is reproducible (issue 61).
 */
const BUILD_TIME_MS = buildTimeMs()

/** Where this build writes (`--outDir` included), for the precache list's hashes. */
let outDir = 'dist'

export default defineConfig({
  define: {
    __PARLEY_BUILD__: JSON.stringify(BUILD_TIME_MS)
  },
  resolve: {
    alias: [PROTOCOL_ALIAS]
  },
  plugins: [
    // no svelte.config.js: the defaults (and vitest's own) are what the app uses
    svelte({ configFile: false }),
    // the node contract's timeouts for the tab's RPC client (the schemas stay in the worker)
    contractTimeouts(),
    // the Content-Security-Policy <meta> in the built index.html (scripts/lib/csp.ts)
    cspMeta(),
    { name: 'parley-out-dir', configResolved (config) { outDir = resolve(config.root, config.build.outDir) } },
    VitePWA({
      // our own service worker (src/sw.ts): precaching plus the share target and notification clicks
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // a new version waits for the user's Reload (lib/state/pwa.svelte.ts registers it)
      registerType: 'prompt',
      injectRegister: false,
      // public/ icons are already matched by globPatterns; listing them again duplicates precache entries
      includeManifestIcons: false,
      // manifest fields, icons, shortcuts and share target: scripts/lib/pwa-manifest.ts
      manifest: MANIFEST,
      injectManifest: {
        // one classic script (workbox and our modules inlined, registered without type: 'module', which
        // Firefox does not take for service workers); 'es' gave the same file through a deprecated option
        rollupFormat: 'iife',
        // no json: /config.json (runtime settings written by the server) must never be precached;
        // wasm: the QR reader (zxing-wasm), so scanning works offline too
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
        // each file's SHA-256, which the worker checks what it fetches against (src/lib/pwa/release-guard.ts)
        manifestTransforms: [precacheHashes(() => outDir)]
      }
    })
  ],
  worker: {
    format: 'es',
    // kad-dht's key prefixes found when asked, not shipped (src/lib/p2p/root/kad-prefixes.ts)
    plugins: () => [kadPrefixes()],
    rolldownOptions: { checks: { bundlerTimings: false } }
  },
  build: {
    target: 'es2022',
    rolldownOptions: {
      // the "significant time in plugins" table: on a busy machine it prints for an ordinary
      // build and reads as a failure; `npm run bench -- --only bundle` keeps the sizes honest
      checks: { bundlerTimings: false }
    }
  }
})
