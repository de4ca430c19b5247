// Reading a history file in any of the formats the checker knows, found from its content or
// named by the caller, together with the model that fits it.
import { HistoryError } from '../errors.ts';
import type { History } from '../history.ts';
import type { AnyModel } from '../model.ts';
import { keelModel } from '../models/keel.ts';
import { kvModel } from '../models/kv.ts';
import { registerModel } from '../models/register.ts';
import { parseJepsen } from './jepsen.ts';
import { parseKeelJsonl } from './keel-jsonl.ts';
import { parsePorcupineKv } from './porcupine-kv.ts';

export { parseJepsen, type ParsedHistory } from './jepsen.ts';
export { parsePorcupineKv } from './porcupine-kv.ts';
export { formatKeelJsonl, parseKeelJsonl } from './keel-jsonl.ts';

export const formatNames = ['jepsen', 'porcupine-kv', 'keel'] as const;
export type FormatName = (typeof formatNames)[number];

export const models: Record<string, AnyModel> = { register: registerModel, kv: kvModel, keel: keelModel };

/** The model each format's operations are written for; a keel history may name another with --model. */
const defaultModels: Record<FormatName, string> = { jepsen: 'register', 'porcupine-kv': 'kv', keel: 'keel' };

/** The format of a history from its first non-blank line; null when it is empty or unknown. */
export function detectFormat(text: string): FormatName | null {
  const first = text.split('\n').find((line) => line.trim() !== '')?.trimStart();
  if (first === undefined) return null;
  if (/^INFO\s+jepsen\.util\s/.test(first)) return 'jepsen';
  if (first.startsWith('{:')) return 'porcupine-kv';
  if (first.startsWith('{"') || first.startsWith('{ "')) return 'keel';
  return null;
}

export interface LoadedHistory {
  format: FormatName;
  model: AnyModel;
  history: History<unknown, unknown>;
  /** Operations left out because they certainly did not take effect. */
  dropped: number;
}

/**
 * Parses a history. An empty text is an empty history (trivially linearizable) in the named
 * format, or keel's. Throws a HistoryError when the text is not in the format, or when the
 * model cannot read the format's operations.
 */
export function loadHistory(text: string, options: { format?: FormatName; model?: string } = {}): LoadedHistory {
  const detected = detectFormat(text);
  if (detected === null && text.trim() !== '' && options.format === undefined) {
    throw new HistoryError(`unknown history format (known: ${formatNames.join(', ')}); the first line is ${JSON.stringify(text.trimStart().split('\n')[0].slice(0, 80))}`);
  }
  const format = options.format ?? detected ?? 'keel';
  const modelName = options.model ?? defaultModels[format];
  const model = models[modelName];
  if (model === undefined) throw new HistoryError(`unknown model ${modelName} (known: ${Object.keys(models).join(', ')})`);
  if (format !== 'keel' && modelName !== defaultModels[format]) {
    throw new HistoryError(`a ${format} history holds ${defaultModels[format]} operations; it cannot be checked with the ${modelName} model`);
  }
  const parsed = format === 'jepsen' ? parseJepsen(text) : format === 'porcupine-kv' ? parsePorcupineKv(text) : parseKeelJsonl(text, model);
  return { format, model, history: parsed.history as History<unknown, unknown>, dropped: parsed.dropped };
}
