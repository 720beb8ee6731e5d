/**
 * The Russian strings, for a test file that shows them. A tab loads them
 * before it shows them (lib/i18n/load-locale.ts); a test that switches with
 * setLocale('ru') directly imports this first:
 *
 *   import '<path>/tests/support/russian.ts'
 *
 * Not in tests/unit/setup.ts: most files show no Russian, and loading the
 * tables in each of the suite's files took its summed setup time from 45 to 87 s.
 */
import { addRussian } from '../../src/lib/i18n/index.ts'
import { RUSSIAN } from '../../src/lib/i18n/ru.ts'

addRussian(RUSSIAN)
