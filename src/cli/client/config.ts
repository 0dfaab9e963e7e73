// Where the CLI client finds the service: each of the server URL and the API key comes from a
// flag, else an environment variable, else a JSON config file, resolved field by field (a key
// in the environment and a server in the file combine). Pure over its inputs, so the
// precedence is tested without touching the real environment or home directory.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError, issue, type InputIssue } from '../../common/errors.js';
import { zodIssues } from '../../common/zod-issues.js';

export interface ConnectionFlags {
  server?: string;
  apiKey?: string;
  config?: string;
}

export interface ConfigSources {
  flags: ConnectionFlags;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** File contents, or undefined when the file does not exist. */
  readFile: (path: string) => string | undefined;
}

export type Origin = 'flag' | 'env' | 'file';

export interface ClientConfig {
  server: string;
  apiKey: string;
  /** Where each value came from, for error messages and `--verbose`-style diagnostics. */
  from: { server: Origin; apiKey: Origin };
  /** The config file consulted (whether or not it existed). */
  configFile: string;
}

const ConfigFileSchema = z
  .object({
    server: z.string().min(1).optional().describe('Service URL, e.g. http://127.0.0.1:8080'),
    apiKey: z.string().min(1).optional().describe('An API key, odk_…'),
  })
  .strict();

export const defaultConfigPath = (home: string) => join(home, '.config', 'opendojo', 'config.json');

function readConfigFile(path: string, explicit: boolean, read: ConfigSources['readFile']): z.output<typeof ConfigFileSchema> {
  const text = read(path);
  if (text === undefined) {
    // The default location is optional; a file the user named must exist.
    if (explicit) throw new InputError(path, [issue('', 'no such config file')]);
    return {};
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, [issue('', `config file is not valid JSON: ${(e as Error).message}`)]);
  }
  const parsed = ConfigFileSchema.safeParse(doc);
  if (!parsed.success) throw new InputError(path, zodIssues(parsed.error).map((i) => ({ ...i, message: `${i.message} (allowed keys: server, apiKey)` })));
  return parsed.data;
}

function checkServer(url: string, origin: Origin, file: string): InputIssue | undefined {
  const where = origin === 'flag' ? '--server' : origin === 'env' ? 'OPENDOJO_SERVER' : `${file}: server`;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return issue(where, `must be an http:// or https:// URL; got "${url}"`);
  } catch {
    return issue(where, `must be a URL such as http://127.0.0.1:8080; got "${url}"`);
  }
  return undefined;
}

/** Server URL and API key: flag, else environment, else config file, each field on its own. */
export function resolveConfig(src: ConfigSources): ClientConfig {
  const explicitFile = src.flags.config ?? src.env.OPENDOJO_CONFIG;
  const configFile = explicitFile ?? defaultConfigPath(src.home);
  const file = readConfigFile(configFile, explicitFile !== undefined, src.readFile);
  const pick = (flag: string | undefined, env: string | undefined, fromFile: string | undefined): [string, Origin] | undefined =>
    flag ? [flag, 'flag'] : env ? [env, 'env'] : fromFile ? [fromFile, 'file'] : undefined;
  const server = pick(src.flags.server, src.env.OPENDOJO_SERVER, file.server);
  const apiKey = pick(src.flags.apiKey, src.env.OPENDOJO_API_KEY, file.apiKey);
  const problems: InputIssue[] = [];
  if (!server) problems.push(issue('server', `no service URL: pass --server URL, set OPENDOJO_SERVER, or put {"server": "http://…"} in ${configFile}`));
  if (!apiKey) problems.push(issue('api key', `no API key: pass --api-key KEY, set OPENDOJO_API_KEY, or put {"apiKey": "odk_…"} in ${configFile}`));
  if (server) {
    const bad = checkServer(server[0], server[1], configFile);
    if (bad) problems.push(bad);
  }
  if (problems.length) throw new InputError('client configuration', problems);
  return { server: server![0], apiKey: apiKey![0], from: { server: server![1], apiKey: apiKey![1] }, configFile };
}

/** The real process's sources: its environment, home directory and file system. */
export function processSources(flags: ConnectionFlags): ConfigSources {
  return {
    flags,
    env: process.env,
    home: homedir(),
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new InputError(path, [issue('', `cannot read config file: ${(e as Error).message}`)]);
      }
    },
  };
}
