/**
 * Creates `.xplan/` with its `.gitignore`, so working files never end up committed by accident, and says clearly
 * when `.xplan` or a file in it is the wrong kind of file.
 */
import { constants, statSync, type Stats } from 'node:fs';
import { mkdir, open, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../core/errors.js';

export const XPLAN_GITIGNORE = `# xplan working files. config.yaml and history/ (merge conflicts, for later plans) are meant to be committed;
# everything else here is local.
state.json*
*.lock
events.jsonl
runs/
worktrees/
logs/
`;

export async function ensureXplanDir(xplanDir: string): Promise<void> {
  await mkdir(xplanDir, { recursive: true }).catch((error: unknown) => {
    throw xplanFileError(error, xplanDir) ?? error;
  });
  // 'wx' keeps a .gitignore the user has edited.
  await writeFile(join(xplanDir, '.gitignore'), XPLAN_GITIGNORE, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw xplanFileError(error, join(xplanDir, '.gitignore')) ?? error;
  });
}

/**
 * The error to show for a failed read or write of one of xplan's own files (`.xplan/…`), or undefined when the
 * failure is not about the file system entry itself.
 */
export function xplanFileError(error: unknown, path: string): InputError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const kindOf = (p: string) => {
    try {
      const info = statSync(p);
      return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  };
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR': {
      // Some part of the path that should be a directory is a file: name the first one.
      for (let dir = basename(path) === '.xplan' ? path : dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
        if (kindOf(dir) === 'file' || kindOf(dir) === 'other') {
          return new InputError('XPLAN_FILE_KIND', `${dir} is a file, but xplan keeps a directory there`, `Move it aside (mv ${dir} ${dir}.bak); xplan creates the directory again.`);
        }
      }
      if (kindOf(path) !== 'directory') return new InputError('XPLAN_FILE_KIND', `${path} is not a directory`, `Move it aside (mv ${path} ${path}.bak); xplan creates it again.`);
      return undefined;
    }
    case 'EISDIR':
      return directoryInTheWay(path);
    case 'ELOOP':
      return new InputError('XPLAN_FILE_KIND', `${path} is a symbolic link that loops back on itself`, `Remove the link (rm ${path}) or point it at a real file.`);
    case 'ENAMETOOLONG':
      return new InputError('XPLAN_PATH_TOO_LONG', `The path ${path} is too long for the file system`, 'Work from a repository with a shorter path.');
    case 'EACCES':
    case 'EPERM':
      return new InputError('XPLAN_FILE_PERMISSION', `Cannot use ${path}: permission denied`, `Check the permissions of ${dirname(path)} and the files in it.`);
    default:
      return undefined;
  }
}

/**
 * Opens one of xplan's own files (state, config, events, conflict history, an agent's transcript) for reading;
 * undefined when there is none. It is opened without blocking and checked before anything is read, so a named pipe
 * or a device put there is refused at once, with the way out, instead of hanging the command.
 */
export async function openXplanFile(path: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw xplanFileError(error, path) ?? error;
  }
  const info = await handle.stat();
  if (info.isFile()) return handle;
  await handle.close();
  throw notARegularFile(path, info);
}

/** The text of one of xplan's own files, or undefined when there is none (see openXplanFile). */
export async function readXplanFile(path: string): Promise<string | undefined> {
  const handle = await openXplanFile(path);
  if (!handle) return undefined;
  try {
    return await handle.readFile('utf8');
  } catch (error) {
    throw xplanFileError(error, path) ?? error;
  } finally {
    await handle.close();
  }
}

/** `path` is not a regular file where xplan keeps one: a directory, a named pipe, a device or a socket. */
export function notARegularFile(path: string, info: Stats): InputError {
  if (info.isDirectory()) return directoryInTheWay(path);
  const kind = info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : 'not a regular file';
  return new InputError('XPLAN_FILE_KIND', `${path} is ${kind}, but xplan keeps a regular file there`, `Move it aside (mv ${path} ${path}.bak); xplan writes the file again when it needs it.`);
}

/** `path` is a directory where xplan keeps a file. */
export function directoryInTheWay(path: string): InputError {
  return new InputError('XPLAN_FILE_KIND', `${path} is a directory, but xplan keeps a file there`, `Move it aside (mv ${path} ${path}.bak); xplan writes the file again when it needs it.`);
}
