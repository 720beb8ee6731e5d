import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

/** Brand colour: the icons' background and the light theme's accent. */
const THEME_COLOR = '#0f766e'
const BACKGROUND_COLOR = '#ffffff'

/**
 * The libp2p worker bundle is the largest asset (the QR reader's .wasm, about
 * 0.9 MiB, is next); workbox silently skips files over its 2 MiB default,
 * which would break the installed app offline.
 */
const MAX_PRECACHE_FILE_BYTES = 4 * 1024 * 1024

export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'auto',
      // public/ icons are already matched by globPatterns; listing them again duplicates precache entries
      includeManifestIcons: false,
      manifest: {
        name: 'Parley',
        short_name: 'Parley',
        description: 'A peer-to-peer messenger that lives at a URL: no account, no central server.',
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        display: 'standalone',
        start_url: '/',
        scope: '/',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          // the PNGs are full-bleed with the bubble inside the maskable safe zone
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }
        ]
      },
      workbox: {
        // no json: /config.json (runtime settings written by the server) must never be precached;
        // wasm: the QR reader (zxing-wasm), so scanning works offline too
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/config\.json$/],
        runtimeCaching: [
          {
            // always ask the server; nothing is stored, so an edited config takes effect at once
            urlPattern: ({ url }) => url.pathname === '/config.json',
            handler: 'NetworkOnly'
          }
        ]
      }
    })
  ],
  worker: {
    format: 'es'
  },
  build: {
    target: 'es2022'
  }
})
