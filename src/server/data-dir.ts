// The embedded database's directory: PGlite keeps PostgreSQL's files under DIR/pg. A pid lock
// file keeps a second process (another server, or `opendojo admin` while a server runs) off the
// same files, which a single-process database cannot share. A lock left by a killed process is
// taken over once that process is gone.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../common/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not yet reaped) still answers kill(0); its stat state is Z.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'opendojo.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new InputError('--data-dir', [{ path: 'data-dir', message: `${dir} is in use by process ${pid} (a running server); stop it or use another directory` }]);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new InputError('--data-dir', [{ path: 'data-dir', message: `could not lock ${dir}` }]);
}
