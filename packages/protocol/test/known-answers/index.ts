/**
 * The known answers published in docs/vectors/ (its README says what each
 * file is and how to check a client against it): made by scripts/vectors.ts,
 * checked byte for byte by known-answers.test.ts, both from this function.
 */
import { makeDeviceList } from './device-list.ts'
import { makeGroupDevice } from './group-device.ts'
import { makeKeys } from './keys.ts'
import { makeLink } from './link.ts'
import { makePush } from './push.ts'
import { makeFileChunk, makeSeal } from './seal-file.ts'
import { makeSession } from './session.ts'
import type { Inputs, Json } from './inputs.ts'

/** The files of docs/vectors/ this makes (the frozen transcript parley-session-v1.json is transcript.test.ts's). */
export const VECTOR_FILES = ['keys.json', 'bundle.json', 'pqxdh.json', 'ratchet.json', 'seal.json', 'file-chunk.json', 'link.json', 'device-list.json', 'group-device.json', 'push.json'] as const
export type VectorFile = typeof VECTOR_FILES[number]

/** Every vector file's content, from `inputs`. */
export async function makeVectors (inputs: Inputs): Promise<Record<VectorFile, Json>> {
  const keys = makeKeys(inputs)
  const session = makeSession(inputs, keys)
  const deviceList = makeDeviceList(inputs, keys)
  return {
    ...keys.files,
    ...session.files,
    'seal.json': makeSeal(inputs, keys, session.mailboxBox),
    'file-chunk.json': await makeFileChunk(inputs),
    'link.json': makeLink(inputs, keys),
    'device-list.json': deviceList.file,
    'group-device.json': makeGroupDevice(keys, deviceList),
    'push.json': await makePush(inputs, keys)
  }
}

/** A vector file's text: JSON, one space of indent, a newline at the end. */
export function vectorText (content: Json): string {
  return `${JSON.stringify(content, null, 1)}\n`
}
