// Checks the layering of DESIGN.md ("Imports point one way") and the purity of raft/core
// (STYLE.md: no I/O, no timers, no clock, no Math.random) by reading every .ts file's imports.
//
// The checker is a pure function of (file path, source text), so the test also feeds it
// synthetic sources that must fail: a check that cannot fail checks nothing.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Top-level folders of the project, with raft/core split from the rest of raft/. */
type Layer = 'raft/core' | 'raft' | 'store' | 'control-plane' | 'node-agent' | 'lab' | 'bench' | 'test' | 'bin';
const layers: Layer[] = ['raft/core', 'raft', 'store', 'control-plane', 'node-agent', 'lab', 'bench', 'test', 'bin'];

/** Which project layers each layer must not import (DESIGN.md, "Layout"). */
const forbidden: Record<Layer, Layer[]> = {
  'raft/core': ['raft', 'store', 'control-plane', 'node-agent', 'lab', 'bench', 'test', 'bin'],
  raft: ['store', 'control-plane', 'node-agent', 'lab', 'bench', 'test', 'bin'],
  store: ['control-plane', 'node-agent', 'lab', 'bench', 'test', 'bin'],
  'control-plane': ['node-agent', 'lab', 'bench', 'test', 'bin'],
  // The agent talks to the control plane over HTTP; it may share its types, nothing else
  // (checked separately below: only `import type` from control-plane/).
  'node-agent': ['raft/core', 'raft', 'store', 'lab', 'bench', 'test', 'bin'],
  lab: ['test', 'bin'],
  bench: ['test', 'bin'],
  test: [],
  bin: ['raft/core', 'raft', 'store', 'node-agent', 'lab', 'bench', 'test'],
};

/**
 * The documented exception: the `keel` CLI runs the lab (`keel lab sim`), and DESIGN.md says
 * "nothing imports lab/ but tests, bench and the CLI". Only this file, not all of control-plane/.
 */
const labImportAllowed = new Set(['control-plane/cli.ts']);
/** The same exception for bench/: the CLI runs the benchmarks (`keel bench`). Only this file. */
const benchImportAllowed = new Set(['control-plane/cli.ts']);

/** Globals the pure core must not touch: time, randomness, the process. */
const impureTokens = ['Date.now', 'Math.random', 'setTimeout', 'setInterval', 'setImmediate', 'performance.now', 'process.', 'new Date'];

export interface ImportRef {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

/**
 * Removes comments and replaces every string literal by a placeholder `'#N'` (N indexes
 * `strings`), so that neither prose in comments nor text inside strings can look like code.
 * Line breaks are kept, so line numbers still match the source.
 */
export function maskSource(source: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let code = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      code += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      const text = source.slice(i + 1, j);
      code += `'#${strings.length}'` + text.replace(/[^\n]/g, '');
      strings.push(text);
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

/** Every static import, re-export, dynamic import() and require() in a source text. */
export function findImports(source: string): ImportRef[] {
  const { code, strings } = maskSource(source);
  const found: ImportRef[] = [];
  const patterns = [
    /\b(import|export)\s+(type\s+)?[^';]*?\bfrom\s*'#(\d+)'/g,
    /\bimport\s*'#(\d+)'/g,
    /\bimport\s*\(\s*'#(\d+)'\s*\)/g,
    /\brequire\s*\(\s*'#(\d+)'\s*\)/g,
  ];
  for (const [k, pattern] of patterns.entries()) {
    for (const match of code.matchAll(pattern)) {
      const specifier = strings[Number(k === 0 ? match[3] : match[1])]!;
      const line = code.slice(0, match.index).split('\n').length;
      found.push({ specifier, typeOnly: k === 0 && match[2] !== undefined, line });
    }
  }
  return found;
}

/** The layer a project-relative path (with forward slashes) belongs to, or null. */
export function layerOf(path: string): Layer | null {
  if (path.startsWith('raft/core/')) return 'raft/core';
  const top = path.split('/')[0]!;
  return layers.includes(top as Layer) ? (top as Layer) : null;
}

/**
 * The layering problems of one file: `file` is project-relative with forward slashes.
 * Returns human-readable findings, empty when the file is fine.
 */
export function checkFile(file: string, source: string): string[] {
  const layer = layerOf(file);
  if (layer === null) return [];
  const problems: string[] = [];
  for (const ref of findImports(source)) {
    const where = `${file}:${ref.line} imports '${ref.specifier}'`;
    const isRelative = ref.specifier.startsWith('./') || ref.specifier.startsWith('../');
    if (!isRelative) {
      if (layer === 'raft/core') problems.push(`${where}: raft/core imports no module (only its own files)`);
      continue;
    }
    const target = relative(root, resolve(root, dirname(file), ref.specifier)).split(sep).join('/');
    const targetLayer = layerOf(target);
    if (target.startsWith('..') || targetLayer === null) {
      problems.push(`${where}: resolves outside the project's layers (${target})`);
      continue;
    }
    if (targetLayer === 'lab' && layer !== 'lab' && !labImportAllowed.has(file) && layer !== 'test' && layer !== 'bench') {
      problems.push(`${where}: nothing but tests, bench and control-plane/cli.ts imports lab/`);
      continue;
    }
    if (targetLayer === 'lab' && labImportAllowed.has(file)) continue;
    if (targetLayer === 'bench' && benchImportAllowed.has(file)) continue;
    if (forbidden[layer].includes(targetLayer)) {
      problems.push(`${where}: ${layer}/ must not import ${targetLayer}/`);
      continue;
    }
    if (layer === 'node-agent' && targetLayer === 'control-plane' && !ref.typeOnly) {
      problems.push(`${where}: node-agent/ uses control-plane/ through HTTP; only \`import type\` is allowed`);
    }
  }
  if (layer === 'raft/core') {
    const { code } = maskSource(source);
    for (const token of impureTokens) {
      if (code.includes(token)) problems.push(`${file}: raft/core must not use ${token} (time, randomness and the process enter from outside)`);
    }
  }
  return problems;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(path));
    else if (/\.(ts|js|mjs)$/.test(entry.name)) files.push(path);
  }
  return files;
}

function projectFiles(): string[] {
  return layers
    .filter((layer) => layer !== 'raft/core')
    .flatMap((top) => {
      try {
        return walk(join(root, top));
      } catch {
        return []; // a folder that does not exist yet has nothing to check
      }
    })
    .map((path) => relative(root, path).split(sep).join('/'));
}

t.test('the checker finds every kind of import', async (t) => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    "export * from './c.ts';",
    "import './d.ts';",
    "const e = await import('./e.ts');",
    "// import { f } from './commented-out.ts';",
    "/* import { g } from './block-comment.ts'; */",
    "const text = 'import x from \"./not-an-import.ts\"';",
    'import {',
    '  h,',
    "} from 'node:fs';",
  ].join('\n');
  const refs = findImports(source);
  t.same(
    refs.map((r) => r.specifier).sort(),
    ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts', 'node:fs'].sort(),
  );
  t.equal(refs.find((r) => r.specifier === '../b.ts')?.typeOnly, true);
  t.equal(refs.find((r) => r.specifier === 'node:fs')?.line, 9);
});

t.test('the checker rejects bad imports in synthetic sources', async (t) => {
  const bad: [string, string, RegExp][] = [
    ['raft/core/x.ts', "import { readFile } from 'node:fs';", /raft\/core imports no module/],
    ['raft/core/x.ts', "import { Level } from 'level';", /raft\/core imports no module/],
    ['raft/core/x.ts', "import { LogStore } from '../log-store.ts';", /raft\/core\/ must not import raft\//],
    ['raft/core/x.ts', 'const now = Date.now();', /must not use Date\.now/],
    ['raft/core/x.ts', 'const r = Math.random();', /must not use Math\.random/],
    ['raft/core/x.ts', 'setTimeout(() => {}, 1);', /must not use setTimeout/],
    ['raft/core/x.ts', 'const t0 = performance.now();', /must not use performance\.now/],
    ['raft/core/x.ts', 'if (process.env.DEBUG) {}', /must not use process\./],
    ['raft/node.ts', "import { api } from '../store/api.ts';", /raft\/ must not import store\//],
    ['raft/node.ts', "import { sim } from '../lab/sim/cli.ts';", /imports lab\//],
    ['store/mvcc.ts', "import { x } from '../control-plane/server.ts';", /store\/ must not import control-plane\//],
    ['control-plane/scheduler.ts', "import { runSimCommand } from '../lab/sim/cli.ts';", /imports lab\//],
    ['control-plane/master.ts', "import { runBench } from '../bench/index.ts';", /control-plane\/ must not import bench\//],
    ['store/server.ts', "import { runBench } from '../bench/index.ts';", /store\/ must not import bench\//],
    ['node-agent/agent.ts', "import { Pod } from '../control-plane/types.ts';", /only `import type`/],
    ['node-agent/agent.ts', "import { open } from '../store/client.ts';", /node-agent\/ must not import store\//],
    ['lab/sim/x.ts', "import { helper } from '../../test/interaction/env.ts';", /lab\/ must not import test\//],
  ];
  for (const [file, source, expected] of bad) {
    const problems = checkFile(file, source);
    t.match(problems.join('\n'), expected, `${file}: ${source}`);
  }
});

t.test('the checker accepts what DESIGN.md allows', async (t) => {
  const good: [string, string][] = [
    ['raft/core/raw-node.ts', "import { assert } from './assert.ts';"],
    ['raft/core/raw-node.ts', '// Date.now is never read here; time enters as tick()'],
    ['raft/node.ts', "import { RawNode } from './core/index.ts';\nimport { Level } from 'level';"],
    ['store/mvcc.ts', "import { RaftNode } from '../raft/node.ts';"],
    ['control-plane/cli.ts', "import { runSimCommand } from '../lab/sim/cli.ts';"],
    ['control-plane/cli.ts', "import { runBench } from '../bench/index.ts';"],
    ['node-agent/agent.ts', "import type { Pod } from '../control-plane/types.ts';"],
    ['bench/raft-core.ts', "import { RawNode } from '../raft/core/index.ts';\nimport { sim } from '../lab/sim/cli.ts';"],
    ['test/x.test.ts', "import { sim } from '../lab/sim/cli.ts';"],
  ];
  for (const [file, source] of good) t.same(checkFile(file, source), [], `${file}: ${source}`);
});

t.test('raft/core imports nothing outside itself and reads no clock or randomness', async (t) => {
  const files = walk(join(root, 'raft/core')).map((p) => relative(root, p).split(sep).join('/'));
  t.ok(files.length > 0, 'raft/core has files');
  for (const file of files) t.same(checkFile(file, readFileSync(join(root, file), 'utf8')), [], file);
});

t.test('every project file follows the layering of DESIGN.md', async (t) => {
  const files = projectFiles();
  t.ok(files.length > 0, 'the project has files');
  const problems = files.flatMap((file) => checkFile(file, readFileSync(join(root, file), 'utf8')));
  t.same(problems, [], 'no layering problems');
});
