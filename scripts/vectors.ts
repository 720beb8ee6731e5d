/**
 * `npx tsx scripts/vectors.ts`: writes the known answers of docs/vectors/
 * (every file but the frozen transcript, which its test writes) from the
 * code as it is. Run it after a deliberate change of what they cover (the
 * seal, the session suite, the keyed files), review the diff, and commit
 * it: `npm test` (packages/protocol/test/known-answers) checks the files
 * against the code byte for byte.
 */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { makeVectors, vectorText } from '../packages/protocol/test/known-answers/index.ts'
import { Inputs } from '../packages/protocol/test/known-answers/inputs.ts'

const DIR = resolve(import.meta.dirname, '../docs/vectors')

const files = await makeVectors(new Inputs())
for (const [name, content] of Object.entries(files)) {
  await writeFile(resolve(DIR, name), vectorText(content))
  console.log(`wrote docs/vectors/${name}`)
}
