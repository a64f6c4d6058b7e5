// Runs `npm ci` unless node_modules is already installed from the current package-lock.json.
// npm writes node_modules/.package-lock.json at the end of every install, so that file being
// newer than package-lock.json means the install is current. A fresh clone has no such file
// and always installs; a changed lockfile (newer mtime after a pull) reinstalls.
// Force a reinstall with `npm run deps -- --force`, NPM_CI_FORCE=true, or `mvn ... -Dnpm.ci.force`.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (file) => {
  try {
    return statSync(join(root, file)).mtimeMs;
  } catch {
    return undefined;
  }
};

const lock = mtime('package-lock.json');
const installed = mtime('node_modules/.package-lock.json');
const force = process.argv.includes('--force') || process.env.NPM_CI_FORCE === 'true';

if (!force && lock !== undefined && installed !== undefined && installed >= lock) {
  console.log('[ensure-deps] node_modules is newer than package-lock.json: skipping npm ci');
  process.exit(0);
}

const reason = force ? 'forced' : installed === undefined ? 'no node_modules' : 'package-lock.json changed';
console.log(`[ensure-deps] ${reason}: npm ci --no-audit --no-fund`);
const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32', // npm is npm.cmd there
});
if (result.error) {
  console.error(`[ensure-deps] could not run npm: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
