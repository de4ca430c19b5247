// Porcupine's key-value histories (the corpus's kv/*.txt), one Clojure-style map per line:
//
//   {:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}
//   {:process 0, :type :ok, :f :get, :key "9", :value "x 0 2 y"}
//
// The line number is the clock. Strings have no escapes in this format. `:fail` and `:info`
// do not occur in the corpus; they are read as Jepsen means them (formats/jepsen.ts).
import { HistoryError } from '../errors.ts';
import type { KvInput, KvOutput } from '../models/kv.ts';
import type { ParsedHistory } from './jepsen.ts';
import { Pairing } from './pairing.ts';

const lineRe = /^\{\s*:process\s+(\d+)\s*,\s*:type\s+:(invoke|ok|fail|info)\s*,\s*:f\s+:(get|put|append)\s*,\s*:key\s+"([^"\\]*)"\s*,\s*:value\s+(nil|"[^"\\]*")\s*\}\s*$/;

export function parsePorcupineKv(text: string): ParsedHistory<KvInput, KvOutput> {
  const pairing = new Pairing<KvInput, KvOutput>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === '') continue;
    const m = lineRe.exec(lines[i]);
    if (m === null) throw new HistoryError(`not a kv event: ${JSON.stringify(lines[i].slice(0, 80))}`, line);
    const [, process, type, f, key, rawValue] = m;
    const value = rawValue === 'nil' ? null : rawValue.slice(1, -1);
    if (type === 'invoke') {
      pairing.invoke(process, f, inputOf(f, key, value, line), line, line);
    } else if (type === 'ok') {
      const output: KvOutput = f === 'get' ? { value: value ?? '' } : {};
      pairing.complete(process, f, line, line, { output });
    } else {
      pairing.complete(process, f, line, line, type === 'info' ? 'info' : 'drop');
    }
  }
  return { history: pairing.finish(), dropped: pairing.dropped };
}

function inputOf(f: string, key: string, value: string | null, line: number): KvInput {
  if (f === 'get') return { op: 'get', key };
  if (value === null) throw new HistoryError(`${f} needs a string value, got nil`, line);
  return { op: f as 'put' | 'append', key, value };
}
