/**
 * The static server of `npm start` and the e2e tests (scripts/lib/serve.ts):
 * which requests it answers with the app shell, and which with a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStaticServer, type StaticServer } from '../../../scripts/lib/serve.ts'

const SHELL = '<!doctype html><title>Parley</title>'
let dir: string
let server: StaticServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-serve-'))
  await mkdir(join(dir, 'assets'))
  await writeFile(join(dir, 'index.html'), SHELL)
  await writeFile(join(dir, 'assets', 'app.js'), 'export {}')
  server = await startStaticServer({ root: dir, config: { relays: [], iceServers: [] } })
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

/** A GET with node:http (fetch sets its own Fetch Metadata: `Sec-Fetch-Mode: cors`), as a browser sends it for a page or for a file. */
async function get (path: string, navigate: boolean): Promise<{ status: number, body: string }> {
  const headers = navigate ? { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document', Accept: 'text/html' } : { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' }
  return await new Promise((resolve, reject) => {
    request(new URL(path, server.url), { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }) })
    }).on('error', reject).end()
  })
}

describe('the static server', () => {
  it('serves files as they are, and the app shell for a route without an extension', async () => {
    expect(await get('/assets/app.js', false)).toEqual({ status: 200, body: 'export {}' })
    expect(await get('/chat/12', false)).toEqual({ status: 200, body: SHELL })
  })

  it('answers a page the browser opens with the app shell, even when its last segment has a dot: an invite link whose # was encoded into the path', async () => {
    const route = '#/c/12D3KooWDVuRLcfWFKpgj58NoipXKfNsbvhpk3SofMza4LR6J5U3/QWxpY2U.5NK8w7'
    expect(await get(`/${encodeURIComponent(route)}`, true)).toEqual({ status: 200, body: SHELL })
    expect(await get(`/${encodeURIComponent(encodeURIComponent(route))}`, true)).toEqual({ status: 200, body: SHELL })
  })

  it('still answers 404 for a missing file, asked for by a script or opened as a page', async () => {
    expect((await get('/assets/missing-abc123.js', false)).status).toBe(404)
    expect((await get('/QWxpY2U.5NK8w7', false)).status).toBe(404)
    expect((await get(`/${encodeURIComponent('#/c/x/QWxpY2U.5NK8w7')}`, false)).status).toBe(404)
    // the e2e tests' page of the origin that is not the app (tests/support/origin-snapshot.ts)
    expect(await get('/__parley-test-storage.txt', true)).toEqual({ status: 404, body: 'Not Found' })
  })
})
