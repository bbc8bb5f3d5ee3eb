import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The action folders: `lib/actions/<name>/action.ts` exporting `<name>`, and optionally
 * `standIn.ts` exporting `standIn`. Everything per-action elsewhere is generated from this
 * list (`npm run generate`), never edited by hand.
 */

export const PROJECT_ROOT = join(__dirname, '..', '..');
export const ACTIONS_DIR = join(PROJECT_ROOT, 'lib', 'actions');
/**
 * The sample events, at the top level as the Serverless convention has them
 * (`serverless invoke local -f <function> -p events/<file>`): `<action>.json`,
 * `<action>-<case>.json`, and `http-<action>.json` for the HTTPS front's function.
 */
export const EVENTS_DIR = join(PROJECT_ROOT, 'events');

export interface ActionFolder {
  name: string;
  hasStandIn: boolean;
}

export function actionFolders(actionsDir = ACTIONS_DIR): ActionFolder[] {
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(actionsDir, entry.name, 'action.ts')))
    .map((entry) => ({ name: entry.name, hasStandIn: existsSync(join(actionsDir, entry.name, 'standIn.ts')) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
