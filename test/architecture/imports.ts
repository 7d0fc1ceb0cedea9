import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * The import rules of ARCHITECTURE.md, checked on the source itself: layers (a module imports only
 * from its own layer or below), models (only the module that owns one, and the composition root,
 * may create or query it), and no import cycles. Used by architecture.test.ts.
 */
export interface Import {
  /** Importing file, relative to src/ (posix). */
  from: string;
  /** Imported file, relative to src/ (posix, .ts). */
  to: string;
  typeOnly: boolean;
  /** The names imported (empty for a side-effect or namespace import). */
  names: string[];
}

/** Layers from the bottom; a folder (or a root file) belongs to one. */
export const LAYERS: ReadonlyArray<{ name: string; members: readonly string[] }> = [
  {
    name: 'kernel',
    members: [
      'clock.ts',
      'config.ts',
      'log.ts',
      'paths.ts',
      'errors.ts',
      'text.ts',
      'user-agent.ts',
      'i18n',
      'security',
      'db',
      'limits',
      'assurance',
      'observability',
    ],
  },
  {
    name: 'domain',
    members: [
      'members',
      'otp',
      'passkeys',
      'clients',
      'audit',
      'admins',
      'messaging',
      'notices',
      'recovery',
      'browsers',
    ],
  },
  { name: 'protocol', members: ['oidc'] },
  { name: 'web', members: ['http', 'code-flow', 'console', 'context.ts'] },
  { name: 'features', members: ['interaction', 'account', 'admin', 'site', 'dev'] },
  { name: 'root', members: ['app.ts', 'main.ts'] },
];

/** The folder (or root file) a source file belongs to: its module. */
export function moduleOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file;
}

export function layerOf(file: string): number {
  const module = moduleOf(file);
  const index = LAYERS.findIndex((layer) => layer.members.includes(module));
  return index;
}

const IMPORT =
  /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

/** The values an import clause brings in (names marked `type` are left out). */
function namesOf(clause: string): string[] {
  const braces = /\{([^}]*)\}/.exec(clause)?.[1];
  const parts = braces
    ? braces
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part && !part.startsWith('type '))
    : [];
  const names = parts.map((part) => part.split(/\s+as\s+/)[0]!.trim());
  const defaultName = /^([A-Za-z_$][\w$]*)\s*(,|$)/.exec(clause.trim())?.[1];
  return defaultName && defaultName !== 'type' ? [defaultName, ...names] : names;
}

/** The relative imports of one file's text. */
export function importsOf(from: string, text: string): Import[] {
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[4] ?? match[5] ?? match[6]!;
    if (!specifier.startsWith('.')) continue;
    const to = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
    const clause = match[3] ?? '';
    const allTypes = Boolean(match[2]) || /^\{\s*(type\s+[^,}]+,?\s*)+\}$/.test(clause.trim());
    found.push({ from, to, typeOnly: allTypes, names: namesOf(clause) });
  }
  return found;
}

/** Every non-test TypeScript file under `root`, with its relative imports. */
export function readSources(root: string): Import[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
    }
  };
  walk(root);
  return files.flatMap((path) => importsOf(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8')));
}

/** What the composition root may do that no one else may. */
const COMPOSITION_ROOT = 'app.ts';

export function violations(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const edge of imports) {
    const fromLayer = layerOf(edge.from);
    const toLayer = layerOf(edge.to);
    if (fromLayer < 0) problems.push(`${edge.from}: its module is in no layer (add it to LAYERS and ARCHITECTURE.md)`);
    else if (toLayer < 0) problems.push(`${edge.to}: its module is in no layer`);
    else if (toLayer > fromLayer && !(edge.typeOnly && edge.to === 'context.ts')) {
      problems.push(`${edge.from} → ${edge.to}: ${LAYERS[fromLayer]!.name} may not import ${LAYERS[toLayer]!.name}`);
    }
    const sameModule = moduleOf(edge.from) === moduleOf(edge.to);
    if (!sameModule && edge.from !== COMPOSITION_ROOT && /(^|\/)model\.ts$/.test(edge.to) && !edge.typeOnly) {
      // Outside its module a model file gives types and constants (UPPER_CASE), never the model.
      const reaching = edge.names.filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name));
      if (reaching.length)
        problems.push(
          `${edge.from} → ${edge.to}: only ${moduleOf(edge.to)}/ and the composition root use its model (${reaching.join(', ')})`,
        );
    }
    if (!sameModule && edge.names.includes('oidcModel'))
      problems.push(`${edge.from}: only oidc/ reaches the provider's collections (oidcModel)`);
  }
  for (const cycle of cycles(imports)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return problems;
}

/** Strongly connected components with more than one file (Tarjan), each as a readable path. */
export function cycles(imports: readonly Import[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const { from, to } of imports) {
    graph.set(from, [...(graph.get(from) ?? []), to]);
    if (!graph.has(to)) graph.set(to, []);
  }
  let index = 0;
  const indexes = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexes.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)!) {
      if (!indexes.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexes.get(next)!));
    }
    if (low.get(node) === indexes.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.reverse());
    }
  };
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node);
  return found;
}

export const srcRoot = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'src');
