import '../../support/russian.ts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MessageId, TransferRow, TransferState } from '../../../src/lib/db/types.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import {
  MAX_RATE_SAMPLES,
  RATE_WINDOW_MS,
  createRateMeter,
  formatBytes,
  formatEta,
  formatPercent,
  formatSpeed,
  isUnfinished,
  percentOf,
  transferLabel,
  transferLabelTemplate
} from '../../../src/lib/ui/transfer-progress.ts'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

function transfer (state: TransferState, direction: 'in' | 'out', extra: Partial<TransferRow> = {}): TransferRow {
  return {
    id: '01J00000000000000000000000' as MessageId,
    contactId: 1,
    direction,
    name: 'photo.jpg',
    size: 10 * MiB,
    mime: 'image/jpeg',
    sha256: 'a'.repeat(64),
    chunkSize: 256 * KiB,
    chunkCount: 40,
    state,
    have: new Uint8Array(5),
    chunksDone: 0,
    bytesDone: 0,
    requests: new Uint8Array(40),
    resumes: 0,
    store: 'idb',
    createdAt: 0,
    updatedAt: 0,
    ...extra
  }
}

describe('createRateMeter', () => {
  it('knows no speed or ETA before two samples', () => {
    const meter = createRateMeter()
    expect(meter.speed()).toBeUndefined()
    expect(meter.eta(MiB)).toBeUndefined()
    meter.sample(1_000, 0)
    expect(meter.speed()).toBeUndefined()
    expect(meter.eta(MiB)).toBeUndefined()
  })

  it('measures a steady rate and the time left', () => {
    const meter = createRateMeter()
    // 100 KiB every 100 ms: 1000 KiB/s
    for (let i = 0; i <= 20; i++) meter.sample(i * 100, i * 100 * KiB)
    expect(meter.speed()).toBeCloseTo(1000 * KiB)
    // 2000 KiB done of 5000 KiB: 3 s left
    expect(meter.eta(5000 * KiB)).toBe(3)
  })

  it('averages over the last window only, so it follows a change of speed', () => {
    const meter = createRateMeter()
    // 10 s at 100 KiB/s, then 4 s at 1 MiB/s
    let bytes = 0
    for (let t = 0; t <= 10_000; t += 500) meter.sample(t, bytes = t / 1000 * 100 * KiB)
    expect(meter.speed()).toBeCloseTo(100 * KiB)
    for (let t = 10_500; t <= 14_000; t += 500) meter.sample(t, bytes += MiB / 2)
    expect(meter.speed()).toBeCloseTo(MiB)
  })

  it('spans the whole window when samples are sparse', () => {
    const meter = createRateMeter()
    meter.sample(0, 0)
    meter.sample(5_000, 5 * MiB)
    // one sample older than the window is kept as the anchor
    expect(meter.speed()).toBeCloseTo(MiB)
  })

  it('smooths bursts within the window', () => {
    const meter = createRateMeter()
    // chunks of 256 KiB arrive in bursts: nothing for 900 ms, then four at once
    let bytes = 0
    for (let t = 0; t <= 3_000; t += 1_000) {
      meter.sample(t, bytes)
      meter.sample(t + 10, bytes += MiB)
    }
    const speed = meter.speed() ?? 0
    expect(speed).toBeGreaterThan(0.9 * MiB)
    expect(speed).toBeLessThan(1.5 * MiB)
  })

  it('says 0 and no ETA when nothing moved within the window (a stall)', () => {
    const meter = createRateMeter()
    meter.sample(0, 0)
    meter.sample(1_000, MiB)
    for (let t = 2_000; t <= 2_000 + RATE_WINDOW_MS + 1_000; t += 1_000) meter.sample(t, MiB)
    expect(meter.speed()).toBe(0)
    expect(meter.eta(10 * MiB)).toBeUndefined()
  })

  it('keeps a bounded number of samples', () => {
    const meter = createRateMeter({ windowMs: 1_000_000 })
    // 1 KiB/s for a while, then 2 KiB/s for more than MAX_RATE_SAMPLES samples: the old ones fall out
    let bytes = 0
    for (let t = 0; t < 100; t++) meter.sample(t * 1_000, bytes += KiB)
    for (let t = 100; t < 100 + MAX_RATE_SAMPLES + 5; t++) meter.sample(t * 1_000, bytes += 2 * KiB)
    expect(meter.speed()).toBeCloseTo(2 * KiB)
  })

  it('ignores samples from the past and restarts when the bytes go back', () => {
    const meter = createRateMeter()
    meter.sample(1_000, 0)
    meter.sample(2_000, MiB)
    meter.sample(1_500, 100 * MiB)
    expect(meter.speed()).toBeCloseTo(MiB)

    meter.sample(3_000, 0)
    expect(meter.speed()).toBeUndefined()
    meter.sample(4_000, 2 * MiB)
    expect(meter.speed()).toBeCloseTo(2 * MiB)
  })

  it('replaces a sample taken at the same time, and ignores non-numbers', () => {
    const meter = createRateMeter()
    meter.sample(0, 0)
    meter.sample(1_000, MiB)
    meter.sample(1_000, 2 * MiB)
    meter.sample(Number.NaN, 50 * MiB)
    meter.sample(1_500, Number.POSITIVE_INFINITY)
    expect(meter.speed()).toBeCloseTo(2 * MiB)
  })

  it('gives an ETA of 0 once everything is done (even when more was served than the size)', () => {
    const meter = createRateMeter()
    meter.sample(0, 0)
    meter.sample(1_000, 12 * MiB)
    expect(meter.eta(10 * MiB)).toBe(0)
  })

  it('forgets everything on reset', () => {
    const meter = createRateMeter()
    meter.sample(0, 0)
    meter.sample(1_000, MiB)
    meter.reset()
    expect(meter.speed()).toBeUndefined()
    expect(meter.eta(10 * MiB)).toBeUndefined()
  })
})

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10 * KiB, '10 KiB'],
    [256 * KiB + 300, '256 KiB'],
    [1023.7 * KiB, '1 MiB'],
    [MiB, '1 MiB'],
    [9.94 * MiB, '9.9 MiB'],
    [9.96 * MiB, '10 MiB'],
    [700 * MiB, '700 MiB'],
    [3.2 * GiB, '3.2 GiB'],
    [4 * GiB, '4 GiB'],
    [2048 * GiB, '2 TiB']
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })

  it('shows nonsense as 0 B', () => {
    expect(formatBytes(-5)).toBe('0 B')
    expect(formatBytes(Number.NaN)).toBe('0 B')
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('0 B')
  })

  it('rounds fractional bytes', () => {
    expect(formatBytes(512.4)).toBe('512 B')
  })
})

describe('formatSpeed', () => {
  it('is a size per second', () => {
    expect(formatSpeed(1.5 * MiB)).toBe('1.5 MiB/s')
    expect(formatSpeed(300)).toBe('300 B/s')
  })

  it('is empty when unknown or stalled', () => {
    expect(formatSpeed(undefined)).toBe('')
    expect(formatSpeed(0)).toBe('')
    expect(formatSpeed(-1)).toBe('')
    expect(formatSpeed(Number.NaN)).toBe('')
  })
})

describe('formatEta', () => {
  it.each([
    [0, '0 s'],
    [0.2, '1 s'],
    [12, '12 s'],
    [59, '59 s'],
    [59.5, '1 min'],
    [60, '1 min'],
    [89, '1 min'],
    [90, '2 min'],
    [180, '3 min'],
    [3569, '59 min'],
    [3570, '1 h'],
    [3600, '1 h'],
    [3900, '1 h 5 min'],
    [7170, '2 h'],
    [26 * 3600 + 60, '26 h 1 min']
  ])('%d s is %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text)
  })

  it('is empty when unknown', () => {
    expect(formatEta(undefined)).toBe('')
    expect(formatEta(-1)).toBe('')
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('')
  })
})

describe('percentOf', () => {
  it('is a whole percent, rounded down so 100 means done', () => {
    expect(percentOf(0, 1000)).toBe(0)
    expect(percentOf(1, 1000)).toBe(0)
    expect(percentOf(425, 1000)).toBe(42)
    expect(percentOf(999, 1000)).toBe(99)
    expect(percentOf(1000, 1000)).toBe(100)
  })

  it('never passes 100 (a sender serves more after resumes) nor goes below 0', () => {
    expect(percentOf(2500, 1000)).toBe(100)
    expect(percentOf(-3, 1000)).toBe(0)
    expect(percentOf(Number.NaN, 1000)).toBe(0)
  })

  it('counts a 0-byte file as 100 once complete, 0 before', () => {
    expect(percentOf(0, 0)).toBe(0)
    expect(percentOf(0, 0, true)).toBe(100)
  })

  it('is 100 when complete, whatever the counters say', () => {
    expect(percentOf(0, 1000, true)).toBe(100)
  })
})

describe('transferLabel', () => {
  const CASES: Array<[TransferState, 'in' | 'out', Partial<TransferRow>, 'direct' | 'relayed' | undefined, string]> = [
    ['preparing', 'out', {}, 'direct', 'Preparing…'],
    ['waiting', 'out', {}, undefined, 'Waiting for Alice to come online'],
    ['waiting', 'out', {}, 'relayed', 'Waiting for Alice to download it'],
    ['waiting', 'in', {}, undefined, 'Waiting for Alice to come online'],
    ['waiting', 'in', {}, 'direct', 'Waiting for other downloads to finish'],
    ['waiting-direct', 'in', {}, 'relayed', 'Waiting for a direct connection'],
    ['waiting-direct', 'in', {}, undefined, 'Waiting for a direct connection'],
    ['active', 'out', {}, 'direct', 'Sending'],
    ['active', 'in', {}, 'relayed', 'Receiving'],
    ['verifying', 'in', {}, 'direct', 'Checking the file…'],
    ['complete', 'out', {}, 'direct', 'Sent'],
    ['complete', 'in', {}, undefined, 'Received'],
    ['cancelled', 'out', { cancelledBy: 'me' }, 'direct', 'Cancelled by you'],
    ['cancelled', 'in', { cancelledBy: 'peer' }, 'direct', 'Cancelled by Alice'],
    ['cancelled', 'in', {}, 'direct', 'Cancelled'],
    ['failed', 'in', { problem: { code: 'fileCorrupt', params: {} } }, 'direct', 'Failed: The received file is damaged: its content does not match its checksum.'],
    ['failed', 'in', { problem: { code: 'fileOverLimit', params: { size: 3 * 1024 ** 3, max: 2 * 1024 ** 3 } } }, undefined, 'Failed: This file is 3 GiB, over the 2 GiB this app accepts.'],
    ['failed', 'out', { problem: { code: 'fileFailedEarlier', params: { reason: 'The file did not match its hash' } } }, 'direct', 'Failed: The file did not match its hash'],
    ['failed', 'out', { problem: { code: 'fileFailedEarlier', params: { reason: '  ' } } }, undefined, 'Failed'],
    ['failed', 'out', {}, undefined, 'Failed']
  ]

  it.each(CASES)('%s, %s, %o, path %s: "%s"', (state, direction, extra, path, text) => {
    expect(transferLabel(transfer(state, direction, extra), 'Alice', path)).toBe(text)
  })

  it('has words for every state in both directions', () => {
    const states: TransferState[] = ['preparing', 'waiting', 'waiting-direct', 'active', 'verifying', 'complete', 'cancelled', 'failed']
    for (const state of states) {
      for (const direction of ['in', 'out'] as const) {
        for (const path of ['direct', 'relayed', undefined] as const) {
          expect(transferLabel(transfer(state, direction), 'Alice', path)).toMatch(/\S/)
        }
      }
    }
  })

  it('puts the name in as text', () => {
    expect(transferLabel(transfer('cancelled', 'in', { cancelledBy: 'peer' }), '<b>Bob</b>', 'direct')).toBe('Cancelled by <b>Bob</b>')
  })
})

describe('isUnfinished', () => {
  it('is true until the transfer completes, is cancelled or fails', () => {
    const unfinished = (['preparing', 'waiting', 'waiting-direct', 'active', 'verifying', 'complete', 'cancelled', 'failed'] as const)
      .filter(state => isUnfinished(transfer(state, 'in')))
    expect(unfinished).toEqual(['preparing', 'waiting', 'waiting-direct', 'active', 'verifying'])
  })
})

describe('formatPercent', () => {
  it('is a whole percent', () => {
    expect([0, 45, 100].map(formatPercent)).toEqual(['0%', '45%', '100%'])
  })
})

describe('transferLabelTemplate', () => {
  it('leaves the contact name as a placeholder, to be shown untranslated', () => {
    expect(transferLabelTemplate(transfer('waiting', 'out'))).toBe('Waiting for {name} to come online')
    expect(transferLabelTemplate(transfer('active', 'in'), 'relayed')).toBe('Receiving')
  })

  it('does not take a failure reason for a placeholder', () => {
    expect(transferLabel(transfer('failed', 'in', { problem: { code: 'fileFailedEarlier', params: { reason: 'Bad {name}' } } }), 'Alice')).toBe('Failed: Bad {name}')
  })
})

describe('in Russian', () => {
  beforeEach(() => { setLocale('ru') })
  afterEach(() => { setLocale('en') })

  it('writes sizes with Russian units and a decimal comma', () => {
    expect([0, 1023, 1536, 10 * KiB, 9.94 * MiB, 3.2 * GiB, 2048 * GiB].map(formatBytes))
      .toEqual(['0 Б', '1023 Б', '1,5 КиБ', '10 КиБ', '9,9 МиБ', '3,2 ГиБ', '2 ТиБ'])
  })

  it('writes speeds, times left and percentages the Russian way', () => {
    expect(formatSpeed(1.5 * MiB)).toBe('1,5 МиБ/с')
    expect([12, 180, 3600, 3900].map(s => formatEta(s))).toEqual(['12 с', '3 мин', '1 ч', '1 ч 5 мин'])
    // Russian puts a (no-break) space before the sign
    expect(formatPercent(45)).toMatch(/^45\s%$/u)
  })

  it('says where every transfer stands in Russian, the name kept as given', () => {
    expect(transferLabel(transfer('waiting', 'out'), 'Alice')).toBe('Ждём, когда Alice будет в сети')
    expect(transferLabel(transfer('cancelled', 'in', { cancelledBy: 'peer' }), 'Alice')).toBe('Alice отменил(а) передачу')
    expect(transferLabel(transfer('failed', 'in', { problem: { code: 'fileFailedEarlier', params: { reason: 'Файл не совпал с хешем' } } }), 'Alice')).toBe('Ошибка: Файл не совпал с хешем')
    // a code is worded in the language shown now
    expect(transferLabel(transfer('failed', 'in', { problem: { code: 'fileOverLimit', params: { size: 3 * 1024 ** 3, max: 2 * 1024 ** 3 } } }), 'Alice'))
      .toBe('Ошибка: Размер этого файла — 3 ГиБ, а это приложение принимает файлы не больше 2 ГиБ.')
    const states: TransferState[] = ['preparing', 'waiting', 'waiting-direct', 'active', 'verifying', 'complete', 'cancelled', 'failed']
    for (const state of states) {
      for (const direction of ['in', 'out'] as const) {
        for (const path of ['direct', 'relayed', undefined] as const) {
          // no English word left (the name is the only Latin text, and it is left out here)
          expect(transferLabel(transfer(state, direction), '', path)).toMatch(/^[^A-Za-z]*[А-Яа-яЁё][^A-Za-z]*$/u)
        }
      }
    }
  })
})
