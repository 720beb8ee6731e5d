/**
 * Adds the strings of releases (messages/release.ts) to the tables. Imported
 * by what shows them (lib/pwa/release-watch.ts, ui/AboutRelease.svelte), which
 * load after the app's shell: the strings load with them.
 */
import { addArea } from './index.ts'
import * as release from './messages/release.ts'

addArea('release', release)
