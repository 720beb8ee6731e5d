import { describe, expect, it } from 'vitest'
import { isEmptyShare, MAX_SHARE_BYTES, MAX_SHARE_FILES, MAX_SHARE_TEXT_CHARS, readShareForm } from '../../../src/lib/pwa/pending-share.ts'

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
