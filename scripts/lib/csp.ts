/**
 * Parley's Content-Security-Policy, in one place: the build writes it into
 * index.html as a <meta http-equiv> (the {@link cspMeta} Vite plugin), and the
 * static server (serve.ts, used by `npm start` and the e2e fixtures) sends it
 * as a header, plus `frame-ancestors 'none'`, which only a header can carry.
 *
 * Why each source is allowed:
 * - script-src 'wasm-unsafe-eval': the QR reader (zxing-wasm) and the node worker's
 *   whole-file SHA-256 (hash-wasm; JavaScript without it) compile WebAssembly; no 'unsafe-eval', no inline scripts (vite-plugin-pwa registers from /registerSW.js).
 * - style-src 'self' only: Svelte's CSS is emitted to files, and `style:` directives
 *   set properties through the CSSOM (`element.style`), which CSP does not govern.
 * - img-src blob: data:: file thumbnails and previews are object URLs.
 * - connect-src ws: wss: https:: relays and WebTransport addresses are user-configured.
 *
 * The dev server gets no policy: Vite injects CSS as <style> elements in dev.
 */
import type { Plugin } from 'vite'

const DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  ['style-src', "'self'"],
  ['img-src', "'self' blob: data:"],
  ['media-src', "'self' blob:"],
  ['font-src', "'self'"],
  ['connect-src', "'self' ws: wss: https:"],
  ['worker-src', "'self'"],
  ['manifest-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'self'"]
]

/** The policy as the page's <meta http-equiv="Content-Security-Policy"> states it. */
export const CSP_META_POLICY = DIRECTIVES.map(([name, value]) => `${name} ${value}`).join('; ')

/** The policy as the server's header states it: the same, and no framing. */
export const CSP_HEADER_POLICY = `${CSP_META_POLICY}; frame-ancestors 'none'`

/** Vite plugin: adds the policy's <meta> to the built index.html (build only). */
export function cspMeta (): Plugin {
  return {
    name: 'parley-csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [{
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META_POLICY },
        injectTo: 'head-prepend'
      }]
    }
  }
}
