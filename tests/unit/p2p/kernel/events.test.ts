import { TypedEventEmitter } from 'main-event'
import { describe, expect, it } from 'vitest'
import { tell } from '../../../../src/lib/p2p/kernel/events.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'

/** News a feature tells the ones above it, and waits on (kernel/events.ts `tell`). */
describe('tell', () => {
  const news = { contactId: 7, peerId: '12D3KooWMe', blocked: false }

  it('resolves once the work every listener handed to waitUntil is done', async () => {
    const events = new TypedEventEmitter<ParleyEvents>()
    const done: string[] = []
    let release = (): void => {}
    events.addEventListener('contact:deleted', ({ detail }) => {
      detail.waitUntil(new Promise<void>((resolve) => { release = resolve }).then(() => { done.push('slow') }))
    })
    events.addEventListener('contact:deleted', ({ detail }) => { done.push(`heard ${detail.contactId}`) })
    let told = false
    const telling = tell(events, 'contact:deleted', news).then(() => { told = true })
    await Promise.resolve()
    expect(done).toEqual(['heard 7'])
    expect(told).toBe(false)
    release()
    await telling
    expect(done).toEqual(['heard 7', 'slow'])
  })

  it('rejects with a listener\'s failure, as awaiting its work would', async () => {
    const events = new TypedEventEmitter<ParleyEvents>()
    events.addEventListener('contact:blocked', ({ detail }) => { detail.waitUntil(Promise.reject(new Error('no hang-up'))) })
    await expect(tell(events, 'contact:blocked', news)).rejects.toThrow('no hang-up')
  })

  it('resolves at once when nobody listens', async () => {
    await expect(tell(new TypedEventEmitter<ParleyEvents>(), 'contact:deleted', news)).resolves.toBeUndefined()
  })
})
