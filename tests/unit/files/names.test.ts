import { describe, expect, it } from 'vitest'
import {
  FALLBACK_FILE_NAME, givenNameIfChanged, MAX_FILE_NAME_BYTES, MAX_GIVEN_NAME_CHARS, sanitizeFileName, sanitizeMime, UNKNOWN_MIME
} from '../../../src/lib/files/names.ts'

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).byteLength

/** What every sanitised name must be, whatever the input. */
function expectSafe (name: string): void {
  expect(name).not.toMatch(/[/\\<>:"|?*]/)
  expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/)
  expect(name).not.toMatch(/^[. ]|[. ]$/)
  expect(name.length).toBeGreaterThan(0)
  expect(utf8Bytes(name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES)
  expect(name).toBe(name.normalize('NFC'))
  expect(name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
}

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', '_.._etc_passwd'],
    ['C:\\Windows\\evil.exe', 'C__Windows_evil.exe'],
    ['a<b>c:d"e|f?g*h.txt', 'a_b_c_d_e_f_g_h.txt'],
    ['report.pdf', 'report.pdf'],
    ['  .hidden  ', 'hidden'],
    ['name.', 'name'],
    ['.bashrc', 'bashrc'],
    ['Отчёт за май.docx', 'Отчёт за май.docx'],
    ['🎉 party 👨‍👩‍👧.png', '🎉 party 👨‍👩‍👧.png'],
    ['e\u0301te\u0301.txt', 'été.txt'],
    ['nul\u0000byte\u0000.txt', 'nulbyte.txt'],
    ['tab\there\nnewline\u007f\u0085.txt', 'tabherenewline.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['\u2066isolated\u2069\u200e\u200f.txt', 'isolated.txt'],
    ['lone \ud800 surrogate.txt', 'lone \ufffd surrogate.txt']
  ])('%j → %j', (input, expected) => {
    const out = sanitizeFileName(input)
    expect(out).toBe(expected)
    expectSafe(out)
  })

  it.each(['CON', 'con.txt', 'PRN.tar.gz', 'aux', 'Nul.log', 'COM1', 'com9.txt', 'LPT3.doc', 'COM¹.txt', 'CON .txt'])(
    'renames the Windows device name %j', (input) => {
      const out = sanitizeFileName(input)
      expect(out).toBe(`_${input}`)
      expectSafe(out)
    })

  it.each(['CONSOLE.txt', 'COM0', 'LPT10', 'icon.png', 'auxiliary'])('leaves %j, which is not a device name', (input) => {
    expect(sanitizeFileName(input)).toBe(input)
  })

  it.each(['', '...', '. . .', '   ', '\u0000\u0001', '\u202e', '..'])('falls back to "file" for %j', (input) => {
    expect(sanitizeFileName(input)).toBe(FALLBACK_FILE_NAME)
  })

  it('bounds a long name to 255 UTF-8 bytes and keeps its extension', () => {
    const out = sanitizeFileName(`${'a'.repeat(1000)}.tar.gz`)
    expect(utf8Bytes(out)).toBe(MAX_FILE_NAME_BYTES)
    expect(out).toBe(`${'a'.repeat(MAX_FILE_NAME_BYTES - 3)}.gz`)
    expectSafe(out)
  })

  it('cuts multi-byte names between code points, never inside a surrogate pair or a UTF-8 sequence', () => {
    const emoji = sanitizeFileName(`${'😀'.repeat(100)}.jpeg`)
    expect(emoji).toBe(`${'😀'.repeat(62)}.jpeg`) // 62 × 4 + 5 = 253 bytes; a 63rd would not fit
    expectSafe(emoji)

    const cyrillic = sanitizeFileName('ж'.repeat(300))
    expect(cyrillic).toBe('ж'.repeat(127)) // 2 bytes each, no extension
    expectSafe(cyrillic)
  })

  it('does not keep an extension longer than 16 characters', () => {
    const out = sanitizeFileName(`${'a'.repeat(300)}.${'x'.repeat(17)}`)
    expect(out).toBe('a'.repeat(MAX_FILE_NAME_BYTES))
    expectSafe(out)
  })

  it('strips dots and spaces left at the end by shortening', () => {
    const out = sanitizeFileName(`${'a'.repeat(253)}  ${'b'.repeat(10)}`)
    expect(out).toBe('a'.repeat(253))
    expectSafe(out)
  })

  it('is idempotent', () => {
    for (const input of ['../../etc/passwd', 'CON.txt', `${'é'.repeat(300)}.txt`, 'a\u202eb.exe', '...x...']) {
      const once = sanitizeFileName(input)
      expect(sanitizeFileName(once)).toBe(once)
    }
  })
})

describe('givenNameIfChanged', () => {
  const check = (given: string): string | undefined => givenNameIfChanged(given, sanitizeFileName(given))

  it('is the given name when making it safe changed it', () => {
    expect(check('report:final.pdf')).toBe('report:final.pdf')
    expect(check('../../etc/passwd')).toBe('../../etc/passwd')
    expect(check('CON.txt')).toBe('CON.txt')
    expect(check('invoice\u202Efdp.exe')).toBe('invoice\u202Efdp.exe')
    expect(check('')).toBe('')
  })

  it('is undefined when the name went as it was, or only its Unicode form changed', () => {
    expect(check('report.pdf')).toBeUndefined()
    expect(check('фото отпуска.jpg')).toBeUndefined()
    // "é" as e + combining acute (as macOS names files) is the same name in NFC
    expect(check('cafe\u0301.txt')).toBeUndefined()
  })

  it('keeps at most MAX_GIVEN_NAME_CHARS characters, whole', () => {
    const long = '😀'.repeat(MAX_GIVEN_NAME_CHARS + 10) + '.txt'
    const kept = check(long)
    expect([...kept ?? '']).toHaveLength(MAX_GIVEN_NAME_CHARS)
    expect(kept).toBe('😀'.repeat(MAX_GIVEN_NAME_CHARS))
  })
})

describe('sanitizeMime', () => {
  it.each([
    ['image/png', 'image/png'],
    ['Text/HTML; charset=UTF-8', 'text/html'],
    ['  application/vnd.openxmlformats-officedocument.wordprocessingml.document ', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['image/svg+xml', 'image/svg+xml'],
    ['', UNKNOWN_MIME],
    ['image', UNKNOWN_MIME],
    ['image/', UNKNOWN_MIME],
    ['/png', UNKNOWN_MIME],
    ['image/png/x', UNKNOWN_MIME],
    ['image/p ng', UNKNOWN_MIME],
    ['text/html\u0000', UNKNOWN_MIME],
    ['ímage/png', UNKNOWN_MIME],
    [`image/${'x'.repeat(200)}`, UNKNOWN_MIME]
  ])('%j → %j', (input, expected) => {
    expect(sanitizeMime(input)).toBe(expected)
  })
})
