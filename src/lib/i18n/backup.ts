/**
 * Adds the backup section's strings (messages/backup.ts) to the tables. Imported
 * by the modules that show them (state/backup-export.svelte.ts,
 * ui/BackupSettings.svelte), which load on demand: the strings load with them,
 * not with the app's shell.
 */
import { addArea } from './index.ts'
import * as backup from './messages/backup.ts'

addArea('backup', backup)
