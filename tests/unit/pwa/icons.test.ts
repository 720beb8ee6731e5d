import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ANY_SIZES, MANIFEST, MASKABLE_SIZES } from '../../../scripts/lib/pwa-manifest.ts'

const PUBLIC = resolve(import.meta.dirname, '..', '..', '..', 'public')
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** Width and height from a PNG's IHDR chunk (the first chunk, right after the signature). */
async function pngSize (src: string): Promise<{ width: number, height: number }> {
  const bytes = await readFile(join(PUBLIC, src))
  expect([...bytes.subarray(0, 8)], `${src} is a PNG`).toEqual(PNG_SIGNATURE)
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

const icons = MANIFEST.icons ?? []
const shortcutIcons = (MANIFEST.shortcuts ?? []).flatMap(s => s.icons ?? [])

describe('manifest icons', () => {
  it('lists every any and maskable size Chromium and launchers ask for', () => {
    const of = (purpose: string): string[] => icons.filter(i => i.purpose === purpose && i.type === 'image/png').map(i => i.sizes ?? '')
    expect(of('any')).toEqual(ANY_SIZES.map(n => `${n}x${n}`))
    expect(of('maskable')).toEqual(MASKABLE_SIZES.map(n => `${n}x${n}`))
    expect(of('any')).toEqual(expect.arrayContaining(['192x192', '512x512']))
  })

  it.each([...icons, ...shortcutIcons].filter(i => i.type === 'image/png'))('$src is a PNG of its declared size $sizes', async (icon) => {
    const [w, h] = (icon.sizes ?? '').split('x').map(Number)
    expect(await pngSize(icon.src.replace(/^\//, ''))).toEqual({ width: w, height: h })
  })

  it('has the apple-touch-icon and favicon index.html links to', async () => {
    expect(await pngSize('apple-touch-icon.png')).toEqual({ width: 180, height: 180 })
    expect(await pngSize('favicon-32.png')).toEqual({ width: 32, height: 32 })
    expect(await readFile(join(PUBLIC, 'favicon.svg'), 'utf8')).toMatch(/^<svg /)
  })

  it('declares the fields installability needs, the shortcuts and the share target', () => {
    expect(MANIFEST).toMatchObject({
      name: 'Parley',
      short_name: 'Parley',
      id: '/',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      lang: 'en'
    })
    expect(MANIFEST.shortcuts?.map(s => s.url)).toEqual(['/#/add', '/#/invite'])
    expect(MANIFEST.share_target).toEqual({
      action: '/share-target',
      method: 'POST',
      enctype: 'multipart/form-data',
      params: { title: 'title', text: 'text', url: 'url', files: [{ name: 'files', accept: ['*/*'] }] }
    })
  })
})
