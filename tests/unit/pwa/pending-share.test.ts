import { describe, expect, it } from 'vitest'
import { isEmptyShare, MAX_SHARE_BYTES, MAX_SHARE_FILES, MAX_SHARE_TEXT_CHARS, readPendingShare, readShareForm, SHARE_CACHE } from '../../../src/lib/pwa/pending-share.ts'

function form (fields: Record<string, string>, files: File[] = []): FormData {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) data.append(name, value)
  for (const file of files) data.append('files', file)
  return data
}

describe('readShareForm', () => {
  it('keeps the title, text, link and files of a share', () => {
    const photo = new File([new Uint8Array(10)], 'photo.jpg', { type: 'image/jpeg' })
    const { meta, files } = readShareForm(form({ title: 'T', text: 'hello', url: 'https://example.org/' }, [photo]), 5)
    expect(meta).toEqual({
      at: 5,
      title: 'T',
      text: 'hello',
      url: 'https://example.org/',
      files: [{ name: 'photo.jpg', type: 'image/jpeg', size: 10 }]
    })
    expect(files).toEqual([photo])
  })

  it('ignores the empty file part a share sheet sends with text only', () => {
    const { meta } = readShareForm(form({ text: 'just text' }, [new File([], '')]))
    expect(meta.files).toEqual([])
    expect(meta.problem).toBeUndefined()
  })

  it('cuts overlong text fields', () => {
    const { meta } = readShareForm(form({ text: 'x'.repeat(MAX_SHARE_TEXT_CHARS + 10) }))
    expect(meta.text).toHaveLength(MAX_SHARE_TEXT_CHARS)
  })

  it('refuses more than MAX_SHARE_FILES files, keeping none', () => {
    const many = Array.from({ length: MAX_SHARE_FILES + 1 }, (_, i) => new File(['a'], `f${i}.txt`))
    const { meta, files } = readShareForm(form({ text: 'x' }, many))
    expect(meta.problem).toBe('too-many-files')
    expect(meta.files).toEqual([])
    expect(files).toEqual([])
  })

  it('refuses files over MAX_SHARE_BYTES together, keeping none', () => {
    const big = new File([new Uint8Array(MAX_SHARE_BYTES / 2 + 1)], 'a.bin')
    const { meta, files } = readShareForm(form({}, [big, new File([new Uint8Array(MAX_SHARE_BYTES / 2)], 'b.bin')]))
    expect(meta.problem).toBe('too-large')
    expect(files).toEqual([])
  })

  it('tells an empty share', () => {
    expect(isEmptyShare(readShareForm(form({ title: ' ', text: '' })).meta)).toBe(true)
    expect(isEmptyShare(readShareForm(form({ url: 'https://a.example/' })).meta)).toBe(false)
  })
})

describe('readPendingShare', () => {
  /** Cache Storage holding the description `meta` and one file at index 0. */
  function storage (meta: string): CacheStorage {
    const entries = new Map<string, string>([['/__parley/pending-share/meta.json', meta], ['/__parley/pending-share/file/0', 'bytes']])
    const cache = { match: async (url: string) => { const body = entries.get(url); return body === undefined ? undefined : new Response(body) } }
    return { has: async (name: string) => name === SHARE_CACHE, open: async () => cache } as unknown as CacheStorage
  }

  it('reads a damaged file entry as no share (found by fuzzing: it threw a TypeError)', async () => {
    for (const files of [[null], [1], [{ name: 'a' }], [{ name: 1, type: '', size: 0 }]]) {
      expect(await readPendingShare(storage(JSON.stringify({ at: 0, title: '', text: '', url: '', files })))).toBeUndefined()
    }
    const share = await readPendingShare(storage(JSON.stringify({ at: 0, title: '', text: '', url: '', files: [{ name: 'a.txt', type: 'text/plain', size: 5 }] })))
    expect(share?.files.map(f => f.name)).toEqual(['a.txt'])
  })
})
