/**
 * The backup's key derivation in Chromium (issue 57, item 4):
 *
 *   backup_kdf_ms      Argon2id at the backup's cost (ARGON2ID_COST: 64 MiB, 3 passes, 1 lane) by the
 *                      app's own module (src/lib/db/backup-argon2.ts, hash-wasm's WebAssembly) in a
 *                      dedicated worker of a quiet page, as the node's worker runs it: median of KDF_RUNS
 *                      after a first run that compiles the WebAssembly
 *   backup_kdf_js_ms   the same cost by the JavaScript fallback (@noble/hashes, for a context without
 *                      WebAssembly): median of JS_RUNS. Why hash-wasm is the one used
 *
 * The module is bundled for the page by esbuild from the sources, so the
 * figure is the code the app runs, without the app around it. A phone-class
 * browser is 3–4 times slower than this machine's Chromium: the cost is
 * chosen for about a second there (src/lib/db/backup-kdf.ts says why).
 */
import { createServer } from 'node:http'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { ARGON2ID_COST } from '../../src/lib/db/backup-kdf.ts'
import { launch, median, print } from './lib.ts'
import type { AddressInfo } from 'node:net'

const KDF_RUNS = 7
const JS_RUNS = 3
const ROOT = resolve(import.meta.dirname, '..', '..')

/** The worker: derives with the implementation asked for, `runs` times, each with a fresh salt, and answers the times in ms. */
const WORKER_ENTRY = `
  import { nobleArgon2id, wasmArgon2id } from './backup-argon2.ts'
  self.onmessage = async ({ data }) => {
    const derive = data.impl === 'wasm' ? wasmArgon2id : nobleArgon2id
    const password = new TextEncoder().encode('wagon-ripple-absurd-mesh-visit-elder-tone')
    const times = []
    try {
      for (let i = 0; i < data.runs; i++) {
        const salt = crypto.getRandomValues(new Uint8Array(16))
        const started = performance.now()
        const key = await derive({ password, salt, ...data.cost, length: 32 })
        times.push(performance.now() - started)
        if (key.length !== 32) throw new Error('a key of ' + key.length + ' bytes')
      }
      self.postMessage({ times })
    } catch (err) {
      self.postMessage({ error: String(err) })
    }
  }
`

async function workerBundle (): Promise<string> {
  const result = await build({
    stdin: { contents: WORKER_ENTRY, resolveDir: join(ROOT, 'src', 'lib', 'db'), loader: 'ts', sourcefile: 'bench-kdf-worker.ts' },
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent'
  })
  const file = result.outputFiles[0]
  if (file === undefined) throw new Error('esbuild made no worker bundle')
  return file.text
}

async function serve (worker: string): Promise<{ url: string, close: () => Promise<void> }> {
  const page = '<!doctype html><meta charset="utf-8"><title>backup kdf</title>'
  const server = createServer((req, res) => {
    const isWorker = req.url === '/kdf-worker.js'
    res.writeHead(200, { 'Content-Type': isWorker ? 'text/javascript' : 'text/html' })
    res.end(isWorker ? worker : page)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => { await new Promise(resolve => { server.close(resolve); server.closeAllConnections() }) }
  }
}

export async function benchBackupKdf (): Promise<void> {
  const app = await serve(await workerBundle())
  const browser = await launch()
  try {
    const page = await (await browser.newContext()).newPage()
    await page.goto(app.url)
    const times = async (impl: 'wasm' | 'js', runs: number): Promise<number[]> => page.evaluate(async ({ impl, runs, cost }) => {
      const worker = new Worker('/kdf-worker.js')
      try {
        return await new Promise<number[]>((resolve, reject) => {
          worker.onmessage = ({ data }: MessageEvent<{ times?: number[], error?: string }>) => {
            if (data.times !== undefined) resolve(data.times)
            else reject(new Error(data.error ?? 'no answer'))
          }
          worker.onerror = (event) => { reject(new Error(event.message)) }
          worker.postMessage({ impl, runs, cost })
        })
      } finally {
        worker.terminate()
      }
    }, { impl, runs, cost: ARGON2ID_COST })
    // the first run compiles the WebAssembly and grows its memory: not counted
    const wasm = (await times('wasm', KDF_RUNS + 1)).slice(1)
    print('backup_kdf_ms', median(wasm), 'ms')
    print('backup_kdf_js_ms', median(await times('js', JS_RUNS)), 'ms')
  } finally {
    await browser.close()
    await app.close()
  }
}
