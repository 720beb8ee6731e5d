import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStaticServer, type StaticServer } from '../../scripts/lib/serve.ts'
import { personContext } from '../support/person.ts'
import { readRows } from '../support/page-db.ts'
import { expect, relayAddresses, test } from './fixtures.ts'
import { attach, expectFileState, randomFile, randomPng, saveFile, sha256Hex } from './helpers/files.ts'
import { befriend, openScreen } from './helpers/parley.ts'
import type { Person } from './fixtures.ts'

/**
 * A browser that can keep no file on the device, as WebKit in a private
 * window is: no OPFS, and an IndexedDB that refuses Blobs. Made here from
 * Chromium by a script that runs first in the page and in the node's
 * SharedWorker (tests/support/shared-worker-script.ts). Files still move
 * both ways while the app is open, kept in memory, and the app says so.
 */

const NO_FILE_STORAGE = `(() => {
  const storage = globalThis.StorageManager?.prototype
  if (storage !== undefined) delete storage.getDirectory
  const hasBlob = (value, depth) => {
    if (value instanceof Blob) return true
    if (depth > 4 || value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false
    return Object.values(value).some((v) => hasBlob(v, depth + 1))
  }
  for (const name of ['put', 'add']) {
    const original = IDBObjectStore.prototype[name]
    IDBObjectStore.prototype[name] = function (value, ...rest) {
      if (hasBlob(value, 0)) throw new DOMException('Blobs are not supported here.', 'DataCloneError')
      return original.call(this, value, ...rest)
    }
  }
})()`

const MIB = 1024 * 1024
const NOTICE = /This browser cannot keep files on this device: files you send and receive are kept only while Parley is open, at most 256 MiB at a time\./

/** A copy of the built app whose node worker runs `prelude` before anything else, served on its own port. */
async function appWithWorkerPrelude (dir: string, prelude: string, relays: string[]): Promise<StaticServer> {
  await cp('dist', dir, { recursive: true })
  const assets = join(dir, 'assets')
  const worker = (await readdir(assets)).find((name) => /^node\.worker-.*\.js$/.test(name))
  if (worker === undefined) throw new Error('no node worker in dist/assets: build the app first')
  await writeFile(join(assets, worker), `${prelude};\n${await readFile(join(assets, worker), 'utf8')}`)
  return startStaticServer({ root: dir, config: { relays, iceServers: [] } })
}

test.describe('a browser that can keep no files on the device', () => {
  let alice: Person
  let server: StaticServer
  let dir = ''

  test.beforeEach(async ({ browser, relay }) => {
    dir = await mkdtemp(join(tmpdir(), 'parley-memory-files-'))
    server = await appWithWorkerPrelude(join(dir, 'app'), NO_FILE_STORAGE, relayAddresses(relay, 'ws'))
    const context = await personContext(browser)
    await context.addInitScript(NO_FILE_STORAGE)
    const page = await context.newPage()
    await page.goto(server.url)
    alice = { context, page, newTab: async () => { throw new Error('one tab is enough here') } }
  })

  test.afterEach(async () => {
    await alice.context.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('files move both ways, kept in memory; the chat and the Network panel say so', async ({ bob }) => {
    await befriend(alice.page, bob.page)
    await expect(alice.page.getByTestId('files-in-memory')).toHaveText(NOTICE)
    await expect(bob.page.getByTestId('files-in-memory')).toHaveCount(0)

    const original = await randomFile(join(dir, 'to-alice.bin'), 2 * MIB)
    await attach(bob.page, join(dir, 'to-alice.bin'))
    await expectFileState(alice.page, 'to-alice.bin', 'complete')
    expect(sha256Hex(await saveFile(alice.page, 'to-alice.bin'))).toBe(original)

    const png = randomPng(64, 48)
    await attach(alice.page, { name: 'from-alice.png', mimeType: 'image/png', buffer: png })
    await expectFileState(bob.page, 'from-alice.png', 'complete')
    expect(sha256Hex(await saveFile(bob.page, 'from-alice.png'))).toBe(sha256Hex(png))

    // nothing of either file is in Alice's IndexedDB
    expect(await readRows(alice.page, 'fileChunks')).toEqual([])
    expect(await readRows(alice.page, 'fileSources')).toEqual([])

    await openScreen(alice.page, 'Network')
    await expect(alice.page.getByTestId('files-in-memory')).toHaveText(NOTICE)
  })
})
